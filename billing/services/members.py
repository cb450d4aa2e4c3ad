"""Members of an organization, managed by its admins: add a login, change a role, remove.

An organization's admin never touches a login beyond its membership of that organization:
adding creates a new login (an existing username is refused, never attached or changed), and
removing ends the membership only. An organization always keeps one admin.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from billing.errors import BillingError
from billing.models import Membership, Organization
from billing.models.memberships import Role
from billing.services.actors import Actor
from billing.services.roles import membership_set, role_authorize, user_groups_sync


class MemberRefused(BillingError):
    status_code = 409


LAST_ADMIN = "{name} is the organization's only admin: make someone else an admin first."
TAKEN = (
    "This username is taken. Choose another; a platform operator can add an existing login "
    "to your organization."
)


def username_taken(username: str) -> bool:
    return get_user_model().objects.filter(username__iexact=username).exists()


def last_admin_refusal(membership: Membership, *, new_role: str | None = None) -> str:
    """Why the change would leave the organization without an admin ("" when it would not)."""
    if membership.role != Role.ADMIN or new_role == Role.ADMIN:
        return ""
    others = Membership.objects.filter(organization_id=membership.organization_id, role=Role.ADMIN)
    if others.exclude(pk=membership.pk).exists():
        return ""
    return LAST_ADMIN.format(name=membership.user.get_username())


def _locked(membership: Membership) -> Membership:
    # Lock the organization's admin rows so two removals cannot each leave "the other" admin.
    list(
        Membership.objects.select_for_update().filter(
            organization_id=membership.organization_id, role=Role.ADMIN
        )
    )
    return Membership.objects.select_related("user").get(pk=membership.pk)


@transaction.atomic
def member_add(
    *, organization: Organization, username: str, email: str, password: str, role: str, actor: Actor
) -> Membership:
    role_authorize(actor=actor, organization_id=organization.pk, action="members")
    if username_taken(username):
        raise MemberRefused(TAKEN)
    user = get_user_model().objects.create_user(
        username=username, email=email, password=password, is_staff=True
    )
    return membership_set(user=user, organization=organization, role=role)


@transaction.atomic
def member_role_change(*, membership: Membership, role: str, actor: Actor) -> Membership:
    role_authorize(actor=actor, organization_id=membership.organization_id, action="members")
    membership = _locked(membership)
    if refusal := last_admin_refusal(membership, new_role=role):
        raise MemberRefused(refusal)
    return membership_set(user=membership.user, organization=membership.organization, role=role)


@transaction.atomic
def member_remove(*, membership: Membership, actor: Actor) -> None:
    """End the membership; a login left with no organization can no longer open the admin."""
    role_authorize(actor=actor, organization_id=membership.organization_id, action="members")
    membership = _locked(membership)
    if refusal := last_admin_refusal(membership):
        raise MemberRefused(refusal)
    user = membership.user
    membership.delete()
    user_groups_sync(user)
    if not user.is_superuser and not user.memberships.exists():
        user.is_staff = False
        user.save(update_fields=["is_staff"])
