"""FIXED tax amounts: refused when finer than the invoice currency; outside compound bases."""

from decimal import Decimal

import pytest

from billing.models import Invoice, Tax, TaxComponent
from tests.factories import ProductFactory, TaxFactory


@pytest.mark.parametrize(
    ("currency", "rate", "decimals"), [("USD", "0.005", 2), ("JPY", "0.5", 0), ("KWD", "0.0005", 3)]
)
def test_a_fixed_tax_finer_than_the_invoice_currency_is_refused(api, currency, rate, decimals):
    tax = TaxFactory(organization=api.org, name="Eco fee", type=Tax.Type.FIXED, rate=Decimal(rate))
    product = ProductFactory(organization=api.org, unit_price=1000, currency=currency)
    body = api.invoice_body(
        items=[{"product_id": str(product.pk), "quantity": 1}], taxId=str(tax.pk)
    )
    message = [
        f"taxId: the fixed amount {rate} of tax 'Eco fee' cannot be charged in {currency}: "
        f"{currency} amounts have at most {decimals} decimal places"
    ]
    created = api.post("invoices", body)
    assert (created.status_code, created.json()["message"]) == (400, message)
    assert Invoice.objects.count() == 0
    assert api.post("invoices/preview", body).json()["validation"] == {
        "isValid": False,
        "errors": message,
    }


def test_a_fixed_component_is_named_and_fits_a_currency_with_enough_decimals(api):
    tax = TaxFactory(organization=api.org, name="Levies", type=Tax.Type.PERCENTAGE, rate=0)
    TaxComponent.objects.create(
        tax=tax, position=0, name="Bottle deposit", type="FIXED", rate=Decimal("0.005")
    )
    usd = api.invoice_body(taxId=str(tax.pk))
    assert api.post("invoices", usd).json()["message"] == [
        "taxId: the fixed amount 0.005 of tax 'Levies' (component 'Bottle deposit') cannot be "
        "charged in USD: USD amounts have at most 2 decimal places"
    ]
    product = ProductFactory(organization=api.org, unit_price=1000, currency="KWD")
    kwd = api.invoice_body(
        items=[{"product_id": str(product.pk), "quantity": 1}], taxId=str(tax.pk)
    )
    created = api.post("invoices", kwd)
    assert created.status_code == 201
    assert b'"tax_amount":0.005,' in created.content
    assert b'"total":1.005,' in created.content


def fixed_then_compound(api, *, inclusive: bool) -> Tax:
    tax = TaxFactory(organization=api.org, name="Levy and tax", rate=0, inclusive=inclusive)
    TaxComponent.objects.create(tax=tax, position=0, name="Fee", type="FIXED", rate=Decimal("1.23"))
    TaxComponent.objects.create(
        tax=tax, position=1, name="Sales tax", type="PERCENTAGE", rate=10, compound=True
    )
    return tax


@pytest.mark.parametrize("rounding", ["PER_LINE", "PER_INVOICE"])
def test_a_fixed_component_is_never_part_of_a_compound_base(api, rounding):
    api.org.tax_rounding = rounding
    api.org.save(update_fields=["tax_rounding"])
    product = ProductFactory(organization=api.org, unit_price=10000)  # 100.00 USD
    body = api.invoice_body(
        items=[{"product_id": str(product.pk), "quantity": 1}],
        taxId=str(fixed_then_compound(api, inclusive=False).pk),
    )
    created = api.post("invoices", body).content
    # 1.23 + 10 % of 100.00, not 10 % of 101.23 (11.35)
    assert b'"subtotal":100.00,' in created
    assert b'"tax_amount":11.23,' in created
    assert b'"total":111.23,' in created
    assert Invoice.objects.get().tax_breakdown == [
        {"name": "Fee", "amount": 123},
        {"name": "Sales tax", "amount": 1000},
    ]


def test_an_inclusive_fixed_then_compound_tax_carves_out_the_same_figures(api):
    product = ProductFactory(organization=api.org, unit_price=11123)  # 111.23 USD, tax included
    body = api.invoice_body(
        items=[{"product_id": str(product.pk), "quantity": 1}],
        taxId=str(fixed_then_compound(api, inclusive=True).pk),
    )
    created = api.post("invoices", body).content
    assert b'"subtotal":100.00,' in created
    assert b'"tax_amount":11.23,' in created
    assert b'"total":111.23,' in created


def test_the_api_docs_state_the_compound_rule(client):
    schema = client.get("/api/v0/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    compound = schema["components"]["schemas"]["TaxComponent"]["properties"]["compound"]
    assert compound["description"] == (
        "PERCENTAGE only: Taxes the net amount plus the PERCENTAGE components before it; "
        "FIXED components (fees) are never part of a tax base."
    )
