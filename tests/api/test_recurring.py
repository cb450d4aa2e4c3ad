"""Recurring schedules: API, calendar, and the queue job creating each occurrence exactly once."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from billing.models import Invoice, RecurringInvoice, RecurringOccurrence
from billing.models.recurring import add_months
from billing.services import recurring
from tests.faults import database_refuses_inserts


def template(api) -> dict:
    body = api.invoice_body(name="Monthly Subscription", status="OPEN")
    del body["due_date"]
    return body


def schedule_body(api, **overrides) -> dict:
    body = {
        "template": template(api),
        "frequency": "MONTHLY",
        "count": 3,
        "start_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
    }
    body.update(overrides)
    return body


def test_month_arithmetic_clamps_to_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), 3) == date(2024, 4, 30)
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)


def test_create_via_api_and_first_occurrence_by_the_job(api):
    start = timezone.localdate() + timedelta(days=3)
    response = api.post("recurring-invoices", schedule_body(api))
    assert response.status_code == 201
    data = response.json()
    assert (data["next_due_date"], data["created_invoices"]) == (start.isoformat(), [])
    assert data["send_days_before_due"] == 7

    assert recurring.recurring_create_due() == 1  # only the first send date has come
    assert recurring.recurring_create_due() == 0  # and it is never made twice

    invoice = Invoice.objects.get()
    assert invoice.name == f"Monthly Subscription - {start:%Y-%m}"
    assert (invoice.due_date, invoice.send_date) == (start, start - timedelta(days=7))
    assert (invoice.status, invoice.number) == ("OPEN", "INV-000001")
    again = api.get(f"recurring-invoices/{data['id']}").json()
    assert again["created_invoices"] == [str(invoice.pk)]
    assert again["next_due_date"] == add_months(start, 1).isoformat()


def test_job_catches_up_every_due_occurrence_once(api):
    schedule = RecurringInvoice.objects.create(
        organization=api.org,
        template=template(api),
        frequency="QUARTERLY",
        count=4,
        start_date=timezone.localdate() - timedelta(days=200),
    )
    created = recurring.recurring_run(schedule=schedule)
    # due dates: start, +3 months, +6 months (send date 7 days before is past), +9 not yet
    assert [o.index for o in RecurringOccurrence.objects.all()] == [0, 1, 2]
    assert [i.number for i in created] == ["INV-000001", "INV-000002", "INV-000003"]
    assert recurring.recurring_run(schedule=schedule) == []


def test_a_concurrent_duplicate_rolls_back_with_its_number(api):
    schedule = RecurringInvoice.objects.create(
        organization=api.org,
        template=template(api),
        frequency="MONTHLY",
        count=1,
        start_date=timezone.localdate(),
    )
    with database_refuses_inserts("billing_recurringoccurrence", as_duplicate=True):
        assert recurring.recurring_run(schedule=schedule) == []
    assert Invoice.objects.count() == 0
    assert [i.number for i in recurring.recurring_run(schedule=schedule)] == ["INV-000001"]


def test_deactivated_product_is_reported_not_retried_blindly(api):
    schedule = RecurringInvoice.objects.create(
        organization=api.org,
        template=template(api),
        frequency="MONTHLY",
        count=2,
        start_date=timezone.localdate(),
    )
    api.product.active = False
    api.product.save()
    assert recurring.recurring_run(schedule=schedule) == []
    schedule.refresh_from_db()
    assert schedule.last_error == f"Product with ID '{api.product.pk}' is inactive"
    assert Invoice.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start_date": "2020-01-01"}, "start_date cannot be in the past"),
        (
            {"frequency": "WEEKLY"},
            ["frequency must be one of the following values: MONTHLY, QUARTERLY, ANNUALLY"],
        ),
        ({"count": 0}, ["Ensure count is greater than or equal to 1."]),
    ],
)
def test_invalid_schedules_are_refused(api, overrides, message):
    response = api.post("recurring-invoices", schedule_body(api, **overrides))
    assert (response.status_code, response.json()["message"]) == (400, message)
    assert RecurringInvoice.objects.count() == 0


def test_template_must_be_a_create_body_without_dates(api):
    body = schedule_body(api, template={**template(api), "due_date": "2030-01-01"})
    response = api.post("recurring-invoices", body)
    assert response.json()["message"] == ["template property due_date should not exist"]
    missing = schedule_body(api, template={**template(api), "customer_id": None})
    assert api.post("recurring-invoices", missing).json()["message"] == [
        "template.customer_id should not be null"
    ]


def test_calendar_is_fixed_once_an_invoice_exists(api):
    data = api.post(
        "recurring-invoices", schedule_body(api, start_date=timezone.localdate().isoformat())
    ).json()
    recurring.recurring_create_due()
    moved = api.patch(f"recurring-invoices/{data['id']}", {"frequency": "ANNUALLY"})
    assert (moved.status_code, moved.json()["message"]) == (
        409,
        "frequency cannot change once invoices have been created",
    )
    fewer = api.patch(f"recurring-invoices/{data['id']}", {"count": 2, "active": False})
    assert (fewer.json()["count"], fewer.json()["active"]) == (2, False)
    assert api.delete(f"recurring-invoices/{data['id']}").status_code == 409


def test_schedules_exist_after_migrate(db):
    assert set(
        Schedule.objects.filter(name__startswith="billing.").values_list("name", "func")
    ) == {
        ("billing.idempotency_prune", "billing.api.idempotency.prune"),
        ("billing.recurring_invoices", "billing.services.recurring.recurring_create_due"),
        ("billing.collections.send_due", "billing.collections.tasks.send_due_reminders"),
        ("billing.webhooks_sweep", "billing.webhooks.tasks.sweep"),
    }


def test_a_schedule_running_past_the_calendar_is_refused(api):
    body = schedule_body(api, frequency="ANNUALLY", count=3, start_date="9998-06-01")
    response = api.post("recurring-invoices", body)
    assert (response.status_code, response.json()["message"]) == (
        400,
        "The last due date of the schedule would be after 9999-12-31",
    )
