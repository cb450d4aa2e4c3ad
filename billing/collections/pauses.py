"""Pausing and resuming reminders for one invoice or all of a customer's invoices (the
organization's pause is the policy's ``enabled``). Planned rows become ``paused`` with the end
date; resume returns them to ``planned`` (the send-time checks still run)."""

from datetime import date

from django.db import transaction

from billing.collections import states
from billing.collections.models import Reminder
from billing.models import Customer, Invoice

S = Reminder.Status


def _pause_rows(rows, *, until: date | None, reason: str, actor_label: str) -> None:
    for reminder_id in list(rows.filter(status=S.PLANNED).values_list("pk", flat=True)):
        states.reminder_transition(
            reminder_id,
            S.PAUSED,
            reason=reason,
            fields={"paused_until": until},
            actor_label=actor_label,
        )


def _resume_rows(rows, *, reason: str, actor_label: str) -> None:
    for reminder_id in list(rows.filter(status=S.PAUSED).values_list("pk", flat=True)):
        states.reminder_transition(
            reminder_id,
            S.PLANNED,
            reason=reason,
            fields={"paused_until": None},
            actor_label=actor_label,
            expect=S.PAUSED,
        )


@transaction.atomic
def invoice_reminders_pause(*, invoice: Invoice, until: date | None, actor_label: str) -> Invoice:
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
    invoice.reminders_paused, invoice.reminders_paused_until = True, until
    invoice.save(update_fields=["reminders_paused", "reminders_paused_until", "updated_at"])
    _pause_rows(
        invoice.reminders.all(), until=until, reason="invoice paused", actor_label=actor_label
    )
    return invoice


@transaction.atomic
def invoice_reminders_resume(*, invoice: Invoice, actor_label: str) -> Invoice:
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
    invoice.reminders_paused, invoice.reminders_paused_until = False, None
    invoice.save(update_fields=["reminders_paused", "reminders_paused_until", "updated_at"])
    _resume_rows(invoice.reminders.all(), reason="invoice resumed", actor_label=actor_label)
    return invoice


def _customer_rows(customer: Customer):
    return Reminder.objects.filter(invoice__customer=customer, invoice__status=Invoice.Status.OPEN)


@transaction.atomic
def customer_reminders_pause(
    *, customer: Customer, until: date | None, actor_label: str
) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    customer.reminders_paused, customer.reminders_paused_until = True, until
    customer.save(update_fields=["reminders_paused", "reminders_paused_until"])
    _pause_rows(
        _customer_rows(customer), until=until, reason="customer paused", actor_label=actor_label
    )
    return customer


@transaction.atomic
def customer_reminders_resume(*, customer: Customer, actor_label: str) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    customer.reminders_paused, customer.reminders_paused_until = False, None
    customer.save(update_fields=["reminders_paused", "reminders_paused_until"])
    _resume_rows(_customer_rows(customer), reason="customer resumed", actor_label=actor_label)
    return customer
