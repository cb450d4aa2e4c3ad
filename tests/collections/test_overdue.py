"""The overdue sweep: once per invoice, at the first midnight after the due date in the
organization's zone."""

import json
from datetime import UTC, datetime

import pytest

from billing.collections.overdue import overdue_sweep
from billing.models import Invoice
from billing.webhooks.models import WebhookEvent
from tests.collections.support import DUE, PLANNED_ON, Clock, open_invoice


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, PLANNED_ON)


def test_an_invoice_becomes_overdue_once_after_midnight_in_the_organizations_zone(org, clock):
    invoice = open_invoice(org)  # due Friday 19 June, organization in Berlin
    last_minute = datetime(2026, 6, 19, 21, 59, tzinfo=UTC)  # 23:59 in Berlin
    midnight = datetime(2026, 6, 19, 22, 0, tzinfo=UTC)

    counts = [
        overdue_sweep(now=last_minute),
        overdue_sweep(now=midnight),
        overdue_sweep(now=midnight),
    ]

    assert counts == [0, 1, 0]
    invoice.refresh_from_db()
    assert invoice.overdue_at == midnight
    events = WebhookEvent.objects.filter(type="invoice.overdue")
    assert [(e.invoice_id, json.loads(e.body)["due_date"]) for e in events] == [
        (invoice.pk, str(DUE))
    ]


def test_paid_invoices_never_become_overdue(org, clock):
    invoice = open_invoice(org)
    Invoice.objects.filter(pk=invoice.pk).update(status="PAID")

    assert overdue_sweep(now=datetime(2026, 7, 1, tzinfo=UTC)) == 0
    assert Invoice.objects.get(pk=invoice.pk).overdue_at is None
