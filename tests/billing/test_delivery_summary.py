"""Billing's subscriber to ``message_status_changed``: the last delivery status per channel."""

import pytest
from django.urls import reverse

from billing.models import InvoiceDelivery
from billing.services.actors import Actor
from billing.services.invoice_email import invoice_send_email
from billing.services.whatsapp import invoice_send_whatsapp
from notifications.models import Message
from tests.notifications.email_support import SmtpSink, issued_invoice, smtp_settings

pytestmark = pytest.mark.django_db
API = Actor(label="api:ck_test")


def summary(invoice) -> list[tuple]:
    return list(
        InvoiceDelivery.objects.filter(invoice=invoice)
        .order_by("channel")
        .values_list("channel", "status", "message_id")
    )


def test_each_status_change_updates_the_invoice_summary_of_its_channel(
    settings, django_capture_on_commit_callbacks
):
    invoice = issued_invoice()
    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        with django_capture_on_commit_callbacks(execute=True):
            first = invoice_send_email(invoice=invoice, actor=API).message
        assert summary(invoice) == [("email", "sent", first.pk)]
        with django_capture_on_commit_callbacks(execute=True):
            second = invoice_send_email(invoice=invoice, actor=API).message
        with django_capture_on_commit_callbacks(execute=True):
            # no consent: rejected before any provider call, and summarized all the same
            rejected = invoice_send_whatsapp(invoice=invoice, actor=API).message
    assert len(sink.received) == 2
    assert summary(invoice) == [("email", "sent", second.pk), ("whatsapp", "rejected", rejected.pk)]


def test_a_message_about_no_invoice_changes_no_summary(django_capture_on_commit_callbacks):
    from notifications.template_send import send_template
    from tests.notifications.email_support import SEED_EXAMPLE_DATA

    invoice = issued_invoice()
    with django_capture_on_commit_callbacks(execute=True):
        send_template(
            tenant_id=invoice.organization_id,
            template_id="invoice",
            version=None,
            to="someone@example.com",
            data=SEED_EXAMPLE_DATA,
            created_by="test",
        )
    assert Message.objects.get().status == "sent"
    assert InvoiceDelivery.objects.count() == 0


def test_the_admin_invoice_list_shows_the_summary(admin_client, django_capture_on_commit_callbacks):
    invoice = issued_invoice()
    with django_capture_on_commit_callbacks(execute=True):
        invoice_send_email(invoice=invoice, actor=API)
        invoice_send_whatsapp(invoice=invoice, actor=API)
    html = admin_client.get(reverse("admin:billing_invoice_changelist")).content.decode()
    assert (
        '<td class="field-delivery_summary">'
        'E-mail: <span class="message-status tone-good" data-status="sent">Sent</span> · '
        'WhatsApp: <span class="message-status tone-problem" data-status="rejected">Not sent</span>'
        "</td>"
    ) in html
