"""The overdue sweep: an OPEN invoice becomes overdue at the first midnight after its due date
in the organization's zone, and its ``invoice.overdue`` event is recorded once (a conditional
update on ``overdue_at``, so a sweep run twice or on two clusters records it once)."""

from datetime import datetime, timedelta

from django.db import transaction

from billing.collections.states import record_event
from billing.models import Invoice

BATCH = 500


def overdue_sweep(*, now: datetime) -> int:
    # Coarse by date in UTC (every zone's today is within a day of it), exact per organization.
    candidates = Invoice.objects.filter(
        status=Invoice.Status.OPEN,
        overdue_at__isnull=True,
        due_date__lt=(now + timedelta(days=1)).date(),
    ).select_related("organization")
    count = 0
    for invoice in candidates.order_by("due_date")[:BATCH]:
        if invoice.due_date >= now.astimezone(invoice.organization.tzinfo).date():
            continue
        with transaction.atomic():  # the mark and its event commit together, or neither
            marked = Invoice.objects.filter(pk=invoice.pk, overdue_at__isnull=True).update(
                overdue_at=now
            )
            if marked:
                record_event(
                    "invoice.overdue",
                    invoice_id=invoice.pk,
                    data={"due_date": str(invoice.due_date)},
                )
                count += 1
    return count
