from django.contrib import admin
from django.db.models import Exists, OuterRef

from billing.admin.scoping import current_organization
from billing.models import Customer, DayTotals, Invoice, InvoiceDelivery, Product
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


class InvoiceCurrencyFilter(admin.SimpleListFilter):
    """The organization's currencies, read from its catalogue and its stored figures: a
    DISTINCT over every invoice would cost more than the page (an invoice's currency is its
    products', or one it was issued in)."""

    title = "currency"
    parameter_name = "currency__exact"  # what the overview's links and the stock filter use

    def lookups(self, request, model_admin):
        org = current_organization(request)
        products, days = Product.objects.all(), DayTotals.objects.all()
        if org is not None:
            products, days = products.filter(organization=org), days.filter(organization=org)
        found = set(products.order_by().values_list("currency", flat=True).distinct())
        found |= set(days.order_by().values_list("currency", flat=True).distinct())
        if org is not None:
            found.add(org.default_currency)
        return [(code, code) for code in sorted(found)]

    def queryset(self, request, queryset):
        return queryset.filter(currency=self.value()) if self.value() else queryset


class InvoiceCustomerFilter(admin.RelatedFieldListFilter):
    """The organization's customers by name, without reading the invoices to find them."""

    def field_choices(self, field, request, model_admin):
        org = current_organization(request)
        customers = Customer.objects.order_by("name")
        if org is not None:
            customers = customers.filter(organization=org)
        return list(customers.values_list("pk", "name"))


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
