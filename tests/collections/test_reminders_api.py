"""The plan over the API: an invoice's reminders, the outbox of a local date, pause and resume."""

from datetime import date

import pytest

from billing.collections.models import Reminder
from tests.collections.support import PLANNED_ON, Clock, open_invoice


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, PLANNED_ON)


def test_an_invoices_reminders_with_local_times(api, clock):
    invoice = open_invoice(api.org, time_zone="America/New_York")

    response = api.get(f"invoices/{invoice.pk}/reminders")

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 5
    assert body["data"][0] == {
        "step": 1,
        "offset_days": -3,
        "planned_at": "2026-06-16T13:00:00.000Z",
        "local_time": "2026-06-16T09:00:00-04:00",
        "channel": "email",
        "status": "planned",
        "reason": None,
        "paused_until": None,
        "message_ids": [],
    }


def test_another_organizations_invoice_is_a_404(api, other_api, clock):
    invoice = open_invoice(api.org)

    response = other_api.get(f"invoices/{invoice.pk}/reminders")

    assert response.json() == {
        "statusCode": 404,
        "message": "Invoice not found",
        "error": "Not Found",
    }


def test_the_outbox_lists_the_local_days_reminders(api, other_api, clock):
    invoice = open_invoice(api.org, time_zone="Asia/Tokyo", lines=((12345, 1),))
    open_invoice(other_api.org)

    response = api.get("reminders", date="2026-06-16")

    assert response.json() == {
        "data": [
            {
                "invoice_id": str(invoice.pk),
                "invoice_number": invoice.number,
                "customer_id": str(invoice.customer_id),
                "customer_name": "Jane Doe",
                "step": 1,
                "planned_at": "2026-06-16T00:00:00.000Z",
                "local_time": "2026-06-16T09:00:00+09:00",
                "channel": "email",
                "amount_due": 123.45,
                "currency": "USD",
                "status": "planned",
            }
        ],
        "total": 1,
    }
    assert api.get("reminders", date="2026-06-17").json() == {"data": [], "total": 0}
    assert api.get("reminders", date="16.06.2026").status_code == 400


def test_pausing_and_resuming_an_invoice(api, clock):
    invoice = open_invoice(api.org)

    paused = api.post(f"invoices/{invoice.pk}/reminders/pause", {"until": "2026-06-30"})
    rows = list(Reminder.objects.filter(invoice=invoice).values_list("status", "paused_until"))
    resumed = api.post(f"invoices/{invoice.pk}/reminders/resume")

    assert paused.json() == {"reminders_paused_until": "2026-06-30"}
    assert rows == [("paused", date(2026, 6, 30))] * 5
    assert resumed.json() == {"reminders_paused_until": None}
    assert set(Reminder.objects.filter(invoice=invoice).values_list("status", flat=True)) == {
        "planned"
    }


def test_pausing_a_customer_pauses_all_its_open_invoices_indefinitely(api, other_api, clock):
    invoice = open_invoice(api.org)

    answer = api.post(f"customers/{invoice.customer_id}/reminders/pause", {})
    foreign = other_api.post(f"customers/{invoice.customer_id}/reminders/pause", {})

    assert answer.json() == {"reminders_paused_until": "indefinitely"}
    assert foreign.status_code == 404
    assert set(Reminder.objects.values_list("status", flat=True)) == {"paused"}
    assert api.post(f"customers/{invoice.customer_id}/reminders/resume").status_code == 200
    assert set(Reminder.objects.values_list("status", flat=True)) == {"planned"}


def test_a_bad_pause_date_is_400_and_changes_nothing(api, clock):
    invoice = open_invoice(api.org)

    response = api.post(f"invoices/{invoice.pk}/reminders/pause", {"until": "soon"})

    assert response.status_code == 400
    assert set(Reminder.objects.values_list("status", flat=True)) == {"planned"}


def test_the_invoice_body_shows_the_collections_flags(api, clock):
    invoice = open_invoice(api.org)
    before = api.get(f"invoices/{invoice.pk}").json()
    api.post(f"invoices/{invoice.pk}/reminders/pause", {})
    type(invoice).objects.filter(pk=invoice.pk).update(
        disputed_at=PLANNED_ON, promise_to_pay_until=date(2026, 6, 20)
    )

    after = api.get(f"invoices/{invoice.pk}").json()

    flags = ("disputed_at", "promise_to_pay_until", "reminders_paused_until", "reminder_sent")
    assert [before[f] for f in flags] == [None, None, None, False]
    assert [after[f] for f in flags] == [
        "2026-06-01T10:00:00.000Z",
        "2026-06-20",
        "indefinitely",
        False,
    ]
