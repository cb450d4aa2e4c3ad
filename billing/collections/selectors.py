"""Reads of the plan: an invoice's reminders and an organization's outbox for a local date."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from billing.collections.models import Reminder
from billing.collections.plan import recipient_zone
from billing.models import Organization
from billing.money import to_major

SHOWN = (
    Reminder.Status.PLANNED,
    Reminder.Status.SENDING,
    Reminder.Status.SENT,
    Reminder.Status.PAUSED,
)


def reminder_row(reminder: Reminder) -> dict:
    zone = recipient_zone(reminder.invoice)
    return {
        "step": reminder.step,
        "offset_days": reminder.offset_days,
        "planned_at": reminder.planned_at,
        "local_time": reminder.planned_at.astimezone(zone).isoformat(),
        "channel": reminder.channel,
        "status": reminder.status,
        "reason": reminder.reason or None,
        "paused_until": reminder.paused_until,
        "message_ids": list(reminder.message_ids),
    }


def invoice_reminders(invoice) -> list[dict]:
    rows = Reminder.objects.filter(invoice=invoice).select_related(
        "invoice__customer", "invoice__organization"
    )
    return [reminder_row(r) for r in rows.order_by("step")]


def outbox(*, organization: Organization, day: date) -> list[dict]:
    """Reminders planned for ``day`` in each recipient's own zone."""
    return [outbox_entry(reminder, local) for reminder, local in outbox_rows(organization, day)]


def outbox_rows(organization: Organization, day: date) -> list[tuple[Reminder, datetime]]:
    """(reminder, its local time) for ``day`` in each recipient's zone (read through the index
    on ``planned_at``: the day's span widened by the widest zone offsets, then exact per row)."""
    start = datetime.combine(day, time.min, tzinfo=ZoneInfo("UTC")) - timedelta(hours=15)
    rows = (
        Reminder.objects.filter(
            invoice__organization=organization,
            planned_at__gte=start,
            planned_at__lt=start + timedelta(hours=54),
            status__in=SHOWN,
        )
        .select_related("invoice__customer", "invoice__organization")
        .order_by("planned_at", "invoice_id", "step")
    )
    found = []
    for reminder in rows:
        local = reminder.planned_at.astimezone(recipient_zone(reminder.invoice))
        if local.date() == day:
            found.append((reminder, local))
    return found


def outbox_entry(reminder: Reminder, local: datetime) -> dict:
    invoice = reminder.invoice
    return {
        "invoice_id": invoice.pk,
        "invoice_number": invoice.number,
        "customer_id": invoice.customer_id,
        "customer_name": invoice.customer.name,
        "step": reminder.step,
        "planned_at": reminder.planned_at,
        "local_time": local.isoformat(),
        "channel": reminder.channel,
        "amount_due": to_major(invoice.amount_due, invoice.currency),
        "currency": invoice.currency,
        "status": reminder.status,
    }
