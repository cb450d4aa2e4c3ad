"""A finance clerk's day in a real browser, on the demo organization: an invoice for Alexey with
two items and a tax, finalized after the approver's yes, a partial payment, a credit note, the
pay page and its PDF, and the customer's statement. A screenshot at each step."""

import os
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from billing.admin.customers import default_period
from billing.demo import DEMO_PASSWORD, DEMO_STAFF, load_demo
from billing.models import CreditNote, Invoice
from billing.statements import build_statement
from tests.browser.support import fill_draft, log_in
from tests.notifications.email_support import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, artifacts_dir, name):
    page.screenshot(path=os.path.join(artifacts_dir, f"clerks-day-{name}.png"), full_page=True)


def create_invoice(page, url):
    page.goto(f"{url}/admin/billing/invoice/add/")
    lines = [("Website development", "1"), ("Hosting (month)", "2")]
    fill_draft(page, customer="Alexey", name="Relaunch, phase 2", lines=lines)
    page.select_option("#id_tax", label="Sales tax 8.5%")
    page.check("#id_partial_payment")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")


def test_a_clerks_day_from_a_new_invoice_to_the_customers_statement(
    page, live_server, artifacts_dir
):
    org, _created = load_demo()
    org.approval_amount = Decimal(1000)  # USD: the clerk's finalize of this invoice waits
    org.save(update_fields=["approval_amount"])
    url = live_server.url

    # 1. the clerk creates the invoice and asks to finalize it
    log_in_demo(page, live_server, "clerk")
    create_invoice(page, url)
    invoice = Invoice.objects.get(name="Relaunch, phase 2")
    assert (invoice.subtotal, invoice.tax_amount, invoice.total) == (255000, 21675, 276675)
    shot(page, artifacts_dir, "1-draft")
    page.click("a.lifecycle-finalize")
    page.click("input[name=confirm]")
    page.wait_for_selector(".messagelist li")
    assert "needs approval" in page.inner_text(".messagelist")
    shot(page, artifacts_dir, "2-finalize-asked")

    # 2. the approver says yes
    page.context.clear_cookies()
    log_in_demo(page, live_server, "approver")
    page.goto(f"{url}/admin/billing/approvalrequest/")
    page.click("a[href*='/approvalrequest/'][href$='/change/']")
    page.click("a.approval-approve")
    page.click("input[name=confirm]")
    page.wait_for_selector(".messagelist li")
    invoice.refresh_from_db()
    assert invoice.status == "OPEN" and invoice.number.startswith("INV-")
    shot(page, artifacts_dir, "3-approved")

    # 3. back to the clerk: a partial payment and a credit note
    page.context.clear_cookies()
    log_in_demo(page, live_server, "clerk")
    change = f"{url}/admin/billing/invoice/{invoice.pk}/change/"
    page.goto(change)
    page.click("a.record-payment")
    page.fill("#id_amount", "1000")
    page.select_option("#id_method", label="Bank transfer")
    page.fill("#id_reference", "SEPA 4711")
    shot(page, artifacts_dir, "4-payment-form")
    page.click("input[type=submit][value='Record payment']")
    page.wait_for_selector(".messagelist .success")
    summary = page.inner_text("fieldset")
    assert "2,766.75 USD" in summary and "1,766.75 USD" in summary
    shot(page, artifacts_dir, "5-partially-paid")

    # a credit note is the approver's (workspace roles): the clerk is not offered one
    assert page.locator("a.issue-credit-note").count() == 0
    page.context.clear_cookies()
    log_in_demo(page, live_server, "approver")
    page.goto(change)
    page.click("a.issue-credit-note")
    page.select_option("#id_reason", label="Order change")
    page.fill("#id_amount", "100")
    page.fill("#id_memo", "One hosting month free")
    shot(page, artifacts_dir, "6-credit-note-form")
    page.click("input[type=submit][value='Issue credit note']")
    page.wait_for_selector(".messagelist .success")
    assert page.inner_text(".messagelist .success") == "Credit note CN-000001 issued."
    trail = page.inner_text("#events-group")
    assert "Payment of 1,000.00 USD by bank transfer" in trail
    assert "Credit note CN-000001 of 100.00 USD (order change)" in trail
    assert page.inner_text("#credit_notes-group td.field-split_display") == (
        "100.00 USD off the amount due"
    )
    shot(page, artifacts_dir, "7-credit-note")
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.amount_credited, invoice.amount_due) == (
        100000,
        10000,
        166675,
    )
    assert CreditNote.objects.get().number == "CN-000001"

    # 4. the pay page and the PDF the customer gets
    page.goto(f"{url}/pay/{invoice.payment_token}/")
    page.wait_for_selector("#amount-due")
    assert page.inner_text("#amount-due") == "1,666.75 USD"
    assert page.inner_text("#status") == "Partially paid"
    assert "Sales tax 8.5% of 2,550.00 USD" in page.inner_text("body")
    shot(page, artifacts_dir, "8-pay-page")
    with page.expect_download() as download_info:
        page.click("#download-pdf")
    with open(download_info.value.path(), "rb") as pdf:
        text = pdf_text(pdf.read())
    assert invoice.number in text and "1,666.75 USD" in text

    # 5. the clerk opens the customer page and downloads the statement
    page.context.clear_cookies()
    log_in_demo(page, live_server, "clerk")
    page.goto(f"{url}/admin/billing/customer/{invoice.customer_id}/change/")
    listed = page.inner_text("table.customer-invoices")
    assert f"{invoice.number}\tRelaunch, phase 2\tPartially paid" in listed
    assert "1,666.75 USD" in listed
    assert "Open balance:" in page.inner_text(".open-balance")
    shot(page, artifacts_dir, "9-customer")
    with page.expect_download() as download_info:
        page.click("a.statement-link")
    download = download_info.value
    assert download.suggested_filename.startswith("statement-Alexey-")
    download.save_as(os.path.join(artifacts_dir, "clerks-day-10-statement.pdf"))
    with open(download.path(), "rb") as pdf:
        statement = " ".join(pdf_text(pdf.read()).split())
    # the statement's page as Chromium draws it, to look at beside the PDF
    start, end = default_period(invoice.customer)
    doc = build_statement(customer=invoice.customer, start=start, end=end)
    page.set_content(render_to_string("billing/pdf/statement.html", {"doc": doc}))
    shot(page, artifacts_dir, "10-statement")
    assert f"Invoice {invoice.number}" in statement
    assert f"Payment by bank transfer on {invoice.number}" in statement
    assert f"Credit note CN-000001 on {invoice.number} (order change)" in statement


def log_in_demo(page, live_server, role):
    log_in(page, live_server, DEMO_STAFF[role], DEMO_PASSWORD)
