"""Exports: the list's rows under its filters, formula cells neutralised, numbers kept numbers,
one organization only, and memory that does not grow with the row count."""

import csv
import io
import tempfile
import tracemalloc
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from billing.models import Customer, Invoice
from billing.reports import exports
from billing.reports.exports import Table
from billing.reports.tables import INVOICE_HEADERS, XERO_HEADERS
from billing.services.actors import Actor
from billing.services.payments import payment_record
from tests.api.conftest import Api
from tests.factories import CustomerFactory, OrganizationFactory, make_invoice

pytestmark = pytest.mark.django_db
EVIL = ('=HYPERLINK("http://x")', "+1+2", "-3+4", "@SUM(A1)", "\tTab", "\rReturn")


def body(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode())))


def xlsx_rows(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    return [[cell for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def api():
    return Api(OrganizationFactory(name="Acme", slug="acme", time_zone="Europe/Berlin"))


def test_the_export_has_the_lists_rows_under_the_same_filter(api):
    customer = CustomerFactory(organization=api.org, name="Chosen Customer")
    for _ in range(3):
        make_invoice(api.org, status="OPEN", customer=customer, delivery="MANUALLY")
        make_invoice(api.org, status="OPEN", delivery="MANUALLY")
    make_invoice(api.org, customer=customer)  # a draft: not OPEN
    listed = api.get("invoices", status="OPEN", customer=str(customer.pk), take=100).json()

    rows = csv_rows(api.get("invoices/export", status="OPEN", customer=str(customer.pk)))

    assert rows[0] == list(INVOICE_HEADERS)
    assert [row[0] for row in rows[1:]] == [invoice["invoice_number"] for invoice in listed["data"]]
    assert {row[2] for row in rows[1:]} == {"Chosen Customer"}
    assert len(rows) == 4


def test_a_row_carries_amounts_in_major_units_and_iso_dates(api):
    invoice = make_invoice(
        api.org,
        status="OPEN",
        lines=((1250, 1),),
        currency="KWD",
        partial_payment=True,
        delivery="MANUALLY",
    )
    payment_record(invoice=invoice, amount=125, method="CASH", actor=Actor(label="t"))
    invoice.refresh_from_db()
    issued = invoice.finalized_at.astimezone(api.org.tzinfo)

    rows = csv_rows(api.get("invoices/export"))

    assert rows[1] == [
        invoice.number,
        "PARTIALLYPAID",
        invoice.customer.name,
        invoice.email,
        "KWD",
        "1.250",
        "0.000",
        "1.250",
        "0.125",
        "1.125",
        issued.date().isoformat(),
        invoice.due_date.isoformat(),
        invoice.created_at.astimezone(api.org.tzinfo).isoformat(),
    ]


def test_csv_cells_that_would_run_as_formulas_are_prefixed(api):
    for name in EVIL:
        make_invoice(api.org, customer=CustomerFactory(organization=api.org, name=name))

    rows = csv_rows(api.get("invoices/export"))

    assert sorted(row[2] for row in rows[1:]) == sorted(f"'{name}" for name in EVIL)


def test_numbers_are_never_prefixed_even_negative():
    table = Table("t", ("text", "number", "count"), [("-1", Decimal("-12.50"), -3)])
    assert "".join(exports.csv_chunks(table)) == "text,number,count\r\n'-1,-12.50,-3\r\n"


def test_xlsx_keeps_numbers_numeric_and_formulas_as_text(api):
    make_invoice(
        api.org,
        status="OPEN",
        lines=((123456, 1),),
        customer=CustomerFactory(organization=api.org, name=EVIL[0]),
        delivery="MANUALLY",
    )

    header, row = xlsx_rows(api.get("invoices/export", format="xlsx"))

    assert [cell.value for cell in header][:3] == ["Number", "Status", "Customer"]
    assert (row[2].value, row[2].data_type) == (EVIL[0], "s")
    assert (row[7].value, row[7].data_type) == (1234.56, "n")  # Total
    assert (row[4].value, row[4].data_type) == ("USD", "s")


def test_invoice_lines_in_xeros_layout(api):
    invoice = make_invoice(
        api.org, status="OPEN", lines=((2500, 2), (999, "1.5")), delivery="MANUALLY"
    )
    issued = invoice.finalized_at.astimezone(api.org.tzinfo).date().isoformat()
    names = list(invoice.items.values_list("name", flat=True))

    rows = csv_rows(api.get("invoices/export", table="lines"))

    head = [invoice.customer.name, invoice.number, issued, invoice.due_date.isoformat()]

    assert rows == [
        list(XERO_HEADERS),
        [*head, names[0], "2", "25.00", "", "", "USD"],
        [*head, names[1], "1.5", "9.99", "", "", "USD"],
    ]
    assert XERO_HEADERS == (
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


def test_another_organizations_invoices_are_never_exported(api):
    mine = make_invoice(api.org, status="OPEN", delivery="MANUALLY")
    other = make_invoice(OrganizationFactory(slug="other"), status="OPEN", delivery="MANUALLY")
    theirs = Customer.objects.get(pk=other.customer_id)

    for table in ("invoices", "lines"):
        rows = csv_rows(api.get("invoices/export", table=table))
        assert len(rows) == 2
        assert theirs.name not in {cell for row in rows for cell in row}
    assert csv_rows(api.get("invoices/export"))[1][0] == mine.number
    assert csv_rows(api.get("invoices/export", customer=str(theirs.pk))) == [list(INVOICE_HEADERS)]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"format": "pdf"}, ["format must be one of the following values: csv, xlsx"]),
        ({"skip": "1"}, ["property skip should not exist"]),
        ({"to_date": ""}, ["to_date must be a valid date in YYYY-MM-DD format"]),  # not "not sent"
    ],
)
def test_a_bad_query_is_a_400_in_the_envelope(api, query, message):
    response = api.get("invoices/export", **query)
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "message": message, "error": "Bad Request"}


def many_invoices(org, count: int) -> None:
    customer = CustomerFactory(organization=org)
    due = timezone.localdate() + timedelta(days=30)
    Invoice.objects.bulk_create(
        [
            Invoice(
                organization=org,
                customer=customer,
                name="Bulk",
                email="bulk@example.com",
                currency="USD",
                due_date=due,
                status=Invoice.Status.OPEN,
                sequence=n,
                number=f"INV-{n:06d}",
                total=10000 + n,
                subtotal=10000 + n,
                finalized_at=timezone.now(),
            )
            for n in range(1, count + 1)
        ],
        batch_size=2000,
    )


def export_peak(api, file_format: str, *, traced: bool = True) -> tuple[int, int]:
    """(rows exported, peak bytes allocated while the response was produced and read). The
    chunks go to a file as they arrive, so only the export's own memory is measured."""
    with tempfile.TemporaryFile() as sink:
        if traced:
            tracemalloc.start()
        try:
            response = api.get("invoices/export", format=file_format)
            assert response.status_code == 200
            for chunk in response.streaming_content:
                sink.write(chunk)
            peak = tracemalloc.get_traced_memory()[1] if traced else 0
        finally:
            tracemalloc.stop()
        sink.seek(0)
        if file_format == "csv":
            return sum(1 for _ in sink) - 1, peak
        sheet = openpyxl.load_workbook(sink, read_only=True).active
        return sum(1 for _ in sheet.iter_rows(values_only=True)) - 1, peak


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_memory_stays_flat_from_2000_to_20000_rows(file_format):
    small, large = (Api(OrganizationFactory(slug=f"size-{n}")) for n in (2000, 20000))
    many_invoices(small.org, 2000)
    many_invoices(large.org, 20000)
    export_peak(small, file_format, traced=False)  # imports and caches are not the export's
    # Each test client loads the middleware on its first request (WhiteNoise then indexes the
    # collected static files): not the export's memory either.
    assert large.get("customers").status_code == 200

    rows_small, peak_small = export_peak(small, file_format)
    rows_large, peak_large = export_peak(large, file_format)

    assert (rows_small, rows_large) == (2000, 20000)
    assert peak_large <= 2 * peak_small, (peak_small, peak_large)
