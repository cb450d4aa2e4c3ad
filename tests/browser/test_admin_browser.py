"""A finance user creates, prices and finalizes an invoice in a real browser."""

import os

import pytest

from billing.models import Invoice
from tests.factories import CustomerFactory, OrganizationFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_invoice_with_two_items_and_finalize(
    page, live_server, django_user_model, artifacts_dir
):
    django_user_model.objects.create_superuser("finance", "f@example.com", "pw-finance-1")
    org = OrganizationFactory(name="Acme Browser", default_currency="USD")
    CustomerFactory(organization=org, name="Jane Browser", email="jane@example.com")
    ProductFactory(organization=org, name="Consulting hour", unit_price=12000)
    ProductFactory(organization=org, name="Hosting month", unit_price=2550)

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "finance")
    page.fill("#id_password", "pw-finance-1")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")

    page.goto(f"{live_server.url}/admin/billing/invoice/add/")
    page.select_option("#id_organization", label="Acme Browser")
    page.select_option("#id_customer", label="Jane Browser")
    page.fill("#id_name", "Q3 services")
    page.fill("#id_due_date", "2099-01-31")
    page.check("input[name=payment_methods][value=BANK_TRANSFER]")
    page.select_option("#id_items-0-product", label="Consulting hour")
    page.fill("#id_items-0-quantity", "3")
    page.click("#items-group .add-row a")
    page.select_option("#id_items-1-product", label="Hosting month")
    page.fill("#id_items-1-quantity", "2")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    page.click("a.lifecycle-finalize")
    page.click("input[name=confirm]")
    page.wait_for_selector(".messagelist .success")

    summary = page.inner_text("fieldset")
    assert "INV-000001" in summary
    assert "411.00 USD" in summary  # 3 x 120.00 + 2 x 25.50
    assert "OPEN" in summary
    page.screenshot(path=os.path.join(artifacts_dir, "admin-invoice-finalized.png"), full_page=True)

    invoice = Invoice.objects.get()
    assert (invoice.number, invoice.status, invoice.total, invoice.items.count()) == (
        "INV-000001",
        "OPEN",
        41100,
        2,
    )
    assert list(invoice.events.values_list("to_status", "actor_label")) == [
        ("DRAFT", "user:finance"),
        ("OPEN", "user:finance"),
    ]
