"""Against the running sandbox over real HTTP: end to end, the seed's own script, registration."""

import http.client
import io
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command

from billing.services.actors import Actor
from billing.services.invoices import invoice_finalize
from billing.services.whatsapp import invoice_send_whatsapp
from notifications import pipeline, polling
from notifications import status as st
from notifications.models import Message
from tests.notifications.whatsapp_support import SEED_BODY, seed_invoice

SEED = Path(django_settings.BASE_DIR).parent / "shared" / "seeds" / "000_6edd31854b9fe4d2.txt"
ACTOR = Actor(label="test")


def wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_end_to_end_finalize_to_read_through_real_webhooks(sandbox, live_server, settings):
    settings.ONEMSG_WEBHOOK_TOKEN = "e2e-" + "t" * 40
    sandbox.webhook_urls = ["https://crm.example.com/hook"]
    call_command("onemsg_register_webhook", site_url=live_server.url, stdout=io.StringIO())
    assert sandbox.webhook_urls[0] == "https://crm.example.com/hook"  # kept, not replaced
    invoice = seed_invoice(status="DRAFT", delivery="WHATSAPP")
    started = time.monotonic()
    invoice_finalize(invoice=invoice, actor=ACTOR)
    message = Message.objects.get(channel="whatsapp")
    assert wait_for(lambda: Message.objects.get(pk=message.pk).status == st.READ)
    assert time.monotonic() - started < 10
    timeline = list(message.events.values_list("status", "source", "applied"))
    assert timeline == [
        ("sending", "system", True),
        ("accepted", "send", True),
        ("sent", "webhook", True),
        ("delivered", "webhook", True),
        ("read", "webhook", True),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("phone", "first", "then"),
    [
        ("+79001234505", st.QUEUED, st.ACCEPTED),  # 429, then accepted
        ("+79001234506", st.UNKNOWN, None),  # 500: never resent
        ("+79001234508", st.PENDING, None),  # jobId: never resent
        ("+79001234509", st.FAILED, None),  # sent:false with a Meta code
    ],
)
def test_scripted_phones(sandbox, phone, first, then):
    message = invoice_send_whatsapp(invoice=seed_invoice(phone=phone), actor=ACTOR).message
    assert pipeline.deliver(message.pk) == first
    Message.objects.filter(pk=message.pk).update(next_attempt_at=None)
    second = pipeline.deliver(message.pk)
    assert second == (then or "not claimed")
    assert len(sandbox.sends) == (2 if then else 1)


@pytest.mark.django_db
def test_read_timeout_is_unknown(sandbox, monkeypatch):
    from notifications.channels.whatsapp import backend

    monkeypatch.setattr(backend, "TIMEOUT", (2, 0.3))
    message = invoice_send_whatsapp(invoice=seed_invoice(phone="+79001234507"), actor=ACTOR).message
    assert pipeline.deliver(message.pk) == st.UNKNOWN
    assert Message.objects.get().last_error_code == "timeout"


@pytest.mark.django_db
def test_polling_reads_hook_info(sandbox):
    message = invoice_send_whatsapp(invoice=seed_invoice(phone="+79001234502"), actor=ACTOR).message
    pipeline.deliver(message.pk)
    assert wait_for(lambda: sandbox.hooks)
    Message.objects.filter(pk=message.pk).update(next_attempt_at="2000-01-01T00:00Z")
    assert polling.poll(message.pk) == "1 events"
    message.refresh_from_db()
    assert message.status == st.SENT
    assert message.events.filter(source="poll").count() == 1
    assert polling.poll(message.pk) == "not due"


@pytest.mark.django_db
def test_register_keeps_other_urls_and_is_idempotent(sandbox, settings):
    settings.ONEMSG_WEBHOOK_TOKEN = "tok-" + "a" * 40
    sandbox.webhook_urls = ["https://a.example/x", "https://b.example/y"]
    call_command("onemsg_register_webhook", site_url="https://duebell.example")
    call_command("onemsg_register_webhook", site_url="https://duebell.example")
    ours = f"https://duebell.example/hooks/1msg/{settings.ONEMSG_WEBHOOK_TOKEN}/"
    assert sandbox.webhook_urls == ["https://a.example/x", "https://b.example/y", ours]
    settings.ONEMSG_WEBHOOK_TOKEN = "tok-" + "b" * 40  # rotated: our old URL is replaced
    call_command("onemsg_register_webhook", site_url="https://duebell.example")
    assert sandbox.webhook_urls[:2] == ["https://a.example/x", "https://b.example/y"]
    assert sandbox.webhook_urls[2].endswith("b" * 40 + "/")


def test_the_sandbox_checks_auth_and_params(sandbox):
    url = f"{sandbox.url}/sandbox/sendTemplate"
    wrong = requests.post(url, json=SEED_BODY, headers={"Authorization": "Bearer nope"}, timeout=5)
    assert wrong.status_code == 401
    short = {**SEED_BODY, "params": [{"type": "body", "parameters": []}]}
    answer = requests.post(
        url, json=short, headers={"Authorization": "Bearer sandbox-token"}, timeout=5
    )
    text = "(#132000) Number of parameters does not match the expected number of params"
    assert (answer.status_code, answer.json()) == (422, {"sent": False, "message": text})
    missing = {k: v for k, v in SEED_BODY.items() if k != "namespace"}
    answer = requests.post(
        url, json=missing, headers={"Authorization": "Bearer sandbox-token"}, timeout=5
    )
    assert (answer.status_code, answer.json()) == (400, {"message": "template is not defined"})


AUTH = {"Authorization": "Bearer sandbox-token"}


@pytest.mark.parametrize(
    ("urls", "answer"),
    [
        ([], ""),
        (["https://a.example/x"], "https://a.example/x"),
        (["https://a/1", "https://b/2"], "https://a/1,https://b/2"),
    ],
)
def test_the_webhook_setting_reads_as_a_string(sandbox, urls, answer):
    sandbox.webhook_urls = urls
    response = requests.get(f"{sandbox.url}/sandbox/webhook", headers=AUTH, timeout=5)
    assert (response.status_code, response.json()) == (200, {"webhookUrl": answer})


def test_templates_answer_with_their_total(sandbox):
    response = requests.get(f"{sandbox.url}/sandbox/templates", headers=AUTH, timeout=5)
    assert response.status_code == 200
    assert response.json()["total"] == 2
    templates = response.json()["templates"]
    assert [t["name"] for t in templates] == ["invoice_issued", "invoice_reminder"]
    assert [b["text"] for b in templates[1]["buttons"]] == [
        "Paid already",
        "Need more time",
        "Dispute",
    ]


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/sandbox/sendTemplate", {"Authorization": "Bearer nope"}, 401),
        ("/sandbox/sendTemplate/extra", AUTH, 404),
        ("/sandbox/noSuchMethod", AUTH, 404),
    ],
)
def test_an_error_answer_to_a_post_leaves_the_connection_usable(sandbox, path, headers, status):
    host, port = sandbox.server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=5)
    body = json.dumps(SEED_BODY).encode()
    connection.request(
        "POST", path, body=body, headers={**headers, "Content-Type": "application/json"}
    )
    first = connection.getresponse()
    assert (first.status, first.getheader("Content-Type")) == (status, "application/json")
    first.read()
    socket = connection.sock
    connection.request("GET", "/sandbox/hookInfo?messageId=wamid.none", headers=AUTH)
    second = connection.getresponse()
    assert connection.sock is socket  # the same keep-alive connection
    assert (second.status, json.loads(second.read())) == (200, {"hooks": []})
    connection.close()


def seed_script(base_url: str) -> str:
    """The seed's Node.js example, configured for the sandbox (read at test time, not copied)."""
    text = SEED.read_text()
    code = text[text.index("#!/usr/bin/env node") : text.index("module.exports")]
    code += "module.exports = { sendTemplateMessage };\n"
    values = {
        "CHANNEL_ID": "sandbox",
        "API_TOKEN": "sandbox-token",
        "TEMPLATE_NAME": "invoice_issued",
        "TEMPLATE_NAMESPACE": "sandbox_namespace",
        "TEMPLATE_LANGUAGE": "en",
        "TEST_PHONE": "+7 900 123-45-67",
        "TEST_CUSTOMERNAME": "Alexey",
        "TEST_TICKETNUMBER": "INV-2024-0842",
        "TEST_PAYMENTAMOUNT": "49,900 RUB",
        "TEST_DUEDATE": "July 15, 2026",
    }
    for name, value in values.items():
        code, count = re.subn(
            rf'const {name} = "___";', f"const {name} = {json.dumps(value)};", code
        )
        assert count == 1, name
    code, count = re.subn(
        r'const API_BASE_URL = "[^"]*";', f'const API_BASE_URL = "{base_url}";', code
    )
    assert count == 1
    return code


@pytest.mark.skipif(not SEED.exists() or not shutil.which("node"), reason="seed or node missing")
def test_the_seeds_own_node_script_sends_through_the_sandbox(sandbox, tmp_path):
    script = tmp_path / "send.js"
    script.write_text(seed_script(sandbox.url))
    run = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert "Message sent to client." in run.stdout
    # The seed's script formats the amount its own way; everything else is the contract's.
    seeds_parameters = [dict(p) for p in SEED_BODY["params"][0]["parameters"]]
    seeds_parameters[2]["text"] = "49,900 RUB"
    seeds_body = {**SEED_BODY, "params": [{"type": "body", "parameters": seeds_parameters}]}
    assert [s["body"] for s in sandbox.sends] == [seeds_body]
