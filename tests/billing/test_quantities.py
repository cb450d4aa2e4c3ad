"""Quantities read as people write them: ``1`` and ``2.5``, never ``1.000``, in the admin,
the PDF, the pay page and the e-mail; grouped for the locale and never rounded."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.documents import build, format_quantity
from tests.billing.admin_support import make_member
from tests.factories import CustomerFactory, OrganizationFactory, make_invoice
from tests.notifications.email_support import pdf_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("quantity", "locale", "words"),
    [
        ("1.000", "en", "1"),
        ("2.500", "en", "2.5"),
        ("2.500", "de", "2,5"),
        ("0.125", "en", "0.125"),
        ("1000.000", "en", "1,000"),
        ("1000.000", "de", "1.000"),
        ("12345.678", "ru", "12\xa0345,678"),
        ("0.0001", "en", "0.0001"),  # finer than the pattern's three digits: kept
    ],
)
def test_format_quantity(quantity, locale, words):
    assert format_quantity(Decimal(quantity), locale) == words


def quantities(html: str) -> list[str]:
    return re.findall(r'<td class="field-quantity(?:_display)?">\s*(?:<p>)?([^<\s]*)', html)


def test_the_admin_shows_quantities_normalised(client, django_user_model):
    org = OrganizationFactory()
    client.force_login(make_member(django_user_model, org, username="clerk"))
    lines = ((1000, "2.5"), (500, "1"))
    issued = make_invoice(org, status="OPEN", lines=lines)
    draft = make_invoice(org, lines=lines)

    page = client.get(reverse("admin:billing_invoice_change", args=[issued.pk])).content.decode()
    assert quantities(page) == ["2.5", "1"]
    assert "2.500" not in page and "1.000" not in page

    page = client.get(reverse("admin:billing_invoice_change", args=[draft.pk])).content.decode()
    inputs = re.findall(r'name="items-\d-quantity" value="([^"]*)"', page)
    assert inputs == ["2.5", "1"]


def test_the_pdf_pay_page_and_document_show_quantities_normalised(client):
    org = OrganizationFactory()
    customer = CustomerFactory(organization=org, locale="de")
    invoice = make_invoice(org, status="OPEN", customer=customer, lines=((1000, "2.5"), (500, 3)))
    assert [line.quantity for line in build(invoice).lines] == ["2,5", "3"]
    page = client.get(f"/pay/{invoice.payment_token}/").content.decode()
    assert "<tr><td>2,5</td>" in page and "<tr><td>3</td>" in page
    pdf = pdf_text(client.get(f"/pay/{invoice.payment_token}/pdf/").content)
    assert "2,500" not in pdf and "3,000" not in pdf
    assert re.search(r"^2,5 ", pdf, re.M) and re.search(r"^3 ", pdf, re.M)
