"""A WhatsApp reminder through the real sandbox over HTTP: template ``invoice_reminder`` with
its three quick-reply buttons, each payload naming our message."""

from datetime import timedelta

import pytest

from billing.collections.sending import send_due
from notifications.models import Message
from tests.collections.support import PLANNED_ON, SEND_AT, Clock, open_invoice, step


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, PLANNED_ON)


def test_a_whatsapp_reminder_carries_three_quick_reply_buttons(
    org, clock, sandbox, django_capture_on_commit_callbacks
):
    invoice = open_invoice(
        org,
        name="Alexey",
        phone="+79001234567",
        preferred_channels=["whatsapp", "email"],
        whatsapp_opted_in_at=PLANNED_ON - timedelta(days=1),
    )
    clock.set(SEND_AT)

    with django_capture_on_commit_callbacks(execute=True):
        first = send_due()
    with django_capture_on_commit_callbacks(execute=True):
        second = send_due()

    assert (first, second) == ({"sent": 1}, {})
    assert len(sandbox.sends) == 1
    message = Message.objects.get(purpose="reminder")
    body = sandbox.sends[0]["body"]
    assert (sandbox.sends[0]["status"], body["template"]) == (200, "invoice_reminder")
    assert body["params"][0]["parameters"] == [
        {"type": "text", "text": "Alexey"},
        {"type": "text", "text": invoice.number},
        {"type": "text", "text": "100.00 USD"},
        {"type": "text", "text": "June 19, 2026"},
        {"type": "text", "text": "It is due in 3 days."},
        {"type": "text", "text": f"http://127.0.0.1:8000/pay/{invoice.payment_token}/"},
    ]
    assert body["params"][1:] == [
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": str(index),
            "parameters": [{"type": "payload", "payload": f"db1:{action}:{message.pk}"}],
        }
        for index, action in enumerate(["paid", "more_time", "dispute"])
    ]
    assert message.payload["preview"]["quick_replies"] == [
        "Paid already",
        "Need more time",
        "Dispute",
    ]
    assert (message.status, message.key) == ("accepted", "step:1")
    assert step(invoice).status == "sent"
