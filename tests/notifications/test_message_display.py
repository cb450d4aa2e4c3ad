"""A message's page never contradicts itself: the badge follows the status, an error the message
got past is history, a final status has no next attempt, times have seconds, phones are masked."""

import re

import pytest
from django.urls import reverse

from billing.services.actors import Actor
from billing.services.whatsapp import invoice_send_whatsapp
from notifications import pipeline
from notifications import status as st
from notifications.admin import display
from notifications.channels.base import SendOutcome
from notifications.models import Message
from tests.notifications.whatsapp_support import seed_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stub_channel")]
SECONDS = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def sent_message(outcome: SendOutcome) -> Message:
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=Actor(label="t")).message
    pipeline.apply_outcome(pipeline.claim(message.pk), outcome)
    return Message.objects.get(pk=message.pk)


def page(client, message) -> str:
    response = client.get(reverse("admin:notifications_message_change", args=[message.pk]))
    assert response.status_code == 200
    return response.content.decode()


def field(html: str, name: str) -> str:
    """The text of one read-only field of the change page."""
    match = re.search(
        rf'<div class="form-row field-{name}">.*?<div class="readonly">(.*?)</div>', html, re.S
    )
    assert match, name
    return match.group(1).strip()


def test_a_message_that_ended_read_shows_its_http_500_as_history(admin_client):
    message = sent_message(SendOutcome.unknown("http_500", "HTTP 500"))
    assert (message.status, message.error_kind) == (st.UNKNOWN, "no_answer")
    st.transition(message.pk, st.SENT, source="webhook")
    st.transition(message.pk, st.READ, source="webhook")
    message.refresh_from_db()
    assert (message.status, message.error_kind, message.last_error_code) == (
        st.READ,
        "",
        "http_500",
    )
    html = page(admin_client, message)
    assert field(html, "problem") == "None"
    history = field(html, "earlier_problems")
    assert SECONDS.match(history) and history.endswith(" · unknown · HTTP 500")
    assert field(html, "status_display") == (
        '<span class="message-status tone-good" data-status="read">Read</span>'
    )


def test_a_current_error_is_the_problem_and_not_history(admin_client):
    message = sent_message(SendOutcome.failed("131026", "(#131026) Message undeliverable"))
    html = page(admin_client, message)
    assert field(html, "problem").startswith(
        "Number or address cannot receive it: (#131026) Message undeliverable<br>"
    )
    assert field(html, "earlier_problems") == "None"


def test_a_rejected_message_is_never_green(admin_client):
    message = invoice_send_whatsapp(
        invoice=seed_invoice(consent=False), actor=Actor(label="t")
    ).message
    assert message.status == st.REJECTED
    badge = field(page(admin_client, message), "status_display")
    assert (
        badge == '<span class="message-status tone-problem" data-status="rejected">Not sent</span>'
    )
    assert display.tone(st.QUEUED) == "waiting"


def test_a_final_status_has_no_next_attempt(admin_client):
    message = sent_message(SendOutcome.accepted("wamid.7"))
    assert message.next_attempt_at is not None  # the first poll is planned
    assert field(page(admin_client, message), "next_attempt").startswith(
        "Next check with the provider: "
    )
    st.transition(message.pk, st.READ, source="webhook")
    message.refresh_from_db()
    assert message.next_attempt_at is None
    assert field(page(admin_client, message), "next_attempt") == "None: the outcome is final"


def test_a_waiting_retry_shows_its_next_attempt_with_seconds(admin_client):
    message = sent_message(SendOutcome.retry("http_429", "Rate limited", after=60))
    assert (message.status, message.error_kind) == (st.QUEUED, "temporary")
    text = field(page(admin_client, message), "next_attempt")
    assert text.startswith("Next attempt: ") and SECONDS.fullmatch(
        text.removeprefix("Next attempt: ")
    )


def test_timeline_times_have_seconds_and_phones_are_masked_everywhere(admin_client):
    message = sent_message(SendOutcome.accepted("wamid.8", answer={"chatId": "79001234567@c.us"}))
    html = page(admin_client, message)
    assert "79001234567" not in html
    assert "*******4567" in field(html, "payload_masked")
    assert "&quot;phone&quot;: &quot;*******4567&quot;" in html
    assert "&quot;chatId&quot;: &quot;*******4567@c.us&quot;" in html
    received = re.findall(r'<td class="field-received">\s*<p>(.*?)</p>', html, re.S)
    assert len(received) == 2 and all(SECONDS.fullmatch(r.strip()) for r in received)


def test_masking_keeps_what_is_not_a_phone():
    payload = {"phone": "+79001234567", "id": 1700000000123, "text": "call +79001234567 now"}
    assert display.masked(payload, "+79001234567") == {
        "phone": "+*******4567",
        "id": 1700000000123,
        "text": "call +*******4567 now",
    }
    assert display.masked({"note": "order 12345678"}, "+79001234567") == {"note": "order 12345678"}
