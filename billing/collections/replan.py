"""Re-planning after a policy change, set-wise: the organization's open invoices a batch at a
time, each batch's rows read and locked in one query and its invoices' last messages in
another, the new plan computed in memory and written through the state machine's batch door.
Sent rows never change."""

from datetime import datetime

from django.db import transaction
from django.db.models import Max
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
    open_ids = Invoice.objects.filter(
        organization_id=organization_id, status=Invoice.Status.OPEN
    ).order_by("pk")
    moved, after = 0, None
    while True:
        batch = open_ids.filter(pk__gt=after) if after is not None else open_ids
        ids = list(batch.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return moved
        moved += _replan_batch(ids, policy, now)
        after = ids[-1]


@transaction.atomic
def _replan_batch(invoice_ids: list, policy: ReminderPolicy, now: datetime) -> int:
    rows: dict = {}
    for row in Reminder.objects.select_for_update().filter(invoice_id__in=invoice_ids):
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
        moves += _invoice_moves(invoice, existing, policy, now, last.get(str(invoice.pk)), new)
    insert_rows(new)
    return len(new) + states.reminder_moves(moves)


def _invoice_moves(invoice, existing: dict, policy, now, last_message_at, new: list) -> list:
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
            moves.append(_move(invoice, row, step, channel, now))
        elif policy.enabled:  # off: nothing new is planned
            new.append(new_row(invoice, step, channel, now))
    for row in existing.values():
        if row.step > len(policy.steps) and row.status not in KEEP:
            moves.append(states.Move(row.pk, invoice.pk, row.status, S.CANCELLED, "policy changed"))
    return moves


def _move(invoice, row: Reminder, step: PlannedStep, channel: str, now) -> states.Move:
    to, reason = step.status, step.reason or REPLANNED
    if to == S.PLANNED and is_paused(invoice):
        to, reason = S.PAUSED, "reminders paused"
    fields = {
        "offset_days": step.offset_days,
        "planned_at": step.planned_at or now,
        "channel": channel,
    }
    return states.Move(row.pk, invoice.pk, row.status, to, reason, fields)
