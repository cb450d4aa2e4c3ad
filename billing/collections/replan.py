"""Re-planning after a policy change, set-wise: the organization's open invoices a batch at a
time, each batch's rows read and locked in one query and its invoices' last messages in
another, the new plan computed in memory and written through the state machine's batch door.
Sent rows never change."""

from datetime import datetime
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from billing.collections import states
from billing.collections.models import Reminder, ReminderPolicy
from billing.collections.plan import (
    PlannedStep,
    insert_rows,
    is_paused,
    new_row,
    plan_steps,
    resolve_channel,
)
from billing.collections.policy import policy_for
from billing.models import Invoice, Organization
from billing.services.whatsapp import messages_for

S = Reminder.Status
BATCH = 1000
KEEP = frozenset({S.SENDING, S.SENT})
REPLANNED = "re-planned after a policy change"


def organization_replan(*, organization_id, now: datetime | None = None) -> int:
    """The queue job behind a policy change: every unsent step of every open invoice of the
    organization; returns how many rows moved."""
    now = now or timezone.now()
    policy = policy_for(Organization.objects.get(pk=organization_id))
    # Due date order: a batch's invoices share a few due dates, so its moves fall into a few
    # groups of identical outcome (one statement each).
    open_invoices = Invoice.objects.filter(
        organization_id=organization_id, status=Invoice.Status.OPEN
    ).order_by("due_date", "pk")
    moved, after = 0, None
    while True:
        batch = open_invoices
        if after is not None:
            batch = batch.filter(Q(due_date__gt=after[0]) | Q(due_date=after[0], pk__gt=after[1]))
        keys = list(batch.values_list("due_date", "pk")[:BATCH])
        if not keys:
            return moved
        moved += _replan_batch([pk for _, pk in keys], policy, now)
        after = keys[-1]


def invoice_replan(*, invoice: Invoice, policy: ReminderPolicy, now: datetime, reason: str) -> int:
    """Every unsent step of one open invoice planned again (a dispute resolved, a "paid
    already" found unpaid), each move recorded with ``reason``."""
    return _replan_batch([invoice.pk], policy, now, reason=reason)


class Row(NamedTuple):
    pk: Any
    invoice_id: Any
    step: int
    status: str
    planned_at: datetime


@transaction.atomic
def _replan_batch(
    invoice_ids: list, policy: ReminderPolicy, now: datetime, *, reason: str = REPLANNED
) -> int:
    rows: dict = {}
    locked = Reminder.objects.select_for_update().filter(invoice_id__in=invoice_ids).order_by()
    for row in locked.values_list(*Row._fields, named=False):
        row = Row(*row)
        rows.setdefault(row.invoice_id, {})[row.step] = row
    invoices = list(
        Invoice.objects.filter(pk__in=invoice_ids, status=Invoice.Status.OPEN).select_related(
            "organization", "customer__organization"
        )
    )
    last = dict(
        messages_for(invoices)
        .order_by()
        .values("subject_id")
        .annotate(last=Max("created_at"))
        .values_list("subject_id", "last")
    )
    moves, new = [], []
    for invoice in invoices:
        existing = rows.get(invoice.pk, {})
        last_at = last.get(str(invoice.pk))
        moves += _invoice_moves(invoice, existing, policy, now, last_at, new, reason)
    insert_rows(new)
    return len(new) + states.reminder_moves(moves)


def _invoice_moves(
    invoice, existing: dict, policy, now, last_message_at, new: list, reason: str
) -> list:
    """The moves of one invoice's rows; rows for steps it never had are appended to ``new``."""
    kept = [row for row in existing.values() if row.status in KEEP]
    pairs = [
        (step, offset)
        for step, offset in enumerate(policy.steps, 1)
        if step not in existing or existing[step].status not in KEEP
    ]
    planned = plan_steps(
        policy=policy,
        invoice=invoice,
        now=now,
        last_message_at=last_message_at,
        previous=max((row.planned_at for row in kept), default=None),
        offsets=pairs,
    )
    channel = resolve_channel(policy, invoice.customer)
    moves = []
    for step in planned:
        row = existing.get(step.step)
        if row is not None:
            moves.append(_move(invoice, row, step, channel, now, reason))
        elif policy.enabled:  # off: nothing new is planned
            new.append(new_row(invoice, step, channel, now))
    for row in existing.values():
        if row.step > len(policy.steps) and row.status not in KEEP:
            moves.append(states.Move(row.pk, invoice.pk, row.status, S.CANCELLED, "policy changed"))
    return moves


def _move(invoice, row: Row, step: PlannedStep, channel: str, now, why: str) -> states.Move:
    to, reason = step.status, step.reason or why
    if to == S.PLANNED and is_paused(invoice):
        to, reason = S.PAUSED, "reminders paused"
    fields = {
        "offset_days": step.offset_days,
        "planned_at": step.planned_at or now,
        "channel": channel,
    }
    return states.Move(row.pk, invoice.pk, row.status, to, reason, fields)
