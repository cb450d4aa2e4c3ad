"""An organization's admins manage its members; nothing of another organization's logins moves."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from billing.models import Membership
from billing.services.actors import Actor
from billing.services.members import MemberRefused, member_remove, member_role_change
from billing.services.roles import RoleRequired
from tests.billing.admin_support import make_member
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:billing_membership_add")


def change_url(membership) -> str:
    return reverse("admin:billing_membership_change", args=[membership.pk])


@pytest.fixture
def org():
    return OrganizationFactory(name="Acme")


@pytest.fixture
def admin_client(client, org, django_user_model):
    client.force_login(make_member(django_user_model, org, username="ada", role="admin"))
    return client


def new_member(**fields) -> dict:
    return {
        "username": "cleo",
        "email": "cleo@example.com",
        "role": "clerk",
        "password1": "a-long-passphrase-9",
        "password2": "a-long-passphrase-9",
        **fields,
    }


def test_an_admin_adds_a_clerk_who_can_log_in_to_the_organization(admin_client, org, client):
    response = admin_client.post(ADD, new_member())

    assert response.status_code == 302
    member = Membership.objects.get(user__username="cleo")
    assert (member.organization, member.role, member.user.is_staff) == (org, "clerk", True)
    assert list(member.user.groups.values_list("name", flat=True)) == ["Role: Clerk"]
    assert member.user.check_password("a-long-passphrase-9")


def test_the_changelist_shows_the_members_of_this_organization_only(admin_client, org):
    other = OrganizationFactory(name="Bravo")
    make_member(get_user_model(), other, username="bravo-boss")

    page = admin_client.get(reverse("admin:billing_membership_changelist")).content.decode()

    assert "ada" in page and "bravo-boss" not in page


def test_a_taken_username_is_refused_and_that_login_is_untouched(admin_client):
    elsewhere = make_member(get_user_model(), OrganizationFactory(), username="bob", role="clerk")

    response = admin_client.post(ADD, new_member(username="BOB"))

    assert response.status_code == 200
    assert "This username is taken" in response.content.decode()
    elsewhere.refresh_from_db()
    assert elsewhere.check_password("pw-12345")
    assert Membership.objects.filter(user=elsewhere).count() == 1


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"password2": "something-else-9"}, "The two passwords differ."),
        ({"password1": "cleo", "password2": "cleo"}, "This password is too short."),
    ],
)
def test_a_first_password_is_checked(admin_client, fields, error):
    response = admin_client.post(ADD, new_member(**fields))

    assert error in response.content.decode()
    assert not get_user_model().objects.filter(username="cleo").exists()


def test_the_only_admin_cannot_be_demoted_or_removed(admin_client):
    ada = Membership.objects.get(user__username="ada")

    demoted = admin_client.post(change_url(ada), {"role": "clerk"})
    removal = admin_client.get(reverse("admin:billing_membership_delete", args=[ada.pk]))

    assert "ada is the organization&#x27;s only admin" in demoted.content.decode()
    assert removal.status_code == 403
    assert Membership.objects.get(pk=ada.pk).role == "admin"


def test_removing_a_member_ends_their_admin_access(admin_client, org, django_user_model):
    cleo = make_member(django_user_model, org, username="cleo", role="clerk")
    membership = cleo.memberships.get()

    response = admin_client.post(
        reverse("admin:billing_membership_delete", args=[membership.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    cleo.refresh_from_db()
    assert (cleo.memberships.count(), cleo.is_staff, cleo.groups.count()) == (0, False, 0)


def test_a_role_change_moves_the_member_to_its_group(admin_client, org, django_user_model):
    cleo = make_member(django_user_model, org, username="cleo", role="clerk")

    admin_client.post(change_url(cleo.memberships.get()), {"role": "approver"})

    assert cleo.memberships.get().role == "approver"
    assert list(cleo.groups.values_list("name", flat=True)) == ["Role: Approver"]


def test_another_organizations_member_is_a_404(admin_client, django_user_model):
    theirs = make_member(django_user_model, OrganizationFactory(), username="zed").memberships.get()

    assert admin_client.get(change_url(theirs)).status_code == 404
    assert admin_client.post(change_url(theirs), {"role": "viewer"}).status_code == 404
    assert Membership.objects.get(pk=theirs.pk).role == "admin"


@pytest.mark.parametrize("role", ["viewer", "clerk", "approver"])
def test_only_admins_manage_members(client, org, django_user_model, role):
    client.force_login(make_member(django_user_model, org, username="carl", role=role))

    assert client.get(reverse("admin:billing_membership_changelist")).status_code == 403
    assert client.post(ADD, new_member()).status_code == 403
    with pytest.raises(RoleRequired):
        member_role_change(
            membership=Membership.objects.get(user__username="carl"),
            role="admin",
            actor=Actor.for_user(get_user_model().objects.get(username="carl")),
        )


def test_the_services_keep_an_admin_whatever_the_form_saw(org, django_user_model):
    ada = make_member(django_user_model, org, username="ada", role="admin")
    membership = ada.memberships.get()

    with pytest.raises(MemberRefused, match="only admin"):
        member_remove(membership=membership, actor=Actor.for_user(ada))
    with pytest.raises(MemberRefused, match="only admin"):
        member_role_change(membership=membership, role="viewer", actor=Actor.for_user(ada))
