"""Billing's integrator events for what notifications reports through its documented hooks.

``message_status_changed`` is sent after the message's own commit, so these events are written
in a transaction of their own, right after the change.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from billing.models import CreditNote, Invoice, Organization
from billing.webhooks.events import EventSpec, events_raise
from notifications import status as st
from notifications.models import Message

# The provider (or mail server) took the message: the invoice went out on that channel.
TAKEN = frozenset({st.ACCEPTED, st.PENDING, st.SENT, st.DELIVERED, st.READ, st.OPENED, st.CLICKED})
ENDED_FAILED = frozenset({*st.FAILURES, st.REJECTED})


def message_data(message: Message, invoice: Invoice | None) -> dict:
    from billing.api.serializers.messages import MessageSerializer

    data = dict(MessageSerializer(message).data)
    data["invoice_id"] = str(invoice.pk) if invoice is not None else None
    return data


def record_message_event(*, message_id, status: str, **_) -> None:
    """Receiver of ``message_status_changed`` (connected once, in ``BillingConfig.ready``):
    ``message.status_changed`` for every move, ``invoice.sent`` on the first channel that took
    the invoice, ``invoice.delivery_failed`` when every channel tried has failed."""
    message = Message.objects.filter(pk=message_id).prefetch_related("events").first()
    organization = message and Organization.objects.filter(pk=message.tenant_id).first()
    if organization is None:
        return
    invoice = _invoice_of(message)
    data = message_data(message, invoice or _credited_invoice_of(message))
    specs = [EventSpec("message.status_changed", invoice, {"message": data})]
    if invoice is not None and status in TAKEN:
        specs.append(EventSpec("invoice.sent", invoice, {"message": data}))
    if invoice is not None and status in ENDED_FAILED and _nothing_follows(message, invoice):
        specs.append(EventSpec("invoice.delivery_failed", invoice, {"message": data}))
    with transaction.atomic():
        events_raise(organization=organization, specs=specs)


def _invoice_of(message: Message) -> Invoice | None:
    if message.subject_type_id != ContentType.objects.get_for_model(Invoice).pk:
        return None
    return (
        Invoice.objects.filter(pk=message.subject_id, organization_id=message.tenant_id)
        .select_related("organization", "customer", "wallet", "tax")
        .first()
    )


def _credited_invoice_of(message: Message) -> Invoice | None:
    """The invoice a credit note's e-mail is about (its own events stay the invoice's)."""
    if message.subject_type_id != ContentType.objects.get_for_model(CreditNote).pk:
        return None
    return Invoice.objects.filter(
        credit_notes__pk=message.subject_id, organization_id=message.tenant_id
    ).first()


def _nothing_follows(message: Message, invoice: Invoice) -> bool:
    """Every channel tried has failed, and no fallback message follows this one up (the
    fallback's own failure is the one that tells)."""
    followed = Message.objects.filter(fallback_of_id=message.pk).exists()
    return not followed and _every_channel_failed(invoice)


def _every_channel_failed(invoice: Invoice) -> bool:
    statuses = set(
        Message.objects.filter(
            subject_type=ContentType.objects.get_for_model(Invoice),
            subject_id=str(invoice.pk),
            is_active=True,
        ).values_list("status", flat=True)
    )
    return bool(statuses) and statuses <= ENDED_FAILED
