"""Under their Content-Security-Policy the pay page keeps its styles and the admin its scripts."""

import pytest
from playwright.sync_api import expect

from tests.browser.support import log_in
from tests.factories import CustomerFactory, OrganizationFactory, ProductFactory
from tests.notifications.email_support import issued_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def refusals(page) -> list[str]:
    """Chromium reports every resource or inline code a policy refused on the console."""
    refused: list[str] = []

    def note(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", note)
    return refused


def test_the_pay_page_is_styled_and_nothing_is_refused(page, live_server):
    refused = refusals(page)
    invoice = issued_invoice()
    response = page.goto(f"{live_server.url}/pay/{invoice.payment_token}/")
    page.wait_for_selector("#amount-due")

    assert "style-src 'nonce-" in response.headers["content-security-policy"]
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    margin = page.evaluate("getComputedStyle(document.querySelector('.actions')).marginTop")
    assert (background, margin) == ("rgb(244, 245, 247)", "28px")
    assert refused == []


def test_the_admin_scripts_run_and_nothing_is_refused(page, live_server, django_user_model):
    refused = refusals(page)
    django_user_model.objects.create_superuser("finance", "f@example.com", "pw-finance-1")
    org = OrganizationFactory(name="Acme CSP", default_currency="USD")
    CustomerFactory(organization=org, name="Jane CSP")
    ProductFactory(organization=org, name="Consulting hour", unit_price=12000)

    log_in(page, live_server, "finance", "pw-finance-1")
    response = page.goto(f"{live_server.url}/admin/billing/invoice/add/")
    page.click(".workspace-choices button:has-text('Acme CSP')")  # invoices are made in one
    # The invoice form's own script runs too: it asked the server for the (empty) form's totals.
    expect(page.locator("#live-totals .live-total")).to_have_text("0.00 USD")
    rows = "#items-group tr.form-row:not(.empty-form)"
    before = page.locator(rows).count()
    page.click("#items-group .add-row a")  # the admin's inlines.js adds a row

    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    assert page.locator(rows).count() == before + 1
    page.goto(f"{live_server.url}/admin/billing/invoice/")
    page.wait_for_selector("#changelist")
    assert refused == []
