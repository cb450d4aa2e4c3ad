"""Devdraft's published Python SDKs, as an integrator installs them, against a running server.

``devdraft_sdk`` (1.0.9) creates and updates invoices and products (multipart forms);
``devdraft`` (1.0.0) creates customers, taxes (``percentage``) and products (urlencoded). Each
call goes over real HTTP to gunicorn serving the test database; answers are read from the wire
because both SDKs declare no response model for these endpoints.
"""

import json
from datetime import datetime, timedelta

import devdraft
import devdraft_sdk
import pytest
from devdraft.exceptions import BadRequestException, NotFoundException, UnauthorizedException
from devdraft_sdk.rest import ApiException
from django.utils import timezone

from billing.models import Customer, Invoice, Product, Tax
from tests.api.conftest import SECRET
from tests.factories import (
    ApiCredentialFactory,
    CustomerFactory,
    OrganizationFactory,
    ProductFactory,
    TaxFactory,
    WalletFactory,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class World:
    """One organization with a default wallet, a USDC product, a tax and a customer."""

    def __init__(self, server: str):
        self.org = OrganizationFactory(name="SDK App", time_zone="UTC")
        self.org.default_wallet = WalletFactory(organization=self.org, address="0xabc")
        self.org.save(update_fields=["default_wallet"])
        self.credential = ApiCredentialFactory(organization=self.org)
        self.customer = CustomerFactory(
            organization=self.org, name="John Doe", email="j@example.com"
        )
        self.product = ProductFactory(
            organization=self.org, name="Website", unit_price=250000, currency="USDC"
        )
        self.tax = TaxFactory(organization=self.org, name="Sales Tax", rate="10")
        self.new = self._new_client(server)
        self.old = self._old_client(server)

    def _new_client(self, server: str) -> devdraft.ApiClient:
        keys = {"x-client-key": self.credential.client_key, "x-client-secret": SECRET}
        return devdraft.ApiClient(devdraft.Configuration(host=server, api_key=keys))

    def _old_client(self, server: str) -> devdraft_sdk.ApiClient:
        configuration = devdraft_sdk.Configuration()
        configuration.host = server
        configuration.api_key["x-client-key"] = self.credential.client_key
        configuration.api_key["x-client-secret"] = SECRET
        return devdraft_sdk.ApiClient(configuration)


@pytest.fixture
def world(server):
    return World(server)


def wire(response) -> dict:
    """The JSON body of a call made with ``_preload_content=False``."""
    return json.loads(response.data)


def midnight(days: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime(day.year, day.month, day.day)


def invoice_dto(world: World, **overrides) -> devdraft_sdk.CreateInvoiceDto:
    fields = {
        "name": "Website Development",
        "email": "j@example.com",
        "customer_id": str(world.customer.pk),
        "currency": "usdc",
        "items": [devdraft_sdk.InvoiceProductDto(product_id=str(world.product.pk), quantity=1)],
        "due_date": midnight(30),
        "delivery": "MANUALLY",
        "payment_link": True,
        "payment_methods": ["ACH", "CRYPTO"],
        "status": "OPEN",
        "partial_payment": False,
        **overrides,
    }
    return devdraft_sdk.CreateInvoiceDto(**fields)


# --- invoices (devdraft-sdk) -------------------------------------------------------------------
def test_basic_taxed_and_draft_invoices_then_update_list_and_retrieve(world):
    invoices = devdraft_sdk.InvoicesApi(world.old)
    basic = wire(invoices.invoice_controller_create(invoice_dto(world), _preload_content=False))
    assert (basic["status"], basic["invoice_number"], basic["currency"]) == (
        "OPEN",
        "INV-000001",
        "USDC",
    )
    assert (basic["walletId"], basic["due_date"], basic["total"]) == (
        str(world.org.default_wallet_id),
        midnight(30).date().isoformat(),
        2500.0,
    )
    assert basic["payment_methods"] == ["BANK_TRANSFER", "CRYPTO"]

    taxed_dto = invoice_dto(world, tax_id=str(world.tax.pk))
    taxed = wire(invoices.invoice_controller_create(taxed_dto, _preload_content=False))
    assert (taxed["taxId"], taxed["tax_amount"], taxed["total"]) == (
        str(world.tax.pk),
        250.0,
        2750.0,
    )

    draft_dto = invoice_dto(world, status="DRAFT", send_date=midnight(5))
    draft = wire(invoices.invoice_controller_create(draft_dto, _preload_content=False))
    assert (draft["status"], draft["invoice_number"], draft["send_date"]) == (
        "DRAFT",
        None,
        midnight(5).date().isoformat(),
    )

    three = [devdraft_sdk.InvoiceProductDto(product_id=str(world.product.pk), quantity=3)]
    update = invoice_dto(world, status="DRAFT", items=three, name="Three pages")
    updated = wire(invoices.invoice_controller_update(update, draft["id"], _preload_content=False))
    assert (updated["id"], updated["name"], updated["total"]) == (
        draft["id"],
        "Three pages",
        7500.0,
    )

    listing = wire(invoices.invoice_controller_find_all(skip=0, take=2, _preload_content=False))
    assert listing["total"] == 3
    assert [i["id"] for i in listing["data"]] == [draft["id"], taxed["id"]]
    one = wire(invoices.invoice_controller_find_one(basic["id"], _preload_content=False))
    assert one == basic
    assert Invoice.objects.filter(organization=world.org).count() == 3


def test_sdk_errors_carry_the_envelope(world):
    invoices = devdraft_sdk.InvoicesApi(world.old)
    past = invoice_dto(world, due_date=midnight(-1))
    with pytest.raises(ApiException) as refused:
        invoices.invoice_controller_create(past, _preload_content=False)
    assert refused.value.status == 400
    assert json.loads(refused.value.body) == {
        "statusCode": 400,
        "message": "Due date cannot be in the past",
        "error": "Bad Request",
    }
    with pytest.raises(ApiException) as missing:
        invoices.invoice_controller_find_one(str(world.tax.pk), _preload_content=False)
    assert (missing.value.status, json.loads(missing.value.body)["message"]) == (
        404,
        "Invoice not found",
    )
    assert Invoice.objects.count() == 0


# --- customers, taxes, products (devdraft) -----------------------------------------------------
def test_customer_with_the_sdks_own_model_and_list_filters(world):
    customers = devdraft.CustomersApi(world.new)
    dto = devdraft.CreateCustomerDto(
        first_name="Ivan",
        last_name="Petrov",
        email="ivan@example.com",
        phone_number="+79001234567",
        customer_type=devdraft.CustomerType.SMALL_BUSINESS,
        status=devdraft.CustomerStatus.ACTIVE,
    )
    created = json.loads(customers.customer_controller_create_with_http_info(dto).raw_data)
    assert (created["name"], created["customer_type"], created["phone_number"]) == (
        "Ivan Petrov",
        "Small Business",
        "+79001234567",
    )
    found = customers.customer_controller_find_all_with_http_info(
        status=devdraft.CustomerStatus.ACTIVE, name="petr", email="IVAN@example.com"
    )
    answer = json.loads(found.raw_data)
    assert (answer["total"], [c["id"] for c in answer["data"]]) == (1, [created["id"]])
    assert Customer.objects.get(pk=created["id"]).customer_type == "Small Business"


def test_tax_with_the_sdks_own_model_and_a_partial_update(world):
    taxes = devdraft.TaxesApi(world.new)
    dto = devdraft.CreateTaxDto(name="VAT", description="Value added tax", percentage=8.5)
    created = taxes.tax_controller_create_with_http_info(dto)
    assert created.status_code == 201
    assert (created.data.name, created.data.description, created.data.active) == (
        "VAT",
        "Value added tax",
        True,
    )
    body = json.loads(created.raw_data)
    assert (body["type"], body["rate"]) == ("PERCENTAGE", 8.5)
    updated = taxes.tax_controller_update_with_http_info(
        body["id"], devdraft.UpdateTaxDto(percentage=9)
    )
    assert json.loads(updated.raw_data)["rate"] == 9.0
    tax = Tax.objects.get(pk=body["id"])
    assert (tax.name, tax.rate, tax.description) == ("VAT", 9, "Value added tax")


def test_products_as_urlencoded_and_multipart_forms(world):
    urlencoded = devdraft.ProductsApi(world.new).product_controller_create_with_http_info(
        name="Widget",
        description="A widget",
        price=12.5,
        currency="USDC",
        _content_type="application/x-www-form-urlencoded",
    )
    created = json.loads(urlencoded.raw_data)
    assert (created["name"], created["price"], created["currency"]) == ("Widget", 12.5, "USDC")

    products = devdraft_sdk.ProductsApi(world.old)
    form = ("Gadget", "A gadget", "99.99", "USDC", "PRODUCT", "1.5", "kg", "1", "10", "ACTIVE")
    made = wire(products.product_controller_create(*form, "PRODUCT", [], _preload_content=False))
    assert (made["name"], made["price"], made["active"]) == ("Gadget", 99.99, True)
    changed = ("Gadget 2", "A gadget", "120", "USDC", "PRODUCT", "1.5", "kg", "1", "10", "INACTIVE")
    answer = products.product_controller_update(
        *changed, "PRODUCT", [], made["id"], _preload_content=False
    )
    updated = wire(answer)
    assert (updated["name"], updated["price"], updated["active"]) == ("Gadget 2", 120.0, False)
    stored = Product.objects.get(pk=made["id"])
    assert (stored.name, stored.unit_price, stored.active) == ("Gadget 2", 12000, False)


def test_the_sdks_own_exceptions_for_401_404_and_400(world):
    wrong = devdraft.ApiClient(
        devdraft.Configuration(
            host=world.new.configuration.host,
            api_key={"x-client-key": world.credential.client_key, "x-client-secret": "nope"},
        )
    )
    with pytest.raises(UnauthorizedException) as unauthorized:
        devdraft.InvoicesApi(wrong).invoice_controller_find_all()
    assert json.loads(unauthorized.value.body) == {
        "statusCode": 401,
        "message": "Invalid or missing API credentials",
        "error": "Unauthorized",
    }
    with pytest.raises(NotFoundException) as missing:
        devdraft.TaxesApi(world.new).tax_controller_find_one(str(world.product.pk))
    assert json.loads(missing.value.body)["message"] == "Tax not found"
    with pytest.raises(BadRequestException) as invalid:
        devdraft.TaxesApi(world.new).tax_controller_update(
            str(world.tax.pk), devdraft.UpdateTaxDto(name="")
        )
    assert json.loads(invalid.value.body)["message"] == ["name should not be empty"]
    assert Tax.objects.get(pk=world.tax.pk).name == "Sales Tax"
