import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.demo import load_demo
from billing.models import ApiCredential, Customer, Invoice, InvoiceSequence, Organization
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
    assert "Demo login: admin / duebell-demo" in out
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
    assert Invoice.objects.get(customer=alexey).money(4990000) == "49,900 RUB"
    assert {c.locale for c in Customer.objects.all()} >= {"en", "en-US", "de-DE", "ja-JP"}


def test_load_demo_returns_the_existing_organization():
    first, created = load_demo()
    again, created_again = load_demo()
    assert (created, created_again, again.pk) == (True, False, first.pk)
