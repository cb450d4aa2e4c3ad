"""Sends a person (or an integrator) asks for explicitly, as opposed to automatic ones.

An automatic send happens once: the active-message unique index makes a second one a no-op.
An explicit request is a new intent, so it supersedes a settled active message (sent, failed,
opened…) and leaves an audit event on it. While the active message is still ``queued`` or
``sending`` it cannot be superseded (it may be going out right now): the same message asked for
again is returned as is (a double click never sends twice), a different one is refused with
``SendInFlight`` instead of being dropped.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from notifications import pipeline
from notifications import status as st
from notifications.channels import get_backend
from notifications.channels.base import SendRefused
from notifications.models import Message, MessageEvent

ON_ITS_WAY = frozenset({st.QUEUED, st.SENDING})


class SendInFlight(Exception):
    """A different message for the same subject, purpose and channel is still on its way."""

    def __init__(self, message: Message):
        super().__init__(f"Message {message.pk} is still {message.status}")
        self.message = message


@transaction.atomic
def request_explicit_send(*, subject, purpose: str, channel: str, created_by: str, **kwargs):
    """``pipeline.request_send`` after superseding a settled active message for the subject."""
    active = pipeline.active_message(subject, purpose, channel) if subject is not None else None
    if active is not None:
        active = Message.objects.select_for_update().get(pk=active.pk)
    if active is not None and active.is_active and active.status in ON_ITS_WAY:
        if not _same_message(active, purpose=purpose, **kwargs):
            raise SendInFlight(active)
    elif active is not None and active.is_active:
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


def _same_message(
    active: Message, *, purpose: str, tenant_id, recipient: str, context, **_labels
) -> bool:
    """Whether the request would send exactly what ``active`` is about to send."""
    try:
        prepared = get_backend(active.channel, tenant_id).prepare(
            purpose=purpose, recipient=recipient, context=context
        )
    except SendRefused:
        return False
    stored = json.loads(json.dumps(prepared.payload, cls=DjangoJSONEncoder))
    return (prepared.recipient, stored) == (active.recipient, active.payload)
