"""Idempotent writes: replay, mismatch, in-flight conflict, release on rollback, reaping."""

from datetime import timedelta

from django.utils import timezone

from billing.api import idempotency
from billing.models import IdempotencyKey, Invoice
from tests.api.conftest import new_key
from tests.faults import database_refuses_inserts


def test_replay_returns_the_identical_body_and_creates_nothing(api):
    key, body = new_key(), api.invoice_body()
    first = api.post("invoices", body, key=key)

    reordered = dict(reversed(list(body.items())))  # same body, serialised differently
    second = api.post("invoices", reordered, key=key)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Invoice.objects.count() == 1
    record = IdempotencyKey.objects.get()
    assert (record.state, record.response_status, record.method) == ("completed", 201, "POST")


def test_standard_header_name_is_accepted_too(api):
    key = new_key()
    api.post("invoices", api.invoice_body(), HTTP_IDEMPOTENCY_KEY=key)
    replay = api.post("invoices", api.invoice_body(), HTTP_IDEMPOTENCY_KEY=key)
    assert replay["Idempotent-Replayed"] == "true"
    assert Invoice.objects.count() == 1


def test_same_key_different_body_is_422(api):
    key = new_key()
    api.post("invoices", api.invoice_body(), key=key)
    response = api.post("invoices", api.invoice_body(name="Other"), key=key)
    assert (response.status_code, response.json()) == (
        422,
        {
            "statusCode": 422,
            "message": "Idempotency key reused with different parameters",
            "error": "Unprocessable Entity",
        },
    )
    assert Invoice.objects.count() == 1


def test_same_key_on_another_path_is_422(api):
    key = new_key()
    invoice = api.post("invoices", api.invoice_body(status="DRAFT"), key=key).json()
    response = api.post(f"invoices/{invoice['id']}/finalize", key=key)
    assert response.status_code == 422
    assert Invoice.objects.get().status == "DRAFT"


def test_key_still_in_progress_is_409_with_retry_after(api):
    key = new_key()
    IdempotencyKey.objects.create(
        organization=api.org,
        key=key,
        method="POST",
        path="/api/v0/invoices",
        fingerprint=idempotency.fingerprint("POST", "/api/v0/invoices", api.invoice_body()),
        locked_at=timezone.now(),
    )
    response = api.post("invoices", api.invoice_body(), key=key)
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert response.json()["message"] == "A request with this idempotency key is still in progress"
    assert Invoice.objects.count() == 0


def test_abandoned_claim_is_taken_over_after_the_lock_expires(api):
    key, body = new_key(), api.invoice_body()
    IdempotencyKey.objects.create(
        organization=api.org,
        key=key,
        method="POST",
        path="/api/v0/invoices",
        fingerprint=idempotency.fingerprint("POST", "/api/v0/invoices", body),
        locked_at=timezone.now() - timedelta(seconds=91),
    )
    response = api.post("invoices", body, key=key)
    assert response.status_code == 201
    assert Invoice.objects.count() == 1


def test_failed_work_releases_the_key_so_a_retry_runs(api):
    key, body = new_key(), api.invoice_body()
    with database_refuses_inserts("billing_invoice"):
        failed = api.post("invoices", body, key=key)
    assert failed.status_code == 500
    assert failed.json() == {
        "statusCode": 500,
        "message": "Internal server error",
        "error": "Internal Server Error",
    }
    assert IdempotencyKey.objects.count() == 0

    retried = api.post("invoices", body, key=key)
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried


def test_validation_errors_are_not_stored(api):
    key = new_key()
    assert api.post("invoices", api.invoice_body(items=[]), key=key).status_code == 400
    assert IdempotencyKey.objects.count() == 0
    assert api.post("invoices", api.invoice_body(), key=key).status_code == 201


def test_bad_key_syntax_is_400(api):
    response = api.post("invoices", api.invoice_body(), key="x" * 256)
    assert response.status_code == 400
    assert response.json()["message"] == [
        "x-idempotency-key must be 1 to 255 printable ASCII characters"
    ]
    assert Invoice.objects.count() == 0


def test_prune_deletes_keys_older_than_a_day_only(api):
    old, fresh = new_key(), new_key()
    api.post("invoices", api.invoice_body(), key=old)
    api.post("invoices", api.invoice_body(), key=fresh)
    IdempotencyKey.objects.filter(key=old).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    assert idempotency.prune(older_than=timedelta(minutes=1)) == 1  # never below 24 h
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == [fresh]
