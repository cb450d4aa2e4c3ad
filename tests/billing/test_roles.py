"""Roles: Django groups with model permissions, and a check in every lifecycle service."""

import itertools

import pytest
from django.contrib.auth.models import Group
from django.core.management.sql import emit_post_migrate_signal
from django.urls import reverse

from billing.approvals.services import approval_approve
from billing.models import ApprovalRequest, Invoice, InvoiceEvent, Membership, Organization, Payment
from billing.models.memberships import ROLE_ORDER, Role
from billing.services.actors import Actor
from billing.services.credit_notes import credit_note_issue
from billing.services.invoices import invoice_finalize, invoice_mark_uncollectible, invoice_void
from billing.services.members import member_role_change
from billing.services.messages import message_resend
from billing.services.payments import payment_record, payment_reverse
from billing.services.roles import (
    ACTION_ROLES,
    RoleRequired,
    group_name,
    membership_set,
    role_permissions,
    staff_user_set,
)
from billing.services.whatsapp import invoice_send_whatsapp
from notifications import pipeline
from notifications import status as st
from notifications.models import Message, MessageEvent
from tests.billing.admin_support import approval_for
from tests.factories import OrganizationFactory
from tests.notifications.whatsapp_support import seed_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stub_channel")]


def group_perms(role) -> set[str]:
    group = Group.objects.get(name=group_name(role))
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_each_role_is_a_group_with_its_permissions_and_those_of_the_roles_before():
    for before, after in itertools.pairwise(ROLE_ORDER):
        assert role_permissions(before) <= role_permissions(after)
    for role in ROLE_ORDER:
        assert group_perms(role) == set(role_permissions(role))
    assert "billing.change_invoice" not in group_perms(Role.VIEWER)
    assert "billing.view_invoice" in group_perms(Role.VIEWER)
    assert "billing.change_invoice" in group_perms(Role.CLERK)
    assert "billing.change_apicredential" not in group_perms(Role.APPROVER)
    assert "billing.change_apicredential" in group_perms(Role.ADMIN)


def test_migrate_puts_a_changed_group_back_in_line():
    clerk = Group.objects.get(name=group_name(Role.CLERK))
    clerk.permissions.clear()
    Group.objects.filter(name=group_name(Role.ADMIN)).delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert group_perms(Role.CLERK) == set(role_permissions(Role.CLERK))
    assert group_perms(Role.ADMIN) == set(role_permissions(Role.ADMIN))


def test_a_membership_puts_the_user_in_its_roles_group(org, django_user_model):
    other = seed_invoice().organization
    user = django_user_model.objects.create_user("kim")
    membership_set(user=user, organization=org, role="clerk")
    membership_set(user=user, organization=other, role="viewer")
    names = set(user.groups.values_list("name", flat=True))
    assert names == {"Role: Clerk", "Role: Viewer"}
    membership_set(user=user, organization=org, role="approver")
    membership_set(user=user, organization=other, role="approver")
    assert list(user.groups.values_list("name", flat=True)) == ["Role: Approver"]
    assert Membership.objects.filter(user=user).count() == 2


def open_invoice():
    return seed_invoice()


def failed_message(to=st.FAILED):
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=Actor(label="t")).message
    pipeline.claim(message.pk)
    st.transition(message.pk, to, source="send")
    return message


def paid_invoice():
    invoice = seed_invoice()
    payment_record(invoice=invoice, amount=invoice.amount_due, method="CASH", actor=Actor())
    return invoice


def pending_approval():
    invoice = seed_invoice(status="DRAFT")
    maker = staff_user_set(
        username="maker", password="pw-12345", organization=invoice.organization, role="clerk"
    )
    return approval_for(invoice, maker.user)


# action → (set-up returning the object acted on, the action through its service)
ACTIONS = {
    "finalize": (
        lambda: seed_invoice(status="DRAFT"),
        lambda invoice, actor: invoice_finalize(invoice=invoice, actor=actor),
    ),
    "void": (open_invoice, lambda invoice, actor: invoice_void(invoice=invoice, actor=actor)),
    "mark_uncollectible": (
        open_invoice,
        lambda invoice, actor: invoice_mark_uncollectible(invoice=invoice, actor=actor),
    ),
    "record_payment": (
        open_invoice,
        lambda invoice, actor: payment_record(
            invoice=invoice, amount=invoice.amount_due, method="CASH", actor=actor
        ),
    ),
    "reverse_payment": (
        paid_invoice,
        lambda invoice, actor: payment_reverse(
            payment=invoice.payments.get(), reason="Booked twice", actor=actor
        ),
    ),
    "credit_note": (
        open_invoice,
        lambda invoice, actor: credit_note_issue(
            invoice=invoice, reason="DUPLICATE", amount=1, actor=actor
        ),
    ),
    "send": (
        open_invoice,
        lambda invoice, actor: invoice_send_whatsapp(invoice=invoice, actor=actor),
    ),
    "retry": (
        failed_message,
        lambda message, actor: message_resend(message=message, action="retry", actor=actor),
    ),
    "resend_anyway": (
        lambda: failed_message(st.UNKNOWN),
        lambda message, actor: message_resend(message=message, action="resend", actor=actor),
    ),
    "approve": (
        pending_approval,
        lambda approval, actor: approval_approve(approval=approval, actor=actor),
    ),
    "members": (
        lambda: staff_user_set(
            username="member", password="pw-12345", organization=OrganizationFactory(), role="clerk"
        ),
        lambda membership, actor: member_role_change(
            membership=membership, role="viewer", actor=actor
        ),
    ),
}


def snapshot() -> tuple:
    return (
        sorted(Invoice.objects.values_list("status", "number", "amount_paid")),
        Payment.objects.count(),
        InvoiceEvent.objects.count(),
        sorted(Message.objects.values_list("status", "is_active")),
        MessageEvent.objects.count(),
        sorted(ApprovalRequest.objects.values_list("status", flat=True)),
        sorted(Membership.objects.values_list("role", flat=True)),
    )


def test_every_lifecycle_action_is_checked():
    assert set(ACTIONS) == set(ACTION_ROLES)


@pytest.mark.parametrize("role", ROLE_ORDER)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_role_may_or_may_not_do_each_action(role, action, django_user_model):
    make, act = ACTIONS[action]
    target = make()
    org_id = getattr(target, "organization_id", None) or target.tenant_id
    membership = staff_user_set(
        username=f"{role}-user",
        password="pw-12345",
        organization=Organization.objects.get(pk=org_id),
        role=role,
    )
    actor = Actor.for_user(membership.user)
    before = snapshot()
    allowed = ROLE_ORDER.index(role) >= ROLE_ORDER.index(ACTION_ROLES[action])
    if allowed:
        act(target, actor)
        assert snapshot() != before
    else:
        with pytest.raises(RoleRequired) as refused:
            act(target, actor)
        needed = ACTION_ROLES[action].label.lower()
        assert f"needs the {needed} role (you are {role})." in refused.value.messages[0]
        assert snapshot() == before


def test_a_member_of_another_organization_has_no_role_there(django_user_model):
    invoice = seed_invoice()
    elsewhere = staff_user_set(
        username="outsider",
        password="pw-12345",
        organization=seed_invoice().organization,
        role="admin",
    )
    assert elsewhere.organization_id != invoice.organization_id
    before = snapshot()
    with pytest.raises(RoleRequired) as refused:
        invoice_void(invoice=invoice, actor=Actor.for_user(elsewhere.user))
    assert refused.value.messages == ["Voiding an invoice needs the approver role (no role)."]
    assert snapshot() == before


def test_the_admin_shows_the_refusal_and_changes_nothing(client):
    invoice = seed_invoice()
    clerk = staff_user_set(
        username="clerk", password="pw-12345", organization=invoice.organization, role="clerk"
    )
    client.force_login(clerk.user)
    before = snapshot()
    url = reverse("admin:billing_invoice_lifecycle", args=[invoice.pk, "void"])
    page = client.post(url, follow=True)
    assert [str(m) for m in page.context["messages"]] == [
        "Voiding an invoice needs the approver role (you are clerk)."
    ]
    assert snapshot() == before
    membership_set(user=clerk.user, organization=invoice.organization, role="approver")
    client.post(url)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID


def test_a_viewer_cannot_post_a_lifecycle_move(client):
    invoice = seed_invoice(status="DRAFT")
    viewer = staff_user_set(
        username="viewer", password="pw-12345", organization=invoice.organization, role="viewer"
    )
    client.force_login(viewer.user)
    before = snapshot()
    url = reverse("admin:billing_invoice_lifecycle", args=[invoice.pk, "finalize"])
    assert client.get(url).status_code == 200  # may look at the confirmation
    assert client.post(url).status_code == 403
    assert snapshot() == before


def test_api_credentials_and_the_system_are_not_role_checked():
    invoice = seed_invoice()
    invoice_void(invoice=invoice, actor=Actor.for_credential("ck_test"))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID


def test_in_the_admin_only_the_role_in_the_current_organization_counts(client):
    a, b = seed_invoice(), seed_invoice()
    user = staff_user_set(
        username="kim", password="pw-12345", organization=a.organization, role="clerk"
    ).user
    membership_set(user=user, organization=b.organization, role="viewer")
    assert user.has_perm("billing.change_customer")  # Django's own check: the clerk group
    client.force_login(user)
    client.post("/admin/workspace/", {"organization": str(b.organization_id)})
    url = reverse("admin:billing_customer_change", args=[b.customer_id])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(url, {"name": "Renamed"}).status_code == 403
    b.customer.refresh_from_db()
    assert b.customer.name != "Renamed"
    client.post("/admin/workspace/", {"organization": str(a.organization_id)})
    own = client.get(reverse("admin:billing_customer_change", args=[a.customer_id]))
    assert 'name="_save"' in own.content.decode()
