"""``POST /api/v0/invoices/{id}/credit-notes/{cn_id}/send``: the credit note by e-mail, once."""

import pytest
from django.core import mail

from billing.models import Invoice
from notifications.models import Message
from tests.api.conftest import Api
from tests.factories import OrganizationFactory
from tests.notifications.email_support import sync_queue  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sync_queue")]


def credit_note(api) -> tuple[str, str]:
    invoice = api.post("invoices", api.invoice_body(delivery="MANUALLY")).json()
    note = api.post(
        f"invoices/{invoice['id']}/credit-notes", {"reason": "DUPLICATE", "amount": 100}
    ).json()
    return invoice["id"], note["id"]


def test_send_emails_the_credit_note_once(api, django_capture_on_commit_callbacks):
    invoice_id, note_id = credit_note(api)
    path = f"invoices/{invoice_id}/credit-notes/{note_id}/send"
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(path, {"channels": ["email"]})
    assert first.status_code == 202, first.json()
    [sent] = first.json()["messages"]
    message = Message.objects.get(pk=sent["id"])
    assert (sent["channel"], message.purpose, message.status) == (
        "email",
        "credit_note_issued",
        "sent",
    )
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("Credit note CN-000001 from My Business App", ["client@example.com"])
    ]
    assert "100.00 USD" in mail.outbox[0].body
    assert mail.outbox[0].attachments[0][0] == "CN-000001.pdf"

    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(path)
    assert again.status_code == 202
    assert again.json() == {"messages": [{"id": sent["id"], "channel": "email", "status": "sent"}]}
    assert len(mail.outbox) == 1 and Message.objects.count() == 1


def test_another_organizations_credit_note_is_a_404(api):
    invoice_id, note_id = credit_note(api)
    other = Api(OrganizationFactory())
    response = other.post(f"invoices/{invoice_id}/credit-notes/{note_id}/send")
    assert response.status_code == 404
    assert response.json() == {
        "statusCode": 404,
        "message": "Invoice not found",
        "error": "Not Found",
    }
    # a credit note of another invoice under one's own invoice is not found either
    own_invoice, _ = credit_note(other)
    response = other.post(f"invoices/{own_invoice}/credit-notes/{note_id}/send")
    assert (response.status_code, response.json()["message"]) == (404, "Credit note not found")
    assert Message.objects.filter(purpose="credit_note_issued").count() == 0


def test_whatsapp_and_unknown_fields_are_refused_in_the_envelope(api):
    invoice_id, note_id = credit_note(api)
    path = f"invoices/{invoice_id}/credit-notes/{note_id}/send"
    whatsapp = api.post(path, {"channels": ["whatsapp"]})
    assert whatsapp.status_code == 400
    assert whatsapp.json() == {
        "statusCode": 400,
        "message": ["channels[0] must be one of the following values: email"],
        "error": "Bad Request",
    }
    unknown = api.post(path, {"to": "x@example.com"})
    assert unknown.json()["message"] == ["property to should not exist"]
    assert Message.objects.filter(purpose="credit_note_issued").count() == 0


def test_a_customer_without_an_address_is_a_400(api):
    invoice_id, note_id = credit_note(api)
    api.customer.email = ""
    api.customer.save(update_fields=["email"])
    Invoice.objects.filter(pk=invoice_id).update(email="")
    response = api.post(f"invoices/{invoice_id}/credit-notes/{note_id}/send")
    assert response.status_code == 400
    assert response.json()["message"] == "The customer has no e-mail address"


def test_the_endpoint_is_in_the_schema(api):
    schema = api.client.get("/api/v0/schema/?format=json").json()
    operation = schema["paths"]["/api/v0/invoices/{id}/credit-notes/{note_id}/send"]["post"]
    assert operation["operationId"] == "invoices_credit_notes_send"
    assert set(operation["responses"]) >= {"202", "400", "401", "404"}
