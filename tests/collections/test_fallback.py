"""Fallback to e-mail: failed or rejected WhatsApp, or not delivered in time; never for unknown."""

from datetime import timedelta

import pytest
from django.core import mail

from billing.collections.sending import send_due
from billing.services.actors import Actor
from notifications import status as st
from notifications.models import Message, MessageEvent
from tests.collections.support import PLANNED_ON, SEND_AT, Clock, open_invoice
from tests.factories import CustomerFactory, make_invoice


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, PLANNED_ON)


def whatsapp_invoice(org, phone="+79001234567"):
    return open_invoice(
        org,
        name="Alexey",
        phone=phone,
        preferred_channels=["whatsapp", "email"],
        whatsapp_opted_in_at=PLANNED_ON - timedelta(days=1),
    )


def send_reminder(clock, capture, at=SEND_AT):
    clock.set(at)
    with capture(execute=True):
        return send_due()


def fallbacks(message):
    return list(Message.objects.filter(fallback_of=message))


def test_a_failed_whatsapp_reminder_is_followed_by_one_e_mail(
    org, clock, sandbox, django_capture_on_commit_callbacks
):
    invoice = whatsapp_invoice(org)
    send_reminder(clock, django_capture_on_commit_callbacks)
    whatsapp = Message.objects.get(purpose="reminder", channel="whatsapp")

    for _ in range(2):  # the failed ack pushed twice
        with django_capture_on_commit_callbacks(execute=True):
            st.transition(whatsapp.pk, st.FAILED, source="webhook")

    [email] = fallbacks(whatsapp)
    assert (email.channel, email.purpose, email.key, email.status) == (
        "email",
        "reminder",
        "step:1",
        "sent",
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"Reminder: invoice {invoice.number}"
    event = MessageEvent.objects.filter(message=email, applied=False).get()
    assert event.detail == {
        "fallback_of": str(whatsapp.pk),
        "reason": "the whatsapp message was failed",
    }
    assert Message.objects.filter(subject_id=str(invoice.pk)).count() == 2


def test_the_api_names_the_message_a_fallback_follows(
    api, clock, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(
        organization=api.org,
        email="ana@example.com",
        phone="+79001234567",
        preferred_channels=["whatsapp", "email"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice(api.org, status="OPEN", customer=customer, delivery="WHATSAPP")

    data = api.get(f"invoices/{invoice.pk}/messages").json()["data"]

    by_channel = {m["channel"]: m for m in data}
    assert by_channel["whatsapp"]["fallback_of"] is None
    assert by_channel["email"]["fallback_of"] == by_channel["whatsapp"]["id"]


def test_a_rejected_whatsapp_issue_message_falls_back_to_e_mail(
    org, clock, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(
        organization=org,
        email="ana@example.com",
        phone="+79001234567",
        preferred_channels=["whatsapp", "email"],
    )  # no WhatsApp consent: the message is rejected before any provider call

    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice(org, status="OPEN", customer=customer, delivery="WHATSAPP")

    whatsapp = Message.objects.get(subject_id=str(invoice.pk), channel="whatsapp")
    assert whatsapp.status == "rejected"
    [email] = fallbacks(whatsapp)
    assert (email.channel, email.purpose, email.status) == ("email", "invoice_issued", "sent")
    assert mail.outbox[0].to == ["ana@example.com"]


def test_not_delivered_within_the_policy_hours_gives_one_e_mail(
    org, clock, sandbox, django_capture_on_commit_callbacks
):
    whatsapp_invoice(org)
    send_reminder(clock, django_capture_on_commit_callbacks)
    whatsapp = Message.objects.get(purpose="reminder", channel="whatsapp")
    assert whatsapp.status == "accepted"

    early = send_reminder(clock, django_capture_on_commit_callbacks, SEND_AT + timedelta(hours=23))
    late = send_reminder(clock, django_capture_on_commit_callbacks, SEND_AT + timedelta(hours=24))
    again = send_reminder(clock, django_capture_on_commit_callbacks, SEND_AT + timedelta(hours=25))

    assert (early, late, again) == ({}, {"fallback": 1}, {})
    [email] = fallbacks(whatsapp)
    assert email.events.filter(applied=False).get().detail["reason"] == (
        "the whatsapp message was not delivered within 24 hours"
    )
    assert len(mail.outbox) == 1


def test_unknown_never_falls_back(org, clock, sandbox, django_capture_on_commit_callbacks):
    whatsapp_invoice(org, phone="+79001234506")  # the sandbox answers 500 although it sent
    send_reminder(clock, django_capture_on_commit_callbacks)
    whatsapp = Message.objects.get(purpose="reminder", channel="whatsapp")
    assert whatsapp.status == "unknown"

    report = send_reminder(clock, django_capture_on_commit_callbacks, SEND_AT + timedelta(hours=47))

    assert report == {}
    assert fallbacks(whatsapp) == []
    assert len(mail.outbox) == 0


def test_a_delivered_message_does_not_fall_back(
    org, clock, sandbox, django_capture_on_commit_callbacks
):
    whatsapp_invoice(org)
    send_reminder(clock, django_capture_on_commit_callbacks)
    whatsapp = Message.objects.get(purpose="reminder", channel="whatsapp")
    with django_capture_on_commit_callbacks(execute=True):
        st.transition(whatsapp.pk, st.DELIVERED, source="webhook")

    report = send_reminder(clock, django_capture_on_commit_callbacks, SEND_AT + timedelta(hours=47))

    assert (report, fallbacks(whatsapp), len(mail.outbox)) == ({}, [], 0)


def test_an_e_mail_only_order_has_nothing_to_fall_back_to(
    org, clock, django_capture_on_commit_callbacks
):
    invoice = open_invoice(org, email="")
    invoice.__class__.objects.filter(pk=invoice.pk).update(email="")
    send_reminder(clock, django_capture_on_commit_callbacks)

    email = Message.objects.get(purpose="reminder")
    assert (email.channel, email.status) == ("email", "rejected")
    assert fallbacks(email) == []
    assert Actor().label == "system"
