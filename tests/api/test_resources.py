"""Customers, products, taxes, wallets: CRUD, deactivation instead of deletion, tax freezing."""

from billing.models import Customer, Product, Tax, TaxComponent, Wallet
from tests.factories import make_invoice


def test_customer_round_trip(api):
    body = {
        "name": "Ivan Petrov",
        "email": "ivan@example.com",
        "phone_number": "+7 900 123-45-67",
        "locale": "ru-RU",
        "preferred_channels": ["whatsapp", "email", "whatsapp"],
        "whatsapp_opted_in_at": "2026-01-02T03:04:05Z",
        "whatsapp_consent_source": "checkout form",
        "contacts": ["books@example.com", "ceo@example.com"],
    }
    created = api.post("customers", body)
    assert created.status_code == 201
    data = created.json()
    assert data["phone_number"] == "+79001234567"
    assert data["preferred_channels"] == ["whatsapp", "email"]
    assert data["contacts"] == ["books@example.com", "ceo@example.com"]
    assert data["whatsapp_opted_in_at"] == "2026-01-02T03:04:05.000Z"
    assert (data["status"], data["locale"]) == ("ACTIVE", "ru-RU")

    patched = api.patch(f"customers/{data['id']}", {"status": "INACTIVE", "contacts": []})
    assert (patched.json()["status"], patched.json()["contacts"]) == ("INACTIVE", [])
    assert api.get(f"customers/{data['id']}").json() == patched.json()
    listing = api.get("customers").json()
    assert listing["total"] == 2  # the fixture's customer and this one


def test_customer_validation(api):
    response = api.post("customers", {"name": "", "phone_number": "12", "locale": "english"})
    assert response.status_code == 400
    assert response.json()["message"] == [
        "name should not be empty",
        "phone_number must be a phone number in E.164, e.g. +79001234567",
        "locale must be a language tag such as en or ru-RU",
    ]
    assert Customer.objects.count() == 1


def test_product_price_is_exact_in_major_units(api):
    created = api.post("products", {"name": "Yen thing", "price": 1500, "currency": "JPY"})
    assert created.json()["price"] == 1500.0
    assert Product.objects.get(pk=created.json()["id"]).unit_price == 1500
    kwd = api.post("products", {"name": "Dinar", "price": "1.234", "currency": "KWD"})
    assert Product.objects.get(pk=kwd.json()["id"]).unit_price == 1234
    refused = api.post("products", {"name": "Sub-cent", "price": "0.001", "currency": "USD"})
    assert refused.json()["message"] == ["price: USD amounts have at most 2 decimal places"]


def test_duplicate_product_code_is_a_conflict(api):
    api.post("products", {"name": "A", "code": "SKU-1", "price": 1, "currency": "USD"})
    response = api.post("products", {"name": "B", "code": "SKU-1", "price": 1, "currency": "USD"})
    assert (response.status_code, response.json()["message"]) == (
        409,
        "A product with code 'SKU-1' already exists",
    )


def test_referenced_objects_are_deactivated_not_deleted(api):
    make_invoice(api.org, customer=api.customer, wallet=api.wallet, tax=api.tax)
    item_product = api.org.invoices.get().items.get().product
    for path, obj in (
        ("customers", api.customer),
        ("wallets", api.wallet),
        ("taxes", api.tax),
        ("products", item_product),
    ):
        response = api.delete(f"{path}/{obj.pk}")
        assert response.status_code == 409, path
    assert api.delete(f"products/{api.product.pk}").status_code == 204
    assert api.patch(f"wallets/{api.wallet.pk}", {"active": False}).json()["active"] is False
    assert (Customer.objects.count(), Wallet.objects.count(), Tax.objects.count()) == (1, 1, 1)

    refused = api.post("invoices", api.invoice_body(items=[]))  # the wallet is inactive now
    assert refused.status_code == 400


def test_used_tax_keeps_its_maths(api):
    make_invoice(api.org, tax=api.tax)
    renamed = api.patch(f"taxes/{api.tax.pk}", {"name": "Sales tax"})
    assert renamed.json()["name"] == "Sales tax"
    locked = api.patch(f"taxes/{api.tax.pk}", {"rate": 9})
    assert locked.status_code == 409
    assert locked.json()["message"] == (
        "Tax 'Sales tax' is used by invoices: its rate, type, inclusiveness and components "
        "can no longer change"
    )
    assert Tax.objects.get().rate == 8.5


def test_tax_with_components(api):
    body = {
        "name": "Quebec",
        "type": "PERCENTAGE",
        "rate": 14.975,
        "components": [
            {"name": "GST", "type": "PERCENTAGE", "rate": 5},
            {"name": "QST", "type": "PERCENTAGE", "rate": 9.975},
        ],
    }
    created = api.post("taxes", body).json()
    assert [c["name"] for c in created["components"]] == ["GST", "QST"]
    assert created["components"][1] == {
        "name": "QST",
        "type": "PERCENTAGE",
        "rate": 9.975,
        "compound": False,
    }
    replaced = api.put(f"taxes/{created['id']}", {**body, "components": []})
    assert replaced.json()["components"] == []
    assert TaxComponent.objects.count() == 0


def test_unknown_resource_path_answers_in_the_envelope(api):
    response = api.get("wallets/nope")
    assert (response.status_code, response.json()) == (
        404,
        {"statusCode": 404, "message": "Not found", "error": "Not Found"},
    )
