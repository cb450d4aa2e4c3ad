"""Fallback to another channel for ``invoice_issued`` and reminders.

A message that ends ``failed`` or ``rejected``, or a WhatsApp message not ``delivered`` within
the policy's ``fallback_after_hours``, is followed by one message on the next channel of the
order (the pipeline's ``fallback_of`` column is unique). ``unknown`` never falls back: the
message may have arrived.
"""

from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from billing.collections.content import recipient_and_context
from billing.collections.models import ReminderPolicy
from billing.collections.plan import channel_order, recipient_zone
from billing.collections.policy import policy_for
from billing.errors import InvalidEmailRequest
from billing.models import Invoice
from billing.models.choices import Channel
from billing.services.actors import SYSTEM
from billing.services.invoice_email import SendInvoiceEmail, email_context
from billing.services.whatsapp import invoice_context
from notifications import pipeline
from notifications import status as st
from notifications.models import Message

PURPOSES = frozenset({"invoice_issued", "reminder"})
TRIGGERS = frozenset({st.FAILED, st.REJECTED})
NOT_DELIVERED = (st.ACCEPTED, st.PENDING, st.SENT)
DEFAULT_HOURS = ReminderPolicy._meta.get_field("fallback_after_hours").default
BATCH = 200


def on_status_change(*, message_id, status, **_) -> None:
    """Receiver of ``message_status_changed``: a failed or rejected message falls back."""
    if status in TRIGGERS:
        message = _candidates().filter(pk=message_id).first()
        if message is not None:
            fallback_send(message=message, reason=f"the {message.channel} message was {status}")


def _candidates():
    return Message.objects.filter(
        subject_type=ContentType.objects.get_for_model(Invoice),
        purpose__in=PURPOSES,
        is_active=True,
        fallback__isnull=True,
    )


def next_channel(order: list[str], current: str) -> str | None:
    later = order[order.index(current) + 1 :] if current in order else order
    return next((channel for channel in later if channel != current), None)


def _context(invoice: Invoice, purpose: str, channel: str, now: datetime) -> tuple[str, dict]:
    if purpose == "reminder":
        return recipient_and_context(
            invoice, channel, now.astimezone(recipient_zone(invoice)).date()
        )
    if channel == Channel.WHATSAPP:
        return str(invoice.customer.phone or ""), invoice_context(invoice)
    try:
        to, context = email_context(invoice, SendInvoiceEmail(), actor=SYSTEM)
    except InvalidEmailRequest:
        return "", {"template": "invoice", "data": {}, "to": []}
    return to[0], context


def fallback_send(*, message: Message, reason: str, now: datetime | None = None):
    """One message on the next channel after ``message``'s; ``None`` when there is none."""
    from django.utils import timezone

    invoice = (
        Invoice.objects.select_related("organization", "customer")
        .filter(pk=message.subject_id, status=Invoice.Status.OPEN)
        .first()
    )
    if invoice is None:
        return None
    policy = policy_for(invoice.organization)
    order = (
        channel_order(policy, invoice.customer)
        if message.purpose == "reminder"
        else list(invoice.customer.preferred_channels or [Channel.EMAIL])
    )
    channel = next_channel(order, message.channel) or (
        Channel.EMAIL if message.channel == Channel.WHATSAPP else None
    )
    if channel is None:
        return None
    recipient, context = _context(invoice, message.purpose, channel, now or timezone.now())
    return pipeline.request_send(
        tenant_id=invoice.organization_id,
        subject=invoice,
        purpose=message.purpose,
        channel=channel,
        recipient=recipient,
        context=context,
        created_by="system:fallback",
        key=message.key,
        fallback_of=message,
        fallback_reason=reason,
    ).message


def not_delivered_sweep(*, now: datetime) -> int:
    """WhatsApp messages still not delivered after their organization's fallback time."""
    custom = dict(ReminderPolicy.objects.values_list("organization_id", "fallback_after_hours"))
    waiting = _candidates().filter(channel=Channel.WHATSAPP, status__in=NOT_DELIVERED)
    late = Q(created_at__lte=now - timedelta(hours=DEFAULT_HOURS)) & ~Q(tenant_id__in=custom)
    for tenant_id, hours in custom.items():
        late |= Q(tenant_id=tenant_id, created_at__lte=now - timedelta(hours=hours))
    count = 0
    for message in waiting.filter(late).order_by("created_at")[:BATCH]:
        hours = custom.get(message.tenant_id, DEFAULT_HOURS)
        reason = f"the whatsapp message was not delivered within {hours} hours"
        count += fallback_send(message=message, reason=reason, now=now) is not None
    return count
