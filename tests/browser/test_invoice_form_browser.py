"""A clerk creates an invoice for a customer with two items and a tax, watches the totals
follow the form before saving, and finalizes it through the confirmation."""

import os
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.models import Invoice
from billing.services.roles import staff_user_set
from tests.browser.support import log_in
from tests.factories import CustomerFactory, OrganizationFactory, ProductFactory, TaxFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_live_totals_then_finalize_through_the_confirmation(page, live_server, artifacts_dir):
    org = OrganizationFactory(name="Acme Browser", default_currency="USD")
    org.payment_instructions = {"BANK_TRANSFER": "IBAN DE00 1234 5678"}
    org.save()
    CustomerFactory(organization=org, name="Alexey Ivanov", email="alexey@example.com")
    ProductFactory(organization=org, name="Consulting hour", unit_price=12000)
    ProductFactory(organization=org, name="Hosting month", unit_price=2550)
    vat = TaxFactory(organization=org, name="VAT", rate=Decimal(20))
    staff_user_set(username="clara", password="pw-browser-1", organization=org, role="clerk")

    log_in(page, live_server, "clara")
    page.goto(f"{live_server.url}/admin/billing/invoice/add/")
    assert page.inner_text("#id_organization") == "Acme Browser"  # shown, not a choice
    assert page.is_checked("input[name=payment_methods][value=BANK_TRANSFER]")
    products = page.locator("#id_items-0-product option").all_inner_texts()
    assert products == ["---------", "Consulting hour — 120.00 USD", "Hosting month — 25.50 USD"]

    page.select_option("#id_customer", label="Alexey Ivanov")
    page.fill("#id_name", "December services")
    page.fill("#id_due_date", "2099-01-31")
    page.select_option("#id_items-0-product", label="Consulting hour — 120.00 USD")
    page.fill("#id_items-0-quantity", "3")
    total = page.locator("#live-totals .live-total")
    expect(total).to_have_text("360.00 USD")
    assert page.inner_text("#items-0 .field-amount_display") == "360.00 USD"
    assert page.inner_text("#items-0 .field-name") == "Consulting hour"

    page.click("#items-group .add-row a")
    page.select_option("#id_items-1-product", label="Hosting month — 25.50 USD")
    page.fill("#id_items-1-quantity", "2")
    expect(total).to_have_text("411.00 USD")
    page.select_option("#id_tax", value=str(vat.pk))
    expect(total).to_have_text("493.20 USD")
    assert page.inner_text("#live-totals .live-subtotal") == "411.00 USD"
    assert page.inner_text("#live-totals-taxes").strip() == "VAT 20%\ton 411.00 USD\t82.20 USD"
    assert page.inner_text("#live-totals .live-amount-due") == "493.20 USD"
    assert total.inner_text() == "493.20 USD"
    assert Invoice.objects.count() == 0  # all of it before saving
    page.locator("#live-totals").scroll_into_view_if_needed()
    page.screenshot(
        path=os.path.join(artifacts_dir, "invoice-form-live-totals.png"), full_page=True
    )

    page.fill("#id_items-1-quantity", "0")
    page.wait_for_selector("#live-totals-errors li")
    assert page.inner_text("#live-totals-errors") == (
        "Line 2: Quantity: Ensure this value is greater than or equal to 0.001."
    )
    expect(total).to_have_text("—")  # no figures of another invoice
    page.screenshot(path=os.path.join(artifacts_dir, "invoice-form-live-error.png"))
    page.fill("#id_items-1-quantity", "2")
    page.wait_for_selector("#live-totals-errors", state="hidden")
    expect(total).to_have_text("493.20 USD")

    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    draft = Invoice.objects.get()
    assert page.inner_text("#content h2") == str(draft)
    assert str(draft).startswith("Draft for Alexey Ivanov, ")
    assert (draft.subtotal, draft.tax_amount, draft.total) == (41100, 8220, 49320)
    expect(total).to_have_text("493.20 USD")  # the saved draft shows what was shown
    page.screenshot(path=os.path.join(artifacts_dir, "invoice-draft-saved.png"), full_page=True)

    page.click("a.lifecycle-finalize")
    plan = page.inner_text(".finalize-plan")
    assert "The invoice takes the number INV-000001" in plan
    assert "E-mail to alexey@example.com" in plan
    assert "No approval needed." in plan
    page.screenshot(
        path=os.path.join(artifacts_dir, "invoice-finalize-confirm.png"), full_page=True
    )
    page.click("input[name=confirm]")
    page.wait_for_selector(".messagelist .success")

    assert page.inner_text("#content h2") == "INV-000001"
    assert page.locator("a.invoice-pdf").count() == 1
    assert page.locator("a.invoice-pay-page").count() == 1
    page.screenshot(path=os.path.join(artifacts_dir, "invoice-finalized-links.png"))
    draft.refresh_from_db()
    assert (draft.status, draft.number, draft.total) == ("OPEN", "INV-000001", 49320)
    assert [item.name for item in draft.items.all()] == ["Consulting hour", "Hosting month"]
