"""Concurrent requests against a real (file or PostgreSQL) database, one connection per thread."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from billing.models import IdempotencyKey, Invoice
from tests.api.conftest import Api, new_key
from tests.factories import OrganizationFactory

THREADS = 20


def in_threads(call, count: int = THREADS) -> list:
    def run(index):
        try:
            return call(index)
        finally:
            connection.close()  # each thread has its own connection; give it back

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_requests_make_exactly_one_invoice():
    api = Api(OrganizationFactory(time_zone="UTC"))
    key, body = new_key(), api.invoice_body()

    responses = in_threads(lambda _: api.post("invoices", body, key=key))

    executed = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r]
    replayed = [r for r in responses if r.get("Idempotent-Replayed") == "true"]
    in_flight = [r for r in responses if r.status_code == 409]
    assert len(executed) == 1
    assert len(executed) + len(replayed) + len(in_flight) == THREADS
    assert all(r.content == executed[0].content for r in replayed)
    assert all(r["Retry-After"] == "1" for r in in_flight)
    assert Invoice.objects.count() == 1
    assert IdempotencyKey.objects.get().state == "completed"


@pytest.mark.django_db(transaction=True)
def test_numbers_stay_gapless_under_concurrent_creates():
    api = Api(OrganizationFactory(time_zone="UTC"))

    def create(index):
        status = "DRAFT" if index % 5 == 0 else "OPEN"  # drafts take no number
        return api.post("invoices", api.invoice_body(status=status), key=new_key())

    responses = in_threads(create)

    assert [r.status_code for r in responses] == [201] * THREADS
    numbers = sorted(Invoice.objects.exclude(sequence=None).values_list("sequence", flat=True))
    assert numbers == list(range(1, 17))
    assert Invoice.objects.filter(sequence=None).count() == 4
