"""Deeply nested JSON is a 400 in the envelope on every operation that takes a body."""

import re

import pytest
from django.test import Client

from billing.models import Customer, IdempotencyKey, Invoice
from config.json_depth import MAX_DEPTH, too_deep
from tests.api.conftest import new_key

TOO_DEEP = {
    "statusCode": 400,
    "message": "Request body must not nest deeper than 64 levels",
    "error": "Bad Request",
}


def nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def body_operations() -> list[tuple[str, str]]:
    schema = Client().get("/api/v0/schema/", HTTP_ACCEPT="application/json").json()
    return sorted(
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("post", "put", "patch")
    )


@pytest.fixture(scope="module")
def operations(django_db_blocker):
    with django_db_blocker.unblock():
        return body_operations()


def send(api, method: str, path: str, body: bytes, **headers):
    path = re.sub(r"\{\w+\}", "00000000-0000-4000-8000-000000000000", path)
    return api.client.generic(method, path, body, content_type="application/json", **headers)


def test_every_operation_with_a_body_refuses_950_levels(api, operations):
    assert len(operations) >= 20
    answers = {(m, p): send(api, m, p, nested(950)) for m, p in operations}
    assert {key: (r.status_code, r.json()) for key, r in answers.items()} == {
        key: (400, TOO_DEEP) for key in operations
    }
    assert (Invoice.objects.count(), Customer.objects.exclude(pk=api.customer.pk).count()) == (0, 0)


def test_a_too_deep_body_releases_no_idempotency_key(api):
    response = send(api, "POST", "/api/v0/invoices", nested(950), HTTP_X_IDEMPOTENCY_KEY=new_key())
    assert (response.status_code, response.json()) == (400, TOO_DEEP)
    assert IdempotencyKey.objects.count() == 0


def test_the_limit_is_64_levels(api):
    at_limit = send(api, "POST", "/api/v0/invoices", nested(MAX_DEPTH))
    assert at_limit.status_code == 400
    assert at_limit.json()["message"] == ["Invalid data. Expected a dictionary, but got list."]
    over = send(api, "POST", "/api/v0/invoices", nested(MAX_DEPTH + 1))
    assert (over.status_code, over.json()) == (400, TOO_DEEP)


def test_a_deep_body_without_credentials_is_still_401(client, db):
    response = client.post("/api/v0/invoices", nested(950), content_type="application/json")
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid or missing API credentials"


def test_a_deep_value_inside_an_object_is_refused_too(api):
    deep_name = b'{"name": ' + nested(MAX_DEPTH + 1) + b"}"
    response = send(api, "POST", "/api/v0/customers", deep_name)
    assert (response.status_code, response.json()) == (400, TOO_DEEP)
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "deep"),
    [
        (nested(64), False),
        (nested(65), True),
        (b'{"a": ' * 65 + b"1" + b"}" * 65, True),
        (b'["' + b"[" * 500 + b'"]', False),  # brackets inside a string do not nest
        (b'["\\"' + b"[" * 500 + b'"]', False),  # nor after an escaped quote
        (b'["\\\\"' + nested(65) + b"]", True),  # an escaped backslash ends the string
        (b"[" * 65 + b"1", True),  # unbalanced counts too (the decoder refuses it anyway)
        (b"[]" * 10_000, False),  # wide is not deep
    ],
)
def test_depth_counts_only_structure(body, deep):
    assert too_deep(body) is deep
