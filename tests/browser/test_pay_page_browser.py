"""A customer follows the pay link in a sent e-mail to the hosted page and downloads the PDF;
an expired link shows the page that e-mails a fresh one."""

import os
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from billing.models import Invoice
from billing.services.actors import Actor
from billing.services.invoice_email import invoice_send_email
from notifications.models import Message
from tests.notifications.email_support import issued_invoice, pdf_text, sync_queue  # noqa: F401

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("sync_queue"),
]


def emailed_pay_link(invoice) -> str:
    invoice_send_email(invoice=invoice, actor=Actor(label="test"))  # commits: queue runs now
    html = mail.outbox[-1].alternatives[0][0]
    return re.search(r'class="action-button" href="([^"]+)"', html).group(1)


def test_pay_link_from_the_email_opens_the_page_and_the_pdf_downloads(
    page, live_server, settings, artifacts_dir
):
    settings.SITE_URL = live_server.url
    invoice = issued_invoice()
    link = emailed_pay_link(invoice)
    assert link.startswith(f"{live_server.url}/t/c/")  # the click is counted on the way

    page.goto(link)
    page.wait_for_selector("#amount-due")
    assert page.url == f"{live_server.url}/pay/{invoice.payment_token}/"
    assert page.inner_text("#amount-due") == "2,549.99 USD"
    assert page.inner_text("h1") == "Invoice INV-000001"
    assert "IBAN DE89 3704 0044 0532 0130 00" in page.inner_text(".method-bank_transfer")
    page.screenshot(path=os.path.join(artifacts_dir, "pay_page.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("#download-pdf")
    download = download_info.value
    assert download.suggested_filename == "INV-000001.pdf"
    with open(download.path(), "rb") as pdf:
        assert "INV-000001" in pdf_text(pdf.read())
    assert Message.objects.get(purpose="invoice_issued").status == "clicked"


def test_an_expired_link_offers_a_fresh_one_by_email(page, live_server, settings, artifacts_dir):
    settings.SITE_URL = live_server.url
    invoice = issued_invoice()
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=40))
    page.goto(f"{live_server.url}/pay/{invoice.payment_token}/")
    assert page.inner_text("#expired-heading") == "This payment link has expired"
    page.screenshot(path=os.path.join(artifacts_dir, "pay_page_expired.png"), full_page=True)

    page.click("#renew")
    page.wait_for_selector("#renewed")
    assert "j***@example.com" in page.inner_text("#renewed")
    invoice.refresh_from_db()
    assert f"{live_server.url}/pay/{invoice.payment_token}/" in mail.outbox[-1].body
    page.goto(f"{live_server.url}/pay/{invoice.payment_token}/")
    assert page.inner_text("#amount-due") == "2,549.99 USD"
