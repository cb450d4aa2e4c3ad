"""Sends a person (or an integrator) asks for explicitly, as opposed to automatic ones.

An automatic send happens once: the active-message unique index makes a second one a no-op.
An explicit request is a new intent, so it supersedes a settled active message (sent, failed,
opened…) and leaves an audit event on it. A message still ``queued`` or ``sending`` is returned
as is: a double click never sends twice.
"""

from django.db import transaction
from django.utils import timezone

from notifications import pipeline
from notifications import status as st
from notifications.models import Message, MessageEvent

ON_ITS_WAY = frozenset({st.QUEUED, st.SENDING})


@transaction.atomic
def request_explicit_send(*, subject, purpose: str, channel: str, created_by: str, **kwargs):
    """``pipeline.request_send`` after superseding a settled active message for the subject."""
    active = pipeline.active_message(subject, purpose, channel) if subject is not None else None
    if active is not None:
        active = Message.objects.select_for_update().get(pk=active.pk)
    if active is not None and active.is_active and active.status not in ON_ITS_WAY:
        Message.objects.filter(pk=active.pk).update(is_active=False, updated_at=timezone.now())
        MessageEvent.objects.create(
            message=active,
            status=active.status,
            source="system",
            applied=False,
            detail={"action": "superseded by a new send", "by": created_by[:100]},
        )
    return pipeline.request_send(
        subject=subject, purpose=purpose, channel=channel, created_by=created_by, **kwargs
    )
