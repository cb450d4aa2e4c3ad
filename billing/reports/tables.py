"""What each export contains: one function per table, reading its queryset in chunks.

Money is a number in major units with the currency in its own column; dates are ISO text in
the organization's zone. The querysets come already filtered (a changelist's filters and
search, or the API's list filters) and scoped to one organization.
"""

import zoneinfo
from collections.abc import Iterator
from datetime import datetime, tzinfo

from django.utils import timezone

from billing.models import InvoiceItem, Organization
from billing.models.invoices import view_status
from billing.money import to_major
from billing.reports import selectors
from billing.reports.exports import Table

# Rows fetched per database round trip. The driver's previous batch is still referenced while
# the next one is fetched, so an export holds about two batches at its peak, whatever its size:
# small enough that even a 2,000-row export reaches that steady state.
CHUNK = 500


def _local(moment: datetime | None, zone: tzinfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment else None


def _day(moment: datetime | None, zone: tzinfo) -> str | None:
    return moment.astimezone(zone).date().isoformat() if moment else None


INVOICE_HEADERS = (
    "Number",
    "Status",
    "Customer",
    "Email",
    "Currency",
    "Subtotal",
    "Tax",
    "Total",
    "Paid",
    "Amount due",
    "Issued",
    "Due date",
    "Created",
)


# Tuples of only the columns the rows read: model instances (JSON fields, related objects)
# cost more time and memory than the rest of the export together.
INVOICE_COLUMNS = (
    "number",
    "status",
    "customer__name",
    "email",
    "currency",
    "subtotal",
    "tax_amount",
    "total",
    "amount_paid",
    "amount_credited",
    "due_date",
    "finalized_at",
    "created_at",
    "organization__time_zone",
)


def invoice_rows(invoices) -> Iterator[tuple]:
    """In the queryset's own order (a changelist's, or the API list's)."""
    zones, days = {}, {}
    now = timezone.now()
    rows = invoices.prefetch_related(None).values_list(*INVOICE_COLUMNS)
    for row in rows.iterator(chunk_size=CHUNK):
        (number, status, customer, email, currency, subtotal, tax, total, paid, credited) = row[:10]
        due_date, finalized_at, created_at, zone_name = row[10:]
        if zone_name not in zones:
            zones[zone_name] = zoneinfo.ZoneInfo(zone_name)
            days[zone_name] = now.astimezone(zones[zone_name]).date()
        zone = zones[zone_name]
        shown = view_status(status, due_date=due_date, amount_paid=paid, today=days[zone_name])
        yield (
            number,
            shown,
            customer,
            email,
            currency,
            to_major(subtotal, currency),
            to_major(tax, currency),
            to_major(total, currency),
            to_major(paid, currency),
            to_major(total - paid - credited, currency),
            _day(finalized_at, zone),
            due_date.isoformat(),
            _local(created_at, zone),
        )


def invoices_table(invoices) -> Table:
    return Table("Invoices", INVOICE_HEADERS, invoice_rows(invoices))


# Xero's sales invoice import layout, with the currency it needs for foreign-currency invoices.
XERO_HEADERS = (
    "ContactName",
    "InvoiceNumber",
    "InvoiceDate",
    "DueDate",
    "Description",
    "Quantity",
    "UnitAmount",
    "AccountCode",
    "TaxType",
    "Currency",
)


def xero_rows(invoices) -> Iterator[tuple]:
    items = (
        InvoiceItem.objects.filter(invoice__in=invoices.values("pk"))
        .select_related("invoice__organization", "invoice__customer", "product")
        .order_by("invoice__created_at", "invoice_id", "position", "id")
    )
    for item in items.iterator(chunk_size=CHUNK):
        invoice = item.invoice
        issued = invoice.finalized_at or invoice.created_at
        yield (
            invoice.customer.name,
            invoice.number,
            _day(issued, invoice.organization.tzinfo),
            invoice.due_date.isoformat(),
            item.name or item.product.name,
            item.quantity.normalize(),
            to_major(item.unit_price, invoice.currency),
            None,  # the chart of accounts lives in Xero
            None,
            invoice.currency,
        )


def xero_table(invoices) -> Table:
    return Table("Invoice lines", XERO_HEADERS, xero_rows(invoices))


PAYMENT_HEADERS = ("Invoice", "Customer", "Currency", "Amount", "Method", "Reference", "Paid at")


def payment_rows(payments) -> Iterator[tuple]:
    rows = payments.select_related("invoice__organization", "invoice__customer")
    for payment in rows.order_by("paid_at", "pk").iterator(chunk_size=CHUNK):
        invoice = payment.invoice
        yield (
            invoice.number,
            invoice.customer.name,
            invoice.currency,
            to_major(payment.amount, invoice.currency),
            payment.get_method_display(),
            payment.reference,
            _local(payment.paid_at, invoice.organization.tzinfo),
        )


def payments_table(payments) -> Table:
    return Table("Payments", PAYMENT_HEADERS, payment_rows(payments))


LEDGER_HEADERS = (
    "Created",
    "Channel",
    "Purpose",
    "Recipient",
    "Status",
    "Attempts",
    "Provider id",
    "Last error",
    "Subject",
)


def ledger_rows(messages) -> Iterator[tuple]:
    zones = {
        pk: zoneinfo.ZoneInfo(name)
        for pk, name in Organization.objects.values_list("pk", "time_zone")
    }
    for message in messages.order_by("created_at", "pk").iterator(chunk_size=CHUNK):
        yield (
            _local(message.created_at, zones.get(message.tenant_id, zoneinfo.ZoneInfo("UTC"))),
            message.channel,
            message.purpose,
            message.recipient,
            message.status,
            message.attempts,
            message.provider_message_id,
            message.last_error_code,
            message.subject_id,
        )


def ledger_table(messages) -> Table:
    """One row per message with its final status; times in the message's organization's zone."""
    return Table("Delivery ledger", LEDGER_HEADERS, ledger_rows(messages))


AGING_HEADERS = ("Currency", "Not due", "1-30", "31-60", "61-90", "91-120", "Over 120")


def aging_table(organization: Organization) -> Table:
    rows = [
        (row.currency, *(to_major(getattr(row, f), row.currency) for f in selectors.AGING_FIELDS))
        for row in selectors.aging(organization=organization)
    ]
    return Table("Aging", AGING_HEADERS, rows)
