"""An id is a JSON string: a number, object, list or boolean where one is expected is a 400
naming the field, never a lookup (DRF's UUID field reads 12345 as UUID(int=12345))."""

import pytest

from billing.models import Invoice, RecurringInvoice
from notifications.models import Message
from tests.api.test_recurring import schedule_body, template

WRONG_TYPES = [12345, 0, 1.5, True, {"id": "x"}, ["x"]]
# Every id field of every body, with the sentence its wrong type answers.
BODY_IDS = {
    "customer_id": "customer_id must be a valid UUID",
    "walletId": "walletId must be a valid UUID",
    "taxId": "taxId must be a valid UUID",
    "product_id": "items[0].product_id must be a valid UUID",
}


def with_id(body: dict, field: str, value) -> dict:
    if field == "product_id":
        body["items"] = [{"product_id": value, "quantity": 1}]
    else:
        body[field] = value
    return body


def bad_request(*sentences) -> dict:
    return {"statusCode": 400, "message": list(sentences), "error": "Bad Request"}


@pytest.mark.parametrize("value", WRONG_TYPES)
@pytest.mark.parametrize("field", BODY_IDS)
def test_create(api, field, value):
    response = api.post("invoices", with_id(api.invoice_body(), field, value))
    assert (response.status_code, response.json()) == (400, bad_request(BODY_IDS[field]))
    assert Invoice.objects.count() == 0


@pytest.mark.parametrize("value", WRONG_TYPES)
@pytest.mark.parametrize("field", BODY_IDS)
def test_replace(api, field, value):
    draft = api.post("invoices", api.invoice_body(status="DRAFT")).json()
    body = with_id(api.invoice_body(status="DRAFT", name="Replaced"), field, value)
    response = api.put(f"invoices/{draft['id']}", body)
    assert (response.status_code, response.json()) == (400, bad_request(BODY_IDS[field]))
    assert Invoice.objects.get().name == "Website Development Services"


@pytest.mark.parametrize("field", BODY_IDS)
def test_preview(api, field):
    response = api.post("invoices/preview", with_id(api.invoice_body(), field, 12345))
    assert (response.status_code, response.json()) == (
        200,
        {"preview": None, "validation": {"isValid": False, "errors": [BODY_IDS[field]]}},
    )


@pytest.mark.parametrize("field", BODY_IDS)
def test_bulk(api, field):
    bodies = [api.invoice_body(), with_id(api.invoice_body(), field, 12345)]
    response = api.post("invoices/bulk", {"invoices": bodies})
    assert response.status_code == 200
    assert response.json()["failed"] == [
        {"index": 1, "statusCode": 400, "message": [BODY_IDS[field]], "error": "Bad Request"}
    ]
    assert Invoice.objects.count() == 1


@pytest.mark.parametrize("field", BODY_IDS)
def test_recurring_template(api, field):
    body = schedule_body(api, template=with_id(template(api), field, 12345))
    response = api.post("recurring-invoices", body)
    assert (response.status_code, response.json()) == (
        400,
        bad_request(f"template.{BODY_IDS[field]}"),
    )
    assert RecurringInvoice.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "parameter"),
    [("invoices", "customer"), ("messages", "invoice"), ("messages", "customer")],
)
@pytest.mark.parametrize("value", ["12345", "true", "0", "[]"])
def test_query_parameters(api, path, parameter, value):
    response = api.get(path, **{parameter: value})
    assert (response.status_code, response.json()) == (
        400,
        bad_request(f"{parameter} must be a valid UUID"),
    )


@pytest.mark.parametrize("value", WRONG_TYPES)
def test_template_id(api, value):
    body = {"templateId": value, "to": "client@example.com", "data": {}}
    response = api.post("messages", body)
    assert (response.status_code, response.json()) == (
        400,
        bad_request("templateId must be a string"),
    )


@pytest.mark.parametrize("value", WRONG_TYPES)
def test_from_user_id(api, value):
    invoice = api.post("invoices", api.invoice_body(delivery="MANUALLY")).json()
    body = {"channels": ["email"], "email": {"headers": {"fromUserId": value}}}
    response = api.post(f"invoices/{invoice['id']}/send", body)
    assert (response.status_code, response.json()) == (
        400,
        bad_request("headers.fromUserId must be a string"),
    )
    assert Message.objects.count() == 0
