"""List, retrieve, replace, delete, lifecycle moves, payments, preview and bulk."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Invoice, InvoiceEvent, Payment
from billing.services.actors import Actor
from billing.services.payments import payment_record, payment_reverse
from tests.api.conftest import future
from tests.factories import CustomerFactory, ProductFactory, make_invoice


def create(api, **overrides) -> dict:
    response = api.post("invoices", api.invoice_body(**overrides))
    assert response.status_code == 201, response.json()
    return response.json()


def test_list_is_newest_first_with_total_and_paging(api):
    ids = [create(api, name=f"Invoice {n}")["id"] for n in range(3)]

    page = api.get("invoices", skip=1, take=1).json()

    assert page["total"] == 3
    assert [invoice["id"] for invoice in page["data"]] == [ids[1]]
    assert [i["id"] for i in api.get("invoices").json()["data"]] == ids[::-1]


def test_list_filters_by_shown_status_customer_and_dates(api):
    other_customer = CustomerFactory(organization=api.org)
    draft = create(api, status="DRAFT")
    open_ = create(api)
    paid_part = create(api, partial_payment=True, customer_id=str(other_customer.pk))
    payment_record(
        invoice=Invoice.objects.get(pk=paid_part["id"]),
        amount=100,
        method="CASH",
        actor=Actor(label="test"),
    )
    past_due = make_invoice(api.org, status="OPEN", due_date=timezone.localdate())
    Invoice.objects.filter(pk=past_due.pk).update(due_date=timezone.localdate() - timedelta(1))

    def ids(**params):
        return [invoice["id"] for invoice in api.get("invoices", **params).json()["data"]]

    assert ids(status="DRAFT") == [draft["id"]]
    assert ids(status="OPEN") == [open_["id"]]
    assert ids(status="PARTIALLYPAID") == [paid_part["id"]]
    assert ids(status="PASTDUE") == [str(past_due.pk)]
    assert ids(customer=str(other_customer.pk)) == [paid_part["id"]]
    today = timezone.now().date().isoformat()
    assert len(ids(from_date=today, to_date=today)) == 4
    assert ids(to_date=(timezone.now().date() - timedelta(days=1)).isoformat()) == []


def test_list_rejects_bad_queries(api):
    response = api.get("invoices", take=101, status="LATE", customer="x", nope=1)
    assert response.status_code == 400
    assert response.json()["message"] == [
        "property nope should not exist",
    ]
    response = api.get("invoices", take=101, status="LATE", customer="x")
    assert response.json()["message"] == [
        "Ensure take is less than or equal to 100.",
        "status must be one of the following values: DRAFT, OPEN, PAID, VOID, UNCOLLECTIBLE, "
        "PASTDUE, PARTIALLYPAID",
        "customer must be a valid UUID",
    ]


def test_retrieve_and_unknown_id(api):
    invoice = create(api)
    assert api.get(f"invoices/{invoice['id']}").json() == invoice
    missing = api.get("invoices/00000000-0000-0000-0000-000000000000")
    assert (missing.status_code, missing.json()["message"]) == (404, "Invoice not found")


def test_put_replaces_a_draft(api):
    draft = create(api, status="DRAFT")
    second = ProductFactory(organization=api.org, unit_price=1999)
    body = api.invoice_body(
        status="DRAFT",
        name="Replaced",
        items=[{"product_id": str(second.pk), "quantity": 3}],
        taxId=str(api.tax.pk),
    )

    response = api.put(f"invoices/{draft['id']}", body)

    assert response.status_code == 200
    data = response.json()
    assert (data["name"], data["subtotal"], data["tax_amount"]) == ("Replaced", 59.97, 5.1)
    assert [item["productId"] for item in data["items"]] == [str(second.pk)]


def test_put_with_status_open_finalizes_the_draft(api):
    draft = create(api, status="DRAFT")
    response = api.put(f"invoices/{draft['id']}", api.invoice_body(status="OPEN"))
    assert (response.json()["status"], response.json()["invoice_number"]) == ("OPEN", "INV-000001")


def test_put_on_an_open_invoice_is_a_conflict_and_changes_nothing(api):
    invoice = create(api)
    response = api.put(f"invoices/{invoice['id']}", api.invoice_body(name="Changed"))
    assert response.status_code == 409
    assert "Only draft invoices can be changed" in response.json()["message"]
    assert Invoice.objects.get().name == "Website Development Services"


def test_delete_draft_only(api):
    draft, open_ = create(api, status="DRAFT"), create(api)
    assert api.delete(f"invoices/{draft['id']}").status_code == 204
    response = api.delete(f"invoices/{open_['id']}")
    assert response.status_code == 409
    assert list(Invoice.objects.values_list("pk", flat=True)) == [Invoice.objects.get().pk]
    assert str(Invoice.objects.get().pk) == open_["id"]


def test_lifecycle_moves_and_illegal_move_reason(api):
    draft = create(api, status="DRAFT")
    finalized = api.post(f"invoices/{draft['id']}/finalize")
    assert (finalized.status_code, finalized.json()["invoice_number"]) == (200, "INV-000001")

    marked = api.post(f"invoices/{draft['id']}/mark-uncollectible")
    assert marked.json()["status"] == "UNCOLLECTIBLE"
    voided = api.post(f"invoices/{draft['id']}/void")
    assert voided.json()["status"] == "VOID"

    again = api.post(f"invoices/{draft['id']}/finalize")
    assert again.status_code == 409
    assert again.json() == {
        "statusCode": 409,
        "message": "Invoice INV-000001 is void and cannot become open.",
        "error": "Conflict",
    }
    assert list(
        InvoiceEvent.objects.filter(invoice_id=draft["id"]).values_list("to_status", flat=True)
    ) == ["DRAFT", "OPEN", "UNCOLLECTIBLE", "VOID"]


def test_lifecycle_moves_take_no_body(api):
    draft = create(api, status="DRAFT")
    response = api.post(f"invoices/{draft['id']}/finalize", {"force": True})
    assert response.json()["message"] == ["property force should not exist"]
    assert Invoice.objects.get().status == "DRAFT"


def test_partial_and_full_payments(api):
    invoice = create(api, partial_payment=True)
    first = api.post(
        f"invoices/{invoice['id']}/payments",
        {"amount": "1000.50", "method": "BANK_TRANSFER", "reference": "wire-1"},
    )
    assert first.status_code == 201
    data = first.json()
    assert (data["status"], data["amount_paid"], data["amount_due"]) == (
        "PARTIALLYPAID",
        1000.5,
        1499.5,
    )
    assert data["paymentStatus"] == "PARTIAL"
    assert data["paymentMetadata"]["reference"] == "wire-1"
    assert [(t["amount"], t["method"]) for t in data["transactions"]] == [(1000.5, "BANK_TRANSFER")]

    rest = api.post(f"invoices/{invoice['id']}/payments", {"amount": 1499.5, "method": "CASH"})
    assert (rest.json()["status"], rest.json()["paymentStatus"]) == ("PAID", "PAID")
    assert rest.json()["paidAt"].endswith("Z")


def test_overpayment_sub_cent_and_partial_refusals_change_nothing(api):
    invoice = create(api)
    over = api.post(f"invoices/{invoice['id']}/payments", {"amount": 2500.01, "method": "CASH"})
    assert over.status_code == 400
    assert over.json()["message"] == (
        "Payment of 2,500.01 USD exceeds the amount due of 2,500.00 USD"
    )
    fine = api.post(f"invoices/{invoice['id']}/payments", {"amount": "0.001", "method": "CASH"})
    assert fine.json()["message"] == ["amount: USD amounts have at most 2 decimal places"]
    part = api.post(f"invoices/{invoice['id']}/payments", {"amount": 10, "method": "CASH"})
    assert "does not accept partial payments" in part.json()["message"]
    assert Payment.objects.count() == 0
    assert Invoice.objects.get().amount_paid == 0


def test_preview_computes_without_creating(api):
    body = api.invoice_body(
        items=[{"product_id": str(api.product.pk), "quantity": 2}], taxId=str(api.tax.pk)
    )

    response = api.post("invoices/preview", body)

    assert response.status_code == 200
    assert response.json() == {
        "preview": {
            "subtotal": 5000.0,
            "taxAmount": 425.0,
            "total": 5425.0,
            "currency": "USD",
            "items": [
                {
                    "product": "Website Development",
                    "quantity": 2.0,
                    "unitPrice": 2500.0,
                    "lineTotal": 5000.0,
                }
            ],
            "dueDate": future(30),
            "paymentMethods": ["CRYPTO", "BANK_TRANSFER"],
        },
        "validation": {"isValid": True, "errors": []},
    }
    assert Invoice.objects.count() == 0


def test_preview_of_an_invalid_body_reports_the_sentences(api):
    response = api.post("invoices/preview", api.invoice_body(items=[], due_date="tomorrow"))
    assert response.status_code == 200
    assert response.json() == {
        "preview": None,
        "validation": {
            "isValid": False,
            "errors": [
                "items should not be empty",
                "due_date must be a valid date in YYYY-MM-DD format",
            ],
        },
    }
    past = api.post("invoices/preview", api.invoice_body(due_date="2024-02-15"))
    assert past.json()["validation"]["errors"] == ["Due date cannot be in the past"]


def test_bulk_creates_each_valid_invoice_and_reports_the_rest(api):
    good = api.invoice_body()
    bodies = [
        good,
        api.invoice_body(items=[]),
        good,
        api.invoice_body(customer_id="00000000-0000-0000-0000-000000000000"),
    ]

    response = api.post("invoices/bulk", {"invoices": bodies})

    assert response.status_code == 200
    data = response.json()
    assert data["summary"] == {"total": 4, "successful": 2, "failed": 2}
    assert [s["index"] for s in data["successful"]] == [0, 2]
    assert [s["invoice"]["invoice_number"] for s in data["successful"]] == [
        "INV-000001",
        "INV-000002",
    ]
    assert data["failed"] == [
        {
            "index": 1,
            "statusCode": 400,
            "message": ["items should not be empty"],
            "error": "Bad Request",
        },
        {"index": 3, "statusCode": 404, "message": "Customer not found", "error": "Not Found"},
    ]
    assert Invoice.objects.count() == 2


def test_bulk_limits(api):
    response = api.post("invoices/bulk", {"invoices": [{}] * 1001})
    assert response.json()["message"] == ["Ensure invoices has no more than 1000 elements."]
    assert api.post("invoices/bulk", {"invoices": []}).json()["message"] == [
        "invoices should not be empty"
    ]


def test_listing_costs_the_same_queries_for_one_or_ten_invoices(
    api, django_assert_num_queries, settings
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    create(api, taxId=str(api.tax.pk))
    with django_assert_num_queries(5):  # credential, count, invoices, items, payments
        one = api.get("invoices")
    for _ in range(9):
        create(api, taxId=str(api.tax.pk))
    with django_assert_num_queries(5):
        ten = api.get("invoices")
    assert (len(one.json()["data"]), len(ten.json()["data"])) == (1, 10)


@pytest.mark.parametrize("status", ["DRAFT", "OPEN"])
def test_create_answers_exactly_what_a_later_read_returns(api, status):
    """The create answer is rendered from the invoice in memory; it must match the stored one."""
    second = ProductFactory(organization=api.org, name="Hosting", unit_price=1999)
    body = api.invoice_body(
        status=status,
        taxId=str(api.tax.pk),
        items=[
            {"product_id": str(api.product.pk), "quantity": 3},
            {"product_id": str(second.pk), "quantity": "2.5"},
        ],
    )
    created = api.post("invoices", body, key=f"same-as-read-{status}")
    assert created.status_code == 201, created.json()
    read = api.get(f"invoices/{created.json()['id']}")
    assert created.json() == read.json()
    assert (created.json()["status"], len(created.json()["items"])) == (status, 2)


def test_create_with_an_idempotency_key_costs_a_fixed_number_of_queries(
    api, django_assert_num_queries, settings
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    create(api)  # the organization's counter row exists from here on
    body = api.invoice_body(status="OPEN", taxId=str(api.tax.pk), delivery="MANUALLY")
    # The test runs in a transaction, so each transaction below is a savepoint here.
    # credential 1; claim 3 (savepoint, insert, release); work 16: savepoint, savepoint,
    # customer, wallet, tax, tax components, products, counter, invoice, items, events,
    # release, stored response, release; the overview's stored figures 2: open balance, day
    # totals; the reminder plan 3: policy, reminders, their events; integrator events 2:
    # events, webhook endpoints
    with django_assert_num_queries(25):
        assert api.post("invoices", body, key="counted").status_code == 201


def test_bulk_numbers_open_invoices_consecutively_and_answers_what_a_read_returns(api):
    create(api, status="OPEN")  # INV-000001 is taken before the bulk request
    bodies = [
        api.invoice_body(status="OPEN", taxId=str(api.tax.pk)),
        api.invoice_body(status="DRAFT"),
        api.invoice_body(due_date="2020-01-01", status="OPEN"),  # refused by the service
        api.invoice_body(status="OPEN"),
    ]
    data = api.post("invoices/bulk", {"invoices": bodies}).json()

    assert [(s["index"], s["invoice"]["invoice_number"]) for s in data["successful"]] == [
        (0, "INV-000002"),
        (1, None),
        (3, "INV-000003"),
    ]
    assert [(f["index"], f["message"]) for f in data["failed"]] == [
        (2, "Due date cannot be in the past")
    ]
    for success in data["successful"]:
        invoice = success["invoice"]
        assert api.get(f"invoices/{invoice['id']}").json() == invoice
        moves = InvoiceEvent.objects.filter(invoice_id=invoice["id"]).order_by("pk")
        expected = [("", "DRAFT")] + ([("DRAFT", "OPEN")] if invoice["invoice_number"] else [])
        assert [(e.from_status, e.to_status) for e in moves] == expected


def test_bulk_costs_the_same_queries_for_one_or_ten_invoices(
    api, django_assert_num_queries, settings
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    create(api)  # the counter row exists from here on
    body = api.invoice_body(status="OPEN", taxId=str(api.tax.pk), delivery="MANUALLY")
    # credential, customer, wallet, tax, tax components, products, savepoint, counter,
    # invoices, items, events, the overview's stored figures (open balance, day totals), the
    # reminder plan (policy, reminders, their events), integrator events, webhook endpoints,
    # release
    with django_assert_num_queries(19):
        api.post("invoices/bulk", {"invoices": [body]})
    with django_assert_num_queries(19):
        data = api.post("invoices/bulk", {"invoices": [body] * 10}).json()
    assert data["summary"] == {"total": 10, "successful": 10, "failed": 0}


def test_a_payment_dated_in_the_future_or_before_the_issue_date_is_a_400(api):
    invoice = create(api, partial_payment=True)
    tomorrow = (timezone.now() + timedelta(days=2)).date()
    later = api.post(
        f"invoices/{invoice['id']}/payments",
        {"amount": 10, "method": "CASH", "paid_at": f"{tomorrow.isoformat()}T10:00:00Z"},
    )
    early = api.post(
        f"invoices/{invoice['id']}/payments",
        {"amount": 10, "method": "CASH", "paid_at": "2020-01-02T10:00:00Z"},
    )
    assert (later.status_code, early.status_code) == (400, 400)
    assert later.json() == {
        "statusCode": 400,
        "message": [f"paid_at: the payment date {tomorrow.isoformat()} is in the future"],
        "error": "Bad Request",
    }
    issued = Invoice.objects.get().finalized_at.astimezone(api.org.tzinfo).date()
    assert early.json()["message"] == [
        f"paid_at: the payment date 2020-01-02 is before the invoice's issue date {issued}"
    ]
    assert Payment.objects.count() == 0
    assert Invoice.objects.get().amount_paid == 0


def test_a_reversed_payment_stays_in_transactions_marked_reversed(api):
    invoice = create(api, partial_payment=True)
    api.post(f"invoices/{invoice['id']}/payments", {"amount": "1000.50", "method": "CASH"})
    kept = api.post(f"invoices/{invoice['id']}/payments", {"amount": 500, "method": "CASH"})
    mistaken = Payment.objects.get(invoice_id=invoice["id"], amount=100050)
    payment_reverse(payment=mistaken, reason="Booked twice", actor=Actor(label="test"))

    data = api.get(f"invoices/{invoice['id']}").json()

    rows = {t["amount"]: (t["reversed_at"], t["reversal_reason"]) for t in data["transactions"]}
    assert rows[500] == (None, None)
    assert rows[1000.5][0].endswith("Z") and rows[1000.5][1] == "Booked twice"
    assert (data["amount_paid"], kept.json()["amount_paid"]) == (500, 1500.5)


def test_finalize_answers_from_the_finalized_invoice_without_reading_it_again(
    api, django_assert_num_queries, settings
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    create(api)  # the organization's counter row exists from here on
    draft = create(api, status="DRAFT", taxId=str(api.tax.pk), delivery="MANUALLY")
    # credential 1; claim 3; work: savepoint, the invoice with items and payments (3),
    # savepoint, the locked invoice, its items, tax components, counter, invoice, event,
    # integrator event (savepoint, insert, release), webhook endpoints, open balance, day
    # totals, reminder policy, reminders, their events, release, stored response, release.
    # Nothing is read back once the counter row is locked: the event's payload and the answer
    # use the items the service priced (it was 34 queries with those reads).
    with django_assert_num_queries(27):
        finalized = api.post(f"invoices/{draft['id']}/finalize", key="counted")
    assert finalized.status_code == 200, finalized.json()
    assert finalized.json() == api.get(f"invoices/{draft['id']}").json()
    assert (finalized.json()["invoice_number"], len(finalized.json()["items"])) == (
        "INV-000002",
        1,
    )
