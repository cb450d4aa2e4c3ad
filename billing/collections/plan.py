"""The plan: one ``Reminder`` row per policy step, written when an invoice becomes OPEN and
re-planned when the policy changes. Sent rows never change."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from billing.collections import states
from billing.collections.models import Reminder, ReminderEvent, ReminderPolicy
from billing.collections.policy import min_gap, policy_for, window_of
from billing.collections.slots import NoSlot, step_slot
from billing.models import Customer, Invoice
from billing.models.choices import Channel
from billing.services.whatsapp import consent_refusal

S = Reminder.Status
PAST = "past when planned"
NO_SLOT = "no allowed day to send on"
KEEP = frozenset({S.SENDING, S.SENT})


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
    zone, window, gap = recipient_zone(invoice), window_of(policy), min_gap(policy)
    pairs = offsets if offsets is not None else list(enumerate(policy.steps, 1))
    planned = []
    for step, offset in pairs:
        slot = dict(due_date=invoice.due_date, offset_days=offset, zone=zone, window=window)
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
    """Write the plan of invoices that just became OPEN (in the caller's transaction)."""
    if not invoices:
        return
    now = now or timezone.now()
    policy = policy_for(invoices[0].organization)
    rows = []
    for invoice in invoices:
        channel = resolve_channel(policy, invoice.customer)
        issued = now if invoice.delivery != Invoice.Delivery.MANUALLY else None
        for planned in plan_steps(policy=policy, invoice=invoice, now=now, last_message_at=issued):
            rows.append(
                Reminder(
                    invoice=invoice,
                    step=planned.step,
                    offset_days=planned.offset_days,
                    planned_at=planned.planned_at or now,
                    channel=channel,
                    status=planned.status,
                    reason=planned.reason,
                )
            )
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


def last_message_at(invoice: Invoice) -> datetime | None:
    from billing.services.whatsapp import messages_for

    return (
        messages_for([invoice]).order_by("-created_at").values_list("created_at", flat=True).first()
    )


@transaction.atomic
def invoice_replan(*, invoice: Invoice, policy: ReminderPolicy, now: datetime) -> int:
    """Re-plan every unsent step of one open invoice; returns how many rows moved."""
    existing = {r.step: r for r in Reminder.objects.select_for_update().filter(invoice=invoice)}
    kept = [r for r in existing.values() if r.status in KEEP]
    previous = max((r.planned_at for r in kept), default=None)
    pairs = [(step, offset) for step, offset in enumerate(policy.steps, 1)]
    pairs = [(s, o) for s, o in pairs if s not in existing or existing[s].status not in KEEP]
    planned = plan_steps(
        policy=policy,
        invoice=invoice,
        now=now,
        last_message_at=last_message_at(invoice),
        previous=previous,
        offsets=pairs,
    )
    channel = resolve_channel(policy, invoice.customer)
    moved = 0
    for step in planned:
        moved += _replan_row(invoice, existing.get(step.step), step, channel, now)
    for row in existing.values():
        if row.step > len(policy.steps) and row.status not in KEEP:
            moved += states.reminder_transition(row.pk, S.CANCELLED, reason="policy changed")
    return moved


def _replan_row(invoice, row, step: PlannedStep, channel: str, now: datetime) -> int:
    fields = {"offset_days": step.offset_days, "planned_at": step.planned_at or now}
    fields["channel"] = channel
    if row is None:
        reminder = Reminder.objects.create(
            invoice=invoice, step=step.step, status=step.status, reason=step.reason, **fields
        )
        ReminderEvent.objects.create(
            reminder=reminder,
            invoice=invoice,
            to_status=step.status,
            reason=step.reason or "planned",
        )
        return 1
    reason = step.reason or "re-planned after a policy change"
    to = step.status
    if to == S.PLANNED and is_paused(invoice):
        to, reason = S.PAUSED, "reminders paused"
    return int(states.reminder_transition(row.pk, to, reason=reason, fields=fields))


def organization_replan(*, organization_id, now: datetime | None = None) -> int:
    """The queue job behind a policy change: every open invoice of the organization."""
    now = now or timezone.now()
    invoices = Invoice.objects.filter(
        organization_id=organization_id, status=Invoice.Status.OPEN
    ).select_related("organization", "customer__organization")
    policy = None
    moved = 0
    for invoice in invoices.iterator(chunk_size=500):
        policy = policy or policy_for(invoice.organization)
        moved += invoice_replan(invoice=invoice, policy=policy, now=now)
    return moved
