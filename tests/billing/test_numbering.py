"""Gapless numbering: under concurrency, across rollbacks, past the padding."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connections, transaction
from django.test import Client
from django.utils import timezone

from billing.models import Invoice, InvoiceSequence
from billing.services.actors import Actor
from billing.services.invoices import ItemInput, invoice_create, invoice_finalize
from billing.services.numbering import format_number
from tests.factories import CustomerFactory, OrganizationFactory, ProductFactory, make_invoice

ACTOR = Actor(label="test")
THREADS, PER_THREAD = 8, 50


def drafts(org, count: int) -> list[Invoice]:
    customer = CustomerFactory(organization=org)
    product = ProductFactory(organization=org)
    due = timezone.localdate() + timedelta(days=30)
    return [
        invoice_create(
            organization=org,
            customer=customer,
            items=[ItemInput(product, Decimal(1))],
            due_date=due,
            actor=ACTOR,
        )
        for _ in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_finalizations_through_the_admin_are_gapless(django_user_model):
    org = OrganizationFactory()
    user = django_user_model.objects.create_superuser("racer", "r@example.com", "pw-racer-1")
    invoices = drafts(org, THREADS * PER_THREAD)

    def finalize_all(chunk: list[Invoice]) -> list[int]:
        client = Client()
        client.force_login(user)
        try:
            return [
                client.post(f"/admin/billing/invoice/{inv.pk}/lifecycle/finalize/").status_code
                for inv in chunk
            ]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        codes = [
            c
            for chunk in pool.map(finalize_all, [invoices[i::THREADS] for i in range(THREADS)])
            for c in chunk
        ]

    assert codes == [302] * (THREADS * PER_THREAD)  # redirect back to the invoice, never a 500
    sequences = sorted(Invoice.objects.filter(organization=org).values_list("sequence", flat=True))
    assert sequences == list(range(1, THREADS * PER_THREAD + 1))
    assert set(Invoice.objects.filter(organization=org).values_list("status", flat=True)) == {
        "OPEN"
    }
    assert InvoiceSequence.objects.get(organization=org).last_value == THREADS * PER_THREAD


@pytest.mark.django_db
def test_a_rolled_back_finalization_returns_its_number():
    org = OrganizationFactory()
    first, second = drafts(org, 2)
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_finalize(invoice=first, actor=ACTOR)
        raise RuntimeError("the surrounding work failed")
    second = invoice_finalize(invoice=second, actor=ACTOR)
    first = invoice_finalize(invoice=first, actor=ACTOR)
    assert (second.number, first.number) == ("INV-000001", "INV-000002")


@pytest.mark.django_db
def test_numbers_widen_past_the_padding_and_never_wrap():
    org = OrganizationFactory()
    InvoiceSequence.objects.filter(organization=org).update(last_value=999_999)
    invoice = make_invoice(org, status="OPEN")
    assert (invoice.sequence, invoice.number) == (1_000_000, "INV-1000000")


@pytest.mark.django_db
def test_year_in_the_format_uses_the_organization_time_zone():
    org = OrganizationFactory(invoice_number_format="{year}/{seq:04d}", time_zone="Asia/Tokyo")
    new_year_in_tokyo = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 01:00 on 1 January 2027
    assert format_number(org, 7, new_year_in_tokyo) == "2027/0007"


@pytest.mark.django_db
def test_each_organization_counts_on_its_own():
    a, b = OrganizationFactory(), OrganizationFactory()
    assert make_invoice(a, status="OPEN").number == "INV-000001"
    assert make_invoice(b, status="OPEN").number == "INV-000001"
    assert make_invoice(a, status="OPEN").number == "INV-000002"


@pytest.mark.django_db
def test_unique_constraint_is_the_last_line_of_defence():
    org = OrganizationFactory()
    one = make_invoice(org, status="OPEN")
    two = make_invoice(org)
    two.sequence, two.number = one.sequence, one.number
    with pytest.raises(IntegrityError), transaction.atomic():
        two.save(update_fields=["sequence", "number"])


@pytest.mark.django_db
def test_organization_without_counter_row_gets_one():
    org = OrganizationFactory()
    InvoiceSequence.objects.filter(organization=org).delete()
    assert make_invoice(org, status="OPEN").number == "INV-000001"
