"""Recurring schedules in the admin: fields instead of JSON, through the API's services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import RecurringInvoice
from billing.services import recurring
from tests.billing.admin_support import make_member
from tests.factories import (
    CustomerFactory,
    OrganizationFactory,
    ProductFactory,
    TaxFactory,
    WalletFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(django_user_model):
    org = OrganizationFactory(name="Acme", default_currency="USD", time_zone="UTC")
    org.default_wallet = WalletFactory(organization=org)
    org.save(update_fields=["default_wallet"])
    customer = CustomerFactory(organization=org, name="Jane", email="jane@example.com")
    hosting = ProductFactory(organization=org, name="Hosting", unit_price=2500)
    support = ProductFactory(organization=org, name="Support", unit_price=10000)
    tax = TaxFactory(organization=org, name="VAT")
    clerk = make_member(django_user_model, org, username="clara", role="clerk")
    return org, customer, hosting, support, tax, clerk


def schedule_data(customer, product, **overrides) -> dict:
    data = {
        "name": "Hosting plan",
        "customer": str(customer.pk),
        "email": "",
        "product_1": str(product.pk),
        "quantity_1": "2",
        "tax": "",
        "wallet": "",
        "payment_methods": ["BANK_TRANSFER"],
        "delivery": "EMAIL",
        "finalize": "on",
        "payment_link": "on",
        "frequency": "MONTHLY",
        "count": "12",
        "start_date": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "send_days_before_due": "7",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_a_clerk_creates_a_schedule_stored_as_the_api_stores_it(client, shop):
    org, customer, hosting, support, tax, clerk = shop
    client.force_login(clerk)
    data = schedule_data(
        customer, hosting, product_2=str(support.pk), quantity_2="1.5", tax=str(tax.pk)
    )
    response = client.post(reverse("admin:billing_recurringinvoice_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    schedule = RecurringInvoice.objects.get()
    assert (schedule.organization, schedule.frequency, schedule.count, schedule.active) == (
        org,
        "MONTHLY",
        12,
        True,
    )
    assert schedule.template == {
        "name": "Hosting plan",
        "email": "jane@example.com",
        "customer_id": str(customer.pk),
        "items": [
            {"product_id": str(hosting.pk), "quantity": "2"},
            {"product_id": str(support.pk), "quantity": "1.5"},
        ],
        "delivery": "EMAIL",
        "payment_link": True,
        "payment_methods": ["BANK_TRANSFER"],
        "status": "OPEN",
        "partial_payment": False,
        "taxId": str(tax.pk),
    }
    # the API reads it back like one it created, and the job makes its invoices from it
    schedule.start_date = timezone.localdate()
    schedule.save(update_fields=["start_date"])
    (invoice,) = recurring.recurring_run(schedule=schedule)
    assert (invoice.customer, invoice.subtotal, invoice.status) == (customer, 20000, "OPEN")

    page = client.get(reverse("admin:billing_recurringinvoice_change", args=[schedule.pk]))
    form = page.context["adminform"].form
    assert (form["name"].value(), form["quantity_2"].value()) == ("Hosting plan", Decimal("1.5"))
    assert "INV-000001 (due" in page.content.decode()


def test_a_past_start_date_is_refused_by_the_service_in_words(client, shop):
    _org, customer, hosting, *_rest, clerk = shop
    client.force_login(clerk)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        reverse("admin:billing_recurringinvoice_add"),
        schedule_data(customer, hosting, start_date=past),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "start_date cannot be in the past"
    ]
    assert RecurringInvoice.objects.count() == 0


def test_pausing_goes_through_the_service_and_the_calendar_stays_once_started(client, shop):
    org, customer, hosting, *_rest, clerk = shop
    client.force_login(clerk)
    schedule = recurring.recurring_create(
        organization=org,
        template={
            "name": "Hosting plan",
            "email": "jane@example.com",
            "customer_id": str(customer.pk),
            "items": [{"product_id": str(hosting.pk), "quantity": "1"}],
            "delivery": "EMAIL",
            "payment_link": True,
            "payment_methods": ["CASH"],
            "status": "OPEN",
            "partial_payment": False,
        },
        frequency="MONTHLY",
        count=3,
        start_date=timezone.localdate(),
    )
    recurring.recurring_run(schedule=schedule)
    url = reverse("admin:billing_recurringinvoice_change", args=[schedule.pk])
    later = (timezone.localdate() + timedelta(days=5)).isoformat()
    moved = client.post(url, schedule_data(customer, hosting, count="3", start_date=later))
    assert moved.status_code == 200
    assert moved.context["adminform"].form.non_field_errors() == [
        "start_date cannot change once invoices have been created"
    ]
    changelist = reverse("admin:billing_recurringinvoice_changelist")
    paused = client.post(
        changelist, {"action": "pause_selected", "_selected_action": [str(schedule.pk)]}
    )
    assert paused.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.active, schedule.start_date) == (False, timezone.localdate())


def test_another_organizations_schedule_and_products_stay_out_of_reach(client, shop):
    org, *_rest, clerk = shop
    other = OrganizationFactory(name="Bravo")
    theirs_customer = CustomerFactory(organization=other, name="Bravo customer")
    theirs_product = ProductFactory(organization=other, name="Bravo product")
    theirs = RecurringInvoice.objects.create(
        organization=other,
        template={"name": "Bravo plan"},
        frequency="MONTHLY",
        count=1,
        start_date=timezone.localdate(),
    )
    client.force_login(clerk)
    url = reverse("admin:billing_recurringinvoice_change", args=[theirs.pk])
    assert client.get(url).status_code == 404
    add = reverse("admin:billing_recurringinvoice_add")
    page = client.get(add).content.decode()
    assert "Bravo" not in page
    refused = client.post(
        add,
        schedule_data(theirs_customer, theirs_product),
    )
    assert set(refused.context["adminform"].form.errors) == {"customer", "product_1"}
    assert RecurringInvoice.objects.filter(organization=org).count() == 0


def test_a_viewer_sees_schedules_but_cannot_add_one(client, shop, django_user_model):
    org, customer, hosting, *_rest = shop
    client.force_login(make_member(django_user_model, org, username="vera", role="viewer"))
    assert client.get(reverse("admin:billing_recurringinvoice_changelist")).status_code == 200
    add = reverse("admin:billing_recurringinvoice_add")
    assert client.post(add, schedule_data(customer, hosting)).status_code == 403
    assert RecurringInvoice.objects.count() == 0


@pytest.mark.parametrize(
    ("default", "sentence"),
    [
        (None, "Choose the wallet the invoices are paid to: the organization has no default."),
        ("inactive", "The organization's default wallet is deactivated: choose another wallet."),
    ],
)
def test_without_a_usable_default_wallet_the_form_asks_for_one_in_words(
    client, shop, default, sentence
):
    org, customer, hosting, *_rest, clerk = shop
    wallet = WalletFactory(organization=org, address="0xchosen")
    if default is None:
        org.default_wallet = None
        org.save(update_fields=["default_wallet"])
    else:
        type(wallet).objects.filter(pk=org.default_wallet_id).update(active=False)
    client.force_login(clerk)
    add = reverse("admin:billing_recurringinvoice_add")
    page = client.get(add).content.decode()
    assert ">Choose a wallet</option>" in page
    assert "The organization&#x27;s default wallet</option>" not in page

    response = client.post(add, schedule_data(customer, hosting))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"wallet": [sentence]}
    assert "walletId" not in response.content.decode()
    assert RecurringInvoice.objects.count() == 0

    chosen = client.post(add, schedule_data(customer, hosting, wallet=str(wallet.pk)))
    assert chosen.status_code == 302
    assert RecurringInvoice.objects.get().template["walletId"] == str(wallet.pk)
