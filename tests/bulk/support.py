"""Shared set-up of the bulk job tests: drafts, staff of a role, and a job asked for without
running it (queued on the real broker; the tests run its task themselves)."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_q.conf import Conf

from billing.bulk.services import bulk_job_create
from billing.models import Invoice
from billing.services.actors import Actor
from billing.services.invoices import ItemInput, invoice_build, invoices_insert
from billing.services.roles import staff_user_set
from tests.factories import CustomerFactory, ProductFactory


def staff(org, username: str, role: str):
    staff_user_set(username=username, password="pw-bulk-123", organization=org, role=role)
    return get_user_model().objects.get(username=username)


def drafts(org, count: int, *, status="DRAFT", price=10000, customer=None) -> list[Invoice]:
    """``count`` invoices of one line each, inserted set-wise through the invoice service."""
    customer = customer or CustomerFactory(organization=org, email="billing@example.com")
    product = ProductFactory(organization=org, unit_price=price, currency=org.default_currency)
    built = [
        invoice_build(
            organization=org,
            customer=customer,
            items=[ItemInput(product, Decimal(1))],
            due_date=timezone.localdate() + timedelta(days=30),
            status=status,
            delivery="MANUALLY",
            actor=Actor(label="test"),
        )
        for _ in range(count)
    ]
    with transaction.atomic():
        invoices_insert(org, built, actor=Actor(label="test"))
    return [new.invoice for new in built]


def queued_job(monkeypatch, *, org, user, kind="finalize", invoices=None, channel=""):
    """The job as the admin asks for it, its task left on the broker (not run)."""
    monkeypatch.setattr(Conf, "SYNC", False)
    invoices = invoices if invoices is not None else Invoice.objects.filter(organization=org)
    job = bulk_job_create(
        organization=org,
        kind=kind,
        channel=channel,
        invoices=invoices,
        selection={"filter": "status=DRAFT"},
        actor=Actor.for_user(user),
    )
    monkeypatch.setattr(Conf, "SYNC", True)
    return job
