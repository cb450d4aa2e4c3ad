from django.contrib import admin
from django.db.models import Exists, OuterRef

from billing.models import Invoice, InvoiceDelivery
from billing.selectors import past_due_q
from billing.services import delivery_summary


class InvoiceStatusFilter(admin.SimpleListFilter):
    """Stored statuses plus the derived PASTDUE and PARTIALLYPAID views."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            *Invoice.Status.choices,
            (Invoice.PASTDUE, "Past due"),
            (Invoice.PARTIALLYPAID, "Partially paid"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == Invoice.PASTDUE:
            return queryset.filter(past_due_q())
        if value == Invoice.PARTIALLYPAID:
            return queryset.filter(status=Invoice.Status.OPEN, amount_paid__gt=0)
        if value in Invoice.Status.values:
            return queryset.filter(status=value)
        return queryset


class DeliveryFilter(admin.SimpleListFilter):
    """By each channel's best delivery status (``billing.services.delivery_summary``)."""

    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [
            ("problems", "Delivery problems"),
            ("reached", "Reached on every channel tried"),
            ("none", "Never sent"),
        ]

    def queryset(self, request, queryset):
        problem = InvoiceDelivery.objects.filter(
            invoice=OuterRef("pk"), status__in=delivery_summary.PROBLEMS
        )
        if self.value() == "problems":
            return queryset.filter(Exists(problem))
        if self.value() == "reached":
            tried = InvoiceDelivery.objects.filter(invoice=OuterRef("pk"))
            return queryset.filter(Exists(tried)).exclude(Exists(problem))
        if self.value() == "none":
            return queryset.exclude(Exists(InvoiceDelivery.objects.filter(invoice=OuterRef("pk"))))
        return queryset
