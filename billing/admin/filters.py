from django.contrib import admin

from billing.models import Invoice
from billing.selectors import past_due_q


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
