"""Reads shared by the admin and the API."""

from django.db.models import Q
from django.utils import timezone

from billing.models import Invoice, Organization


def past_due_q() -> Q:
    """OPEN invoices whose due date has passed in their organization's own time zone."""
    now = timezone.now()
    condition = Q(pk__in=[])
    zones = Organization.objects.values_list("time_zone", flat=True).distinct()
    for zone in zones:
        today = now.astimezone(Organization(time_zone=zone).tzinfo).date()
        condition |= Q(organization__time_zone=zone, due_date__lt=today)
    return Q(status=Invoice.Status.OPEN) & condition
