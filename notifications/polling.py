"""Asking the provider about messages that have an id but no news (spec §5).

Backoff 5 min, 30 min, 2 h, then daily; stop at a final status; after 30 days a message that was
never delivered becomes ``undelivered`` (our derived status).
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from notifications import status as st
from notifications.channels import get_backend
from notifications.models import Message
from notifications.status_events import apply_event

STEPS = (timedelta(minutes=30), timedelta(hours=2), timedelta(days=1))
TTL = timedelta(days=30)
POLLABLE = (st.ACCEPTED, st.UNKNOWN, st.SENT)


def due_polls(now):
    return Message.objects.filter(
        status__in=POLLABLE, provider_message_id__isnull=False, next_attempt_at__lte=now
    ).values_list("pk", flat=True)


def next_poll(age: timedelta) -> timedelta:
    """The wait after a poll, growing with the time since the send (first poll: at 5 min)."""
    if age < STEPS[0]:
        return STEPS[0]
    return STEPS[1] if age < STEPS[0] + STEPS[1] else STEPS[2]


def poll(message_id) -> str:
    now = timezone.now()
    message = Message.objects.filter(pk=message_id).first()
    if message is None or message.next_attempt_at is None or message.next_attempt_at > now:
        return "not due"
    age = now - (message.last_attempt_at or message.created_at)
    # Claim this poll: a second copy of the task finds next_attempt_at moved and stops.
    claimed = Message.objects.filter(
        pk=message_id, next_attempt_at=message.next_attempt_at, status__in=POLLABLE
    ).update(next_attempt_at=now + next_poll(age))
    if not claimed:
        return "not due"
    if message.created_at < now - TTL:
        return _expire(message)
    events = get_backend(message.channel, message.tenant_id).poll(message)
    results = [apply_event(message.provider, e, source="poll") for e in events]
    return f"{len(results)} events"


def _expire(message: Message) -> str:
    applied = st.transition(
        message.pk,
        st.UNDELIVERED,
        source="system",
        detail={"reason": "no delivery within the provider's 30-day message lifetime"},
        where=Q(rank__lt=st.RANK[st.DELIVERED]),
        fields={"next_attempt_at": None, "last_error_code": "ttl_expired"},
    )
    return "undelivered" if applied else "not changed"
