"""Re-planning after a policy change; sent rows never change.

Most open invoices have a plain plan: steps 1 to k, none sending or sent. Their new plan
depends only on their due date, the recipient's zone and the invoice's last message, then on
whether reminders are paused and the channel, so invoices sharing those share every step's
outcome: it is computed once and written for all of them with one UPDATE (its timeline
events with one INSERT … SELECT) through the state machine's set door. An invoice with a
step sending or sent, or a gap in its steps, is re-planned row by row from its rows read
under a lock, through the batch door; so is one invoice (a dispute resolved).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from billing.collections import states
from billing.collections.models import Reminder, ReminderPolicy
from billing.collections.plan import (
    PlannedStep,
    insert_rows,
    is_paused,
    new_row,
    plan_dates,
    plan_steps,
    resolve_channel,
)
from billing.collections.policy import policy_for
from billing.models import Customer, Invoice, Organization
from billing.services.whatsapp import messages_about

S = Reminder.Status
BATCH = 1000
PAGES_PER_TRANSACTION = 5
KEEP = frozenset({S.SENDING, S.SENT})
REPLANNED = "re-planned after a policy change"
DROPPED = "policy changed"
PAUSED = "reminders paused"


def organization_replan(*, organization_id, now: datetime | None = None) -> int:
    """The queue job behind a policy change: every unsent step of every open invoice of the
    organization; returns how many rows moved."""
    organization = Organization.objects.get(pk=organization_id)
    shared = SharedPlans(policy_for(organization), organization.time_zone, now or timezone.now())
    pages, moved = _open_pages(organization_id), 0
    while True:
        # Pages grouped in a transaction: on SQLite each commit writes the touched index pages
        # back (a checkpoint), so fewer, larger commits cost far less for the same rows.
        with transaction.atomic():
            done = 0
            for invoices in islice(pages, PAGES_PER_TRANSACTION):
                moved, done = moved + _replan_set(invoices, shared), done + 1
        if done < PAGES_PER_TRANSACTION:
            return moved


def _open_pages(organization_id) -> Iterator[list["OpenInvoice"]]:
    """The organization's open invoices, ``BATCH`` at a time in due date order: a page's
    invoices share a few due dates, so their moves fall into a few outcomes (one statement
    each)."""
    open_invoices = Invoice.objects.filter(
        organization_id=organization_id, status=Invoice.Status.OPEN
    ).order_by("due_date", "pk")
    after = None
    while True:
        page = open_invoices
        if after is not None:
            # The first condition alone is a range of the (organization, status, due date)
            # index; the second breaks ties within the last due date.
            later = Q(due_date__gt=after[0]) | Q(due_date=after[0], pk__gt=after[1])
            page = page.filter(Q(due_date__gte=after[0]) & later)
        invoices = [OpenInvoice(*row) for row in page.values_list(*OpenInvoice._fields)[:BATCH]]
        if not invoices:
            return
        yield invoices
        after = invoices[-1].due_date, invoices[-1].pk


def invoice_replan(*, invoice: Invoice, policy: ReminderPolicy, now: datetime, reason: str) -> int:
    """Every unsent step of one open invoice planned again (a dispute resolved, a "paid
    already" found unpaid), each move recorded with ``reason``."""
    return _replan_rows([invoice.pk], policy, now, reason=reason)


class OpenInvoice(NamedTuple):
    pk: Any
    due_date: date
    customer_id: Any
    reminders_paused: bool


@dataclass(frozen=True)
class Recipient:
    zone: str
    channel: str
    paused: bool


class SharedPlans:
    """What one re-plan computes once: each customer's zone, channel and pause, and the plan
    of each (due date, zone, last message)."""

    def __init__(self, policy: ReminderPolicy, zone: str, now: datetime):
        self.policy, self.zone, self.now = policy, zone, now
        self.recipients: dict[Any, Recipient] = {}
        self._plans: dict[tuple, list[PlannedStep]] = {}
        self._moves: dict[tuple, tuple[states.SetMove, ...]] = {}

    def load(self, customer_ids: Iterable) -> None:
        missing = set(customer_ids) - self.recipients.keys()
        for customer in Customer.objects.filter(pk__in=missing) if missing else ():
            self.recipients[customer.pk] = Recipient(
                zone=customer.time_zone or self.zone,
                channel=resolve_channel(self.policy, customer),
                paused=customer.reminders_paused,
            )

    def moves(
        self, plan: list[PlannedStep], paused: bool, channel: str, top: int
    ) -> tuple[states.SetMove, ...]:
        """The moves of an invoice with steps 1 to ``top`` for ``plan``: each step's row to
        its new plan, and steps the policy no longer has cancelled."""
        key = (id(plan), paused, channel, top)  # plans live as long as self: ids stay theirs
        if key not in self._moves:
            self._moves[key] = tuple(
                states.SetMove(Q(step=step.step), *_target(step, paused, channel, self.now))
                for step in plan
                if step.step <= top
            ) + self._dropped(top)
        return self._moves[key]

    def _dropped(self, top: int) -> tuple[states.SetMove, ...]:
        steps = len(self.policy.steps)
        if top <= steps:
            return ()
        return (states.SetMove(Q(step__gt=steps), S.CANCELLED, DROPPED),)

    def plan(self, due_date: date, zone: str, last_message_at) -> list[PlannedStep]:
        key = (due_date, zone, last_message_at)
        if key not in self._plans:
            self._plans[key] = plan_dates(
                policy=self.policy,
                due_date=due_date,
                zone=ZoneInfo(zone),
                now=self.now,
                last_message_at=last_message_at,
            )
        return self._plans[key]


def _replan_set(invoices: list[OpenInvoice], shared: SharedPlans) -> int:
    """One page, in the caller's transaction; returns how many rows moved or were added."""
    ids = [invoice.pk for invoice in invoices]
    _lock(ids)
    tops = _plain_tops(ids)
    irregular = [pk for pk in ids if pk not in tops]
    moved = _replan_rows(irregular, shared.policy, shared.now) if irregular else 0
    plain = [invoice for invoice in invoices if invoice.pk in tops]
    last = _last_messages(tops)
    shared.load(invoice.customer_id for invoice in plain)
    groups: dict[tuple, list] = {}
    new = []
    for invoice in plain:
        recipient = shared.recipients[invoice.customer_id]
        paused = invoice.reminders_paused or recipient.paused
        plan = shared.plan(invoice.due_date, recipient.zone, last.get(str(invoice.pk)))
        moves = shared.moves(plan, paused, recipient.channel, tops[invoice.pk])
        groups.setdefault(moves, []).append(invoice.pk)
        if shared.policy.enabled:  # off: nothing new is planned
            new += [
                new_row(invoice.pk, step, recipient.channel, shared.now)
                for step in plan
                if step.step > tops[invoice.pk]
            ]
    insert_rows(new)
    for moves, pks in groups.items():
        for start in range(0, len(pks), states.GROUP):
            chunk = Q(invoice_id__in=pks[start : start + states.GROUP]) & ~Q(status__in=KEEP)
            moved += states.reminder_moves_matching(chunk, moves) if moves else 0
    return moved + len(new)


def _lock(invoice_ids: list) -> None:
    """Hold the batch's rows until it commits (a claim by the job waits), reading nothing but
    their steps; SQLite's immediate transaction already holds the database."""
    if connection.features.has_select_for_update:
        rows = Reminder.objects.select_for_update().filter(invoice_id__in=invoice_ids)
        list(rows.order_by().values_list("step", flat=True))


def _plain_tops(invoice_ids: list) -> dict:
    """The invoices whose rows are steps 1 to k with none sending or sent, each with its k
    (0: no rows)."""
    shapes = (
        Reminder.objects.filter(invoice_id__in=invoice_ids)
        .order_by()
        .values("invoice_id")
        .annotate(rows=Count("pk"), top=Max("step"), kept=Count("pk", filter=Q(status__in=KEEP)))
        .values_list("invoice_id", "rows", "top", "kept")
    )
    tops = dict.fromkeys(invoice_ids, 0)
    for invoice_id, rows, top, kept in shapes:
        if rows == top and not kept:
            tops[invoice_id] = top
        else:
            del tops[invoice_id]
    return tops


def _last_messages(invoice_ids: Iterable) -> dict:
    return dict(
        messages_about(invoice_ids)
        .order_by()
        .values("subject_id")
        .annotate(last=Max("created_at"))
        .values_list("subject_id", "last")
    )


def _target(step: PlannedStep, paused: bool, channel: str, now, why: str = REPLANNED) -> tuple:
    """Where a re-planned row goes: status, reason and the fields written with it."""
    to, reason = step.status, step.reason or why
    if to == S.PLANNED and paused:
        to, reason = S.PAUSED, PAUSED
    fields = {"offset_days": step.offset_days, "planned_at": step.planned_at or now}
    return to, reason, tuple(sorted((fields | {"channel": channel}).items()))


# --- row by row -------------------------------------------------------------------------------
class Row(NamedTuple):
    pk: Any
    invoice_id: Any
    step: int
    status: str
    planned_at: datetime


@transaction.atomic
def _replan_rows(
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
    last = _last_messages(invoice.pk for invoice in invoices)
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
            to, why, fields = _target(step, is_paused(invoice), channel, now, reason)
            moves.append(states.Move(row.pk, invoice.pk, row.status, to, why, dict(fields)))
        elif policy.enabled:  # off: nothing new is planned
            new.append(new_row(invoice.pk, step, channel, now))
    for row in existing.values():
        if row.step > len(policy.steps) and row.status not in KEEP:
            moves.append(states.Move(row.pk, invoice.pk, row.status, S.CANCELLED, DROPPED))
    return moves
