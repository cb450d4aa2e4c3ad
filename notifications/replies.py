"""Customer replies: matched to the message they answer, recorded once, announced once.

Matching, in order: our message id in the button's payload; the provider id of the message the
reply quotes; else the latest message sent to that phone within ``PHONE_MATCH``. A reply that
matches nothing is kept (with its sender) for staff.
"""

import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.channels.base import InboundText
from notifications.channels.whatsapp.templates import action_for_text
from notifications.hooks import customer_replied
from notifications.models import InboundReply, Message

PHONE_MATCH = timedelta(days=7)


def _by_ref(ref: str, tenant_id) -> Message | None:
    try:
        pk = uuid.UUID(ref)
    except ValueError:
        return None
    return _scoped(Message.objects.filter(pk=pk), tenant_id).first()


def _scoped(messages, tenant_id):
    return messages.filter(tenant_id=tenant_id) if tenant_id else messages


def match(reply: InboundText, provider: str, tenant_id) -> tuple[Message | None, str]:
    if reply.message_ref:
        found = _by_ref(reply.message_ref, tenant_id)
        if found is not None:
            return found, "payload"
    if reply.quoted_id:
        found = _scoped(
            Message.objects.filter(provider=provider, provider_message_id=reply.quoted_id),
            tenant_id,
        ).first()
        if found is not None:
            return found, "quoted"
    recent = Message.objects.filter(
        recipient=reply.sender, created_at__gte=timezone.now() - PHONE_MATCH
    )
    found = _scoped(recent, tenant_id).order_by("-created_at").first()
    return (found, "phone") if found is not None else (None, "")


def record_reply(*, provider: str, reply: InboundText, tenant_id=None) -> InboundReply | None:
    """Store a reply once (``None`` for a duplicate) and announce it after commit."""
    message, matched_by = match(reply, provider, tenant_id)
    action = reply.action or (action_for_text(reply.text) if reply.is_button else "")
    reply_id = reply.reply_id or f"{reply.sender}:{reply.occurred_at}:{reply.text}"[:128]
    try:
        with transaction.atomic():
            row = InboundReply.objects.create(
                provider=provider,
                reply_id=reply_id,
                tenant_id=tenant_id or (message.tenant_id if message else None),
                sender=reply.sender,
                is_button=reply.is_button,
                action=action,
                text=reply.text,
                message=message,
                matched_by=matched_by,
                occurred_at=reply.occurred_at,
            )
    except IntegrityError:
        return None
    transaction.on_commit(
        lambda: customer_replied.send(
            sender=InboundReply,
            reply_id=row.pk,
            message_id=row.message_id,
            action=row.action,
            text=row.text,
            sender_phone=row.sender,
            tenant_id=row.tenant_id,
        )
    )
    return row
