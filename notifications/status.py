"""Message statuses: their ranks, the moves allowed between them, and the one door that moves.

``transition`` is the only code that assigns ``Message.status``. It is a conditional UPDATE
(``WHERE status IN <allowed predecessors>``), so concurrent workers, webhooks and polls can never
move a status backwards, and it always records the event in the timeline, applied or not.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

QUEUED = "queued"
SENDING = "sending"
ACCEPTED = "accepted"  # the provider took it (1MSG sent:true); not yet sent to the phone
PENDING = "pending"  # the provider queued it without an id (1MSG jobId): never resend
UNKNOWN = "unknown"  # we cannot know whether it went out (timeout, 5xx, lost lease)
SENT = "sent"
DELIVERED = "delivered"
READ = "read"
OPENED = "opened"
CLICKED = "clicked"
FAILED = "failed"
REJECTED = "rejected"  # refused by us before any provider call (consent, invalid phone…)
BOUNCED = "bounced"
UNDELIVERED = "undelivered"  # derived: no delivery before the provider's message TTL

STATUS_CHOICES = [
    (s, s)
    for s in (
        QUEUED,
        SENDING,
        ACCEPTED,
        PENDING,
        UNKNOWN,
        SENT,
        DELIVERED,
        READ,
        OPENED,
        CLICKED,
        FAILED,
        REJECTED,
        BOUNCED,
        UNDELIVERED,
    )
]

RANK = {
    QUEUED: 0,
    SENDING: 0,
    ACCEPTED: 1,
    PENDING: 1,
    UNKNOWN: 1,
    SENT: 2,
    DELIVERED: 3,
    READ: 4,
    OPENED: 4,
    CLICKED: 5,
    FAILED: 9,
    REJECTED: 9,
    BOUNCED: 9,
    UNDELIVERED: 9,
}
FAILURES = frozenset({FAILED, BOUNCED, UNDELIVERED})
FINAL = frozenset({READ, CLICKED, FAILED, REJECTED, BOUNCED, UNDELIVERED})
IN_FLIGHT = frozenset({SENDING, UNKNOWN})
PROGRESS = frozenset(s for s, r in RANK.items() if 1 <= r <= 5)


def allowed_from(to: str) -> frozenset[str]:
    """Statuses a message may be in for ``to`` to apply."""
    if to == SENDING:
        return frozenset({QUEUED})
    if to == QUEUED:  # back off and retry after a definitely-not-sent outcome
        return frozenset({SENDING})
    if to == REJECTED:
        return frozenset({QUEUED, SENDING})
    if to in FAILURES:  # a failure may only replace what is below delivered
        return frozenset(s for s, r in RANK.items() if r < RANK[DELIVERED] and s not in FINAL)
    if to in PROGRESS:
        return frozenset(
            s for s, r in RANK.items() if s != QUEUED and s not in FINAL and r < RANK[to]
        )
    raise ValueError(f"unknown message status {to!r}")


def _problem_fields(to: str, fields: Mapping[str, Any] | None) -> dict[str, Any]:
    """The move's own fields, plus what it means for the current problem: an error names its
    kind, progress clears it (the error text stays, as history), and a final status has no
    next attempt."""
    from notifications.problems import kind_of

    fields = dict(fields or {})
    if fields.get("last_error_code"):
        fields.setdefault("error_kind", kind_of(fields["last_error_code"], to))
    elif to in PROGRESS and to != UNKNOWN:
        fields.setdefault("error_kind", "")
    if to in FINAL:
        fields.setdefault("next_attempt_at", None)
    return fields


def transition(
    message_id,
    to: str,
    *,
    source: str,
    detail: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
    where: Q | None = None,
    fields: Mapping[str, Any] | None = None,
    record_unapplied: bool = True,
) -> bool:
    """Move one message to ``to`` if allowed; record the event; return whether it applied.

    ``where`` narrows the update further (a claim's due time, a worker's own attempt number);
    ``fields`` are written together with the status (provider id, attempts, lease, error…).
    """
    from notifications.hooks import message_status_changed
    from notifications.models import Message, MessageEvent
    from notifications.problems import PROBLEM_STATUSES

    rows = Message.objects.filter(pk=message_id, status__in=allowed_from(to))
    if where is not None:
        rows = rows.filter(where)
    with transaction.atomic():
        applied = bool(
            rows.update(
                status=to, rank=RANK[to], updated_at=timezone.now(), **_problem_fields(to, fields)
            )
        )
        if applied and to in PROBLEM_STATUSES:
            error_seen(message_id)
        if applied or record_unapplied:
            MessageEvent.objects.create(
                message_id=message_id,
                status=to,
                source=source,
                applied=applied,
                occurred_at=occurred_at,
                detail=dict(detail or {}),
            )
        if applied:
            transaction.on_commit(
                lambda: message_status_changed.send(
                    sender=Message, message_id=message_id, status=to
                )
            )
    return applied


def error_seen(message_id) -> None:
    """Note the message's error (code and text, as they now stand) among its organization's
    ``ErrorText`` rows, once."""
    from notifications.models import ErrorText, Message
    from notifications.models.messages import text_digest

    tenant, code, text = Message.objects.values_list(
        "tenant_id", "last_error_code", "last_error_message"
    ).get(pk=message_id)
    if code or text:
        ErrorText.objects.bulk_create(
            [ErrorText(tenant_id=tenant, code=code, text=text, digest=text_digest(text))],
            ignore_conflicts=True,
        )
