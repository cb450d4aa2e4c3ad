"""E-mail delivery outcomes over real SMTP, tracking, and the automatic e-mail of OPEN invoices."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from billing.services.actors import Actor
from billing.services.invoice_email import invoice_send_email
from billing.services.invoices import invoice_finalize
from notifications import email_tracking, pipeline
from notifications.models import Message
from tests.api.conftest import Api
from tests.factories import CustomerFactory, make_invoice
from tests.notifications.email_support import (  # noqa: F401
    SmtpSink,
    free_port,
    issued_invoice,
    pdf_text,
    smtp_settings,
    sync_queue,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sync_queue")]

API = Actor(label="api:ck_test")


def send(invoice, capture) -> Message:
    with capture(execute=True):
        message = invoice_send_email(invoice=invoice, actor=API).message
    message.refresh_from_db()
    return message


def timeline(message):
    return list(message.events.values_list("status", "source", "applied"))


def test_accepted_by_the_mail_server_is_sent(settings, django_capture_on_commit_callbacks):
    invoice = issued_invoice()
    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        message = send(invoice, django_capture_on_commit_callbacks)
    assert message.status == "sent"
    assert timeline(message) == [("sending", "system", True), ("sent", "send", True)]
    assert len(sink.received) == 1
    envelope = sink.received[0]
    assert envelope.rcpt_tos == ["jane@example.com", "ap@example.com"]
    raw = envelope.content.decode()
    assert f"Message-ID: <{message.provider_message_id}>" in raw
    assert 'filename="INV-000001.pdf"' in raw
    assert (message.provider, message.attempts, message.next_attempt_at) == ("django-mail", 1, None)


def test_smtp_refusal_is_failed_and_never_retried(settings, django_capture_on_commit_callbacks):
    invoice = issued_invoice()
    invoice.customer.contacts.all().delete()
    with SmtpSink(refuse="jane@example.com") as sink:
        smtp_settings(settings, sink.port)
        message = send(invoice, django_capture_on_commit_callbacks)
    assert message.status == "failed"
    assert (message.last_error_code, message.last_error_message) == (
        "smtp_recipients_refused",
        "all recipients refused (550)",
    )
    assert message.next_attempt_at is None and sink.received == []


def test_a_timeout_after_data_is_unknown(settings, django_capture_on_commit_callbacks):
    invoice = issued_invoice()
    with SmtpSink(stall_seconds=3) as sink:
        smtp_settings(settings, sink.port, timeout=0.5)
        message = send(invoice, django_capture_on_commit_callbacks)
    assert message.status == "unknown"
    assert message.last_error_code == "smtp_timeout"
    assert message.next_attempt_at is None  # never resent automatically


def test_no_mail_server_means_nothing_was_sent_and_a_retry_is_scheduled(
    settings, django_capture_on_commit_callbacks
):
    invoice = issued_invoice()
    smtp_settings(settings, free_port())
    message = send(invoice, django_capture_on_commit_callbacks)
    assert message.status == "queued"
    assert message.last_error_code == "smtp_connect"
    # First retry: 30 s with ±20 % jitter.
    delay = message.next_attempt_at - timezone.now()
    assert timedelta(seconds=20) < delay <= timedelta(seconds=36)
    assert timeline(message)[-1] == ("queued", "send", True)


def test_the_sent_email_has_text_html_pdf_and_tracked_pay_link(django_capture_on_commit_callbacks):
    invoice = issued_invoice()
    message = send(invoice, django_capture_on_commit_callbacks)
    sent = mail.outbox[-1]
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html"
    assert f"/pay/{invoice.payment_token}/" in sent.body  # the text part keeps the plain link
    assert f'href="http://127.0.0.1:8000/pay/{invoice.payment_token}/"' not in html
    assert email_tracking.open_pixel_url(message.pk) in html
    (filename, content, pdf_mimetype) = sent.attachments[0]
    assert (filename, pdf_mimetype) == ("INV-000001.pdf", "application/pdf")
    assert "INV-000001" in pdf_text(content)


def test_open_pixel_and_click_redirect_add_tracking_events(
    client, django_capture_on_commit_callbacks
):
    invoice = issued_invoice()
    message = send(invoice, django_capture_on_commit_callbacks)
    html = mail.outbox[-1].alternatives[0][0]
    pixel = re.search(r'<img src="http://127\.0\.0\.1:8000(/t/o/[^"]+)"', html).group(1)
    click = re.search(
        r'class="action-button" href="http://127\.0\.0\.1:8000(/t/c/[^"]+)"', html
    ).group(1)

    response = client.get(pixel)
    assert (response.status_code, response["Content-Type"]) == (200, "image/gif")
    message.refresh_from_db()
    assert message.status == "opened"

    response = client.get(click)
    assert response.status_code == 302
    assert response["Location"] == f"http://127.0.0.1:8000/pay/{invoice.payment_token}/"
    message.refresh_from_db()
    assert message.status == "clicked"
    assert timeline(message)[-2:] == [("opened", "tracking", True), ("clicked", "tracking", True)]


def test_forged_tracking_tokens_record_nothing(client, django_capture_on_commit_callbacks):
    invoice = issued_invoice()
    message = send(invoice, django_capture_on_commit_callbacks)
    events = message.events.count()
    assert client.get(f"/t/o/{message.pk}:forged.gif").status_code == 200
    assert (
        client.get("/t/c/eyJtIjoiMSIsInUiOiJodHRwczovL2V2aWwuZXhhbXBsZSJ9:x:y/").status_code == 404
    )
    message.refresh_from_db()
    assert (message.status, message.events.count()) == ("sent", events)


def test_an_invoice_that_becomes_open_with_email_delivery_is_emailed_once(
    django_capture_on_commit_callbacks,
):
    draft = make_invoice(delivery="EMAIL")
    with django_capture_on_commit_callbacks(execute=True):
        invoice_finalize(invoice=draft, actor=API)
    messages = Message.objects.filter(channel="email", subject_id=str(draft.pk))
    assert [(m.purpose, m.status) for m in messages] == [("invoice_issued", "sent")]
    assert len(mail.outbox) == 1 and "INV-000001" in mail.outbox[0].subject
    from billing.services.invoice_email import invoice_email_on_open

    with django_capture_on_commit_callbacks(execute=True):
        invoice_email_on_open(messages[0].subject)  # a task run twice
    assert Message.objects.filter(channel="email").count() == 1 and len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("delivery", "preferred", "emailed"),
    [
        ("MANUALLY", ["email"], False),
        ("AUTO", ["email", "whatsapp"], True),
        ("AUTO", ["whatsapp", "email"], True),  # no WhatsApp consent: e-mail is next
        ("AUTO", ["whatsapp"], False),
        ("WHATSAPP", ["email"], True),  # WhatsApp rejected (no consent): the e-mail fallback
    ],
)
def test_which_open_invoices_are_emailed(
    delivery, preferred, emailed, django_capture_on_commit_callbacks
):
    draft = make_invoice(delivery=delivery)
    draft.customer.preferred_channels = preferred
    draft.customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        invoice_finalize(invoice=draft, actor=API)
    assert Message.objects.filter(channel="email").count() == int(emailed)
    assert len(mail.outbox) == int(emailed)


def test_an_open_invoice_without_any_address_is_logged_as_rejected(
    django_capture_on_commit_callbacks,
):
    customer = CustomerFactory(email="")
    draft = make_invoice(customer.organization, customer=customer, email="nobody@example.com")
    type(draft).objects.filter(pk=draft.pk).update(email="")
    with django_capture_on_commit_callbacks(execute=True):
        invoice_finalize(invoice=draft, actor=API)
    message = Message.objects.get(channel="email")
    assert (message.status, message.last_error_code) == ("rejected", "no_recipient")
    assert mail.outbox == []


def test_links_of_a_deleted_message_still_redirect_and_record_nothing(client):
    import uuid

    gone = uuid.uuid4()
    assert client.get(email_tracking.open_pixel_url(gone).split("8000", 1)[1]).status_code == 200
    response = client.get(
        email_tracking.click_url(gone, "https://example.com/x").split("8000", 1)[1]
    )
    assert (response.status_code, response["Location"]) == (302, "https://example.com/x")


def test_logs_never_carry_addresses_or_link_tokens(caplog, django_capture_on_commit_callbacks):
    import logging

    from notifications.logs import RedactWebhookTokens, mask_email

    assert mask_email("jane@example.com") == "j***@example.com"
    assert mask_email("not-an-address") == "***"
    invoice = issued_invoice()
    with caplog.at_level(logging.INFO):
        send(invoice, django_capture_on_commit_callbacks)
    assert "jane@example.com" not in caplog.text and "j***@example.com" in caplog.text
    record = logging.LogRecord("x", 20, "", 0, "GET /pay/%s/ 200", (invoice.payment_token,), None)
    RedactWebhookTokens().filter(record)
    assert record.getMessage() == "GET /pay/<redacted>/ 200"


CUSTOM = {
    "channels": ["email"],
    "email": {
        "headers": {"subject": "Reminder {:Invoice.Number:}"},
        "content": {"body": "Please pay {:Invoice.AmountDue:}."},
    },
}


def test_a_custom_send_while_the_automatic_email_is_queued_is_a_409_naming_it(
    settings, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(delivery="EMAIL")  # its automatic e-mail is queued, not sent yet
    automatic = Message.objects.get()
    api = Api(invoice.organization)
    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        with django_capture_on_commit_callbacks(execute=True):
            refused = api.post(f"invoices/{invoice.pk}/send", CUSTOM)
        assert (refused.status_code, refused.json()) == (
            409,
            {
                "statusCode": 409,
                "message": f"E-mail {automatic.pk} of this invoice is still queued: "
                "send again once it has gone out",
                "error": "Conflict",
            },
        )
        assert list(Message.objects.values_list("pk", "status")) == [(automatic.pk, "queued")]
        assert sink.received == []

        assert pipeline.deliver(automatic.pk) == "sent"
        with django_capture_on_commit_callbacks(execute=True):
            accepted = api.post(f"invoices/{invoice.pk}/send", CUSTOM)
    custom = Message.objects.get(is_active=True)
    assert accepted.status_code == 202
    assert accepted.json() == {
        "messages": [{"id": str(custom.pk), "channel": "email", "status": "queued"}]
    }
    assert custom.pk != automatic.pk
    subjects = [e.content.decode().split("Subject: ")[1].splitlines()[0] for e in sink.received]
    assert subjects == ["Invoice INV-000001 from Acme Ltd", "Reminder INV-000001"]


def test_the_same_email_asked_for_while_the_automatic_one_is_queued_is_that_message(
    settings, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(delivery="EMAIL")
    automatic = Message.objects.get()
    body = {"channels": ["email"], "email": {"headers": {}, "content": {}}}
    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        with django_capture_on_commit_callbacks(execute=True):
            response = Api(invoice.organization).post(f"invoices/{invoice.pk}/send", body)
    assert response.status_code == 202
    assert response.json() == {
        "messages": [{"id": str(automatic.pk), "channel": "email", "status": "queued"}]
    }
    assert Message.objects.count() == 1 and sink.received == []
