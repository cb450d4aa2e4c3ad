"""The optional anymail extra: ESP ids on sent messages, tracking events onto our statuses."""

import pytest
import requests

pytest.importorskip("anymail")

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from anymail.signals import AnymailTrackingEvent, tracking

from billing.services.actors import Actor
from billing.services.invoice_email import invoice_send_email
from notifications.channels.base import Outcome
from notifications.channels.email import _anymail_outcome
from tests.notifications.email_support import issued_invoice, sync_queue  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sync_queue")]


@pytest.fixture
def sent_via_anymail(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    invoice = issued_invoice()
    with django_capture_on_commit_callbacks(execute=True):
        message = invoice_send_email(invoice=invoice, actor=Actor(label="t")).message
    message.refresh_from_db()
    return message


def event(message, event_type, **extra):
    return AnymailTrackingEvent(
        event_type=event_type,
        message_id=message.provider_message_id,
        recipient="jane@example.com",
        event_id=f"evt-{event_type}",
        **extra,
    )


def test_the_esp_id_is_the_provider_id(sent_via_anymail):
    message = sent_via_anymail
    assert message.status == "sent"
    assert message.provider_message_id == "0"  # the test ESP numbers its messages


@pytest.mark.parametrize(
    ("event_type", "status"),
    [
        ("delivered", "delivered"),
        ("opened", "opened"),
        ("clicked", "clicked"),
        ("bounced", "bounced"),
        ("failed", "failed"),
        ("rejected", "failed"),
        ("complained", "delivered"),
    ],
)
def test_tracking_events_map_onto_our_statuses(sent_via_anymail, event_type, status):
    message = sent_via_anymail
    tracking.send(sender=object, event=event(message, event_type), esp_name="Postmark")
    message.refresh_from_db()
    assert message.status == status
    last = message.events.last()
    assert (last.source, last.status, last.detail["event_type"], last.detail["esp"]) == (
        "webhook",
        status,
        event_type,
        "Postmark",
    )


def test_a_late_bounce_after_an_open_is_recorded_but_does_not_move_back(sent_via_anymail):
    message = sent_via_anymail
    tracking.send(sender=object, event=event(message, "opened"), esp_name="Postmark")
    tracking.send(sender=object, event=event(message, "bounced"), esp_name="Postmark")
    message.refresh_from_db()
    assert message.status == "opened"
    assert list(message.events.values_list("status", "applied"))[-2:] == [
        ("opened", True),
        ("bounced", False),
    ]


def test_events_for_unknown_ids_change_nothing(sent_via_anymail):
    message = sent_via_anymail
    stray = AnymailTrackingEvent(
        event_type="delivered", message_id="nope", recipient="x@example.com"
    )
    tracking.send(sender=object, event=stray, esp_name="Postmark")
    message.refresh_from_db()
    assert message.status == "sent"


def api_error(status_code: int) -> AnymailAPIError:
    response = requests.Response()
    response.status_code, response.reason, response._content = status_code, "Answer", b"{}"
    return AnymailAPIError("the ESP said so", status_code=status_code, response=response)


def test_esp_api_errors_become_typed_outcomes():
    assert _anymail_outcome(AnymailRecipientsRefused("all refused")).kind == Outcome.FAILED
    assert _anymail_outcome(api_error(422)).kind == Outcome.FAILED
    assert _anymail_outcome(api_error(429)).kind == Outcome.RETRY
    assert _anymail_outcome(api_error(502)).kind == Outcome.UNKNOWN
    refused = AnymailAPIError("no route")
    refused.__cause__ = requests.ConnectionError("connection refused")
    assert _anymail_outcome(refused).kind == Outcome.RETRY
    timed_out = AnymailAPIError("slow")
    timed_out.__cause__ = requests.ReadTimeout("read timed out")
    assert _anymail_outcome(timed_out).kind == Outcome.UNKNOWN
