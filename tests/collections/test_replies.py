"""Customer replies end to end: the sandbox pushes a tap or a text over real HTTP to our webhook,
which matches it to the reminder's message and applies it to the invoice."""

from datetime import date, timedelta

import pytest
import requests

from billing.collections.sending import send_due
from billing.models import Invoice, InvoiceEvent
from notifications.models import InboundReply
from tests.collections.support import PLANNED_ON, SEND_AT, Clock, open_invoice, step
from tests.notifications.test_whatsapp_sandbox import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
TOKEN = "replies-" + "r" * 40


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, PLANNED_ON)


@pytest.fixture
def reminded(org, clock, sandbox, live_server, settings):
    """An invoice whose first reminder went out on WhatsApp; the sandbox pushes to us."""
    settings.ONEMSG_WEBHOOK_TOKEN = TOKEN
    sandbox.webhook_urls = [f"{live_server.url}/hooks/1msg/{TOKEN}/"]
    invoice = open_invoice(
        org,
        name="Alexey",
        phone="+79001234567",
        preferred_channels=["whatsapp", "email"],
        whatsapp_opted_in_at=PLANNED_ON - timedelta(days=1),
    )
    clock.set(SEND_AT)
    assert send_due() == {"sent": 1}
    return invoice, sandbox.sends[0]["answer"]["id"]


def tap(sandbox, **spec):
    response = requests.post(f"{sandbox.url}/_sandbox/reply", json=spec, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def notes(invoice):
    return list(
        InvoiceEvent.objects.filter(invoice=invoice, actor_label="customer:whatsapp").values_list(
            "note", flat=True
        )
    )


def fresh(invoice):
    return Invoice.objects.get(pk=invoice.pk)


def test_paid_already_pauses_reminders_and_asks_staff_to_check(reminded, sandbox):
    invoice, sent_id = reminded

    tap(sandbox, messageId=sent_id, button="Paid already")

    assert wait_for(lambda: fresh(invoice).reminders_paused, seconds=10)
    changed = fresh(invoice)
    assert (changed.status, changed.reminders_paused_until) == ("OPEN", date(2026, 6, 23))
    assert notes(invoice) == [
        'Customer replied "Paid already": check for a payment (reminders paused until 2026-06-23)'
    ]
    assert (step(invoice, 2).status, step(invoice, 2).paused_until) == ("paused", date(2026, 6, 23))
    assert InboundReply.objects.get().matched_by == "payload"


def test_need_more_time_in_raw_meta_format_is_a_promise_to_pay(reminded, sandbox):
    invoice, sent_id = reminded

    tap(sandbox, messageId=sent_id, button="Need more time", format="meta")

    assert wait_for(lambda: fresh(invoice).promise_to_pay_until is not None, seconds=10)
    assert fresh(invoice).promise_to_pay_until == date(2026, 6, 23)
    assert notes(invoice) == ['Customer replied "Need more time": promise to pay until 2026-06-23']


def test_a_dispute_without_payload_is_matched_by_the_quoted_message_and_the_text(reminded, sandbox):
    invoice, sent_id = reminded

    tap(sandbox, messageId=sent_id, button="Dispute", payload=False)

    assert wait_for(lambda: fresh(invoice).disputed_at is not None, seconds=10)
    assert fresh(invoice).disputed_at == SEND_AT
    assert [step(invoice, n).status for n in (2, 3, 4, 5)] == ["paused"] * 4
    assert InboundReply.objects.get().matched_by == "quoted"


def test_a_duplicate_reply_is_applied_once_and_an_echo_never(reminded, sandbox):
    invoice, sent_id = reminded

    tap(sandbox, messageId=sent_id, text="our own text", fromMe=True)
    first = tap(sandbox, messageId=sent_id, button="Need more time")
    tap(sandbox, messageId=sent_id, button="Need more time", id=first)
    tap(sandbox, messageId=sent_id, text="I will pay on Monday")

    assert wait_for(lambda: len(notes(invoice)) == 2, seconds=10)
    assert wait_for(lambda: InboundReply.objects.count() == 2, seconds=5)
    assert notes(invoice) == [
        'Customer replied "Need more time": promise to pay until 2026-06-23',
        "Customer wrote: I will pay on Monday",
    ]


def test_a_reply_to_an_unknown_message_is_kept_with_its_sender(reminded, sandbox):
    invoice, _ = reminded
    stranger = requests.post(
        f"{sandbox.url}/sandbox/sendTemplate",
        headers={"Authorization": "Bearer sandbox-token"},
        json={
            "phone": "79005554433",
            "template": "invoice_issued",
            "namespace": "sandbox_namespace",
            "language": {"policy": "deterministic", "code": "en"},
            "params": [{"type": "body", "parameters": [{"type": "text", "text": "x"}] * 4}],
        },
        timeout=5,
    ).json()["id"]

    tap(sandbox, messageId=stranger, text="who are you?")

    assert wait_for(lambda: InboundReply.objects.count() == 1, seconds=10)
    kept = InboundReply.objects.get()
    assert (kept.sender, kept.message_id, kept.text) == ("+79005554433", None, "who are you?")
    assert notes(invoice) == []


def test_the_sandbox_command_scripts_a_reply(reminded, sandbox):
    from django.core.management import call_command

    invoice, sent_id = reminded
    port = sandbox.url.rsplit(":", 1)[1]

    call_command("onemsg_sandbox", "--port", port, "--reply", sent_id, "--button", "Paid already")

    assert wait_for(lambda: fresh(invoice).reminders_paused, seconds=10)
    assert InboundReply.objects.get().action == "paid"
