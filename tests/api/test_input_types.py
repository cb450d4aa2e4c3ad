"""Values of the wrong JSON type and empty query values are refused, as the schema says."""

import pytest

from billing.models import Customer, Invoice, Product, RecurringInvoice
from tests.api.test_recurring import schedule_body


def bad_request(*sentences) -> dict:
    return {"statusCode": 400, "message": list(sentences), "error": "Bad Request"}


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        ("payment_link", "true", "payment_link must be a boolean value"),
        ("partial_payment", 1, "partial_payment must be a boolean value"),
        ("name", 12345, "name must be a string"),
        ("address", ["x"], "address must be a string"),
        ("email", True, "email must be a string"),
    ],
)
def test_invoice_fields_take_their_json_type(api, field, value, sentence):
    response = api.post("invoices", api.invoice_body(**{field: value}))
    assert (response.status_code, response.json()) == (400, bad_request(sentence))
    assert Invoice.objects.count() == 0


def test_every_problem_is_reported_at_once_in_field_order(api):
    body = api.invoice_body(name=5, payment_link="yes")
    del body["due_date"]
    response = api.post("invoices", body)
    assert response.json()["message"] == [
        "name must be a string",
        "due_date should not be empty",
        "payment_link must be a boolean value",
    ]


def test_integers_and_nested_fields(api):
    response = api.post("recurring-invoices", schedule_body(api, count="3"))
    assert (response.status_code, response.json()) == (
        400,
        bad_request("count must be an integer number"),
    )
    body = schedule_body(api)
    body["template"]["partial_payment"] = "false"
    response = api.post("recurring-invoices", body)
    assert response.json() == bad_request("template.partial_payment must be a boolean value")
    assert RecurringInvoice.objects.count() == 0


def test_resources(api):
    answers = [
        api.post("products", {"name": "P", "price": 1, "currency": "USD", "active": "on"}),
        api.post("customers", {"name": "C", "status": 1}),
        api.post("taxes", {"name": "T", "type": "PERCENTAGE", "rate": 5, "inclusive": 0}),
    ]
    assert [r.json()["message"] for r in answers] == [
        ["active must be a boolean value"],
        ["status must be one of the following values: ACTIVE, INACTIVE"],
        ["inclusive must be a boolean value"],
    ]
    assert (Product.objects.count(), Customer.objects.count()) == (1, 1)


def test_decimals_still_take_numbers_and_numeric_strings(api):
    items = [
        {"product_id": str(api.product.pk), "quantity": 2},
        {"product_id": str(api.product.pk), "quantity": "0.5"},
    ]
    response = api.post("invoices", api.invoice_body(items=items))
    assert response.status_code == 201
    assert [item["quantity"] for item in response.json()["items"]] == [2, 0.5]


@pytest.mark.parametrize(
    ("parameter", "sentence"),
    [
        ("to_date", "to_date must be a valid date in YYYY-MM-DD format"),
        ("from_date", "from_date must be a valid date in YYYY-MM-DD format"),
        ("customer", "customer must be a valid UUID"),
        ("take", "take: A valid integer is required."),
    ],
)
def test_an_empty_query_value_is_refused_like_an_invalid_one(api, parameter, sentence):
    response = api.get("invoices", **{parameter: ""})
    assert (response.status_code, response.json()) == (400, bad_request(sentence))


def test_a_patched_template_is_validated_whole(api):
    schedule = api.post("recurring-invoices", schedule_body(api)).json()
    response = api.patch(f"recurring-invoices/{schedule['id']}", {"template": {"name": "New"}})
    assert response.status_code == 400
    assert "template.items should not be empty" in response.json()["message"]
    stored = RecurringInvoice.objects.get()
    assert stored.template["name"] == "Monthly Subscription"
    whole = {**schedule["template"], "name": "New"}
    response = api.patch(f"recurring-invoices/{schedule['id']}", {"template": whole})
    assert response.status_code == 200
    assert RecurringInvoice.objects.get().template["name"] == "New"


def test_a_total_beyond_the_amount_columns_is_a_400_not_a_500(api):
    product = api.post(
        "products", {"name": "Big", "price": "999999999999.99", "currency": "USD"}
    ).json()
    items = [{"product_id": product["id"], "quantity": "87178291.201"}]
    body = api.invoice_body(items=items)
    created = api.post("invoices", body)
    bulk = api.post("invoices/bulk", {"invoices": [body]})
    assert (created.status_code, created.json()) == (
        400,
        {
            "statusCode": 400,
            "message": [
                "items[0]: USD amounts must not exceed 9999999999999.99",
                "total: USD amounts must not exceed 9999999999999.99",
            ],
            "error": "Bad Request",
        },
    )
    assert bulk.json()["failed"] == [
        {
            "index": 0,
            "statusCode": 400,
            "message": [
                "items[0]: USD amounts must not exceed 9999999999999.99",
                "total: USD amounts must not exceed 9999999999999.99",
            ],
            "error": "Bad Request",
        }
    ]
    assert Invoice.objects.count() == 0
