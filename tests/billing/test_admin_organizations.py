"""The organization page: payment instructions one field per method, number formats by example."""

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.admin.organizations import number_example
from billing.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def organization_data(org: Organization, **overrides) -> dict:
    data = {
        "name": org.name,
        "slug": org.slug,
        "legal_name": "",
        "legal_address": "",
        "vat_id": "",
        "time_zone": "UTC",
        "locale": "en",
        "default_currency": "EUR",
        "invoice_number_format": "INV-{seq:06d}",
        "credit_note_number_format": "CN-{seq:06d}",
        "tax_rounding": "PER_LINE",
        "attach_pdf": "on",
        "default_wallet": "",
        "approval_amount": "",
        "approval_amounts": "{}",
        "instructions_crypto": "",
        "instructions_bank_transfer": "",
        "instructions_credit_card": "",
        "instructions_cash": "",
        "instructions_mobile_money": "",
    }
    data.update(overrides)
    return data


def test_payment_instructions_are_one_text_per_method(admin_client):
    org = OrganizationFactory(payment_instructions={"CASH": "At our office"})
    url = reverse("admin:billing_organization_change", args=[org.pk])
    form = admin_client.get(url).context["adminform"].form
    assert "payment_instructions" not in form.fields
    assert [form.fields[f"instructions_{m}"].label for m in ("bank_transfer", "cash")] == [
        "Bank transfer",
        "Cash",
    ]
    assert form["instructions_cash"].value() == "At our office"

    response = admin_client.post(
        url,
        organization_data(
            org,
            instructions_bank_transfer="  IBAN DE89 3704 0044 0532 0130 00 ",
            instructions_cash="",
        ),
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.payment_instructions == {"BANK_TRANSFER": "IBAN DE89 3704 0044 0532 0130 00"}


def test_the_number_formats_are_explained_by_an_example(admin_client):
    org = OrganizationFactory(invoice_number_format="{year}/{seq:05d}")
    page = admin_client.get(reverse("admin:billing_organization_change", args=[org.pk]))
    html = page.content.decode()
    year = timezone.now().year
    assert f"{{year}}/{{seq:05d}} → {year}/00042" in html
    assert "CN-{seq:06d} → CN-000042" in html
    assert number_example("INV-{seq:06d}") == "INV-{seq:06d} → INV-000042"
    assert number_example("INV-{seq:q}") == "—"


def test_a_broken_number_format_is_refused_and_nothing_changes(admin_client):
    org = OrganizationFactory(payment_instructions={"CASH": "At our office"})
    url = reverse("admin:billing_organization_change", args=[org.pk])
    response = admin_client.post(
        url, organization_data(org, invoice_number_format="INV-", instructions_cash="Other")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["invoice_number_format"] == [
        "The number format must contain {seq}, e.g. INV-{seq:06d}."
    ]
    org.refresh_from_db()
    assert (org.invoice_number_format, org.payment_instructions) == (
        "INV-{seq:06d}",
        {"CASH": "At our office"},
    )
