"""Maker-checker for sends: a clerk's large WhatsApp or e-mail send from the admin waits for an
approver, who sends it through the same service (once), or rejects it (nothing is sent)."""

from email import message_from_bytes

import pytest
from django.urls import reverse

from billing.approvals.services import (
    ApprovalRefused,
    approval_approve,
    invoice_send_whatsapp_or_request,
)
from billing.models import ApprovalEvent, ApprovalRequest
from billing.services.actors import Actor
from billing.services.roles import membership_set, staff_user_set
from notifications.models import Message
from tests.notifications.email_support import SmtpSink, issued_invoice, smtp_settings
from tests.notifications.whatsapp_support import SEED_TEXT, sandbox, seed_invoice, seed_org

pytestmark = [pytest.mark.django_db]
__all__ = ["sandbox"]  # the running 1MSG sandbox fixture


@pytest.fixture
def org():
    org = seed_org()
    org.approval_amounts = {"RUB": "10000"}  # the seed invoice is 49,900 RUB
    org.save(update_fields=["approval_amounts"])
    return org


def staff(org, role, username=None, email=""):
    user = staff_user_set(
        username=username or role, password="pw-12345", organization=org, role=role
    ).user
    if email:
        user.email = email
        user.save(update_fields=["email"])
    return user


def snapshot() -> tuple:
    return (
        sorted(ApprovalRequest.objects.values_list("action", "status", "decided_by", "reason")),
        ApprovalEvent.objects.count(),
        sorted(Message.objects.values_list("channel", "status", "is_active")),
    )


APPROVAL_NOTE = (
    '<p class="approval-needed">The total reaches the organization\'s approval threshold: '
    "sending asks an approver, and nothing goes out until one approves.</p>"
)


def messages_of(page) -> list[str]:
    return [str(m) for m in page.context["messages"]]


def send_whatsapp(client, invoice, capture):
    url = reverse("admin:billing_invoice_send_whatsapp", args=[invoice.pk])
    with capture(execute=True):
        return client.post(url, follow=True)


def decide(client, approval, decision, capture, **data):
    url = reverse("admin:billing_approvalrequest_decide", args=[approval.pk, decision])
    with capture(execute=True):
        return client.post(url, data, follow=True)


# --- WhatsApp, against the local 1MSG sandbox ---------------------------------------------------
def test_a_clerk_under_the_threshold_sends_on_whatsapp_directly(
    org, client, sandbox, django_capture_on_commit_callbacks
):
    invoice = seed_invoice(org, amount=500000)  # 5,000 RUB
    client.force_login(staff(org, "clerk"))
    page = send_whatsapp(client, invoice, django_capture_on_commit_callbacks)
    assert messages_of(page) == ["WhatsApp message queued."]
    assert len(sandbox.sends) == 1
    assert Message.objects.get().created_by == "user:clerk"
    assert ApprovalRequest.objects.count() == 0


def test_a_clerk_over_the_threshold_asks_and_nothing_is_sent(
    org, client, sandbox, django_capture_on_commit_callbacks
):
    invoice = seed_invoice(org)
    client.force_login(staff(org, "clerk"))
    confirm = client.get(reverse("admin:billing_invoice_send_whatsapp", args=[invoice.pk]))
    assert APPROVAL_NOTE in confirm.content.decode()
    page = send_whatsapp(client, invoice, django_capture_on_commit_callbacks)
    assert messages_of(page) == [
        f"Sending {invoice} on WhatsApp needs approval: the request waits for an approver."
    ]
    send_whatsapp(client, invoice, django_capture_on_commit_callbacks)  # asking again: same one
    approval = ApprovalRequest.objects.get()
    assert (approval.action, approval.status, approval.requested_by.username) == (
        "send_whatsapp",
        "pending",
        "clerk",
    )
    assert (approval.amount, approval.currency) == (4990000, "RUB")
    assert approval.rendered["number"] == "INV-2024-0842"
    assert approval.rendered["whatsapp"]["text"] == SEED_TEXT
    assert approval.rendered["whatsapp"]["goes_out"] is True
    assert "email" not in approval.rendered
    assert list(approval.events.values_list("from_status", "to_status", "actor_label")) == [
        ("", "pending", "user:clerk")
    ]
    assert (Message.objects.count(), sandbox.sends) == (0, [])


def test_an_approver_sends_directly(org, client, sandbox, django_capture_on_commit_callbacks):
    invoice = seed_invoice(org)
    client.force_login(staff(org, "approver", "anna"))
    confirm = client.get(reverse("admin:billing_invoice_send_whatsapp", args=[invoice.pk]))
    assert APPROVAL_NOTE not in confirm.content.decode()
    page = send_whatsapp(client, invoice, django_capture_on_commit_callbacks)
    assert messages_of(page) == ["WhatsApp message queued."]
    assert len(sandbox.sends) == 1
    assert ApprovalRequest.objects.count() == 0


def test_approval_sends_exactly_once_and_send_once_still_holds(
    org, client, sandbox, django_capture_on_commit_callbacks
):
    invoice = seed_invoice(org)
    clerk = Actor.for_user(staff(org, "clerk"))
    approval = invoice_send_whatsapp_or_request(invoice=invoice, actor=clerk)
    client.force_login(staff(org, "approver", "anna"))
    url = reverse("admin:billing_approvalrequest_decide", args=[approval.pk, "approve"])
    confirm = client.get(url).content.decode()
    assert "The WhatsApp message below is sent now, as you." in confirm
    assert "Hello, Alexey! Invoice #INV-2024-0842 has been issued for 49,900.00 RUB." in confirm
    page = decide(client, approval, "approve", django_capture_on_commit_callbacks)
    assert messages_of(page) == ["Send on WhatsApp INV-2024-0842 (Approved)."]
    page = decide(client, approval, "approve", django_capture_on_commit_callbacks)
    assert messages_of(page) == ["This request is approved already."]
    assert [s["body"]["phone"] for s in sandbox.sends] == ["79001234567"]
    message = Message.objects.get()
    assert (message.channel, message.created_by) == ("whatsapp", "user:anna")
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by.username) == ("approved", "anna")
    assert list(approval.events.values_list("to_status", "actor_label")) == [
        ("pending", "user:clerk"),
        ("approved", "user:anna"),
    ]
    # The clerk asks again for a message that exists: approving it sends nothing more.
    again = invoice_send_whatsapp_or_request(invoice=invoice, actor=clerk)
    decide(client, again, "approve", django_capture_on_commit_callbacks)
    assert len(sandbox.sends) == 1
    assert Message.objects.count() == 1


def test_rejection_sends_nothing(org, client, sandbox, django_capture_on_commit_callbacks):
    invoice = seed_invoice(org)
    approval = invoice_send_whatsapp_or_request(
        invoice=invoice, actor=Actor.for_user(staff(org, "clerk"))
    )
    client.force_login(staff(org, "approver", "anna"))
    url = reverse("admin:billing_approvalrequest_decide", args=[approval.pk, "reject"])
    assert (
        "Nothing is sent. The person who asked sees your reason."
        in client.get(url).content.decode()
    )
    page = decide(
        client, approval, "reject", django_capture_on_commit_callbacks, reason="Wrong phone"
    )
    assert messages_of(page) == ["Send on WhatsApp INV-2024-0842 (Rejected)."]
    approval.refresh_from_db()
    assert (approval.status, approval.reason) == ("rejected", "Wrong phone")
    assert list(approval.events.values_list("to_status", "note")) == [
        ("pending", "asked"),
        ("rejected", "Wrong phone"),
    ]
    assert (Message.objects.count(), sandbox.sends) == (0, [])


def test_the_requester_cannot_approve_their_send(org, sandbox):
    invoice = seed_invoice(org)
    clerk = staff(org, "clerk")
    approval = invoice_send_whatsapp_or_request(invoice=invoice, actor=Actor.for_user(clerk))
    membership_set(user=clerk, organization=org, role="approver")
    before = snapshot()
    with pytest.raises(ApprovalRefused, match="You asked for this"):
        approval_approve(approval=approval, actor=Actor.for_user(clerk))
    assert snapshot() == before
    assert sandbox.sends == []


def test_api_credentials_are_not_subject_to_it(org):
    invoice = seed_invoice(org)
    result = invoice_send_whatsapp_or_request(invoice=invoice, actor=Actor.for_credential("ck_1"))
    assert (result.created, result.message.created_by) == (True, "api:ck_1")
    assert ApprovalRequest.objects.count() == 0


# --- E-mail, against a local SMTP server --------------------------------------------------------
@pytest.fixture
def large_email_invoice():
    invoice = issued_invoice()  # 2,549.99 USD
    invoice.organization.approval_amounts = {invoice.currency: "1000"}
    invoice.organization.save(update_fields=["approval_amounts"])
    return invoice


def email_form(client, invoice, capture, **data):
    url = reverse("admin:billing_invoice_email", args=[invoice.pk])
    with capture(execute=True):
        return client.post(url, {"action": "send", **data}, follow=True)


CUSTOM = {
    "subject": "Your invoice {:Invoice.Number:}",
    "body": "Dear {:Customer.Name:}, please pay {:Invoice.AmountDue:}.",
    "to_email_addresses": "cfo@example.com",
    "cc_me": "on",
}


def test_a_clerk_under_the_threshold_emails_directly(
    client, settings, django_capture_on_commit_callbacks
):
    invoice = issued_invoice()
    org = invoice.organization
    org.approval_amounts = {invoice.currency: "5000"}
    org.save(update_fields=["approval_amounts"])
    client.force_login(staff(org, "clerk"))
    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        page = email_form(client, invoice, django_capture_on_commit_callbacks)
    assert messages_of(page) == [f"Invoice {invoice} e-mail queued."]
    assert [e.rcpt_tos for e in sink.received] == [["jane@example.com", "ap@example.com"]]
    assert ApprovalRequest.objects.count() == 0


def test_a_clerks_custom_email_waits_then_goes_out_as_shown(
    client, settings, large_email_invoice, django_capture_on_commit_callbacks
):
    invoice = large_email_invoice
    org = invoice.organization
    client.force_login(staff(org, "clerk", email="clerk@acme.test"))
    form = client.get(reverse("admin:billing_invoice_email", args=[invoice.pk]))
    assert APPROVAL_NOTE in form.content.decode()
    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        page = email_form(client, invoice, django_capture_on_commit_callbacks, **CUSTOM)
        assert messages_of(page) == [
            f"E-mailing invoice {invoice} needs approval: the request waits for an approver."
        ]
        assert (sink.received, Message.objects.count()) == ([], 0)
        approval = ApprovalRequest.objects.get()
        email = approval.rendered["email"]
        assert (approval.action, approval.status) == ("send_email", "pending")
        assert (email["to"], email["cc"]) == (["cfo@example.com"], ["clerk@acme.test"])
        assert email["subject"] == "Your invoice INV-000001"
        assert "Dear Jane Doe, please pay 2,549.99 USD." in email["text"]
        assert "whatsapp" not in approval.rendered
        client.force_login(staff(org, "approver", "anna", email="anna@acme.test"))
        confirm = client.get(
            reverse("admin:billing_approvalrequest_decide", args=[approval.pk, "approve"])
        ).content.decode()
        assert "The e-mail below is sent now, as you." in confirm
        assert "Your invoice INV-000001" in confirm and "clerk@acme.test" in confirm
        page = decide(client, approval, "approve", django_capture_on_commit_callbacks)
    assert messages_of(page) == ["E-mail INV-000001 (Approved)."]
    assert len(sink.received) == 1
    envelope = sink.received[0]
    sent = message_from_bytes(envelope.content)
    assert envelope.rcpt_tos == ["cfo@example.com", "clerk@acme.test"]
    assert (sent["Subject"], sent["To"], sent["Cc"]) == (
        "Your invoice INV-000001",
        "cfo@example.com",
        "clerk@acme.test",
    )
    message = Message.objects.get()
    assert (message.status, message.created_by) == ("sent", "user:anna")


def test_a_rejected_email_is_never_sent(
    client, settings, large_email_invoice, django_capture_on_commit_callbacks
):
    invoice = large_email_invoice
    org = invoice.organization
    client.force_login(staff(org, "clerk"))
    with SmtpSink() as sink:
        smtp_settings(settings, sink.port)
        email_form(client, invoice, django_capture_on_commit_callbacks)
        approval = ApprovalRequest.objects.get()
        client.force_login(staff(org, "approver", "anna"))
        decide(client, approval, "reject", django_capture_on_commit_callbacks, reason="Too early")
    approval.refresh_from_db()
    assert (approval.status, approval.reason) == ("rejected", "Too early")
    assert (sink.received, Message.objects.count()) == ([], 0)


def test_an_email_that_could_not_go_out_is_not_asked_for(
    client, large_email_invoice, django_capture_on_commit_callbacks
):
    invoice = large_email_invoice
    client.force_login(staff(invoice.organization, "clerk"))
    page = email_form(
        client, invoice, django_capture_on_commit_callbacks, to_email_addresses="not-an-address"
    )
    assert "&#x27;not-an-address&#x27; is not a valid e-mail address" in page.content.decode()
    assert (ApprovalRequest.objects.count(), Message.objects.count()) == (0, 0)
