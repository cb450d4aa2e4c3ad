"""What the customer receives: HTML + text parts, the PDF, escaping, locale formatting."""

import pytest

from billing import documents
from billing.models import Product
from billing.pdf import pdf_filename, render_invoice_pdf
from billing.services.actors import SYSTEM
from billing.services.invoice_email import SendInvoiceEmail, email_context
from notifications.channels import get_backend
from tests.notifications.email_support import EVIL, issued_invoice, pdf_text

pytestmark = pytest.mark.django_db


def rendered(invoice):
    to, context = email_context(invoice, SendInvoiceEmail(), actor=SYSTEM)
    backend = get_backend("email", invoice.organization_id)
    return backend.prepare(purpose="invoice_issued", recipient=to[0], context=context).payload


def test_html_and_text_parts_carry_number_items_totals_and_pay_link():
    invoice = issued_invoice()
    payload = rendered(invoice)
    pay_url = documents.pay_url(invoice)
    assert pay_url.startswith("http://127.0.0.1:8000/pay/") and invoice.payment_token in pay_url
    assert payload["subject"] == "Invoice INV-000001 from Acme Ltd"
    assert payload["preheader"] == "2,549.99 USD due on " + documents.build(invoice).due_date
    for part in (payload["html"], payload["text"]):
        assert "INV-000001" in part
        for expected in ("Consulting", "CONS", "2,500.00 USD", "Hosting", "49.99 USD"):
            assert expected in part
        assert "2,549.99 USD" in part  # subtotal, total and amount due
        assert pay_url in part
    assert f'<a class="action-button" href="{pay_url}"' in payload["html"]
    assert "Hello Jane Doe," in payload["text"]
    assert payload["to"] == ["jane@example.com", "ap@example.com"]
    assert payload["attachments"] == [
        {"kind": "invoice_pdf", "ref": str(invoice.pk), "filename": "INV-000001.pdf"}
    ]


def test_user_data_is_escaped_in_html_and_left_plain_in_text():
    invoice = issued_invoice(customer_name=EVIL)
    Product.objects.filter(name="Hosting").update(name=EVIL)
    invoice.items.filter(name="Hosting").update(name=EVIL)
    payload = rendered(invoice)
    assert "<script>" not in payload["html"]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in payload["html"]
    assert payload["html"].count("&lt;script&gt;") == 2  # greeting and the item line
    assert EVIL in payload["text"]


def test_amounts_and_dates_follow_the_customer_locale():
    invoice = issued_invoice(locale="de")
    doc = documents.build(invoice)
    assert doc.total == "2.549,99 USD"
    assert doc.lines[0].amount == "2.500,00 USD"
    payload = rendered(invoice)
    assert "2.549,99 USD" in payload["html"] and "2.549,99 USD" in payload["text"]
    assert doc.due_date in payload["text"]
    assert doc.due_date != documents.format_day(invoice.due_date, "en")


def test_no_attachment_when_the_organization_turns_it_off():
    invoice = issued_invoice()
    invoice.organization.attach_pdf = False
    invoice.organization.save()
    assert rendered(invoice)["attachments"] == []


def test_pdf_contains_number_items_totals_instructions_and_pay_link():
    invoice = issued_invoice()
    content = render_invoice_pdf(invoice)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    for expected in (
        "INV-000001",
        "Acme Ltd",
        "Consulting",
        "CONS",
        "Hosting",
        "2,500.00 USD",
        "49.99 USD",
        "2,549.99 USD",
        "IBAN DE89 3704 0044 0532 0130 00",
        "0xabc123",
    ):
        assert expected in text, expected
    assert documents.pay_url(invoice) in text.replace("\n", "")
    assert pdf_filename(invoice) == "INV-000001.pdf"


def test_pdf_shows_hostile_names_as_plain_text():
    invoice = issued_invoice(customer_name=EVIL)
    text = pdf_text(render_invoice_pdf(invoice))
    assert 'alert("x")' in text
