"""The sandbox's outage windows and push retries (what the scale-out harness injects)."""

import http.server
import threading
import time

import requests

from notifications.sandbox import Sandbox, SandboxConfig
from tests.notifications.test_whatsapp_sandbox import wait_for
from tests.notifications.whatsapp_support import SEED_BODY

SEND = "/sandbox/sendTemplate"
AUTH = {"Authorization": "Bearer sandbox-token"}


def send(sandbox: Sandbox, phone: str = "79001234567") -> requests.Response:
    return requests.post(
        sandbox.url + SEND, json={**SEED_BODY, "phone": phone}, headers=AUTH, timeout=5
    )


def test_an_outage_answers_500_sends_nothing_then_ends():
    sandbox = Sandbox(SandboxConfig(ack_delay=0.05)).start()
    try:
        answer = requests.post(sandbox.url + "/_sandbox/faults", json={"status": 500, "seconds": 1})
        assert answer.json() == {"fault": {"status": 500, "hang": 0.0}, "seconds": 1}
        assert send(sandbox).status_code == 500
        time.sleep(0.3)
        assert (sandbox.hooks, [s["fault"] for s in sandbox.sends]) == ({}, [True])
        time.sleep(0.8)
        after = send(sandbox)
        assert (after.status_code, after.json()["sent"]) == (200, True)
        assert [s.get("fault", False) for s in sandbox.sends] == [True, False]
    finally:
        sandbox.stop()


def test_a_hanging_outage_keeps_the_caller_waiting_past_its_read_timeout():
    sandbox = Sandbox().start()
    try:
        requests.post(sandbox.url + "/_sandbox/faults", json={"hang": 1.0, "seconds": 5})
        started = time.monotonic()
        try:
            send_timeout = requests.post(
                sandbox.url + SEND, json=SEED_BODY, headers=AUTH, timeout=0.3
            )
        except requests.ReadTimeout:
            send_timeout = None
        assert send_timeout is None
        assert time.monotonic() - started < 1.0
        requests.post(sandbox.url + "/_sandbox/faults", json={})
        assert wait_for(lambda: len(sandbox.sends) == 1, seconds=3)
        assert send(sandbox).status_code == 200
    finally:
        sandbox.stop()


def test_a_refused_push_is_tried_again_until_the_receiver_is_back():
    sandbox = Sandbox(SandboxConfig(ack_delay=0.05, push_retries=4)).start()
    received = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(self.rfile.read(int(self.headers["content-length"])))
            self.send_response(200 if len(received) > 1 else 503)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sandbox.webhook_urls = [f"http://127.0.0.1:{server.server_address[1]}/hook"]
        assert send(sandbox, phone="79001234502").status_code == 200  # one ack: "sent"
        assert wait_for(lambda: len(received) == 2, seconds=5)
        assert received[0] == received[1]  # the same ack, answered 503 the first time
        time.sleep(1.2)
        assert len(received) == 2  # delivered: no further tries
    finally:
        server.shutdown()
        server.server_close()
        sandbox.stop()
