"""What a customer's reply does to the invoice it answers (one service per effect).

"Paid already" pauses reminders for ``pause_on_reply_days`` and asks staff to check for a
payment (it never marks the invoice paid); "Need more time" is a promise to pay until today +
``pause_on_reply_days``; "Dispute" flags the invoice and stops its reminders until staff
resolve it. Typed text is kept on the invoice timeline. Every effect is an invoice event.
"""

import logging
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from billing.collections import states
from billing.collections.models import Reminder
from billing.collections.plan import recipient_zone
from billing.collections.policy import policy_for
from billing.models import Invoice
from billing.reports import figures
from billing.services.actors import Actor
from billing.services.invoices import audit_event
from notifications.models import Message

logger = logging.getLogger(__name__)
CUSTOMER = Actor(label="customer:whatsapp")
S = Reminder.Status
PAUSABLE = (S.PLANNED,)


def on_customer_reply(*, message_id, action: str, text: str, **_) -> None:
    """Receiver of ``notifications.hooks.customer_replied``."""
    invoice_id = _invoice_id(message_id)
    if invoice_id is None:
        logger.info("A customer reply matched no invoice; kept with its sender for staff")
        return
    invoice_apply_reply(invoice_id=invoice_id, action=action, text=text)


def _invoice_id(message_id) -> str | None:
    if message_id is None:
        return None
    invoices = ContentType.objects.get_for_model(Invoice)
    found = Message.objects.filter(pk=message_id, subject_type=invoices).values_list(
        "subject_id", flat=True
    )
    return next(iter(found), None)


@transaction.atomic
def invoice_apply_reply(*, invoice_id, action: str, text: str, now: datetime | None = None):
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("organization", "customer")
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None:
        return None
    now = now or timezone.now()
    effect = EFFECTS.get(action, _typed)
    effect(invoice, now=now, text=text)
    return invoice


def _days(invoice: Invoice) -> int:
    return policy_for(invoice.organization).pause_on_reply_days


def _today(invoice: Invoice, now: datetime):
    return now.astimezone(recipient_zone(invoice)).date()


def _note(invoice: Invoice, note: str) -> None:
    audit_event(invoice, invoice.status, invoice.status, actor=CUSTOMER, note=note)


def _pause_rows(invoice: Invoice, *, until, reason: str) -> None:
    rows = Reminder.objects.filter(invoice=invoice, status__in=PAUSABLE).values_list(
        "pk", flat=True
    )
    for reminder_id in list(rows):
        states.reminder_transition(
            reminder_id,
            S.PAUSED,
            reason=reason,
            fields={"paused_until": until},
            actor_label=CUSTOMER.label,
        )


def _paid_already(invoice: Invoice, *, now: datetime, text: str) -> None:
    until = _today(invoice, now) + timedelta(days=_days(invoice))
    invoice.reminders_paused, invoice.reminders_paused_until = True, until
    invoice.save(update_fields=["reminders_paused", "reminders_paused_until", "updated_at"])
    _pause_rows(invoice, until=until, reason="customer says paid already")
    _note(
        invoice,
        f'Customer replied "Paid already": check for a payment (reminders paused until {until})',
    )


def _more_time(invoice: Invoice, *, now: datetime, text: str) -> None:
    until = _today(invoice, now) + timedelta(days=_days(invoice))
    invoice.promise_to_pay_until = until
    invoice.save(update_fields=["promise_to_pay_until", "updated_at"])
    _note(invoice, f'Customer replied "Need more time": promise to pay until {until}')


def _dispute(invoice: Invoice, *, now: datetime, text: str) -> None:
    if invoice.disputed_at is not None:
        return
    before = figures.standing(invoice)
    invoice.disputed_at = now
    invoice.save(update_fields=["disputed_at", "updated_at"])
    figures.balance_moved(before, invoice)
    _pause_rows(invoice, until=None, reason="invoice disputed")
    _note(invoice, 'Customer replied "Dispute": reminders stop until staff resolve it')
    states.record_event("invoice.disputed", invoice_id=invoice.pk, data={"at": now.isoformat()})


def _typed(invoice: Invoice, *, now: datetime, text: str) -> None:
    _note(invoice, f"Customer wrote: {text}")


EFFECTS = {"paid": _paid_already, "more_time": _more_time, "dispute": _dispute}
