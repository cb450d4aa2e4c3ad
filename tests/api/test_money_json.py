"""Amounts leave the API as exact JSON numbers with exactly their currency's decimals."""

import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import Product
from billing.money import KNOWN_CURRENCIES, MAX_AMOUNT_MINOR, to_major
from tests.api.conftest import new_key
from tests.api.money_support import exact, send
from tests.factories import ProductFactory

CURRENCIES = sorted(KNOWN_CURRENCIES)


@pytest.fixture
def unlimited(settings):
    settings.API_RATE_LIMIT = "1000000/min"


def product_body(price: Decimal, currency: str) -> dict:
    return {"name": "Edge", "price": price, "currency": currency}


def test_the_largest_price_keeps_every_digit(api):
    created = send(api, "post", "products", product_body(Decimal("9999999999999.99"), "USD"))
    assert created.status_code == 201
    assert b'"price":9999999999999.99,' in created.content
    assert Product.objects.get(pk=created.json()["id"]).unit_price == MAX_AMOUNT_MINOR


@pytest.mark.parametrize(
    ("currency", "minor", "amount", "zero"),
    [("USD", 1000, b"10.00", b"0.00"), ("JPY", 0, b"0", b"0"), ("KWD", 12345, b"12.345", b"0.000")],
)
def test_amounts_carry_exactly_the_currency_decimals(api, currency, minor, amount, zero):
    product = ProductFactory(organization=api.org, unit_price=minor, currency=currency)
    body = api.invoice_body(
        items=[{"product_id": str(product.pk), "quantity": 1}], currency=currency
    )
    created = api.post("invoices", body)
    assert created.status_code == 201
    for field, text in [
        (b"total", amount),
        (b"subtotal", amount),
        (b"amount_due", amount),
        (b"price", amount),
        (b"tax_amount", zero),
        (b"amount_paid", zero),
    ]:
        assert b'"' + field + b'":' + text + b"," in created.content


def test_the_largest_yen_total_is_answered_digit_for_digit(api):
    product = ProductFactory(organization=api.org, unit_price=MAX_AMOUNT_MINOR, currency="JPY")
    body = api.invoice_body(items=[{"product_id": str(product.pk), "quantity": 1}])
    created = api.post("invoices", body)
    assert created.status_code == 201
    assert exact(created)["total"] == Decimal(999_999_999_999_999)
    assert b'"total":999999999999999,' in created.content


def test_preview_and_payment_answers_are_exact(api):
    product = ProductFactory(organization=api.org, unit_price=1234, currency="KWD")
    body = api.invoice_body(items=[{"product_id": str(product.pk), "quantity": "2.5"}])
    preview = exact(api.post("invoices/preview", body))["preview"]
    assert (preview["subtotal"], preview["total"]) == (Decimal("3.085"), Decimal("3.085"))
    assert preview["items"][0]["unitPrice"] == Decimal("1.234")
    assert str(preview["items"][0]["quantity"]) == "2.5"
    invoice = api.post("invoices", body).json()
    paid = send(
        api,
        "post",
        f"invoices/{invoice['id']}/payments",
        {"amount": Decimal("3.085"), "method": "CASH"},
    )
    assert paid.status_code == 201
    assert b'"amount_paid":3.085,' in paid.content
    assert b'"amount":3.085,' in paid.content  # the transaction


def test_an_idempotent_replay_carries_the_same_exact_bytes(api):
    key = new_key()
    first = api.client.post(
        "/api/v0/products",
        '{"name": "Edge", "price": 0.10, "currency": "USD"}',
        content_type="application/json",
        HTTP_X_IDEMPOTENCY_KEY=key,
    )
    again = api.client.post(
        "/api/v0/products",
        '{"name": "Edge", "price": 0.1, "currency": "USD"}',
        content_type="application/json",
        HTTP_X_IDEMPOTENCY_KEY=key,
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert b'"price":0.10,' in again.content
    assert Product.objects.filter(organization=api.org, name="Edge").count() == 1


def test_openapi_examples_are_exact_amounts(client):
    schema = client.get("/api/v0/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    examples = re.findall(rb'"example": (2500[.0-9]*)', schema.content)
    assert set(examples) == {b"2500.00"}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    currency=st.sampled_from(CURRENCIES),
    minor=st.integers(min_value=0, max_value=MAX_AMOUNT_MINOR),
)
def test_random_amounts_of_any_currency_round_trip_unchanged(api, unlimited, currency, minor):
    amount = to_major(minor, currency)
    created = send(api, "post", "products", product_body(amount, currency))
    assert created.status_code == 201, created.content
    product_id = exact(created)["id"]
    assert exact(created)["price"] == amount
    assert str(exact(api.get(f"products/{product_id}"))["price"]) == str(amount)
    invoice = api.post(
        "invoices",
        api.invoice_body(items=[{"product_id": product_id, "quantity": 1}], partial_payment=True),
    )
    assert invoice.status_code == 201, invoice.content
    answered = exact(invoice)
    assert [str(answered[f]) for f in ("subtotal", "total", "amount_due")] == [str(amount)] * 3
    if minor:
        paid = send(
            api, "post", f"invoices/{answered['id']}/payments", {"amount": amount, "method": "CASH"}
        )
        assert paid.status_code == 201, paid.content
        assert str(exact(paid)["transactions"][0]["amount"]) == str(amount)
        assert str(exact(paid)["amount_due"]) == str(to_major(0, currency))


def test_every_supported_currency_keeps_its_largest_amount(api, unlimited):
    for currency in CURRENCIES:
        amount = to_major(MAX_AMOUNT_MINOR, currency)
        created = send(api, "post", "products", product_body(amount, currency))
        assert created.status_code == 201, (currency, created.content)
        assert str(exact(created)["price"]) == str(amount)
