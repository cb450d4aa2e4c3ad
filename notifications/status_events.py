"""Applying providers' status news (webhooks and polls) to messages, and adopting orphans.

Every event goes through ``status.transition``: applied when it ranks higher, recorded always.
News for an id we do not know is kept as an ``OrphanEvent`` and adopted when the id turns up
(the worker saved it late) or, failing that, by the single message to that phone whose outcome
is open (``sending``/``unknown``/``pending``) and whose send started shortly before.
"""

from datetime import timedelta

from django.utils import timezone

from notifications import status as st
from notifications.channels.base import StatusEvent
from notifications.models import Message, OrphanEvent

ADOPT_WINDOW = timedelta(minutes=15)
ADOPTABLE = (st.SENDING, st.UNKNOWN, st.PENDING)


def _find(provider: str, provider_message_id: str):
    return (
        Message.objects.filter(provider=provider, provider_message_id=provider_message_id)
        .values_list("pk", flat=True)
        .first()
    )


def _apply(message_id, status: str, *, source: str, detail: dict, occurred_at=None) -> bool:
    fields = {}
    if status in st.FAILURES:
        error = detail.get("error") or {}
        fields = {
            "last_error_code": str(error.get("code") or status)[:60],
            "last_error_message": str(error.get("text") or "")[:2000],
        }
    return st.transition(
        message_id, status, source=source, detail=detail, occurred_at=occurred_at, fields=fields
    )


def _detail(event: StatusEvent) -> dict:
    detail = {"provider_message_id": event.provider_message_id, "raw": dict(event.detail)}
    if event.error_code or event.error_text:
        detail["error"] = {"code": event.error_code, "text": event.error_text}
    return detail


def apply_event(provider: str, event: StatusEvent, *, source: str, webhook_id=None) -> str:
    """Apply one status event; answer 'applied', 'recorded', 'adopted' or 'orphan'."""
    message_id = _find(provider, event.provider_message_id)
    if message_id is not None:
        applied = _apply(
            message_id,
            event.status,
            source=source,
            detail=_detail(event),
            occurred_at=event.occurred_at,
        )
        return "applied" if applied else "recorded"
    orphan = OrphanEvent.objects.create(
        provider=provider,
        provider_message_id=event.provider_message_id,
        status=event.status,
        recipient=event.recipient,
        occurred_at=event.occurred_at,
        detail=_detail(event),
        webhook_id=webhook_id,
    )
    return "adopted" if adopt(orphan) else "orphan"


def adopt(orphan: OrphanEvent) -> bool:
    """Give an orphan to its message: by id if it appeared meanwhile, else by phone."""
    message_id = _find(orphan.provider, orphan.provider_message_id) or _claim_by_phone(orphan)
    if message_id is None:
        return False
    return adopt_orphans(message_id, orphan.provider, orphan.provider_message_id) > 0


def _claim_by_phone(orphan: OrphanEvent):
    if not orphan.recipient:
        return None
    candidates = Message.objects.filter(
        provider=orphan.provider,
        recipient=orphan.recipient,
        is_active=True,
        provider_message_id__isnull=True,
        status__in=ADOPTABLE,
        last_attempt_at__gte=orphan.received_at - ADOPT_WINDOW,
        last_attempt_at__lte=orphan.received_at,
    )
    ids = list(candidates.values_list("pk", flat=True)[:2])
    if len(ids) != 1:
        return None  # nobody, or ambiguous: an admin decides
    taken = Message.objects.filter(pk=ids[0], provider_message_id__isnull=True).update(
        provider_message_id=orphan.provider_message_id
    )
    return ids[0] if taken else _find(orphan.provider, orphan.provider_message_id)


def adopt_orphans(message_id, provider: str, provider_message_id: str) -> int:
    """Apply every orphan event for this id to the message, each exactly once."""
    orphans = OrphanEvent.objects.filter(
        provider=provider, provider_message_id=provider_message_id, adopted_by__isnull=True
    ).order_by("received_at", "id")
    adopted = 0
    for orphan in orphans:
        taken = OrphanEvent.objects.filter(pk=orphan.pk, adopted_by__isnull=True).update(
            adopted_by=message_id, adopted_at=timezone.now()
        )
        if taken:
            detail = {**orphan.detail, "adopted_orphan": orphan.pk}
            _apply(
                message_id,
                orphan.status,
                source="webhook",
                detail=detail,
                occurred_at=orphan.occurred_at,
            )
            adopted += 1
    return adopted
