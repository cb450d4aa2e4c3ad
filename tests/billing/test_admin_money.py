"""The admin enforces the amount maximum and the FIXED-tax decimals the API enforces."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Invoice, Payment, Product, Tax
from billing.money import MAX_AMOUNT_MINOR
from tests.billing.admin_support import work_in
from tests.billing.test_admin import invoice_form_data
from tests.factories import (
    CustomerFactory,
    OrganizationFactory,
    ProductFactory,
    TaxFactory,
    make_invoice,
)

pytestmark = pytest.mark.django_db
USD_MAX = "USD amounts must not exceed 9999999999999.99"


def test_product_form_refuses_a_price_above_the_maximum(admin_client):
    org = OrganizationFactory()
    data = {"organization": org.pk, "name": "Big", "price": "10000000000000", "currency": "USD"}
    response = admin_client.post(reverse("admin:billing_product_add"), data)
    assert response.status_code == 200
    assert USD_MAX in response.content.decode()
    assert Product.objects.count() == 0


def test_payment_form_refuses_an_amount_above_the_maximum(admin_client):
    invoice = make_invoice(lines=[(10000, 1)], status="OPEN", partial_payment=True)
    url = reverse("admin:billing_invoice_payment", args=[invoice.pk])
    refused = admin_client.post(url, {"amount": "10000000000000", "method": "CASH"})
    assert USD_MAX in refused.content.decode()
    assert Payment.objects.count() == 0


def test_invoice_form_refuses_lines_above_the_maximum_before_saving(admin_client):
    org = OrganizationFactory()
    customer = CustomerFactory(organization=org, email="c@example.com")
    product = ProductFactory(organization=org, unit_price=MAX_AMOUNT_MINOR)
    work_in(admin_client, org)
    response = admin_client.post(
        reverse("admin:billing_invoice_add"), invoice_form_data(org, customer, product)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"items[0]: {USD_MAX}" in page and f"total: {USD_MAX}" in page
    assert Invoice.objects.count() == 0


def test_invoice_form_refuses_a_fixed_tax_finer_than_the_currency(admin_client):
    org = OrganizationFactory()
    customer = CustomerFactory(organization=org, email="c@example.com")
    product = ProductFactory(organization=org, unit_price=1000)
    tax = TaxFactory(organization=org, name="Eco fee", type=Tax.Type.FIXED, rate=Decimal("0.005"))
    work_in(admin_client, org)
    response = admin_client.post(
        reverse("admin:billing_invoice_add"),
        invoice_form_data(org, customer, product, tax=tax.pk),
    )
    assert response.status_code == 200
    assert "the fixed amount 0.005 of tax &#x27;Eco fee&#x27;" in response.content.decode()
    assert Invoice.objects.count() == 0
