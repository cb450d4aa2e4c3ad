"""Message events come through ``notifications.hooks.message_status_changed``."""

import json

import pytest

from billing.services.actors import Actor
from billing.services.credit_note_email import credit_note_send_email
from billing.services.credit_notes import credit_note_issue
from billing.services.invoice_email import invoice_send_email
from billing.services.whatsapp import invoice_send_whatsapp
from billing.webhooks.models import WebhookEvent
from tests.notifications.email_support import SmtpSink, issued_invoice, smtp_settings
from tests.webhooks.support import event_types

pytestmark = pytest.mark.django_db
API = Actor(label="api:ck_test")


def test_every_message_move_is_an_event_and_the_first_accepted_one_sends_the_invoice(
    settings, django_capture_on_commit_callbacks
):
    invoice = issued_invoice()
    before = event_types(invoice.organization)
    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        with django_capture_on_commit_callbacks(execute=True):
            first = invoice_send_email(invoice=invoice, actor=API).message
        with django_capture_on_commit_callbacks(execute=True):
            invoice_send_email(invoice=invoice, actor=API)
    new = event_types(invoice.organization)[len(before) :]
    assert new.count("invoice.sent") == 1
    assert new.count("message.status_changed") == 4  # sending, sent; twice
    assert "invoice.delivery_failed" not in new

    changed = WebhookEvent.objects.filter(type="message.status_changed").order_by("created_at")
    body = json.loads(changed[1].body)
    assert body["message"]["id"] == str(first.pk)
    assert (body["message"]["status"], body["message"]["channel"]) == ("sent", "email")
    assert body["message"]["invoice_id"] == str(invoice.pk)
    assert body["invoice"]["id"] == str(invoice.pk)
    assert [e["status"] for e in body["message"]["events"]] == ["sending", "sent"]


def test_every_channel_failed_raises_delivery_failed(django_capture_on_commit_callbacks):
    invoice = issued_invoice()
    # No address anywhere: the e-mail that follows the refused WhatsApp message fails too.
    type(invoice).objects.filter(pk=invoice.pk).update(email="")
    type(invoice.customer).objects.filter(pk=invoice.customer_id).update(email="")
    invoice.customer.contacts.all().delete()
    invoice.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        rejected = invoice_send_whatsapp(invoice=invoice, actor=API).message  # no consent
    assert rejected.status == "rejected"
    failed = WebhookEvent.objects.get(type="invoice.delivery_failed")
    body = json.loads(failed.body)
    assert body["invoice"]["id"] == str(invoice.pk)
    assert WebhookEvent.objects.filter(type="invoice.sent").count() == 0


def test_a_refused_whatsapp_message_followed_by_an_email_is_no_delivery_failure(
    django_capture_on_commit_callbacks, settings
):
    invoice = issued_invoice()
    with django_capture_on_commit_callbacks(execute=True):
        rejected = invoice_send_whatsapp(invoice=invoice, actor=API).message  # no consent
    assert rejected.status == "rejected"
    assert WebhookEvent.objects.filter(type="invoice.delivery_failed").count() == 0
    assert WebhookEvent.objects.filter(type="invoice.sent").count() == 1


def test_a_credit_notes_email_is_a_message_event_of_its_invoice_but_never_sends_the_invoice(
    settings, django_capture_on_commit_callbacks
):
    invoice = issued_invoice()
    note = credit_note_issue(invoice=invoice, reason="DUPLICATE", amount=1000, actor=API)
    before = event_types(invoice.organization)
    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        with django_capture_on_commit_callbacks(execute=True):
            credit_note_send_email(note=note, actor=API)
    new = event_types(invoice.organization)[len(before) :]
    assert new == ["message.status_changed", "message.status_changed"]  # sending, sent
    body = json.loads(WebhookEvent.objects.filter(type="message.status_changed").last().body)
    assert (body["message"]["purpose"], body["message"]["status"]) == ("credit_note_issued", "sent")
    assert body["message"]["invoice_id"] == str(invoice.pk)
