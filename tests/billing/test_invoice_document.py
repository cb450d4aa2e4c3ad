"""The legally complete invoice: seller and buyer details, supply date, tax per rate."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import documents
from billing.services.actors import Actor
from billing.services.invoices import invoice_finalize
from tests.factories import (
    CustomerFactory,
    OrganizationFactory,
    TaxComponentFactory,
    TaxFactory,
    make_invoice,
)
from tests.notifications.email_support import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    org = OrganizationFactory(
        name="Acme",
        legal_name="Acme Trading GmbH",
        legal_address="Hauptstr. 1\n10115 Berlin",
        vat_id="DE123456789",
        default_currency="EUR",
        time_zone="Europe/Berlin",
    )
    customer = CustomerFactory(
        organization=org, name="Alexey Ivanov", address="Rue 2, Paris", tax_id="FR40303265045"
    )
    tax = TaxFactory(organization=org, name="VAT + levy")
    TaxComponentFactory(tax=tax, name="VAT", type="PERCENTAGE", rate=Decimal("19"))
    TaxComponentFactory(tax=tax, name="Levy", type="PERCENTAGE", rate=Decimal("2.5"), compound=True)
    draft = make_invoice(
        org,
        customer=customer,
        lines=((10000, 2),),
        tax=tax,
        supply_date=timezone.localdate() - timedelta(days=10),
    )
    return invoice_finalize(invoice=draft, actor=Actor(label="t"))


def test_the_document_names_seller_buyer_supply_date_and_each_rate_with_its_base(invoice):
    doc = documents.build(invoice)
    assert doc.seller == documents.Party(
        "Acme Trading GmbH", "Hauptstr. 1\n10115 Berlin", "DE123456789"
    )
    assert doc.buyer == documents.Party("Alexey Ivanov", "Rue 2, Paris", "FR40303265045")
    assert doc.supply_date == documents.format_day(invoice.supply_date, "en")
    assert doc.tax_rows == [
        documents.TaxRow("VAT", "19%", "200.00 EUR", "38.00 EUR"),
        documents.TaxRow("Levy", "2.5%", "238.00 EUR", "5.95 EUR"),
    ]
    assert invoice.total == 24395


def test_the_pdf_and_the_pay_page_carry_the_legal_details(client, invoice):
    pdf = pdf_text(client.get(f"/pay/{invoice.payment_token}/pdf/").content)
    for expected in (
        "Acme Trading GmbH",
        "Hauptstr. 1",
        "VAT ID: DE123456789",
        "Alexey Ivanov",
        "Rue 2, Paris",
        "VAT ID: FR40303265045",
        f"Supplied: {documents.format_day(invoice.supply_date, 'en')}",
        "VAT 19% of 200.00 EUR 38.00 EUR",
        "Levy 2.5% of 238.00 EUR 5.95 EUR",
    ):
        assert expected in pdf, expected
    html = client.get(f"/pay/{invoice.payment_token}/").content.decode()
    for expected in (
        "Acme Trading GmbH · Hauptstr. 1<br>10115 Berlin · VAT ID DE123456789",
        "VAT 19% of 200.00 EUR",
        f"Supplied {documents.format_day(invoice.supply_date, 'en')}",
    ):
        assert expected in html, expected


def test_no_supply_date_line_when_it_is_the_issue_date():
    draft = make_invoice(OrganizationFactory(), supply_date=timezone.localdate())
    invoice = invoice_finalize(invoice=draft, actor=Actor(label="t"))
    assert documents.build(invoice).supply_date == ""


def test_a_tax_named_with_its_rate_shows_the_rate_once():
    named = documents.TaxRow("Sales tax 8.5%", "8.5%", "2,550.00 USD", "216.75 USD")
    assert named.label == "Sales tax 8.5% of 2,550.00 USD"
    assert documents.TaxRow("VAT", "19%", "200.00 EUR", "38.00 EUR").label == (
        "VAT 19% of 200.00 EUR"
    )
    assert documents.TaxRow("Eco fee", "", "", "5.00 EUR").label == "Eco fee"
