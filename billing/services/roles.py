"""What each role may do (workspace.md § Tenancy and roles), as Django groups and as service checks.

A role is a Django group holding model permissions; a member is in the group of every role they
hold somewhere, and the admin keeps only the permissions of their role in the current
organization. Lifecycle moves are checked again here, in the services, against the membership of
the invoice's organization: a button that should not be there still changes nothing.
"""

from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.db import transaction

from billing.errors import BillingError
from billing.models import Membership, Organization
from billing.models.memberships import ROLE_ORDER, Role
from billing.services.actors import Actor

_SEE = {
    "billing": [
        "organization",
        "invoicesequence",
        "apicredential",
        "customer",
        "customercontact",
        "product",
        "tax",
        "taxcomponent",
        "wallet",
        "invoice",
        "invoiceitem",
        "payment",
        "paymentreversal",
        "creditnote",
        "creditnoteline",
        "invoiceevent",
        "approvalrequest",
        "approvalevent",
        "webhookendpoint",
        "webhookdelivery",
        "webhookattempt",
    ],
    "notifications": [
        "message",
        "messageevent",
        "messagetemplate",
        "templateversion",
        "defaultemailtemplate",
        "whatsappchannel",
        "whatsapptemplate",
    ],
}
_PREPARE = ["customer", "customercontact", "product", "tax", "taxcomponent", "wallet", "invoice"]
_SETTINGS = {
    "billing": ["apicredential", "webhookendpoint", "membership"],
    "notifications": ["defaultemailtemplate", "whatsappchannel", "whatsapptemplate"],
}

# role → the permissions it adds to the role before it ("app_label.codename")
_ADDED = {
    Role.VIEWER: [f"{app}.view_{model}" for app, models in _SEE.items() for model in models],
    Role.CLERK: [
        *(f"billing.{verb}_{model}" for model in _PREPARE for verb in ("add", "change", "delete")),
        "billing.add_invoiceitem",
        "billing.change_invoiceitem",
        "billing.delete_invoiceitem",
        "notifications.change_message",  # retry a failed message
    ],
    Role.APPROVER: [],
    Role.ADMIN: [
        "billing.change_organization",
        "billing.view_membership",
        *(
            f"{app}.{verb}_{model}"
            for app, models in _SETTINGS.items()
            for model in models
            for verb in ("add", "change", "delete")
        ),
    ],
}


def role_permissions(role: str) -> frozenset[str]:
    """Every permission of ``role``, the roles it includes comprised."""
    upto = ROLE_ORDER[: ROLE_ORDER.index(Role(role)) + 1]
    return frozenset(perm for r in upto for perm in _ADDED[r])


def group_name(role: str) -> str:
    return f"Role: {Role(role).label}"


# action → the least role that may do it
ACTION_ROLES = {
    "finalize": Role.CLERK,
    "send": Role.CLERK,
    "record_payment": Role.CLERK,
    "reverse_payment": Role.CLERK,
    "retry": Role.CLERK,
    "void": Role.APPROVER,
    "mark_uncollectible": Role.APPROVER,
    "credit_note": Role.APPROVER,
    "resend_anyway": Role.APPROVER,
    "approve": Role.APPROVER,
    "members": Role.ADMIN,
}
ACTION_LABELS = {
    "finalize": "Finalizing an invoice",
    "send": "Sending an invoice",
    "record_payment": "Recording a payment",
    "reverse_payment": "Reversing a payment",
    "retry": "Retrying a message",
    "void": "Voiding an invoice",
    "mark_uncollectible": "Marking an invoice uncollectible",
    "credit_note": "Issuing a credit note",
    "resend_anyway": "Resending a message of unknown outcome",
    "approve": "Deciding an approval request",
    "members": "Managing members",
}


class RoleRequired(BillingError):
    """The acting staff user's role in the organization does not allow the action."""

    status_code = 403


def role_authorize(*, actor: Actor, organization_id, action: str) -> None:
    """Raise ``RoleRequired`` unless ``actor`` may do ``action`` in the organization.

    API credentials and the system are machine actors: their scope is the credential itself.
    """
    user = actor.user
    if user is None or user.is_superuser:
        return
    needed = ACTION_ROLES[action]
    membership = Membership.objects.filter(user=user, organization_id=organization_id).first()
    if membership is not None and membership.has_role(needed):
        return
    held = f"you are {membership.get_role_display().lower()}" if membership else "no role"
    raise RoleRequired(f"{ACTION_LABELS[action]} needs the {needed.label.lower()} role ({held}).")


def role_groups_sync(*, apps=global_apps, using: str = "default") -> None:
    """Create or correct the four role groups (called by a migration and after every migrate)."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    by_key = {
        f"{app}.{codename}": pk
        for pk, app, codename in permission_model.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role in ROLE_ORDER:
        group, _ = group_model.objects.using(using).get_or_create(name=group_name(role))
        group.permissions.set([by_key[p] for p in sorted(role_permissions(role)) if p in by_key])


def user_groups_sync(user) -> None:
    group_model = global_apps.get_model("auth", "Group")
    held = {group_name(m.role) for m in Membership.objects.filter(user=user)}
    role_groups = group_model.objects.filter(name__in=[group_name(r) for r in ROLE_ORDER])
    user.groups.remove(*[g for g in role_groups if g.name not in held])
    user.groups.add(*[g for g in role_groups if g.name in held])


@transaction.atomic
def membership_set(*, user, organization: Organization, role: str) -> Membership:
    """Give ``user`` ``role`` in ``organization`` (creating or changing the membership)."""
    membership, _ = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": Role(role)}
    )
    user_groups_sync(user)
    return membership


@transaction.atomic
def staff_user_set(*, username: str, password: str, organization: Organization, role: str):
    """Create or update a staff login with one membership: for operators, demo data and tests."""
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.is_staff, user.is_active = True, True
    user.set_password(password)
    user.save()
    return membership_set(user=user, organization=organization, role=role)
