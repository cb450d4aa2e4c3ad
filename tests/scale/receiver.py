"""The integrator's side: a webhook receiver on the infrastructure address that verifies every
signature (Standard Webhooks, the endpoint's secret) and, as receivers do, sometimes fails: the
first try of one event in ``FAIL_EVERY`` is answered 500, so retries are part of every run."""

import hashlib
import http.server
import threading
from collections import Counter
from dataclasses import dataclass, field

from standardwebhooks import Webhook, WebhookVerificationError

FAIL_EVERY = 8


@dataclass
class Integrator:
    secrets: dict = field(default_factory=dict)  # path ("/hooks/<slug>") -> whsec_ secret
    answered: dict = field(default_factory=dict)  # webhook-id -> list of statuses we answered
    types: Counter = field(default_factory=Counter)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, headers: dict, body: bytes) -> int:
        secret = self.secrets.get(path)
        if secret is None:
            return 404
        try:
            payload = Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            with self.lock:
                self.bad_signatures += 1
            return 400
        event_id = headers.get("webhook-id", "")
        first_try = event_id not in self.answered
        unlucky = int(hashlib.sha256(event_id.encode()).hexdigest(), 16) % FAIL_EVERY == 0
        status = 500 if first_try and unlucky else 204
        with self.lock:
            statuses = self.answered.setdefault(event_id, [])
            if status == 204 and 204 not in statuses:
                self.types[payload.get("type", "?")] += 1
            statuses.append(status)
        return status

    def delivered_ids(self) -> set[str]:
        with self.lock:
            return {i for i, statuses in self.answered.items() if 204 in statuses}


def serve(integrator: Integrator, address: str) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = integrator.answer(self.path, headers, body)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer((address, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True, name="integrator").start()
    return server
