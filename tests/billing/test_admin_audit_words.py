"""The invoice page's audit trail in words: statuses as elsewhere, actors as people and keys."""

import re

import pytest
from django.urls import reverse

from billing.admin.audit import actor_words, event_actor, status_move, with_actor_names
from billing.models import InvoiceEvent
from billing.services.actors import Actor
from billing.services.invoices import invoice_finalize
from billing.services.payments import payment_record
from tests.billing.admin_support import make_member
from tests.factories import ApiCredentialFactory, OrganizationFactory, make_invoice

pytestmark = pytest.mark.django_db


def cells(html: str, field: str) -> list[str]:
    found = re.findall(rf'<td class="field-{field}">\s*<p>(.*?)</p>', html)
    return [text.replace("&gt;", ">") for text in found]


def test_the_trail_reads_statuses_and_who_in_words(client, django_user_model):
    org = OrganizationFactory()
    clerk = make_member(django_user_model, org, username="mkoch", role="approver")
    clerk.first_name, clerk.last_name = "Maria", "Koch"
    clerk.save(update_fields=["first_name", "last_name"])
    key = ApiCredentialFactory(organization=org, name="Shop integration")
    api = Actor.for_credential(key.client_key)
    invoice = make_invoice(org, partial_payment=True)
    InvoiceEvent.objects.filter(invoice=invoice).update(actor_label=api.label)  # created by it
    invoice_finalize(invoice=invoice, actor=api)
    payment_record(invoice=invoice, amount=4000, method="CASH", actor=Actor.for_user(clerk))
    payment_record(invoice=invoice, amount=6000, method="CASH", actor=Actor.for_user(clerk))
    client.force_login(clerk)

    page = client.get(reverse("admin:billing_invoice_change", args=[invoice.pk])).content.decode()
    start = page.index('id="events-group"')
    html = page[start : page.index("</fieldset>", start)]
    assert cells(html, "status_display") == ["Draft", "Draft → Open", "Open", "Open → Paid"]
    assert cells(html, "actor_display") == [
        "API key Shop integration",
        "API key Shop integration",
        "Maria Koch",
        "Maria Koch",
    ]
    assert "OPEN" not in html and "api:" not in html and "user:" not in html

    listing = client.get(reverse("admin:billing_invoiceevent_changelist")).content.decode()
    assert "Draft → Open" in listing and "API key Shop integration" in listing
    assert ">Partially paid</a>" not in listing and ">Uncollectible</a>" in listing  # filter
    paid = client.get(reverse("admin:billing_invoiceevent_changelist"), {"to_status": "PAID"})
    assert [str(event) for event in paid.context["cl"].result_list] == ["Open → Paid"]
    event = InvoiceEvent.objects.get(to_status="PAID")
    detail = client.get(reverse("admin:billing_invoiceevent_change", args=[event.pk]))
    assert "Open → Paid" in detail.content.decode() and "user:" not in detail.content.decode()


def test_another_organizations_key_of_the_same_client_key_is_not_named(django_user_model):
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    key = ApiCredentialFactory(organization=theirs, name="Their key")
    invoice = make_invoice(mine)
    InvoiceEvent.objects.filter(invoice=invoice).update(actor_label=f"api:{key.client_key}")
    event = with_actor_names(InvoiceEvent.objects.filter(invoice=invoice)).get()
    assert event_actor(event) == f"API key {key.client_key}"


@pytest.mark.parametrize(
    ("moves", "words"),
    [
        (("", "DRAFT"), "Draft"),
        (("OPEN", "OPEN"), "Open"),
        (("OPEN", "UNCOLLECTIBLE"), "Open → Uncollectible"),
        (("OPEN", "PARTIALLYPAID"), "Open → Partially paid"),
        (("PASTDUE", "VOID"), "Past due → Void"),
    ],
)
def test_status_moves_in_words(moves, words):
    assert status_move(*moves) == words


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("system", "Duebell (automatic)"),
        ("recurring", "Recurring schedule"),
        ("customer:pay-page", "The customer, on the pay page"),
        ("customer:whatsapp", "The customer, by WhatsApp reply"),
        ("user:departed", "departed"),
        ("", "Duebell (automatic)"),
    ],
)
def test_actors_that_are_not_people_have_words(label, words):
    assert actor_words(label, None) == words


def test_an_admin_label_names_the_staff_member(django_user_model):
    user = django_user_model.objects.create_user("ops", first_name="Olga", last_name="Sims")
    assert actor_words(f"admin:{user.pk}", None) == "Olga Sims"
    assert actor_words("admin:999999", None) == "Staff member #999999"
