import pytest

from billing.models import CreditNote, Invoice
from tests.api.conftest import Api
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def create(api, **overrides) -> dict:
    response = api.post("invoices", api.invoice_body(**overrides))
    assert response.status_code == 201, response.json()
    return response.json()


def test_issue_list_retrieve_and_pdf(api):
    invoice = create(api, partial_payment=True)
    api.post(f"invoices/{invoice['id']}/payments", {"amount": 2000, "method": "CASH"})
    item_id = Invoice.objects.get().items.get().pk
    response = api.post(
        f"invoices/{invoice['id']}/credit-notes",
        {
            "reason": "ORDER_CHANGE",
            "lines": [{"item_id": str(item_id), "quantity": 0.5}],
            "memo": "Half the site",
        },
    )
    assert response.status_code == 201, response.json()
    note = response.json()
    assert {k: note[k] for k in note if k not in ("id", "created_at", "pdf_url")} == {
        "number": "CN-000001",
        "invoice_id": invoice["id"],
        "invoice_number": invoice["invoice_number"],
        "reason": "ORDER_CHANGE",
        "memo": "Half the site",
        "currency": "USD",
        "amount": 1250,
        "pre_payment_amount": 500,
        "post_payment_amount": 750,
        "refund_amount": 0,
        "credit_amount": 750,
        "lines": [
            {
                "invoice_item_id": str(item_id),
                "description": "Website Development",
                "quantity": 0.5,
                "amount": 1250,
            }
        ],
    }
    assert note["pdf_url"].endswith(
        f"/api/v0/invoices/{invoice['id']}/credit-notes/{note['id']}/pdf"
    )
    paid = api.get(f"invoices/{invoice['id']}").json()
    assert (paid["status"], paid["amount_due"]) == ("PAID", 0)

    second = api.post(
        f"invoices/{invoice['id']}/credit-notes",
        {"reason": "DUPLICATE", "amount": "100.50", "refund_amount": 100},
    ).json()
    assert (second["number"], second["pre_payment_amount"], second["refund_amount"]) == (
        "CN-000002",
        0,
        100,
    )
    assert second["credit_amount"] == 0.5
    listed = api.get(f"invoices/{invoice['id']}/credit-notes").json()
    assert [n["number"] for n in listed["data"]] == ["CN-000001", "CN-000002"]
    one = api.get(f"invoices/{invoice['id']}/credit-notes/{note['id']}")
    assert one.json() == note
    pdf = api.get(f"invoices/{invoice['id']}/credit-notes/{note['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="CN-000001.pdf"'
    assert pdf.content.startswith(b"%PDF")


def test_refusals_are_envelopes_and_change_nothing(api):
    invoice = create(api)
    draft = create(api, status="DRAFT")
    url = f"invoices/{invoice['id']}/credit-notes"
    cases = [
        ({"reason": "NOPE", "amount": 1}, 400),
        ({"reason": "DUPLICATE"}, 400),
        (
            {
                "reason": "DUPLICATE",
                "amount": 1,
                "lines": [{"item_id": draft["id"], "quantity": 1}],
            },
            400,
        ),
        ({"reason": "DUPLICATE", "lines": [{"item_id": draft["id"], "quantity": 1}]}, 400),
        ({"reason": "DUPLICATE", "amount": "0.001"}, 400),
        ({"reason": "DUPLICATE", "amount": 2500.01}, 400),
        ({"reason": "DUPLICATE", "amount": 10, "refund_amount": 1}, 400),
        ({"reason": "DUPLICATE", "amount": 10, "extra": 1}, 400),
    ]
    for body, code in cases:
        response = api.post(url, body)
        assert response.status_code == code, body
        assert set(response.json()) == {"statusCode", "message", "error"}
    assert api.post(url, {"reason": "NOPE", "amount": 1}).json()["message"] == [
        "reason must be one of the following values: DUPLICATE, FRAUDULENT, ORDER_CHANGE, "
        "PRODUCT_UNSATISFACTORY"
    ]
    assert api.post(url, {"reason": "DUPLICATE", "amount": 2500.01}).json()["message"] == (
        "A credit of 2,500.01 USD exceeds what is left to credit on invoice "
        f"{invoice['invoice_number']}: 2,500.00 USD"
    )
    on_draft = api.post(
        f"invoices/{draft['id']}/credit-notes", {"reason": "DUPLICATE", "amount": 1}
    )
    assert on_draft.status_code == 400
    assert CreditNote.objects.count() == 0
    assert Invoice.objects.get(pk=invoice["id"]).amount_credited == 0


def test_another_organizations_invoice_and_credit_notes_are_404(api):
    invoice = create(api)
    note = api.post(
        f"invoices/{invoice['id']}/credit-notes", {"reason": "DUPLICATE", "amount": 1}
    ).json()
    other = Api(OrganizationFactory())
    for path in (
        f"invoices/{invoice['id']}/credit-notes",
        f"invoices/{invoice['id']}/credit-notes/{note['id']}",
        f"invoices/{invoice['id']}/credit-notes/{note['id']}/pdf",
    ):
        response = other.get(path)
        assert response.status_code == 404
        assert response.json()["statusCode"] == 404
    refused = other.post(
        f"invoices/{invoice['id']}/credit-notes", {"reason": "DUPLICATE", "amount": 1}
    )
    assert refused.status_code == 404
    assert CreditNote.objects.count() == 1
