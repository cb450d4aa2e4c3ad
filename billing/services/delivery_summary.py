"""Billing's subscriber to ``notifications.hooks.message_status_changed``: each invoice keeps
its best delivery status per channel, which the admin's invoice list shows and filters on.

"Best" is how far any message of the invoice got on the channel (a reminder that bounced does
not hide the invoice e-mail the customer read); a channel on which nothing got through shows its
newest message's problem. The summary is re-read from the delivery log on every change instead
of trusting the order in which hooks arrive, so hooks that run late or twice change nothing.

This is the one writer of ``InvoiceDelivery``: it moves the funnel's stored days with the row,
under the invoice's row lock (``billing.reports.funnel_days``).
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from billing.models import Invoice, InvoiceDelivery
from billing.reports import funnel_days
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
    if changed is not None:
        _record(changed, invoices)


@transaction.atomic
def _record(changed: Message, invoices: ContentType) -> None:
    # The invoice locked first: payments and pay page openings wait, and so do other hooks of
    # this invoice, so the delivery log and the old status below are read as they now stand.
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk=changed.subject_id)
        .first()
    )
    if invoice is None:
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
    rows = InvoiceDelivery.objects.filter(invoice=invoice, channel=changed.channel)
    before = rows.values_list("status", flat=True).first()
    summary = InvoiceDelivery(
        invoice=invoice, channel=changed.channel, status=chosen["status"], message_id=chosen["pk"]
    )
    # An upsert: the row is created or moved in one statement.
    InvoiceDelivery.objects.bulk_create(
        [summary],
        update_conflicts=True,
        unique_fields=["invoice", "channel"],
        update_fields=["status", "message_id", "updated_at"],
    )
    funnel_days.delivery_moved(invoice, changed.channel, before, chosen["status"])
