"""The every-minute job: one message per step, and every re-check of the spec with its reason."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from billing.collections import sending
from billing.collections.models import Reminder, ReminderPolicy
from billing.collections.sending import LEASE, claim, send_due
from billing.services.invoice_email import SendInvoiceEmail, invoice_send_email
from billing.services.invoices import invoice_mark_uncollectible, invoice_void
from billing.services.payments import payment_record
from notifications import pipeline
from notifications.models import Message
from tests.collections.support import PLANNED_ON, SEND_AT, TEST, Clock, open_invoice, step


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, PLANNED_ON)


def run_job(capture, clock, at=SEND_AT):
    clock.set(at)
    with capture(execute=True):
        return send_due()


def reminder_messages(invoice):
    return Message.objects.filter(subject_id=str(invoice.pk), purpose="reminder")


def test_one_run_sends_every_due_step_batch_after_batch(
    org, clock, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(sending, "BATCH", 2)
    invoices = [open_invoice(org, email=f"c{n}@example.com") for n in range(5)]

    assert run_job(django_capture_on_commit_callbacks, clock) == {"sent": 5}

    assert sorted(m.to[0] for m in mail.outbox) == [f"c{n}@example.com" for n in range(5)]
    assert [step(invoice).status for invoice in invoices] == ["sent"] * 5


def test_a_due_step_is_e_mailed_once_with_the_amount_due_now(
    org, clock, django_capture_on_commit_callbacks
):
    invoice = open_invoice(org, lines=((10000, 1),), partial_payment=True)
    payment_record(invoice=invoice, amount=2500, method="CASH", actor=TEST)

    first = run_job(django_capture_on_commit_callbacks, clock)
    second = run_job(django_capture_on_commit_callbacks, clock)

    assert (first, second) == ({"sent": 1}, {})
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert (email.to, email.subject) == (
        ["jane@example.com"],
        f"Reminder: invoice {invoice.number}",
    )
    assert "75.00 USD is due, payment date June 19, 2026. It is due in 3 days." in email.body
    assert f"Pay invoice: http://127.0.0.1:8000/pay/{invoice.payment_token}/" in email.body
    message = reminder_messages(invoice).get()
    assert (message.key, message.channel, message.status) == ("step:1", "email", "sent")
    reminder = step(invoice)
    assert (reminder.status, reminder.message_ids, reminder.sent_at) == (
        "sent",
        [str(message.pk)],
        SEND_AT,
    )
    assert list(reminder.events.values_list("from_status", "to_status", "reason")) == [
        ("", "planned", "planned"),
        ("planned", "sending", "claimed"),
        ("sending", "sent", "sent on email"),
    ]
    invoice.refresh_from_db()
    assert invoice.reminder_sent is True
    assert step(invoice, 2).status == "planned"


def test_a_worker_killed_after_the_provider_accepted_sends_nothing_more(
    org, clock, django_capture_on_commit_callbacks
):
    invoice = open_invoice(org)
    reminder = step(invoice)
    clock.set(SEND_AT)
    assert claim(reminder.pk, SEND_AT)
    # The worker got as far as the pipeline (which sent the e-mail) and died before the row.
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.request_send(
            tenant_id=org.pk,
            subject=invoice,
            purpose="reminder",
            channel="email",
            recipient="jane@example.com",
            context={
                "template": "invoice_reminder",
                "data": {
                    "customerName": "Jane",
                    "invoiceNumber": invoice.number,
                    "amountDue": "1",
                    "dueDate": "d",
                    "dueNote": "n",
                },
            },
            key="step:1",
        )
    assert len(mail.outbox) == 1

    during_lease = run_job(
        django_capture_on_commit_callbacks, clock, SEND_AT + timedelta(minutes=1)
    )
    after_lease = run_job(django_capture_on_commit_callbacks, clock, SEND_AT + LEASE * 2)

    assert (during_lease, after_lease) == ({}, {"sent": 1})
    assert len(mail.outbox) == 1
    assert reminder_messages(invoice).count() == 1
    assert step(invoice).status == "sent"


def test_a_second_claim_of_the_same_row_loses(org, clock):
    invoice = open_invoice(org)
    reminder = step(invoice)

    assert (claim(reminder.pk, SEND_AT), claim(reminder.pk, SEND_AT)) == (True, False)


def test_a_row_re_planned_later_after_it_was_listed_is_not_claimed(org, clock):
    invoice = open_invoice(org)
    reminder = step(invoice)
    Reminder.objects.filter(pk=reminder.pk).update(planned_at=SEND_AT + timedelta(hours=1))

    assert claim(reminder.pk, SEND_AT) is False
    assert step(invoice).status == "planned"


def pay(invoice):
    payment_record(invoice=invoice, amount=invoice.total, method="CASH", actor=TEST)


def pause_invoice(invoice):
    type(invoice).objects.filter(pk=invoice.pk).update(reminders_paused=True)


def pause_customer(invoice):
    invoice.customer.__class__.objects.filter(pk=invoice.customer_id).update(
        reminders_paused=True, reminders_paused_until=date(2026, 6, 30)
    )


def disable(invoice):
    ReminderPolicy.objects.create(organization=invoice.organization, enabled=False)


def dispute(invoice):
    type(invoice).objects.filter(pk=invoice.pk).update(disputed_at=PLANNED_ON)


def promise(invoice):
    type(invoice).objects.filter(pk=invoice.pk).update(promise_to_pay_until=date(2026, 6, 16))


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        (pay, "cancelled", "invoice is paid"),
        (lambda i: invoice_void(invoice=i, actor=TEST), "cancelled", "invoice is void"),
        (
            lambda i: invoice_mark_uncollectible(invoice=i, actor=TEST),
            "cancelled",
            "invoice is uncollectible",
        ),
        (pause_invoice, "paused", "invoice paused"),
        (pause_customer, "paused", "customer paused"),
        (disable, "paused", "reminders disabled for the organization"),
        (dispute, "skipped", "invoice disputed"),
        (promise, "skipped", "promise to pay until 2026-06-16"),
    ],
    ids=[
        "paid",
        "void",
        "uncollectible",
        "paused-invoice",
        "paused-customer",
        "paused-organization",
        "disputed",
        "promise-to-pay",
    ],
)
def test_a_failed_recheck_ends_the_step_with_its_reason_and_sends_nothing(
    org, clock, django_capture_on_commit_callbacks, change, status, reason
):
    invoice = open_invoice(org)
    change(invoice)

    report = run_job(django_capture_on_commit_callbacks, clock)

    assert report == {status: 1}
    reminder = step(invoice)
    assert (reminder.status, reminder.reason, reminder.message_ids) == (status, reason, [])
    assert reminder_messages(invoice).count() == 0
    assert len(mail.outbox) == 0


def test_the_customer_pause_keeps_its_end_date(org, clock, django_capture_on_commit_callbacks):
    invoice = open_invoice(org)
    pause_customer(invoice)

    run_job(django_capture_on_commit_callbacks, clock)

    assert step(invoice).paused_until == date(2026, 6, 30)


def test_an_opted_out_whatsapp_customer_is_skipped(org, clock, django_capture_on_commit_callbacks):
    invoice = open_invoice(
        org,
        phone="+79001234567",
        preferred_channels=["whatsapp"],
        whatsapp_opted_in_at=PLANNED_ON - timedelta(days=30),
    )
    assert step(invoice).channel == "whatsapp"
    type(invoice.customer).objects.filter(pk=invoice.customer_id).update(
        whatsapp_opted_out_at=PLANNED_ON
    )

    report = run_job(django_capture_on_commit_callbacks, clock)

    assert report == {"skipped": 1}
    reminder = step(invoice)
    assert (reminder.status, reminder.reason) == (
        "skipped",
        "The customer has opted out of WhatsApp messages.",
    )
    assert Message.objects.count() == 0


def test_a_manual_send_since_planning_moves_the_step_by_the_minimum_gap(
    org, clock, django_capture_on_commit_callbacks
):
    invoice = open_invoice(org)
    clock.set(datetime(2026, 6, 15, 12, 0, tzinfo=UTC))  # Monday 14:00 Berlin
    with django_capture_on_commit_callbacks(execute=True):
        invoice_send_email(invoice=invoice, actor=TEST, request=SendInvoiceEmail())

    report = run_job(django_capture_on_commit_callbacks, clock)

    assert report == {"planned": 1}
    reminder = step(invoice)
    assert (reminder.status, reminder.reason, reminder.planned_at) == (
        "planned",
        "moved: a message was sent at 2026-06-15 12:00 UTC",
        datetime(2026, 6, 17, 12, 0, tzinfo=UTC),  # exactly 48 h later, inside the window
    )
    assert reminder_messages(invoice).count() == 0
    assert len(mail.outbox) == 1  # the manual send only
    assert list(reminder.events.values_list("to_status", flat=True)) == [
        "planned",
        "sending",
        "planned",
    ]


def test_a_step_claimed_outside_the_window_moves_to_the_next_opening(
    org, clock, django_capture_on_commit_callbacks
):
    invoice = open_invoice(org)

    # Tuesday 19:00 in Berlin: due since 09:00 (the job was down all day).
    report = run_job(
        django_capture_on_commit_callbacks, clock, datetime(2026, 6, 16, 17, 0, tzinfo=UTC)
    )

    assert report == {"planned": 1}
    reminder = step(invoice)
    assert (reminder.status, reminder.reason, reminder.planned_at) == (
        "planned",
        "moved: outside the send window",
        datetime(2026, 6, 17, 7, 0, tzinfo=UTC),
    )
    assert Message.objects.count() == 0


def test_nothing_is_due_before_the_planned_time(org, clock, django_capture_on_commit_callbacks):
    invoice = open_invoice(org)

    report = run_job(
        django_capture_on_commit_callbacks, clock, datetime(2026, 6, 16, 6, 59, tzinfo=UTC)
    )

    assert report == {}
    assert step(invoice).status == "planned"
    assert timezone.now() == datetime(2026, 6, 16, 6, 59, tzinfo=UTC)
    assert Reminder.objects.filter(status="planned").count() == 5
