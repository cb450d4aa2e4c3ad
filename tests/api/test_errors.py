"""Every error leaves in the envelope: parse errors, media types, methods, size, crashes."""

import pytest
from django.db import DatabaseError, IntegrityError, OperationalError, connection

from billing.api.errors import exception_handler
from billing.api.serializers.invoices import InvoiceCreateSerializer
from billing.models import IdempotencyKey, Invoice
from billing.services.actors import Actor
from billing.services.invoice_requests import InvoiceRequest, invoice_prepare
from billing.services.invoices import invoice_store
from notifications.models import Message
from tests.api.conftest import Api, new_key
from tests.factories import OrganizationFactory


def test_malformed_json(api):
    response = api.client.post(
        "/api/v0/invoices", data="{not json", content_type="application/json"
    )
    assert (response.status_code, response.json()) == (
        400,
        {"statusCode": 400, "message": "Request body must be valid JSON", "error": "Bad Request"},
    )


def test_unsupported_media_type(api):
    response = api.client.post("/api/v0/invoices", data="a=b", content_type="text/plain")
    assert (response.status_code, response.json()["error"]) == (415, "Unsupported Media Type")
    assert response.json()["message"] == 'Unsupported media type "text/plain" in request.'


def test_method_not_allowed(api):
    response = api.client.patch("/api/v0/invoices/preview", {}, format="json")
    assert (response.status_code, response.json()["error"]) == (405, "Method Not Allowed")
    assert response.json()["message"] == 'Method "PATCH" not allowed.'


def test_body_over_64_kb_is_413(api):
    body = api.invoice_body(address="x" * 70_000)
    response = api.post("invoices", body)
    assert (response.status_code, response.json()) == (
        413,
        {
            "statusCode": 413,
            "message": "Request body must not exceed 65536 bytes",
            "error": "Request Entity Too Large",
        },
    )
    assert Invoice.objects.count() == 0


def failing_invoice_reads(error: Exception):
    """Django's query hook: the database answers every read of the invoice table with
    ``error`` (the process edge; our own code runs unchanged)."""

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT") and '"billing_invoice"' in sql:
            raise error
        return execute(sql, params, many, context)

    return connection.execute_wrapper(wrapper)


def test_unexpected_error_is_a_500_without_traceback(api, caplog):
    with failing_invoice_reads(DatabaseError("secret relfilenode 16384 is corrupt")):
        response = api.get("invoices")
    assert (response.status_code, response.json()) == (
        500,
        {"statusCode": 500, "message": "Internal server error", "error": "Internal Server Error"},
    )
    assert b"secret" not in response.content
    assert "relfilenode 16384" in caplog.text  # logged for us, not shown to them


def test_locked_database_is_503_with_retry_after(api):
    with failing_invoice_reads(OperationalError("database is locked")):
        response = api.get("invoices")
    assert (response.status_code, response["Retry-After"]) == (503, "1")
    assert response.json()["error"] == "Service Unavailable"


@pytest.mark.parametrize("path", ["invoices", "messages", "customers"])
def test_a_huge_skip_is_a_400_not_a_database_error(api, path):
    response = api.get(path, skip=107702555630453906824473947930624)
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400
    assert any("skip" in m for m in response.json()["message"])


def test_a_write_that_loses_to_a_concurrent_change_answers_409_not_500():
    response = exception_handler(IntegrityError("FOREIGN KEY constraint failed"), {})
    assert (response.status_code, response["Retry-After"], response.data) == (
        409,
        "1",
        {
            "statusCode": 409,
            "message": "The request conflicted with a concurrent change; retry it",
            "error": "Conflict",
        },
    )


@pytest.mark.django_db(transaction=True)
def test_a_customer_deleted_between_prepare_and_store_fails_the_store():
    """Why the 409 above exists: an invoice is prepared before its write transaction."""
    api = Api(OrganizationFactory())
    actor = Actor(label="test")
    serializer = InvoiceCreateSerializer(data=api.invoice_body())
    serializer.is_valid(raise_exception=True)
    request = InvoiceRequest.from_body(serializer.validated_data)
    prepared = invoice_prepare(organization=api.org, request=request, actor=actor)
    api.customer.delete()
    with pytest.raises(IntegrityError):
        invoice_store(organization=api.org, prepared=prepared, actor=actor)
    assert Invoice.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        ({"templateId": "invoice", "data": {"invoiceNumber": "INV\x001"}}, "data.invoiceNumber"),
        ({"invoices": [{"name": "ok"}, {"items": [{"product_id": "a\x00"}]}]}, None),
        ({"data": {"bad\x00key": 1}}, "body"),
    ],
)
def test_a_nul_character_anywhere_in_a_body_is_a_400(api, body, sentence):
    """PostgreSQL cannot store NUL: free-form fields must not carry one to the database."""
    path = "invoices/bulk" if "invoices" in body else "messages"
    response = api.post(path, body, key=new_key())
    where = sentence or "invoices[1].items[0].product_id"
    assert (response.status_code, response.json()["message"]) == (
        400,
        [f"{where}: Null characters are not allowed."],
    )
    assert (Invoice.objects.count(), Message.objects.count(), IdempotencyKey.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_lone_surrogate_in_free_form_data_is_a_400(api):
    """Not encodable as UTF-8 at all: a 500 on both databases before."""
    raw = b'{"templateId": "invoice", "data": {"invoiceNumber": "INV\\ud800"}}'
    response = api.client.post("/api/v0/messages", raw, content_type="application/json")
    assert (response.status_code, response.json()["message"]) == (
        400,
        ["data.invoiceNumber: Surrogate characters are not allowed: U+D800."],
    )
    assert Message.objects.count() == 0


def test_a_nul_character_in_the_query_is_a_400(api):
    response = api.get("invoices", status="OPEN\x00")
    assert (response.status_code, response.json()["message"]) == (
        400,
        ["query: Null characters are not allowed."],
    )


def test_preview_answers_a_nul_character_like_any_invalid_body(api):
    body = {**api.invoice_body(), "name": "Website\x00"}
    response = api.post("invoices/preview", body)
    assert (response.status_code, response.json()["validation"]) == (
        200,
        {"isValid": False, "errors": ["name: Null characters are not allowed."]},
    )
