"""Shared set-up for the reminder tests: a frozen clock and an open invoice with its plan."""

from datetime import UTC, date, datetime

from django.utils import timezone

from billing.collections.models import Reminder
from billing.services.actors import Actor
from tests.factories import CustomerFactory, make_invoice

PLANNED_ON = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # a Monday
# Tuesday 16 June 2026, 09:30 in Berlin: step 1 (-3 days, 09:00) of an invoice due Friday 19th.
SEND_AT = datetime(2026, 6, 16, 7, 30, tzinfo=UTC)
DUE = date(2026, 6, 19)
TEST = Actor(label="test")


class Clock:
    def __init__(self, monkeypatch, moment: datetime):
        self.moment = moment
        monkeypatch.setattr(timezone, "now", lambda: self.moment)

    def set(self, moment: datetime) -> None:
        self.moment = moment


def open_invoice(org, *, lines=((10000, 1),), partial_payment=False, **customer_fields):
    customer_fields.setdefault("name", "Jane Doe")
    customer_fields.setdefault("email", "jane@example.com")
    customer = CustomerFactory(organization=org, **customer_fields)
    return make_invoice(
        org,
        status="OPEN",
        customer=customer,
        due_date=DUE,
        delivery="MANUALLY",
        lines=lines,
        partial_payment=partial_payment,
    )


def step(invoice, number: int = 1) -> Reminder:
    return Reminder.objects.get(invoice=invoice, step=number)
