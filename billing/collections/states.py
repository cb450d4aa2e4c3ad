"""The reminder state machine.

``reminder_transition`` is the only code that assigns ``Reminder.status``: it checks the move
against ``TRANSITIONS`` with a conditional update (a concurrent worker's claim wins once),
writes the reminder's event on the invoice timeline in the same transaction, and tells
``record_event`` about the moves integrators care for.
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
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


def record_event(kind: str, *, invoice_id, data: Mapping[str, Any]) -> None:
    """Where collections hands integrators an event (``invoice.reminder_sent``,
    ``invoice.disputed``, ``invoice.overdue``): written in the caller's transaction by integrator
    webhooks, which deliver it to the organization's endpoints (once-only types stay once)."""
    from billing.models import Invoice
    from billing.webhooks.events import event_raise

    invoice = Invoice.objects.select_related("organization").get(pk=invoice_id)
    event_raise(organization=invoice.organization, type=kind, invoice=invoice, **data)
