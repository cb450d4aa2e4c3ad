"""The reminder state machine.

``reminder_transition`` (one row) and ``reminder_moves`` (a batch) are the only code that
assigns ``Reminder.status``: each checks the move against ``TRANSITIONS`` with a conditional
update (a concurrent worker's claim wins once), writes the reminder's event on the invoice
timeline in the same transaction, and tells ``record_event`` about the moves integrators care for.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
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


class LostRace(Exception):
    """A batch's row was no longer in the status its caller read: the rows were not locked."""


@transaction.atomic
def reminder_moves(moves: Sequence[Move], *, actor_label: str = "system") -> int:
    """The batch form of ``reminder_transition`` for rows the caller holds locked: every move
    the table allows is written (one UPDATE per row, guarded by its status, sent as one batch)
    with its event; returns how many moved. Moves the table refuses are left out."""
    allowed = [move for move in moves if move.to in TRANSITIONS.get(move.current, ())]
    now = timezone.now()
    by_columns = sorted(allowed, key=lambda move: sorted(move.fields))
    for columns, group in groupby(by_columns, key=lambda move: sorted(move.fields)):
        _update_each(list(group), columns, now)
    ReminderEvent.objects.bulk_create(
        ReminderEvent(
            reminder_id=move.reminder_id,
            invoice_id=move.invoice_id,
            from_status=move.current,
            to_status=move.to,
            reason=move.reason[:300],
            actor_label=actor_label[:100],
        )
        for move in allowed
    )
    for move in allowed:
        if move.to in INTEGRATOR_EVENTS:
            record_event(
                INTEGRATOR_EVENTS[move.to],
                invoice_id=move.invoice_id,
                data={"reminder": str(move.reminder_id)},
            )
    return len(allowed)


def _update_each(moves: list[Move], columns: list[str], now) -> None:
    """``UPDATE … WHERE id = ? AND status = ?`` once per move, through ``executemany``."""
    meta = Reminder._meta
    names = ["status", "reason", "updated_at", *columns]
    prep = [meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in prep)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 (names from our model)
        f"WHERE {quote(meta.pk.column)} = %s AND {quote(meta.get_field('status').column)} = %s"
    )
    rows = []
    for move in moves:
        values = [move.to, move.reason[:300], now, *(move.fields[name] for name in columns)]
        row = [f.get_db_prep_save(v, connection) for f, v in zip(prep, values, strict=True)]
        row += [meta.pk.get_db_prep_save(move.reminder_id, connection), move.current]
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        if cursor.rowcount != len(rows):
            raise LostRace(f"{len(rows) - cursor.rowcount} of {len(rows)} reminders had moved")


def record_event(kind: str, *, invoice_id, data: Mapping[str, Any]) -> None:
    """Where collections hands integrators an event (``invoice.reminder_sent``,
    ``invoice.disputed``, ``invoice.overdue``): written in the caller's transaction by integrator
    webhooks, which deliver it to the organization's endpoints (once-only types stay once)."""
    from billing.models import Invoice
    from billing.webhooks.events import event_raise

    invoice = Invoice.objects.select_related("organization").get(pk=invoice_id)
    event_raise(organization=invoice.organization, type=kind, invoice=invoice, **data)
