"""The credit-note e-mail: over real SMTP, its PDF attached, amounts in the one money format,
sent once, in the delivery log as a credit note."""

import email
from email import policy

import pytest
from django.contrib.contenttypes.models import ContentType

from billing.errors import InvalidEmailRequest
from billing.models import CreditNote
from billing.services.actors import Actor
from billing.services.credit_note_email import credit_note_send_email
from billing.services.credit_notes import credit_note_issue
from billing.services.payments import payment_record
from notifications.models import Message
from tests.notifications.email_support import (  # noqa: F401
    SmtpSink,
    issued_invoice,
    pdf_text,
    smtp_settings,
    sync_queue,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sync_queue")]

ACTOR = Actor(label="api:ck_test")


def credited(locale="en", **issue) -> CreditNote:
    """Jane's invoice (2,549.99 USD): 1,000 paid, then a credit of 1,800: 1,549.99 off
    the amount due, 200 refunded, 50.01 left as credit."""
    invoice = issued_invoice(locale=locale, partial_payment=True)
    payment_record(invoice=invoice, amount=100000, method="CASH", actor=ACTOR)
    issue = {"reason": "ORDER_CHANGE", "amount": 180000, "refund_amount": 20000} | issue
    return credit_note_issue(invoice=invoice, actor=ACTOR, memo="Fewer hours", **issue)


def send(note, capture):
    with capture(execute=True):
        result = credit_note_send_email(note=note, actor=ACTOR)
    result.message.refresh_from_db()
    return result


def received(sink):
    return email.message_from_bytes(sink.received[-1].content, policy=policy.default)


def test_the_credit_note_goes_out_over_smtp_with_its_pdf(
    settings, django_capture_on_commit_callbacks
):
    note = credited()
    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        result = send(note, django_capture_on_commit_callbacks)
    message = result.message
    assert (result.created, message.status, message.channel) == (True, "sent", "email")
    assert message.purpose == "credit_note_issued"
    assert list(message.events.values_list("status", flat=True)) == ["sending", "sent"]
    assert sink.received[-1].rcpt_tos == ["jane@example.com", "ap@example.com"]
    mail = received(sink)
    assert mail["Subject"] == "Credit note CN-000001 from Acme Ltd"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert (
        "We have issued credit note CN-000001 of 1,800.00 USD on invoice INV-000001 (order change)"
    ) in text
    assert "Taken off the amount due: 1,549.99 USD" in text
    assert "Refunded to you: 200.00 USD" in text
    assert "Left as credit: 50.01 USD" in text
    assert "Invoice amount due now: 0.00 USD" in text
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "<strong>1,800.00 USD</strong>" in html
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "CN-000001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    pdf = pdf_text(attachment.get_content())
    assert "Credit note CN-000001" in pdf and "1,800.00 USD" in pdf


def test_amounts_follow_the_customers_locale(settings, django_capture_on_commit_callbacks):
    note = credited(locale="de")
    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        send(note, django_capture_on_commit_callbacks)
    text = received(sink).get_body(preferencelist=("plain",)).get_content()
    assert "credit note CN-000001 of 1.800,00 USD" in text
    assert "Refunded to you: 200,00 USD" in text


def test_a_second_send_returns_the_same_message_and_sends_nothing_more(
    settings, django_capture_on_commit_callbacks
):
    note = credited()
    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        first = send(note, django_capture_on_commit_callbacks)
        second = send(note, django_capture_on_commit_callbacks)
    assert (second.created, second.message.pk) == (False, first.message.pk)
    assert len(sink.received) == 1
    about = ContentType.objects.get_for_model(CreditNote)
    assert Message.objects.filter(subject_type=about, subject_id=str(note.pk)).count() == 1


def test_the_delivery_log_names_the_credit_note_and_its_customer(
    django_capture_on_commit_callbacks,
):
    note = credited()
    message = send(note, django_capture_on_commit_callbacks).message
    assert (message.subject_label, message.recipient_name, message.recipient_ref) == (
        "CN-000001",
        "Jane Doe",
        str(note.invoice.customer_id),
    )


def test_a_customer_without_any_address_is_refused_and_nothing_is_logged(
    django_capture_on_commit_callbacks,
):
    note = credited()
    invoice = note.invoice
    invoice.customer.contacts.all().delete()
    type(invoice.customer).objects.filter(pk=invoice.customer_id).update(email="")
    type(invoice).objects.filter(pk=invoice.pk).update(email="")
    with pytest.raises(InvalidEmailRequest) as caught:
        send(note, django_capture_on_commit_callbacks)
    assert caught.value.messages == ["The customer has no e-mail address"]
    assert Message.objects.filter(purpose="credit_note_issued").count() == 0
