"""One maximum per amount (line, invoice total, payment), checked before any write."""

from decimal import Decimal

import pytest

from billing.models import Invoice, InvoiceItem, Product
from billing.money import MAX_AMOUNT_MINOR
from tests.api.money_support import exact, send
from tests.factories import ProductFactory

USD_MAX = "USD amounts must not exceed 9999999999999.99"


def test_a_price_above_the_maximum_is_refused_with_a_list_naming_the_field(api):
    refused = send(
        api,
        "post",
        "products",
        {"name": "X", "price": Decimal("90071992547409.93"), "currency": "USD"},
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "statusCode": 400,
        "message": [f"price: {USD_MAX}"],
        "error": "Bad Request",
    }
    assert Product.objects.filter(name="X").count() == 0


def test_a_price_finer_than_its_currency_answers_a_list(api):
    refused = api.post("products", {"name": "X", "price": "1.5", "currency": "JPY"})
    assert refused.status_code == 400
    assert refused.json()["message"] == ["price: JPY amounts have at most 0 decimal places"]
    patched = api.patch(f"products/{api.product.pk}", {"price": "100000000000000"})
    assert patched.json()["message"] == [f"price: {USD_MAX}"]
    api.product.refresh_from_db()
    assert api.product.unit_price == 250000


def huge_body(api, quantity=2):
    product = ProductFactory(organization=api.org, unit_price=MAX_AMOUNT_MINOR, currency="USD")
    return api.invoice_body(items=[{"product_id": str(product.pk), "quantity": quantity}])


@pytest.mark.parametrize(
    ("quantity", "taxed", "message"),
    [
        (1, True, [f"total: {USD_MAX}"]),  # a line at the maximum, a tax on top of it
        (999999999, False, [f"items[0]: {USD_MAX}", f"total: {USD_MAX}"]),  # past 64 bits
    ],
    ids=["tax-on-top", "past-64-bits"],
)
def test_create_and_preview_refuse_amounts_above_the_maximum(api, quantity, taxed, message):
    body = huge_body(api, quantity)
    if taxed:
        body["taxId"] = str(api.tax.pk)
    created = api.post("invoices", body)
    assert (created.status_code, created.json()["message"]) == (400, message)
    assert Invoice.objects.count() == 0
    preview = api.post("invoices/preview", body).json()
    assert preview == {"preview": None, "validation": {"isValid": False, "errors": message}}


def test_bulk_refuses_the_invoice_above_the_maximum_and_keeps_the_others(api):
    response = api.post("invoices/bulk", {"invoices": [huge_body(api), api.invoice_body()]})
    assert response.status_code == 200
    result = response.json()
    assert result["failed"] == [
        {
            "index": 0,
            "statusCode": 400,
            "message": [f"items[0]: {USD_MAX}", f"total: {USD_MAX}"],
            "error": "Bad Request",
        }
    ]
    assert result["summary"] == {"total": 2, "successful": 1, "failed": 1}
    assert Invoice.objects.count() == 1


def test_replacing_a_draft_with_amounts_above_the_maximum_changes_nothing(api):
    draft = api.post("invoices", api.invoice_body(status="DRAFT")).json()
    replaced = api.put(f"invoices/{draft['id']}", huge_body(api))
    assert (replaced.status_code, replaced.json()["message"]) == (
        400,
        [f"items[0]: {USD_MAX}", f"total: {USD_MAX}"],
    )
    assert api.get(f"invoices/{draft['id']}").json() == draft
    assert list(InvoiceItem.objects.values_list("product_id", "unit_price")) == [
        (api.product.pk, 250000)
    ]


def test_every_invoice_at_the_maximum_can_be_paid_in_full(api):
    for currency, text in [
        ("JPY", "999999999999999"),
        ("USD", "9999999999999.99"),
        ("KWD", "999999999999.999"),
    ]:
        product = ProductFactory(
            organization=api.org, unit_price=MAX_AMOUNT_MINOR, currency=currency
        )
        body = api.invoice_body(items=[{"product_id": str(product.pk), "quantity": 1}])
        invoice = exact(api.post("invoices", body))
        assert str(invoice["total"]) == text
        paid = api.client.post(
            f"/api/v0/invoices/{invoice['id']}/payments",
            f'{{"amount": {text}, "method": "CASH"}}',
            content_type="application/json",
        )
        assert paid.status_code == 201, paid.content
        assert (paid.json()["status"], str(exact(paid)["amount_paid"])) == ("PAID", text)


def test_a_payment_above_the_maximum_is_a_400_naming_the_amount(api):
    invoice = api.post("invoices", api.invoice_body(partial_payment=True)).json()
    refused = api.post(
        f"invoices/{invoice['id']}/payments", {"amount": "10000000000000000", "method": "CASH"}
    )
    assert refused.json() == {
        "statusCode": 400,
        "message": [f"amount: {USD_MAX}"],
        "error": "Bad Request",
    }
    assert api.get(f"invoices/{invoice['id']}").json()["amount_paid"] == 0


def test_a_product_in_another_currency_answers_a_list_in_create_bulk_and_preview(api):
    euro = ProductFactory(organization=api.org, name="Euro thing", currency="EUR")
    body = api.invoice_body(items=[{"product_id": str(euro.pk), "quantity": 1}], currency="USD")
    message = ["Product 'Euro thing' is priced in EUR, not in the invoice currency USD"]
    created = api.post("invoices", body)
    assert (created.status_code, created.json()["message"]) == (400, message)
    assert api.post("invoices/bulk", {"invoices": [body]}).json()["failed"][0]["message"] == message
    assert api.post("invoices/preview", body).json()["validation"]["errors"] == message
    assert Invoice.objects.count() == 0
