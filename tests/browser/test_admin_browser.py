"""A finance user creates, prices and finalizes an invoice in a real browser."""

import os

import pytest

from billing.models import Invoice
from tests.browser.support import fill_draft, log_in
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

    log_in(page, live_server, "finance", "pw-finance-1")

    page.goto(f"{live_server.url}/admin/billing/invoice/add/")
    # A superuser sees every organization: an invoice is made in the one chosen to work in.
    page.click(".workspace-choices button:has-text('Acme Browser')")
    assert page.inner_text("#id_organization") == "Acme Browser"
    fill_draft(
        page,
        customer="Jane Browser",
        name="Q3 services",
        lines=[("Consulting hour", "3"), ("Hosting month", "2")],
    )
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    page.click("a.lifecycle-finalize")
    page.click("input[name=confirm]")
    page.wait_for_selector(".messagelist .success")

    summary = page.inner_text("fieldset")
    assert "INV-000001" in summary
    assert "411.00 USD" in summary  # 3 x 120.00 + 2 x 25.50
    assert "Open" in summary and "OPEN" not in summary
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
