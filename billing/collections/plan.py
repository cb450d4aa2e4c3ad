"""The plan: one ``Reminder`` row per policy step, written when an invoice becomes OPEN (and
re-planned by ``billing.collections.replan`` when the policy changes)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from billing.collections.models import Reminder, ReminderEvent, ReminderPolicy
from billing.collections.policy import min_gap, policy_for, window_of
from billing.collections.slots import NoSlot, step_slot
from billing.models import Customer, Invoice
from billing.models.choices import Channel
from billing.services.whatsapp import consent_refusal

S = Reminder.Status
PAST = "past when planned"
NO_SLOT = "no allowed day to send on"


@dataclass(frozen=True)
class PlannedStep:
    step: int
    offset_days: int
    planned_at: datetime | None
    status: str
    reason: str


def recipient_zone(invoice: Invoice) -> ZoneInfo:
    """The customer's zone, else the organization's (without reading the customer's org)."""
    return ZoneInfo(invoice.customer.time_zone or invoice.organization.time_zone)


def is_paused(invoice: Invoice) -> bool:
    return invoice.reminders_paused or invoice.customer.reminders_paused


def channel_order(policy: ReminderPolicy, customer: Customer) -> list[str]:
    if policy.channels == "preferred":
        return list(customer.preferred_channels or [Channel.EMAIL])
    return list(policy.channels)


def resolve_channel(policy: ReminderPolicy, customer: Customer) -> str:
    """The first channel of the order this customer can be reached on (WhatsApp: consent)."""
    order = channel_order(policy, customer)
    for channel in order:
        if channel == Channel.EMAIL and customer.email:
            return channel
        if channel == Channel.WHATSAPP and consent_refusal(customer) is None:
            return channel
    return order[0]


def plan_steps(
    *,
    policy: ReminderPolicy,
    invoice: Invoice,
    now: datetime,
    last_message_at: datetime | None,
    previous: datetime | None = None,
    offsets: Sequence[tuple[int, int]] | None = None,
) -> list[PlannedStep]:
    """Planned times of ``offsets`` ((step, offset) pairs, default: all the policy's steps)."""
    return plan_dates(
        policy=policy,
        due_date=invoice.due_date,
        zone=recipient_zone(invoice),
        now=now,
        last_message_at=last_message_at,
        previous=previous,
        offsets=offsets,
    )


def plan_dates(
    *,
    policy: ReminderPolicy,
    due_date: date,
    zone: ZoneInfo,
    now: datetime,
    last_message_at: datetime | None,
    previous: datetime | None = None,
    offsets: Sequence[tuple[int, int]] | None = None,
) -> list[PlannedStep]:
    """``plan_steps`` from what it depends on: invoices sharing these share their plan."""
    window, gap = window_of(policy), min_gap(policy)
    pairs = offsets if offsets is not None else list(enumerate(policy.steps, 1))
    planned = []
    for step, offset in pairs:
        slot = dict(due_date=due_date, offset_days=offset, zone=zone, window=window)
        try:
            # Past or not is the rule's slot; the gap only ever moves a future step later.
            if step_slot(**slot) < now:
                planned.append(PlannedStep(step, offset, None, S.SKIPPED, PAST))
                continue
            at = step_slot(**slot, not_before=(previous, last_message_at), min_gap=gap)
        except (NoSlot, OverflowError):  # overflow: a due date at the end of the calendar
            planned.append(PlannedStep(step, offset, None, S.CANCELLED, NO_SLOT))
            continue
        status, reason = (S.PLANNED, "") if policy.enabled else (S.PAUSED, "reminders disabled")
        planned.append(PlannedStep(step, offset, at, status, reason))
        previous = at
    return planned


def plan_on_open(invoices: Sequence[Invoice], *, now: datetime | None = None) -> None:
    """Write the plan of invoices that just became OPEN (in the caller's transaction); with
    the policy off nothing is planned (turning it on re-plans every open invoice)."""
    if not invoices:
        return
    now = now or timezone.now()
    policy = policy_for(invoices[0].organization)
    if not policy.enabled:
        return
    rows = []
    for invoice in invoices:
        channel = resolve_channel(policy, invoice.customer)
        issued = now if invoice.delivery != Invoice.Delivery.MANUALLY else None
        for planned in plan_steps(policy=policy, invoice=invoice, now=now, last_message_at=issued):
            rows.append(new_row(invoice.pk, planned, channel, now))
    insert_rows(rows)


def new_row(invoice_id, planned: PlannedStep, channel: str, now: datetime) -> Reminder:
    return Reminder(
        invoice_id=invoice_id,
        step=planned.step,
        offset_days=planned.offset_days,
        planned_at=planned.planned_at or now,
        channel=channel,
        status=planned.status,
        reason=planned.reason,
    )


def insert_rows(rows: list[Reminder]) -> None:
    """New plan rows and their first event on the invoice timeline, one INSERT per table."""
    Reminder.objects.bulk_create(rows)
    ReminderEvent.objects.bulk_create(
        ReminderEvent(
            reminder=row,
            invoice_id=row.invoice_id,
            to_status=row.status,
            reason=row.reason or "planned",
        )
        for row in rows
    )
