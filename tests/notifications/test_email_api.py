"""API v0: template sends (POST /messages), the invoice PDF, and SendInvoice's email part."""

import copy
import uuid

import pytest
from django.core import mail

from billing.models import Membership
from notifications.models import Message
from tests.api.conftest import Api
from tests.factories import OrganizationFactory, make_invoice
from tests.notifications.email_support import (  # noqa: F401
    SEED_EXAMPLE_DATA,
    issued_invoice,
    pdf_text,
    sync_queue,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sync_queue")]

EXAMPLE = {"templateId": "invoice", "data": SEED_EXAMPLE_DATA}


@pytest.fixture
def api(db):
    return Api(OrganizationFactory(name="My Business App", time_zone="UTC"))


def body(**changes):
    result = copy.deepcopy(EXAMPLE) | {"to": "customer@example.com"}
    result["data"].update(changes)
    return result


def test_the_seed_example_is_accepted_and_sent(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("messages", body(), key=str(uuid.uuid4()))
    assert response.status_code == 202
    message = Message.objects.get()
    assert response.json() == {"id": str(message.pk), "status": "accepted"}
    assert (message.tenant_id, message.purpose, message.channel) == (api.org.pk, "invoice", "email")
    message.refresh_from_db()
    assert message.status == "sent"
    sent = mail.outbox[-1]
    assert (sent.subject, sent.to) == ("Invoice Invoice Number", ["customer@example.com"])
    assert "GBP 20.00" in sent.body and "Description" in sent.body


def test_template_problems_answer_400_with_codes(api):
    bad = body(invoiceNumber="", actionButton={"url": "mailto:x@example.com"}, subject="s" * 181)
    response = api.post("messages", bad)
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "message": [
            "Invoice Number is required.",
            "Action Button URL must be a valid http or https URL.",
            "Subject must be 180 characters or fewer.",
        ],
        "error": "Bad Request",
        "errors": [
            {
                "code": "missing_required_variable",
                "field": "invoiceNumber",
                "message": "Invoice Number is required.",
            },
            {
                "code": "invalid_url",
                "field": "actionButton.url",
                "message": "Action Button URL must be a valid http or https URL.",
            },
            {
                "code": "field_too_long",
                "field": "subject",
                "message": "Subject must be 180 characters or fewer.",
            },
        ],
    }
    assert Message.objects.count() == 0


def test_unknown_template_version_and_bad_recipient_are_400(api):
    assert api.post("messages", body() | {"templateId": "receipt"}).json()["message"] == [
        "Template 'receipt' not found"
    ]
    assert api.post("messages", body() | {"version": "v9"}).json()["message"] == [
        "Template 'invoice' has no version 'v9'"
    ]
    response = api.post("messages", body() | {"to": "nope"})
    assert (response.status_code, response.json()["message"]) == (
        400,
        ["to must be a valid e-mail address"],
    )
    assert Message.objects.count() == 0


def test_a_replayed_idempotency_key_sends_once(api, django_capture_on_commit_callbacks):
    key = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("messages", body(), key=key)
        second = api.post("messages", body(), key=key)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == 1 and len(mail.outbox) == 1


def test_template_send_needs_credentials(client):
    response = client.post("/api/v0/messages", body(), content_type="application/json")
    assert response.status_code == 401


def test_invoice_pdf(api):
    invoice = issued_invoice(organization=api.org)
    response = api.get(f"invoices/{invoice.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="INV-000001.pdf"'
    assert "INV-000001" in pdf_text(response.content)


def test_invoice_pdf_of_another_organization_is_404_and_drafts_409(api):
    foreign = issued_invoice()
    response = api.get(f"invoices/{foreign.pk}/pdf")
    assert response.status_code == 404
    assert response.json()["message"] == "Invoice not found"
    draft = make_invoice(api.org)
    assert api.get(f"invoices/{draft.pk}/pdf").status_code == 409


def test_send_endpoint_email_part_has_sendinvoice_semantics(
    api, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(organization=api.org)
    email = {
        "headers": {
            "toEmailAddresses": ["ap@example.com", "new@example.com"],
            "ccMe": True,
            "subject": "Invoice {:Invoice.Number:}",
        },
        "content": {"body": "Amount due: {:Invoice.AmountDue:}"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"invoices/{invoice.pk}/send", {"channels": ["email"], "email": email}, key="k-1"
        )
    assert response.status_code == 202
    message = Message.objects.get()
    assert response.json() == {
        "messages": [{"id": str(message.pk), "channel": "email", "status": "queued"}]
    }
    sent = mail.outbox[-1]
    assert (sent.subject, sent.to, sent.cc) == (
        "Invoice INV-000001",
        ["ap@example.com", "new@example.com"],
        ["billing@localhost"],
    )
    assert "Amount due: 2,549.99 USD" in sent.body
    assert invoice.customer.contacts.filter(email="new@example.com").exists()


def test_send_endpoint_uses_the_default_template_without_subject_and_body(
    api, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(organization=api.org)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"invoices/{invoice.pk}/send",
            {"channels": ["email"], "email": {"headers": {}, "content": {}}},
        )
    assert response.status_code == 202
    assert mail.outbox[-1].subject == "Invoice INV-000001 from My Business App"


@pytest.mark.parametrize(
    "email",
    [
        {"headers": {"subject": "Hi {:Customer.Name:}"}, "content": {}},
        {"headers": {}, "content": {"body": "Pay {:Link_Pay_Invoice:}"}},
    ],
)
def test_send_endpoint_refuses_subject_or_body_alone(api, email):
    invoice = issued_invoice(organization=api.org)
    response = api.post(f"invoices/{invoice.pk}/send", {"channels": ["email"], "email": email})
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "message": "subject and body must be given together (or neither, for the default template)",
        "error": "Bad Request",
    }
    assert Message.objects.count() == 0


def test_send_endpoint_template_limits_answer_with_codes(api):
    invoice = issued_invoice(organization=api.org)
    email = {"headers": {"subject": "s" * 181}, "content": {"body": "ok"}}
    response = api.post(f"invoices/{invoice.pk}/send", {"channels": ["email"], "email": email})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "field_too_long",
            "field": "subject",
            "message": "Subject must be 180 characters or fewer.",
        }
    ]


def test_send_endpoint_answers_the_same_400_for_every_sender_outside_the_organization(
    api, django_user_model
):
    """Another organization's staff, an inactive member, an unknown or malformed id: one
    answer, so user ids of other tenants cannot be probed."""
    invoice = issued_invoice(organization=api.org)
    users = django_user_model.objects
    foreign = users.create_user("fay", "fay@other.test", is_staff=True)
    Membership.objects.create(user=foreign, organization=OrganizationFactory())
    inactive = users.create_user("gus", "gus@acme.test", is_staff=True, is_active=False)
    Membership.objects.create(user=inactive, organization=api.org)
    ids = [str(foreign.pk), str(inactive.pk), "999999", "abc", "-1", "1e3", "99999999999999999999"]
    answers = set()
    for from_user_id in ids:
        email = {"headers": {"fromUserId": from_user_id}, "content": {}}
        response = api.post(f"invoices/{invoice.pk}/send", {"channels": ["email"], "email": email})
        answers.add((response.status_code, response.content))
    assert answers == {
        (
            400,
            b'{"statusCode":400,"message":"fromUserId must name an active staff member of your '
            b'organization with an e-mail address","error":"Bad Request"}',
        )
    }
    assert Message.objects.count() == 0 and mail.outbox == []


def test_send_endpoint_accepts_a_sender_of_the_organization(
    api, django_user_model, django_capture_on_commit_callbacks
):
    clerk = django_user_model.objects.create_user(
        "ann", "ann@acme.test", first_name="Ann", last_name="Lee", is_staff=True
    )
    Membership.objects.create(user=clerk, organization=api.org)
    invoice = issued_invoice(organization=api.org)
    email = {"headers": {"fromUserId": str(clerk.pk)}, "content": {}}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"invoices/{invoice.pk}/send", {"channels": ["email"], "email": email})
    assert response.status_code == 202
    assert (mail.outbox[-1].from_email, mail.outbox[-1].reply_to) == (
        "Ann Lee <billing@localhost>",
        ["ann@acme.test"],
    )
