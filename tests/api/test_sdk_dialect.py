"""What Devdraft's SDKs send, accepted as documented variants; answers stay in the contract."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import Customer, Invoice, Product, Tax
from tests.api.conftest import future
from tests.factories import ProductFactory


# --- customers --------------------------------------------------------------------------------
def test_first_and_last_name_become_the_name_and_the_customer_type_is_kept(api):
    body = {
        "first_name": "John",
        "last_name": "Smith",
        "email": "john@example.com",
        "phone_number": "+79001234567",
        "customer_type": "Small Business",
        "status": "ACTIVE",
    }
    response = api.post("customers", body)
    assert response.status_code == 201
    data = response.json()
    assert (data["name"], data["customer_type"], data["phone_number"]) == (
        "John Smith",
        "Small Business",
        "+79001234567",
    )
    assert "first_name" not in data and "last_name" not in data
    customer = Customer.objects.get(pk=data["id"])
    assert (customer.name, customer.customer_type) == ("John Smith", "Small Business")


def test_a_given_name_wins_over_first_and_last_name(api):
    response = api.post("customers", {"name": "Acme Ltd", "first_name": "A", "last_name": "B"})
    assert (response.status_code, response.json()["name"]) == (201, "Acme Ltd")


def test_a_patch_with_first_and_last_name_renames(api):
    response = api.patch(f"customers/{api.customer.pk}", {"first_name": "Jane", "last_name": "Roe"})
    assert (response.status_code, response.json()["name"]) == (200, "Jane Roe")


def test_no_name_at_all_is_a_400_and_nothing_is_created(api):
    response = api.post("customers", {"email": "x@example.com", "customer_type": "Startup"})
    assert (response.status_code, response.json()["message"]) == (400, ["name should not be empty"])
    bad_type = api.post("customers", {"first_name": "A", "customer_type": "Alien"})
    assert bad_type.json()["message"] == [
        "customer_type must be one of the following values: Individual, Startup, Small Business,"
        " Medium Business, Enterprise, Non-Profit, Government"
    ]
    assert Customer.objects.count() == 1  # the fixture's


def test_customer_list_filters(api):
    for name, email, status in [
        ("Johnny Walker", "JW@example.com", "ACTIVE"),
        ("Jon Snow", "jon@example.com", "INACTIVE"),
        ("Mary Jones", "mary@example.com", "ACTIVE"),
    ]:
        assert (
            api.post("customers", {"name": name, "email": email, "status": status}).status_code
            == 201
        )

    def names(**query):
        answer = api.get("customers", **query).json()
        return answer["total"], sorted(c["name"] for c in answer["data"])

    assert names(name="jo") == (4, ["John Doe", "Johnny Walker", "Jon Snow", "Mary Jones"])
    assert names(name="JOHN", status="ACTIVE") == (2, ["John Doe", "Johnny Walker"])
    assert names(email="jw@EXAMPLE.com") == (1, ["Johnny Walker"])
    assert names(email="jw") == (0, [])
    assert names(status="INACTIVE", take=1) == (1, ["Jon Snow"])
    wrong = api.get("customers", status="BLOCKED")
    assert (wrong.status_code, wrong.json()["message"]) == (
        400,
        ["status must be one of the following values: ACTIVE, INACTIVE"],
    )


# --- taxes ------------------------------------------------------------------------------------
def test_percentage_is_a_percentage_rate_and_the_description_is_kept(api):
    body = {"name": "VAT", "description": "Value added tax", "percentage": 8.5, "active": True}
    response = api.post("taxes", body)
    assert response.status_code == 201
    data = response.json()
    assert (data["type"], data["rate"], data["description"], data["active"]) == (
        "PERCENTAGE",
        8.5,
        "Value added tax",
        True,
    )
    assert "percentage" not in data
    tax = Tax.objects.get(pk=data["id"])
    assert (tax.type, tax.rate, tax.description) == (
        "PERCENTAGE",
        Decimal("8.5"),
        "Value added tax",
    )


def test_a_put_on_a_tax_changes_only_the_fields_given(api):
    response = api.put(f"taxes/{api.tax.pk}", {"percentage": 9})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["rate"]) == ("Standard Sales Tax", 9.0)
    renamed = api.put(f"taxes/{api.tax.pk}", {"description": "State tax"})
    assert (renamed.json()["rate"], renamed.json()["description"]) == (9.0, "State tax")


def test_percentage_conflicts_are_a_400_and_nothing_changes(api):
    both = api.post("taxes", {"name": "X", "percentage": 5, "rate": 5, "type": "PERCENTAGE"})
    assert both.json()["message"] == ["percentage cannot be given with rate"]
    fixed = api.put(f"taxes/{api.tax.pk}", {"percentage": 5, "type": "FIXED"})
    assert (fixed.status_code, fixed.json()["message"]) == (
        400,
        ["percentage requires type PERCENTAGE"],
    )
    over = api.post("taxes", {"name": "X", "percentage": 101})
    assert over.json()["message"] == ["Ensure percentage is less than or equal to 100."]
    missing = api.post("taxes", {"name": "X"})
    assert missing.json()["message"] == ["type should not be empty", "rate should not be empty"]
    assert list(Tax.objects.values_list("name", "rate")) == [("Standard Sales Tax", Decimal("8.5"))]


# --- products ---------------------------------------------------------------------------------
DEVDRAFT_FORM = {
    "name": "Premium Widget",
    "description": "High-quality widget",
    "price": "99.99",
    "currency": "USD",
    "type": "PRODUCT",
    "weight": "1.5",
    "unit": "kg",
    "quantity": "1",
    "stockCount": "10",
    "status": "ACTIVE",
    "productType": "PRODUCT",
}


def test_a_multipart_product_with_devdrafts_fields(api):
    response = api.client.post("/api/v0/products", DEVDRAFT_FORM)  # multipart/form-data
    assert response.status_code == 201
    data = response.json()
    assert {k: data[k] for k in ("name", "description", "price", "currency", "active")} == {
        "name": "Premium Widget",
        "description": "High-quality widget",
        "price": 99.99,
        "currency": "USD",
        "active": True,
    }
    assert Product.objects.get(pk=data["id"]).unit_price == 9999


def test_an_urlencoded_product_create_and_update(api):
    form = "application/x-www-form-urlencoded"
    created = api.client.post(
        "/api/v0/products", "name=Widget&description=d&price=12.5&currency=EUR", content_type=form
    )
    assert (created.status_code, created.json()["price"]) == (201, 12.5)
    path = f"/api/v0/products/{created.json()['id']}"
    updated = api.client.put(
        path, "name=Widget+2&description=d&price=15&currency=EUR&status=INACTIVE", content_type=form
    )
    assert updated.status_code == 200
    assert (updated.json()["name"], updated.json()["price"], updated.json()["active"]) == (
        "Widget 2",
        15.0,
        False,
    )


def test_a_product_form_with_a_file_or_a_bad_number_is_a_400_and_nothing_is_created(api):
    image = SimpleUploadedFile("w.png", b"\x89PNG", content_type="image/png")
    with_file = api.client.post("/api/v0/products", {**DEVDRAFT_FORM, "images": image})
    assert (with_file.status_code, with_file.json()["message"]) == (
        400,
        ["images must be image URLs: file uploads are not stored"],
    )
    bad = api.client.post("/api/v0/products", {**DEVDRAFT_FORM, "price": "ten"})
    assert (bad.status_code, bad.json()["message"]) == (400, ["price: A valid number is required."])
    assert Product.objects.count() == 1  # the fixture's


# --- invoices ---------------------------------------------------------------------------------
def test_without_a_wallet_id_the_organizations_default_wallet_is_used(api):
    api.org.default_wallet = api.wallet
    api.org.save(update_fields=["default_wallet"])
    body = api.invoice_body()
    del body["walletId"]
    response = api.post("invoices", body)
    assert response.status_code == 201
    assert (response.json()["walletId"], response.json()["wallet"]["id"]) == (
        str(api.wallet.pk),
        str(api.wallet.pk),
    )


def test_without_a_wallet_id_or_a_default_wallet_it_is_a_400_and_nothing_is_created(api):
    body = api.invoice_body()
    del body["walletId"]
    response = api.post("invoices", body)
    assert (response.status_code, response.json()) == (
        400,
        {
            "statusCode": 400,
            "message": "walletId should not be empty (no default wallet is set)",
            "error": "Bad Request",
        },
    )
    assert Invoice.objects.count() == 0


def test_another_organizations_wallet_cannot_be_the_default(api, other_api):
    api.org.default_wallet = other_api.wallet
    with pytest.raises(ValidationError) as refused:
        api.org.full_clean()
    assert refused.value.message_dict == {
        "default_wallet": ["Choose one of this organization's wallets."]
    }


@pytest.mark.parametrize(
    ("sent", "stored"), [("usdc", "USDC"), ("eurc", "EURC"), ("Usd", "USD"), ("USDC", "USDC")]
)
def test_the_currency_in_any_case(api, sent, stored):
    product = ProductFactory(organization=api.org, currency=stored, unit_price=1250)
    body = api.invoice_body(currency=sent, items=[{"product_id": str(product.pk), "quantity": 2}])
    response = api.post("invoices", body)
    assert response.status_code == 201
    assert (response.json()["currency"], response.json()["total"]) == (stored, 25.0)


def test_an_unknown_currency_is_still_a_400(api):
    response = api.post("invoices", api.invoice_body(currency="usdx"))
    assert response.json()["message"] == ["currency must be a supported ISO currency code"]
    assert Invoice.objects.count() == 0


@pytest.mark.parametrize("suffix", ["T00:00:00", "T00:00:00Z", "T00:00:00.000Z"])
def test_dates_as_midnight_timestamps(api, suffix):
    due, send = future(30), future(5)
    body = api.invoice_body(due_date=due + suffix, send_date=send + suffix)
    response = api.post("invoices", body)
    assert response.status_code == 201
    assert (response.json()["due_date"], response.json()["send_date"]) == (due, send)


@pytest.mark.parametrize("suffix", ["T10:00:00Z", "T00:00:01", "T00:00:00.001Z", "T00:00"])
def test_any_other_time_of_day_is_a_400(api, suffix):
    response = api.post("invoices", api.invoice_body(due_date=future(30) + suffix))
    assert (response.status_code, response.json()["message"]) == (
        400,
        ["due_date must be a valid date in YYYY-MM-DD format"],
    )
    assert Invoice.objects.count() == 0


def test_ach_is_bank_transfer(api):
    response = api.post("invoices", api.invoice_body(payment_methods=["ACH", "CRYPTO"]))
    assert (response.status_code, response.json()["payment_methods"]) == (
        201,
        ["BANK_TRANSFER", "CRYPTO"],
    )
    both = api.post("invoices", api.invoice_body(payment_methods=["BANK_TRANSFER", "ACH"]))
    assert both.json()["payment_methods"] == ["BANK_TRANSFER"]
    wrong = api.post("invoices", api.invoice_body(payment_methods=["WIRE"]))
    assert wrong.json()["message"] == [
        "payment_methods[0] must be one of the following values: CRYPTO, BANK_TRANSFER,"
        " CREDIT_CARD, CASH, MOBILE_MONEY"
    ]


@pytest.mark.parametrize("method", [{}, ["ACH"], 1])
def test_a_payment_method_that_is_not_a_string_is_a_400_not_a_500(api, method):
    """Only a string is looked up among the aliases: a list or an object is no dict key."""
    sentence = (
        "payment_methods[0] must be one of the following values: CRYPTO, BANK_TRANSFER,"
        " CREDIT_CARD, CASH, MOBILE_MONEY"
    )
    created = api.post("invoices", api.invoice_body(payment_methods=[method]))
    assert (created.status_code, created.json()["message"]) == (400, [sentence])
    preview = api.post("invoices/preview", api.invoice_body(payment_methods=[method]))
    assert (preview.status_code, preview.json()["validation"]) == (
        200,
        {"isValid": False, "errors": [sentence]},
    )
    assert Invoice.objects.count() == 0


def test_a_product_form_reads_its_own_booleans_and_lists(api):
    """A form has only text: ``active=true`` is a boolean there and one image is a list."""
    form = {**DEVDRAFT_FORM, "active": "true", "images": "https://cdn.example.com/w.png"}
    created = api.client.post("/api/v0/products", form)  # multipart/form-data
    assert (created.status_code, created.json()["active"]) == (201, True)
    path = f"/api/v0/products/{created.json()['id']}"
    updated = api.client.patch(
        path, "active=false", content_type="application/x-www-form-urlencoded"
    )
    assert (updated.status_code, updated.json()["active"]) == (200, False)


def test_a_devdraft_number_is_not_nullable_and_a_null_changes_nothing(api):
    response = api.post("products", {"name": "W", "price": 1, "currency": "USD", "weight": None})
    assert (response.status_code, response.json()["message"]) == (
        400,
        ["weight should not be null"],
    )
    assert Product.objects.count() == 1  # the fixture's


def test_the_longest_first_and_last_name_fit_in_the_name(api):
    response = api.post("customers", {"first_name": "a" * 99, "last_name": "b" * 99})
    assert (response.status_code, len(response.json()["name"])) == (201, 199)
    longer = api.post("customers", {"first_name": "a" * 100, "last_name": "b"})
    assert (longer.status_code, longer.json()["message"]) == (
        400,
        ["Ensure first_name has no more than 99 characters."],
    )
    assert Customer.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "sentence"),
    [
        ("stockCount", "stockCount: A valid number is required."),
        ("status", "status must be one of the following values: ACTIVE, INACTIVE"),
        ("active", "active: Must be a valid boolean."),
    ],
)
def test_an_empty_form_value_is_refused_like_an_empty_json_one(api, field, sentence):
    response = api.client.post("/api/v0/products", {**DEVDRAFT_FORM, field: ""})
    assert (response.status_code, response.json()["message"]) == (400, [sentence])
    assert Product.objects.count() == 1  # the fixture's
