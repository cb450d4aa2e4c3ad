"""The seed's own request examples and error examples, replayed with real ids."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import IdempotencyKey, Invoice
from tests.api.conftest import future, new_key
from tests.factories import ProductFactory

SEED_KEYS = {
    "id", "invoice_number", "name", "app_id", "email", "address", "phone_number", "logo",
    "customer_id", "walletId", "due_date", "send_date", "date_created", "status",
    "payment_methods", "delivery", "payment_link", "partial_payment", "reminder_sent", "paidAt",
    "paymentMetadata", "paymentStatus", "taxId", "currency", "app", "customer", "wallet", "tax",
    "items", "transactions",
}  # fmt: skip
OUR_KEYS = {
    "subtotal", "tax_amount", "total", "amount_paid", "amount_due", "payment_url", "pdf_url",
    "messages_url", "disputed_at", "promise_to_pay_until", "reminders_paused_until",
}  # fmt: skip


def assert_seed_shape(body: dict) -> None:
    assert set(body) == SEED_KEYS | OUR_KEYS
    assert set(body["app"]) == {"id", "name"}
    assert set(body["customer"]) == {"id", "email", "name", "status"}
    for item in body["items"]:
        assert set(item) == {"invoice_id", "productId", "quantity", "product", "amount"}
        assert set(item["product"]) == {"id", "name", "price", "currency"}


def test_basic_example_creates_an_open_numbered_invoice(api):
    response = api.post("invoices", api.invoice_body(), key=new_key())

    assert response.status_code == 201
    body = response.json()
    assert_seed_shape(body)
    invoice = Invoice.objects.get()
    assert body["id"] == str(invoice.pk)
    assert body["invoice_number"] == "INV-000001"
    assert body["status"] == "OPEN"
    assert body["app"] == {"id": str(api.org.pk), "name": "My Business App"}
    assert body["app_id"] == str(api.org.pk)
    assert body["customer"] == {
        "id": str(api.customer.pk),
        "email": "client@example.com",
        "name": "John Doe",
        "status": "ACTIVE",
    }
    assert body["wallet"] == {
        "id": str(api.wallet.pk),
        "address": "0x742d35Cc6635C0532925a3b8d",
        "blockchain": "ETHEREUM",
        "type": "APP",
    }
    assert body["items"] == [
        {
            "invoice_id": str(invoice.pk),
            "productId": str(api.product.pk),
            "quantity": 1,
            "amount": 2500.0,
            "product": {
                "id": str(api.product.pk),
                "name": "Website Development",
                "price": 2500.0,
                "currency": "USD",
            },
        }
    ]
    assert (body["tax"], body["taxId"], body["transactions"]) == (None, None, [])
    assert (body["paidAt"], body["paymentMetadata"], body["paymentStatus"]) == (None, None, None)
    assert body["reminder_sent"] is False
    assert body["due_date"] == future(30)
    assert body["date_created"].endswith("Z")
    assert (body["subtotal"], body["tax_amount"], body["total"]) == (2500.0, 0.0, 2500.0)
    assert (body["amount_paid"], body["amount_due"]) == (0.0, 2500.0)
    assert body["payment_url"] == f"http://127.0.0.1:8000/pay/{invoice.payment_token}/"
    assert body["pdf_url"] == f"http://127.0.0.1:8000/api/v0/invoices/{invoice.pk}/pdf"
    assert body["messages_url"] == f"http://127.0.0.1:8000/api/v0/invoices/{invoice.pk}/messages"


def test_comprehensive_example_prices_three_items_with_tax(api):
    consulting, development, maintenance = (
        ProductFactory(organization=api.org, name=name, unit_price=price)
        for name, price in (("Consulting", 15000), ("Development", 12000), ("Maintenance", 50000))
    )
    body = api.invoice_body(
        name="Q1 2024 Services Invoice",
        email="finance@clientcompany.com",
        address="123 Corporate Blvd, Suite 500, Business City, BC 12345",
        phone_number="+1-555-987-6543",
        logo="https://mycompany.com/assets/logo.png",
        items=[
            {"product_id": str(consulting.pk), "quantity": 40},
            {"product_id": str(development.pk), "quantity": 80},
            {"product_id": str(maintenance.pk), "quantity": 1},
        ],
        due_date=future(45),
        send_date=future(0),
        payment_methods=["CRYPTO", "BANK_TRANSFER", "CREDIT_CARD"],
        partial_payment=True,
        taxId=str(api.tax.pk),
    )

    response = api.post("invoices", body, key=new_key())

    assert response.status_code == 201
    data = response.json()
    assert_seed_shape(data)
    assert data["tax"] == {
        "id": str(api.tax.pk),
        "name": "Standard Sales Tax",
        "rate": 8.5,
        "type": "PERCENTAGE",
    }
    assert data["taxId"] == str(api.tax.pk)
    assert [(i["product"]["name"], i["quantity"], i["amount"]) for i in data["items"]] == [
        ("Consulting", 40, 6000.0),
        ("Development", 80, 9600.0),
        ("Maintenance", 1, 500.0),
    ]
    # 8.5 % per line: 510.00 + 816.00 + 42.50
    assert (data["subtotal"], data["tax_amount"], data["total"]) == (16100.0, 1368.5, 17468.5)
    assert data["send_date"] == future(0)
    assert data["partial_payment"] is True
    assert data["address"] == "123 Corporate Blvd, Suite 500, Business City, BC 12345"
    assert data["phone_number"] == "+1-555-987-6543"
    assert data["logo"] == "https://mycompany.com/assets/logo.png"
    assert data["payment_methods"] == ["CRYPTO", "BANK_TRANSFER", "CREDIT_CARD"]


def test_draft_example_has_no_number_and_no_payment_link(api):
    custom_dev = ProductFactory(organization=api.org, name="Custom dev", unit_price=9000)
    body = api.invoice_body(
        name="Draft - Custom Development Project",
        email="project@startup.io",
        items=[{"product_id": str(custom_dev.pk), "quantity": 160}],
        due_date=future(60),
        delivery="MANUALLY",
        payment_link=False,
        payment_methods=["CRYPTO"],
        status="DRAFT",
    )

    response = api.post("invoices", body, key=new_key())

    assert response.status_code == 201
    data = response.json()
    assert_seed_shape(data)
    assert (data["status"], data["invoice_number"], data["payment_url"]) == ("DRAFT", None, None)
    assert (data["delivery"], data["total"]) == ("MANUALLY", 14400.0)
    assert Invoice.objects.get().sequence is None


@pytest.mark.parametrize("delivery", ["EMAIL", "MANUALLY", "WHATSAPP", "AUTO"])
def test_every_delivery_choice_is_recorded(api, delivery):
    response = api.post("invoices", api.invoice_body(delivery=delivery))
    assert (response.status_code, response.json()["delivery"]) == (201, delivery)


def assert_nothing_created():
    assert Invoice.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0


def test_validation_error_example(api):
    body = api.invoice_body(due_date="15/02/2024", customer_id="not-a-uuid", items=[])

    response = api.post("invoices", body, key=new_key())

    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "message": [
            "customer_id must be a valid UUID",
            "items should not be empty",
            "due_date must be a valid date in YYYY-MM-DD format",
        ],
        "error": "Bad Request",
    }
    assert_nothing_created()


def test_seed_example_ids_that_are_not_uuids_are_refused(api):
    body = api.invoice_body(
        customer_id="550e8400-e29b-41d4-a716-44665544000Z",
        walletId="abcd1234-5678-90ef-ghij-klmnopqrstuv",
    )
    response = api.post("invoices", body)
    assert response.json()["message"] == [
        "customer_id must be a valid UUID",
        "walletId must be a valid UUID",
    ]


def test_customer_not_found(api, other_api):
    body = api.invoice_body(customer_id=str(other_api.customer.pk))
    response = api.post("invoices", body, key=new_key())
    assert (response.status_code, response.json()) == (
        404,
        {"statusCode": 404, "message": "Customer not found", "error": "Not Found"},
    )
    assert_nothing_created()


def test_wallet_not_found(api, other_api):
    response = api.post("invoices", api.invoice_body(walletId=str(other_api.wallet.pk)))
    assert (response.status_code, response.json()) == (
        404,
        {"statusCode": 404, "message": "Wallet could not be found", "error": "Not Found"},
    )
    assert_nothing_created()


@pytest.mark.parametrize("product_id", ["prod_invalid", "other-org"])
def test_product_not_found(api, other_api, product_id):
    if product_id == "other-org":
        product_id = str(other_api.product.pk)
    items = [{"product_id": product_id, "quantity": 1}]
    response = api.post("invoices", api.invoice_body(items=items))
    assert (response.status_code, response.json()) == (
        400,
        {
            "statusCode": 400,
            "message": f"Product with ID '{product_id}' not found",
            "error": "Bad Request",
        },
    )
    assert_nothing_created()


def test_due_date_in_the_past(api):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = api.post("invoices", api.invoice_body(due_date=yesterday))
    assert (response.status_code, response.json()) == (
        400,
        {"statusCode": 400, "message": "Due date cannot be in the past", "error": "Bad Request"},
    )
    assert_nothing_created()


def test_due_date_is_judged_in_the_organization_time_zone(api):
    # 23:30 UTC on the 1st is already the 2nd in Tokyo: a due date of the 1st is in the past.
    api.org.time_zone = "Asia/Tokyo"
    api.org.save()
    now = timezone.now().replace(hour=23, minute=30)
    utc_today = now.date().isoformat()
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=now):
        response = api.post("invoices", api.invoice_body(due_date=utc_today))
    assert response.json()["message"] == "Due date cannot be in the past"


def test_send_date_after_due_date(api):
    response = api.post("invoices", api.invoice_body(due_date=future(5), send_date=future(6)))
    assert response.status_code == 400
    assert response.json()["message"] == "Send date cannot be after due date"
    assert_nothing_created()


def test_bad_credentials_example(api):
    body = api.invoice_body()
    api.client.credentials(HTTP_X_CLIENT_KEY="unknown", HTTP_X_CLIENT_SECRET="secret")
    response = api.post("invoices", body)
    assert (response.status_code, response.json()) == (
        401,
        {
            "statusCode": 401,
            "message": "Invalid or missing API credentials",
            "error": "Unauthorized",
        },
    )
    assert_nothing_created()


def test_rate_limit_example(api, settings):
    settings.API_RATE_LIMIT = "2/min"
    api.get("invoices")
    api.get("invoices")
    body = api.invoice_body()

    response = api.post("invoices", body, key=new_key())

    assert response.status_code == 429
    data = response.json()
    assert 1 <= data.pop("retryAfter") <= 60
    assert data == {
        "statusCode": 429,
        "message": "Rate limit exceeded. Maximum 2 requests per minute.",
        "error": "Too Many Requests",
    }
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Remaining"] == "0"
    assert_nothing_created()


def test_unknown_fields_and_too_many_items_are_refused(api):
    items = [{"product_id": str(api.product.pk), "quantity": 1}] * 101
    response = api.post("invoices", api.invoice_body(items=items, discount=5))
    assert response.status_code == 400
    assert response.json()["message"] == [
        "property discount should not exist",
    ]
    response = api.post("invoices", api.invoice_body(items=items))
    assert response.json()["message"] == ["Ensure items has no more than 100 elements."]
    assert_nothing_created()


def test_quantity_and_enum_messages_name_the_field(api):
    body = api.invoice_body(
        items=[{"product_id": str(api.product.pk), "quantity": 0}],
        delivery="FAX",
        payment_methods=[],
        email="nope",
    )
    response = api.post("invoices", body)
    assert response.json()["message"] == [
        "email must be an email",
        "items[0].quantity must be greater than 0",
        "delivery must be one of the following values: EMAIL, MANUALLY, WHATSAPP, AUTO",
        "payment_methods should not be empty",
    ]
