"""Maker-checker: a large finalize by a clerk waits for another person's approval."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from billing.approvals.policy import approval_threshold, needs_approval
from billing.approvals.services import (
    ApprovalRefused,
    approval_approve,
    invoice_finalize_or_request,
)
from billing.models import ApprovalEvent, ApprovalRequest, Invoice, InvoiceEvent
from billing.services.actors import Actor
from billing.services.roles import membership_set, staff_user_set
from notifications.models import Message
from tests.factories import OrganizationFactory
from tests.notifications.whatsapp_support import seed_invoice, seed_org

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stub_channel")]


@pytest.fixture
def org():
    org = seed_org()
    org.approval_amounts = {"RUB": "10000"}
    org.save(update_fields=["approval_amounts"])
    return org


def staff(org, role, username=None):
    username = username or role
    return staff_user_set(username=username, password="pw-12345", organization=org, role=role).user


def snapshot() -> tuple:
    return (
        sorted(Invoice.objects.values_list("status", "number")),
        InvoiceEvent.objects.count(),
        sorted(ApprovalRequest.objects.values_list("status", "decided_by", "reason")),
        ApprovalEvent.objects.count(),
        Message.objects.count(),
    )


def test_the_threshold_per_currency():
    off = OrganizationFactory(default_currency="EUR")
    assert approval_threshold(off, "EUR") is None
    on = OrganizationFactory(
        default_currency="EUR",
        approval_amount=Decimal("900.50"),
        approval_amounts={"JPY": "150000"},
    )
    assert approval_threshold(on, "EUR") == 90100  # rounded up to whole units, never down
    assert approval_threshold(on, "JPY") == 150000
    assert approval_threshold(on, "USD") == 0  # no threshold set: every invoice needs approval


def test_who_is_subject_to_it(org):
    invoice = seed_invoice(org, status="DRAFT")  # 49,900 RUB
    small = seed_invoice(org, status="DRAFT", amount=500000)  # 5,000 RUB
    clerk, approver = staff(org, "clerk"), staff(org, "approver")
    assert needs_approval(invoice=invoice, actor=Actor.for_user(clerk)) is True
    assert needs_approval(invoice=small, actor=Actor.for_user(clerk)) is False
    assert needs_approval(invoice=invoice, actor=Actor.for_user(approver)) is False
    assert needs_approval(invoice=invoice, actor=Actor.for_credential("ck_1")) is False


def test_a_large_finalize_by_a_clerk_asks_and_leaves_the_invoice_a_draft(org, client):
    invoice = seed_invoice(org, status="DRAFT", delivery="WHATSAPP")
    client.force_login(staff(org, "clerk"))
    url = reverse("admin:billing_invoice_lifecycle", args=[invoice.pk, "finalize"])
    page = client.post(url, follow=True)
    assert [str(m) for m in page.context["messages"]] == [
        f"Invoice {invoice} needs approval: the request waits for an approver."
    ]
    client.post(url)  # asking again: the same request
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == ("DRAFT", None)
    approval = ApprovalRequest.objects.get()
    assert (approval.status, approval.requested_by.username, approval.amount) == (
        "pending",
        "clerk",
        4990000,
    )
    whatsapp = approval.rendered["whatsapp"]
    assert approval.rendered["number"] == "INV-2024-0842"
    assert whatsapp["goes_out"] is True
    assert whatsapp["text"].startswith("Hello, Alexey! Invoice #INV-2024-0842")
    assert approval.rendered["email"]["subject"] == "Invoice INV-2024-0842 from Acme"
    assert list(approval.events.values_list("from_status", "to_status", "actor_label")) == [
        ("", "pending", "user:clerk")
    ]
    assert Message.objects.count() == 0


def test_the_clerk_who_asked_cannot_approve_even_as_an_approver(org):
    invoice = seed_invoice(org, status="DRAFT")
    clerk = staff(org, "clerk")
    approval = invoice_finalize_or_request(invoice=invoice, actor=Actor.for_user(clerk))
    membership_set(user=clerk, organization=org, role="approver")
    before = snapshot()
    with pytest.raises(ApprovalRefused, match="You asked for this"):
        approval_approve(approval=approval, actor=Actor.for_user(clerk))
    assert snapshot() == before


def test_the_database_refuses_a_decision_by_the_requester(org):
    invoice = seed_invoice(org, status="DRAFT")
    clerk = staff(org, "clerk")
    approval = invoice_finalize_or_request(invoice=invoice, actor=Actor.for_user(clerk))
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRequest.objects.filter(pk=approval.pk).update(decided_by=clerk)
    approval.refresh_from_db()
    assert approval.decided_by is None


def test_an_approvers_approval_finalizes_and_numbers_it(org, client):
    invoice = seed_invoice(org, status="DRAFT")
    approval = invoice_finalize_or_request(
        invoice=invoice, actor=Actor.for_user(staff(org, "clerk"))
    )
    client.force_login(staff(org, "approver", "anna"))
    url = reverse("admin:billing_approvalrequest_decide", args=[approval.pk, "approve"])
    confirm = client.get(url).content.decode()
    assert "Hello, Alexey! Invoice #INV-2024-0842" in confirm
    assert "Invoice INV-2024-0842 from Acme" in confirm
    page = client.post(url, follow=True)
    assert [str(m) for m in page.context["messages"]] == ["Finalize INV-2024-0842 (Approved)."]
    invoice.refresh_from_db()
    approval.refresh_from_db()
    assert (invoice.status, invoice.number) == ("OPEN", "INV-2024-0842")
    assert (approval.status, approval.decided_by.username) == ("approved", "anna")
    assert list(approval.events.values_list("from_status", "to_status", "actor_label")) == [
        ("", "pending", "user:clerk"),
        ("pending", "approved", "user:anna"),
    ]
    assert invoice.events.filter(to_status="OPEN").get().actor_label == "user:anna"
    with pytest.raises(ApprovalRefused, match="approved already"):
        approval_approve(approval=approval, actor=Actor.for_user(staff(org, "admin", "ole")))


def test_rejection_needs_a_reason_and_keeps_the_draft(org, client):
    invoice = seed_invoice(org, status="DRAFT")
    approval = invoice_finalize_or_request(
        invoice=invoice, actor=Actor.for_user(staff(org, "clerk"))
    )
    client.force_login(staff(org, "approver", "anna"))
    url = reverse("admin:billing_approvalrequest_decide", args=[approval.pk, "reject"])
    before = snapshot()
    page = client.post(url, {"reason": "  "}, follow=True)
    assert [str(m) for m in page.context["messages"]] == ["Say why the request is rejected."]
    assert snapshot() == before
    client.post(url, {"reason": "Wrong customer"})
    invoice.refresh_from_db()
    approval.refresh_from_db()
    assert (invoice.status, invoice.number) == ("DRAFT", None)
    assert (approval.status, approval.reason, approval.decided_by.username) == (
        "rejected",
        "Wrong customer",
        "anna",
    )
    assert list(approval.events.values_list("to_status", "note")) == [
        ("pending", "asked"),
        ("rejected", "Wrong customer"),
    ]


def test_a_clerk_cannot_decide(org, client):
    invoice = seed_invoice(org, status="DRAFT")
    approval = invoice_finalize_or_request(
        invoice=invoice, actor=Actor.for_user(staff(org, "clerk"))
    )
    client.force_login(staff(org, "clerk", "carl"))
    before = snapshot()
    url = reverse("admin:billing_approvalrequest_decide", args=[approval.pk, "approve"])
    page = client.post(url, follow=True)
    assert [str(m) for m in page.context["messages"]] == [
        "Deciding an approval request needs the approver role (you are clerk)."
    ]
    assert snapshot() == before
