"""The reminder state machine.

``reminder_transition`` (one row), ``reminder_moves`` (a batch) and ``reminder_moves_matching``
(a set) are the only code that assigns ``Reminder.status``: each checks the move against
``TRANSITIONS`` with a conditional update (a concurrent worker's claim wins once), writes the
reminder's event on the invoice timeline in the same transaction, and tells ``record_event``
about the moves integrators care for.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, CharField, DateTimeField, ExpressionWrapper, F, Q, Value, When
from django.utils import timezone

from billing.collections.models import Reminder, ReminderEvent

S = Reminder.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLANNED: frozenset({S.PLANNED, S.SENDING, S.SKIPPED, S.CANCELLED, S.PAUSED}),
    S.SENDING: frozenset({S.SENDING, S.SENT, S.PLANNED, S.SKIPPED, S.CANCELLED, S.PAUSED}),
    S.PAUSED: frozenset({S.PAUSED, S.PLANNED, S.SKIPPED, S.CANCELLED}),
    S.SKIPPED: frozenset({S.PLANNED}),  # a re-plan brings a skipped future step back
}
INTEGRATOR_EVENTS = {S.SENT: "invoice.reminder_sent"}


def sources_of(to: str) -> frozenset[str]:
    return frozenset(source for source, targets in TRANSITIONS.items() if to in targets)


@transaction.atomic
def reminder_transition(
    reminder_id,
    to: str,
    *,
    reason: str = "",
    actor_label: str = "system",
    fields: Mapping[str, Any] | None = None,
    expect: str | None = None,
    where: Q | None = None,
) -> bool:
    """Move one reminder to ``to`` if it is in a state that may go there (or exactly in
    ``expect``) and matches ``where``; returns whether it moved. ``fields`` are written in the
    same UPDATE."""
    allowed = {expect} if expect else sources_of(to)
    row = Reminder.objects.filter(pk=reminder_id, status__in=allowed)
    if where is not None:
        row = row.filter(where)
    current = row.values_list("status", "invoice_id").first()
    if current is None:
        return False
    values = {"status": to, "reason": reason[:300], "updated_at": timezone.now(), **(fields or {})}
    if not row.filter(status=current[0]).update(**values):
        return False
    ReminderEvent.objects.create(
        reminder_id=reminder_id,
        invoice_id=current[1],
        from_status=current[0],
        to_status=to,
        reason=reason[:300],
        actor_label=actor_label[:100],
    )
    if to in INTEGRATOR_EVENTS:
        record_event(
            INTEGRATOR_EVENTS[to], invoice_id=current[1], data={"reminder": str(reminder_id)}
        )
    return True


@dataclass(frozen=True)
class Move:
    """One row's move for ``reminder_moves``, from the status the caller read under its lock."""

    reminder_id: Any
    invoice_id: Any
    current: str
    to: str
    reason: str
    fields: Mapping[str, Any] = field(default_factory=dict)


GROUP = 2000  # ids per statement, far below SQLite's and PostgreSQL's parameter limits


class LostRace(Exception):
    """A batch's row was no longer in the status its caller read: the rows were not locked."""


@transaction.atomic
def reminder_moves(moves: Sequence[Move], *, actor_label: str = "system") -> int:
    """The batch form of ``reminder_transition`` for rows the caller holds locked: the moves
    the table allows, grouped by identical outcome, each group written as one UPDATE guarded
    by the status its rows were read in and one INSERT … SELECT of their events; returns how
    many moved. Moves the table refuses are left out."""
    allowed = [move for move in moves if move.to in TRANSITIONS.get(move.current, ())]
    groups: dict[tuple, list] = {}
    for move in allowed:
        outcome = (move.current, move.to, move.reason[:300], tuple(sorted(move.fields.items())))
        groups.setdefault(outcome, []).append(move.reminder_id)
    now = timezone.now()
    for (current, to, reason, fields), ids in groups.items():
        for start in range(0, len(ids), GROUP):
            chunk = ids[start : start + GROUP]
            _move_group(chunk, current, to, dict(fields, reason=reason), actor_label, now)
    for move in allowed:
        if move.to in INTEGRATOR_EVENTS:
            record_event(
                INTEGRATOR_EVENTS[move.to],
                invoice_id=move.invoice_id,
                data={"reminder": str(move.reminder_id)},
            )
    return len(allowed)


@dataclass(frozen=True)
class SetMove:
    """For ``reminder_moves_matching``: rows matching ``rows`` go to ``to`` with ``reason``
    and ``fields``."""

    rows: Q
    to: str
    reason: str
    fields: tuple[tuple[str, Any], ...] = ()


@transaction.atomic
def reminder_moves_matching(where: Q, moves: Sequence[SetMove], *, actor_label="system") -> int:
    """The set-wise form of ``reminder_moves`` for rows the caller holds locked: every reminder
    matching ``where`` and one of ``moves`` (whose ``rows`` do not overlap) makes that move if
    its status may, all in one UPDATE, their events written first by one INSERT … SELECT
    (each from the status its row is in); returns how many moved. Not for the moves
    integrators hear of (each of those is an event of its own)."""
    if any(move.to in INTEGRATOR_EVENTS for move in moves):
        raise ValueError("moves integrators hear of go through reminder_moves")
    allowed = [move.rows & Q(status__in=sources_of(move.to)) for move in moves]
    matching = Reminder.objects.filter(where, reduce(or_, allowed)).order_by()

    def case(name: str, value) -> Case:
        """The column ``name`` of the move each row makes (``value(move)``, ``None``: as it is)."""
        thens = [(move.rows, value(move)) for move in moves]
        return Case(
            *(When(when, then=F(name) if then is None else Value(then)) for when, then in thens),
            default=F(name),
            output_field=Reminder._meta.get_field(name),
        )

    def to() -> Case:
        return case("status", lambda move: move.to)

    def reason() -> Case:
        return case("reason", lambda move: move.reason[:300])

    now = timezone.now()
    recorded = _insert_events(matching, F("status"), to(), reason(), actor_label, now)
    names = {name for move in moves for name, _ in move.fields}
    fields = {
        name: case(name, lambda move, name=name: dict(move.fields).get(name)) for name in names
    }
    moved = matching.update(status=to(), reason=reason(), updated_at=now, **fields)
    if moved != recorded:
        raise LostRace(f"{recorded} events written for {moved} reminders moved")
    return moved


def _move_group(ids: list, current: str, to: str, fields: dict, actor_label: str, now) -> None:
    rows = Reminder.objects.filter(pk__in=ids, status=current)
    moved = rows.update(status=to, updated_at=now, **fields)
    if moved != len(ids):
        raise LostRace(f"{len(ids) - moved} of {len(ids)} reminders had moved")
    moved_rows = Reminder.objects.filter(pk__in=ids).order_by()
    _insert_events(moved_rows, current, to, fields["reason"], actor_label, now)


def _expression(value):
    return ExpressionWrapper(
        value if hasattr(value, "resolve_expression") else Value(value), output_field=CharField()
    )


def _insert_events(rows, from_status, to, reason, actor_label: str, now) -> int:
    """One INSERT … SELECT of an event per row of ``rows`` (``from_status``, ``to`` and
    ``reason``: values or expressions over the row); returns how many were written."""
    events = rows.annotate(
        e_from=_expression(from_status),
        e_to=_expression(to),
        e_reason=_expression(reason),
        e_actor=Value(actor_label[:100], output_field=CharField()),
        e_at=Value(now, output_field=DateTimeField()),
    ).values_list("pk", "invoice_id", "e_from", "e_to", "e_reason", "e_actor", "e_at")
    select, params = events.query.sql_with_params()
    meta, quote = ReminderEvent._meta, connection.ops.quote_name
    columns = ["reminder", "invoice", "from_status", "to_status", "reason", "actor_label"]
    names = [quote(meta.get_field(name).column) for name in [*columns, "created_at"]]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({', '.join(names)}) {select}", params)
        return cursor.rowcount


def record_event(kind: str, *, invoice_id, data: Mapping[str, Any]) -> None:
    """Where collections hands integrators an event (``invoice.reminder_sent``,
    ``invoice.disputed``, ``invoice.overdue``): written in the caller's transaction by integrator
    webhooks, which deliver it to the organization's endpoints (once-only types stay once)."""
    from billing.models import Invoice
    from billing.webhooks.events import event_raise

    invoice = Invoice.objects.select_related("organization").get(pk=invoice_id)
    event_raise(organization=invoice.organization, type=kind, invoice=invoice, **data)
