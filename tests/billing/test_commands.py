import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.demo import load_demo
from billing.models import (
    ApiCredential,
    Customer,
    Invoice,
    InvoiceSequence,
    Membership,
    Organization,
)
from billing.models.organizations import hash_secret

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_org_prints_json_and_creates_its_counter():
    data = json.loads(
        run(
            "create_org",
            "--name",
            "Rogue One LLC",
            "--currency",
            "eur",
            "--timezone",
            "Europe/Paris",
            "--locale",
            "fr",
        )
    )
    org = Organization.objects.get(pk=data["id"])
    assert data == {
        "id": str(org.id),
        "slug": "rogue-one-llc",
        "name": "Rogue One LLC",
        "currency": "EUR",
        "timezone": "Europe/Paris",
        "locale": "fr",
    }
    assert InvoiceSequence.objects.get(organization=org).last_value == 0


def test_create_org_refuses_bad_values():
    with pytest.raises(CommandError) as exc:
        run("create_org", "--name", "X", "--currency", "XXQ", "--timezone", "Mars/Olympus")
    assert "default_currency" in str(exc.value) and "time_zone" in str(exc.value)
    assert Organization.objects.count() == 0


def test_create_api_credential_prints_the_secret_once_and_stores_a_hash():
    run("create_org", "--name", "Acme")
    data = json.loads(run("create_api_credential", "--org", "acme"))
    credential = ApiCredential.objects.get(client_key=data["client_key"])
    assert data["organization"] == "acme"
    assert len(data["client_secret"]) >= 43
    assert credential.secret_hash == hash_secret(data["client_secret"])
    assert data["client_secret"] not in credential.secret_hash


def test_create_api_credential_unknown_org():
    with pytest.raises(CommandError, match="No organization with slug 'nope'"):
        run("create_api_credential", "--org", "nope")


def test_demo_data_loads_once_and_covers_every_state():
    out = run("load_demo")
    assert out.splitlines()[1] == (
        "Demo logins: admin (superuser), demo-viewer (viewer), demo-clerk (clerk), "
        "demo-approver (approver), demo-admin (admin); password duebell-demo"
    )
    counts = (Organization.objects.count(), Customer.objects.count(), Invoice.objects.count())
    assert "already present" in run("load_demo")
    assert (
        Organization.objects.count(),
        Customer.objects.count(),
        Invoice.objects.count(),
    ) == counts
    org = Organization.objects.get(slug="demo")
    views = {i.display_status for i in Invoice.objects.filter(organization=org)}
    assert views == {"DRAFT", "OPEN", "PAID", "PARTIALLYPAID", "PASTDUE", "VOID", "UNCOLLECTIBLE"}
    alexey = Customer.objects.get(name="Alexey")
    assert (str(alexey.phone), alexey.whatsapp_consent) == ("+79001234567", True)
    assert Invoice.objects.get(customer=alexey).money(4990000) == "49,900.00 RUB"
    assert {c.locale for c in Customer.objects.all()} >= {"en", "en-US", "de-DE", "ja-JP"}


def test_load_demo_returns_the_existing_organization():
    first, created = load_demo()
    again, created_again = load_demo()
    assert (created, created_again, again.pk) == (True, False, first.pk)


def test_demo_data_has_one_login_per_role():
    run("load_demo")
    staff = Membership.objects.filter(organization__slug="demo").select_related("user")
    assert sorted((m.user.username, m.role) for m in staff) == [
        ("demo-admin", "admin"),
        ("demo-approver", "approver"),
        ("demo-clerk", "clerk"),
        ("demo-viewer", "viewer"),
    ]
    assert all(m.user.is_staff and m.user.check_password("duebell-demo") for m in staff)


def test_create_staff_prints_json_and_is_idempotent(org, django_user_model):
    args = ("create_staff", "--org", "acme", "--username", "ann", "--password", "pw-1-secret")
    assert json.loads(run(*args, "--role", "clerk")) == {
        "username": "ann",
        "organization": "acme",
        "role": "clerk",
    }
    assert json.loads(run(*args, "--role", "clerk"))["role"] == "clerk"
    assert json.loads(run(*args, "--role", "approver"))["role"] == "approver"
    user = django_user_model.objects.get(username="ann")
    assert (user.is_staff, user.is_superuser, user.check_password("pw-1-secret")) == (
        True,
        False,
        True,
    )
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == ["approver"]
    assert list(user.groups.values_list("name", flat=True)) == ["Role: Approver"]
    assert django_user_model.objects.filter(username="ann").count() == 1


def test_create_staff_refuses_an_unknown_organization_and_creates_nothing(django_user_model):
    with pytest.raises(CommandError, match="No organization with slug 'nope'"):
        run(
            "create_staff", "--org", "nope", "--username", "x", "--password", "p", "--role", "clerk"
        )
    assert not django_user_model.objects.filter(username="x").exists()


def test_create_staff_refuses_an_unknown_role(org):
    with pytest.raises(CommandError, match="invalid choice: 'boss'"):
        run("create_staff", "--org", "acme", "--username", "x", "--password", "p", "--role", "boss")
