import pytest
from django.urls import reverse

from billing.models import CreditNote
from billing.services.actors import Actor
from billing.services.payments import payment_record
from tests.factories import OrganizationFactory, make_invoice

pytestmark = pytest.mark.django_db


def test_admin_issues_a_credit_note_and_lists_it_with_its_pdf(admin_client):
    org = OrganizationFactory(default_currency="EUR")
    invoice = make_invoice(org, status="OPEN", partial_payment=True)
    payment_record(invoice=invoice, amount=8000, method="CASH", actor=Actor(label="t"))
    change = reverse("admin:billing_invoice_change", args=[invoice.pk])
    url = reverse("admin:billing_invoice_credit_note", args=[invoice.pk])
    assert url in admin_client.get(change).content.decode()

    too_much = admin_client.post(url, {"reason": "DUPLICATE", "amount": "100.01"})
    assert too_much.status_code == 200
    assert too_much.context["form"].non_field_errors() == [
        f"A credit of 100.01 EUR exceeds what is left to credit on invoice {invoice.number}: "
        "100.00 EUR"
    ]
    assert CreditNote.objects.count() == 0

    response = admin_client.post(
        url, {"reason": "ORDER_CHANGE", "amount": "30", "refund_amount": "5", "memo": "Late"}
    )
    assert response.status_code == 302
    note = CreditNote.objects.get()
    assert (note.number, note.pre_payment_amount, note.refund_amount, note.credit_amount) == (
        "CN-000001",
        2000,
        500,
        500,
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == ("PAID", 0)
    page = admin_client.get(change).content.decode()
    assert "CN-000001.pdf" in page
    assert "20.00 EUR off the amount due, 5.00 EUR refunded, 5.00 EUR as credit" in page
    pdf = admin_client.get(
        reverse("admin:billing_invoice_credit_note_pdf", args=[invoice.pk, note.pk])
    )
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF")


def test_a_draft_offers_no_credit_note(admin_client):
    draft = make_invoice(OrganizationFactory())
    page = admin_client.get(reverse("admin:billing_invoice_change", args=[draft.pk]))
    url = reverse("admin:billing_invoice_credit_note", args=[draft.pk])
    assert url not in page.content.decode()
    refused = admin_client.post(url, {"reason": "DUPLICATE", "amount": "1"})
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [
        f"Only open or paid invoices take credit notes; invoice {draft} is draft"
    ]
    assert CreditNote.objects.count() == 0
