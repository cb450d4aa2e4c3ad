"""Every event type is produced by its action, in its transaction, and once where the spec says."""

import json
import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from billing.collections.overdue import overdue_sweep
from billing.errors import IllegalTransition
from billing.models import Invoice
from billing.services.actors import Actor
from billing.services.invoices import (
    ItemInput,
    invoice_delete_draft,
    invoice_finalize,
    invoice_mark_uncollectible,
    invoice_save_draft,
    invoice_update_draft,
    invoice_void,
)
from billing.services.payments import payment_record
from billing.services.whatsapp import record_opt_out
from billing.webhooks.events import EventSpec, event_raise, events_raise
from billing.webhooks.models import WebhookDelivery, WebhookEvent
from tests.factories import CustomerFactory, OrganizationFactory, ProductFactory, make_invoice
from tests.webhooks.support import endpoint, event_types

pytestmark = pytest.mark.django_db
ACTOR = Actor(label="test")


def payload(event: WebhookEvent) -> dict:
    return json.loads(event.body)


def test_created_draft_then_edit_finalize_and_pay_in_two_parts():
    invoice = make_invoice(lines=[(2500, 2)], partial_payment=True)
    org = invoice.organization
    product = ProductFactory(organization=org, unit_price=1000, currency=invoice.currency)
    invoice_update_draft(invoice=invoice, actor=ACTOR, items=[ItemInput(product, Decimal(3))])
    invoice_finalize(invoice=invoice, actor=ACTOR)
    payment_record(invoice=invoice, amount=1000, method="CASH", actor=ACTOR)
    payment_record(invoice=invoice, amount=2000, method="CASH", actor=ACTOR)

    assert event_types(org) == [
        "invoice.created",
        "invoice.updated",
        "invoice.finalized",
        "invoice.payment_recorded",
        "invoice.payment_recorded",
        "invoice.paid",
    ]
    paid = WebhookEvent.objects.get(type="invoice.paid")
    body = payload(paid)
    assert (body["id"], body["type"], body["event"]) == (paid.id, "invoice.paid", "invoice.paid")
    assert (body["invoice"]["id"], body["invoice"]["status"]) == (str(invoice.pk), "PAID")
    assert body["invoice"]["invoice_number"] == "INV-000001"
    assert body["timestamp"] == paid.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    second = WebhookEvent.objects.filter(type="invoice.payment_recorded").order_by("created_at")
    assert payload(second[1])["payment"]["amount"] == 20


def test_finalize_twice_raises_finalized_once_and_the_failure_changes_nothing():
    invoice = make_invoice()
    invoice_finalize(invoice=invoice, actor=ACTOR)
    with pytest.raises(IllegalTransition):
        invoice_finalize(invoice=invoice, actor=ACTOR)
    assert sorted(event_types(invoice.organization)) == ["invoice.created", "invoice.finalized"]


def test_created_open_raises_created_and_finalized():
    invoice = make_invoice(status="OPEN")
    assert sorted(event_types(invoice.organization, invoice_id=invoice.pk)) == [
        "invoice.created",
        "invoice.finalized",
    ]
    finalized = WebhookEvent.objects.get(type="invoice.finalized")
    assert payload(finalized)["invoice"]["status"] == "OPEN"


def test_void_uncollectible_and_delete_events():
    voided = make_invoice(status="OPEN")
    invoice_void(invoice=voided, actor=ACTOR)
    org = voided.organization
    bad = make_invoice(org, status="OPEN")
    invoice_mark_uncollectible(invoice=bad, actor=ACTOR)
    draft = make_invoice(org)
    draft_id = draft.pk
    invoice_delete_draft(invoice=draft, actor=ACTOR)

    assert event_types(org, type__in=["invoice.voided", "invoice.marked_uncollectible"]) == [
        "invoice.voided",
        "invoice.marked_uncollectible",
    ]
    deleted = WebhookEvent.objects.get(type="invoice.deleted")
    assert (deleted.invoice_id, payload(deleted)["invoice"]["id"]) == (draft_id, str(draft_id))
    assert not Invoice.objects.filter(pk=draft_id).exists()


def test_admin_save_raises_created_then_updated():
    org = OrganizationFactory()
    invoice = Invoice(
        organization=org,
        customer=CustomerFactory(organization=org),
        name="Admin draft",
        email="a@example.com",
        currency=org.default_currency,
        due_date=timezone.localdate() + timedelta(days=3),
    )
    invoice_save_draft(invoice=invoice, actor=ACTOR)
    invoice.name = "Renamed"
    invoice_save_draft(invoice=invoice, actor=ACTOR)
    assert event_types(org) == ["invoice.created", "invoice.updated"]
    assert payload(WebhookEvent.objects.get(type="invoice.updated"))["invoice"]["name"] == "Renamed"


def test_a_rolled_back_change_leaves_no_event_and_no_delivery():
    invoice = make_invoice(status="OPEN")
    endpoint(invoice.organization)
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_void(invoice=invoice, actor=ACTOR)
        raise RuntimeError("the request failed after the move")
    assert sorted(event_types(invoice.organization)) == ["invoice.created", "invoice.finalized"]
    assert WebhookDelivery.objects.count() == 0


def test_overdue_job_run_twice_raises_once_in_the_org_time_zone():
    invoice = make_invoice(status="OPEN")
    not_yet = make_invoice(invoice.organization, status="OPEN")
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    Invoice.objects.filter(pk=not_yet.pk).update(due_date=timezone.localdate() + timedelta(days=2))

    assert overdue_sweep(now=timezone.now()) == 1
    assert overdue_sweep(now=timezone.now()) == 0
    assert event_types(invoice.organization, type="invoice.overdue") == ["invoice.overdue"]
    overdue = WebhookEvent.objects.get(type="invoice.overdue")
    assert (overdue.invoice_id, payload(overdue)["invoice"]["status"]) == (invoice.pk, "PASTDUE")


def test_once_only_events_are_unique_per_invoice_in_the_database():
    from django.db import IntegrityError, transaction

    invoice = make_invoice()
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookEvent.objects.create(
            organization=invoice.organization,
            type="invoice.created",
            invoice_id=invoice.pk,
            body="{}",
        )
    assert WebhookEvent.objects.filter(type="invoice.created").count() == 1


def test_opt_out_raises_customer_opted_out():
    org = OrganizationFactory()
    customer = CustomerFactory(organization=org, phone="+4915112345678")
    now = timezone.now()
    assert (
        record_opt_out(
            channel="whatsapp", recipient="+4915112345678", tenant_id=org.pk, occurred_at=now
        )
        == 1
    )
    event = WebhookEvent.objects.get(type="customer.opted_out")
    assert payload(event)["customer"]["id"] == str(customer.pk)
    assert "invoice" not in payload(event)


def test_deliveries_only_to_enabled_endpoints_that_subscribe():
    org = OrganizationFactory()
    everything = endpoint(org)
    paid_only = endpoint(org, events=["invoice.paid"])
    endpoint(org, enabled=False)
    invoice = make_invoice(org, status="OPEN")
    payment_record(invoice=invoice, amount=invoice.total, method="CASH", actor=ACTOR)

    rows = WebhookDelivery.objects.values_list("endpoint_id", "event__type")
    assert sorted(rows, key=lambda r: (str(r[0]), r[1])) == sorted(
        [
            (everything.pk, "invoice.created"),
            (everything.pk, "invoice.finalized"),
            (everything.pk, "invoice.payment_recorded"),
            (everything.pk, "invoice.paid"),
            (paid_only.pk, "invoice.paid"),
        ],
        key=lambda r: (str(r[0]), r[1]),
    )


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="the ORM broker's own path")
def test_with_the_orm_broker_the_wake_up_commits_or_rolls_back_with_the_deliveries(monkeypatch):
    from django_q.conf import Conf
    from django_q.models import OrmQ

    monkeypatch.setattr(Conf, "SYNC", False)
    org = OrganizationFactory()
    endpoint(org)
    before = OrmQ.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        event_raise(organization=org, type="webhook.test")
        raise RuntimeError("rolled back")
    assert (OrmQ.objects.count(), WebhookDelivery.objects.count()) == (before, 0)
    with transaction.atomic():
        events_raise(organization=org, specs=[EventSpec("webhook.test"), EventSpec("webhook.test")])
    # one task per delivery, so the workers share them
    assert (OrmQ.objects.count(), WebhookDelivery.objects.count()) == (before + 2, 2)


def test_a_payload_that_would_reach_64_kb_is_trimmed_and_says_so():
    big = make_invoice(status="OPEN", lines=[(100, 1)] * 100)
    # The API's largest invoice: 100 lines of 200 characters, three UTF-8 bytes each.
    big.items.update(name="€" * 200)
    small = make_invoice(big.organization, status="OPEN")

    bodies = [
        event_raise(organization=big.organization, type="invoice.updated", invoice=invoice).body
        for invoice in (Invoice.objects.get(pk=big.pk), small)
    ]

    trimmed, whole = (json.loads(body) for body in bodies)
    assert len(bodies[0].encode()) < 64 * 1024
    assert (trimmed["truncated"], trimmed["invoice"]["items"]) == (True, [])
    assert (trimmed["invoice"]["id"], trimmed["invoice"]["status"]) == (str(big.pk), "OPEN")
    assert "truncated" not in whole and len(whole["invoice"]["items"]) == 1
