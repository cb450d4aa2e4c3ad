"""Billing's subscriber to ``notifications.hooks.message_status_changed``: each invoice keeps
its last delivery status per channel, which the admin's invoice list shows.

The summary is re-read from the delivery log on every change instead of trusting the order in
which hooks arrive, so hooks that run late or twice still leave the newest message's status.
"""

from django.contrib.contenttypes.models import ContentType

from billing.models import Invoice, InvoiceDelivery
from notifications.models import Message


def record_message_status(*, message_id, **_) -> None:
    """Receiver of ``message_status_changed`` (connected once, in ``BillingConfig.ready``)."""
    invoices = ContentType.objects.get_for_model(Invoice)
    changed = Message.objects.filter(pk=message_id, subject_type=invoices).first()
    if changed is None:
        return
    newest = (
        Message.objects.filter(
            subject_type=invoices, subject_id=changed.subject_id, channel=changed.channel
        )
        .order_by("-created_at", "-pk")
        .values("pk", "status")
        .first()
    )
    if not Invoice.objects.filter(pk=changed.subject_id).exists():
        return
    summary = InvoiceDelivery(
        invoice_id=changed.subject_id,
        channel=changed.channel,
        status=newest["status"],
        message_id=newest["pk"],
    )
    # One upsert: two workers reporting on the same invoice cannot collide on the row.
    InvoiceDelivery.objects.bulk_create(
        [summary],
        update_conflicts=True,
        unique_fields=["invoice", "channel"],
        update_fields=["status", "message_id", "updated_at"],
    )
