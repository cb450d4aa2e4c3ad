import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from billing.models import Invoice, InvoiceEvent
from billing.services.actors import Actor
from billing.services.payments import payment_record
from tests.billing.admin_support import make_member
from tests.factories import OrganizationFactory, make_invoice

pytestmark = pytest.mark.django_db


def _snapshot(invoice: Invoice) -> tuple:
    invoice.refresh_from_db()
    items = list(invoice.items.values_list("product_id", "quantity", "amount"))
    return invoice.status, invoice.total, invoice.updated_at, items


@pytest.mark.parametrize("status", ["OPEN", "PAID"])
def test_saving_the_read_only_page_of_a_finalized_invoice_changes_nothing(admin_client, status):
    """Regression: Save on an OPEN/PAID invoice crashed in the items formset check (a 500)."""
    invoice = make_invoice(OrganizationFactory(), status="OPEN")
    if status == "PAID":
        payment_record(invoice=invoice, amount=10000, method="CASH", actor=Actor(label="t"))
    before = _snapshot(invoice)
    events = InvoiceEvent.objects.filter(invoice=invoice).count()
    url = reverse("admin:billing_invoice_change", args=[invoice.pk])
    item = invoice.items.get()
    data = {
        "name": "Changed",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "1",
        "items-0-id": str(item.pk),
        "items-0-invoice": str(invoice.pk),
        "items-0-product": str(item.product_id),
        "items-0-quantity": "7",
        "_save": "Save",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == url
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Invoice {invoice.number} is {status.lower()}: it cannot be edited. "
        "Correct it with a credit note."
    ]
    assert _snapshot(invoice) == before
    assert InvoiceEvent.objects.filter(invoice=invoice).count() == events


def test_a_finalized_invoice_page_has_no_save_buttons(admin_client):
    invoice = make_invoice(OrganizationFactory(), status="OPEN")
    draft = make_invoice(OrganizationFactory())
    page = admin_client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]))
    draft_page = admin_client.get(reverse("admin:billing_invoice_change", args=[draft.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ('name="_save"', 'name="_continue"', 'name="_addanother"'):
        assert name not in html
        assert name in draft_page.content.decode()


@pytest.mark.parametrize(
    ("role", "offered"),
    [("clerk", []), ("approver", ["void", "mark-uncollectible"])],
)
def test_the_invoice_page_offers_only_the_moves_the_role_may_make(
    client, django_user_model, role, offered
):
    invoice = make_invoice(status="OPEN", partial_payment=True)
    payment_record(invoice=invoice, amount=100, method="CASH", actor=Actor(label="test"))
    client.force_login(
        make_member(django_user_model, invoice.organization, username=role, role=role)
    )

    page = client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]))

    assert [slug for slug, _label in page.context["lifecycle_actions"]] == offered
    assert '<span class="invoice-status status-partiallypaid">Partially paid</span>' in (
        page.content.decode()
    )
