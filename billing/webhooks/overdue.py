"""``invoice.overdue``: raised once per invoice by a periodic job (PASTDUE is a computed view,
never a stored move, so no state change can raise it)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from billing.models import Invoice
from billing.webhooks.events import event_raise
from billing.webhooks.models import WebhookEvent


def overdue_candidates(now: datetime):
    """Open invoices due before tomorrow in every time zone, without an overdue event yet."""
    raised = WebhookEvent.objects.filter(invoice_id=OuterRef("pk"), type="invoice.overdue")
    return (
        Invoice.objects.filter(
            status=Invoice.Status.OPEN, due_date__lt=(now + timedelta(days=1)).date()
        )
        .exclude(Exists(raised))
        .select_related("organization", "customer", "wallet", "tax")
        .prefetch_related("items", "payments")
    )


def overdue_events_raise(*, now: datetime | None = None) -> int:
    """Raise ``invoice.overdue`` for every invoice past due in its organization's time zone.

    Safe to run twice at once: the event is unique per invoice in the database.
    """
    now = now or timezone.now()
    raised = 0
    for invoice in overdue_candidates(now).iterator(chunk_size=200):
        today = now.astimezone(invoice.organization.tzinfo).date()
        if invoice.due_date >= today:
            continue
        with transaction.atomic():
            event = event_raise(
                organization=invoice.organization, type="invoice.overdue", invoice=invoice, now=now
            )
        raised += event is not None
    return raised
