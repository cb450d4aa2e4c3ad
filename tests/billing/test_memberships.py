import pytest
from django.db import IntegrityError

from billing.models import Membership, Role


@pytest.mark.parametrize(
    ("role", "included"),
    [
        (Role.VIEWER, [Role.VIEWER]),
        (Role.CLERK, [Role.VIEWER, Role.CLERK]),
        (Role.APPROVER, [Role.VIEWER, Role.CLERK, Role.APPROVER]),
        (Role.ADMIN, [Role.VIEWER, Role.CLERK, Role.APPROVER, Role.ADMIN]),
    ],
)
def test_each_role_includes_the_ones_before_it(role, included):
    membership = Membership(role=role)
    assert [r for r in Role if membership.has_role(r)] == included


def test_one_membership_per_user_and_organization(org, django_user_model):
    user = django_user_model.objects.create_user("clerk", password="pw-clerk-123")
    Membership.objects.create(user=user, organization=org, role=Role.CLERK)
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
