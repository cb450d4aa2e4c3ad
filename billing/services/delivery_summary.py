"""Billing's subscriber to ``notifications.hooks.message_status_changed``: each invoice keeps
its best delivery status per channel, which the admin's invoice list shows and filters on.

"Best" is how far any message of the invoice got on the channel (a reminder that bounced does
not hide the invoice e-mail the customer read); a channel on which nothing got through shows its
newest message's problem. The summary is re-read from the delivery log on every change instead
of trusting the order in which hooks arrive, so hooks that run late or twice change nothing.
"""

from django.contrib.contenttypes.models import ContentType

from billing.models import Invoice, InvoiceDelivery
from notifications import status as st
from notifications.models import Message

# How far a message got, for "best": progress by rank, any outcome above a problem.
PROBLEMS = frozenset({st.FAILED, st.REJECTED, st.BOUNCED, st.UNDELIVERED, st.UNKNOWN})


def goodness(status: str) -> int:
    return -1 if status in PROBLEMS else st.RANK.get(status, 0)


def best(messages: list[dict]) -> dict:
    """``messages`` newest first: the one that got furthest, the newest among equals."""
    return max(messages, key=lambda m: goodness(m["status"]))


def record_message_status(*, message_id, **_) -> None:
    """Receiver of ``message_status_changed`` (connected once, in ``BillingConfig.ready``)."""
    invoices = ContentType.objects.get_for_model(Invoice)
    changed = Message.objects.filter(pk=message_id, subject_type=invoices).first()
    if changed is None:
        return
    chosen = best(
        list(
            Message.objects.filter(
                subject_type=invoices, subject_id=changed.subject_id, channel=changed.channel
            )
            .order_by("-created_at", "-pk")
            .values("pk", "status")
        )
    )
    if not Invoice.objects.filter(pk=changed.subject_id).exists():
        return
    summary = InvoiceDelivery(
        invoice_id=changed.subject_id,
        channel=changed.channel,
        status=chosen["status"],
        message_id=chosen["pk"],
    )
    # One upsert: two workers reporting on the same invoice cannot collide on the row.
    InvoiceDelivery.objects.bulk_create(
        [summary],
        update_conflicts=True,
        unique_fields=["invoice", "channel"],
        update_fields=["status", "message_id", "updated_at"],
    )
