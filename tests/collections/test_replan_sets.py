"""A policy change re-plans invoices set-wise (invoices sharing a plan written together) with
exactly the outcome of re-planning each invoice on its own, row by row."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.collections.models import Reminder, ReminderEvent, ReminderPolicy
from billing.collections.policy import policy_for
from billing.collections.replan import REPLANNED, invoice_replan, organization_replan
from billing.models import Invoice, Organization
from tests.factories import CustomerFactory, OrganizationFactory, make_invoice

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # Monday, 12:00 in Berlin
WHOLE_WEEK = [1, 2, 3, 4, 5, 6, 7]
# Each new policy against the book planned with the default one (-3, 0, 3, 7, 14): more steps
# (new rows), fewer steps (rows cancelled), and a change of window, days, holidays and gap.
NEW_POLICIES = {
    "more steps": dict(steps=[-5, 0, 2, 9, 20, 30, 45], window_start=10 * 60),
    "fewer steps": dict(
        steps=[1, 4],
        window_start=14 * 60,
        business_days=[1, 2, 3, 4],
        holidays=["2026-07-02"],
        min_gap_hours=72,
    ),
    "turned off": dict(enabled=False, steps=[0, 3, 7]),
}


def book(slug: str) -> list[Invoice]:
    """The same mixed set of invoices in a fresh organization, in a fixed order."""
    org = OrganizationFactory(name=slug, slug=slug, time_zone="Europe/Berlin")
    ReminderPolicy.objects.create(organization=org, steps=[-3, 0], business_days=WHOLE_WEEK)
    two_steps = make_invoice(org, status="OPEN", due_date=date(2026, 7, 1), delivery="MANUALLY")
    ReminderPolicy.objects.filter(organization=org).delete()
    org = Organization.objects.get(pk=org.pk)  # the default policy from here on

    def invoice(due: date, delivery="MANUALLY", **customer):
        customer = CustomerFactory(organization=org, **customer)
        return make_invoice(org, status="OPEN", customer=customer, due_date=due, delivery=delivery)

    whatsapp = dict(phone="+79001234567", whatsapp_opted_in_at=NOW)
    invoices = [
        two_steps,
        invoice(date(2026, 7, 1)),
        invoice(date(2026, 7, 1)),  # the same plan as the one before
        invoice(date(2026, 7, 2), time_zone="America/New_York"),
        invoice(date(2026, 7, 1), time_zone="Asia/Tokyo"),
        invoice(date(2026, 7, 3), preferred_channels=["whatsapp", "email"], **whatsapp),
        invoice(date(2026, 7, 3), preferred_channels=["whatsapp", "email"]),  # no consent
        invoice(date(2026, 6, 3)),  # early steps past
        invoice(date(2026, 6, 4), delivery="EMAIL"),  # its e-mail a message just now
        invoice(date(2026, 7, 1)),  # paused
        invoice(date(2026, 7, 1), reminders_paused=True),  # its customer paused
        invoice(date(2026, 7, 1)),  # disputed
        invoice(date(2026, 7, 6)),  # step 1 sent
        invoice(date(2026, 7, 6)),  # step 2 sending
        invoice(date(2026, 7, 8)),  # steps skipped, cancelled and paused
        invoice(date(2026, 7, 8)),  # step 3 missing
        invoice(date(2026, 7, 1)),  # voided: left alone
    ]
    Invoice.objects.filter(pk=invoices[9].pk).update(reminders_paused=True)
    Invoice.objects.filter(pk=invoices[11].pk).update(disputed_at=NOW)
    set_status(invoices[12], {1: "sent"})
    set_status(invoices[13], {2: "sending"})
    set_status(invoices[14], {1: "skipped", 2: "cancelled", 3: "paused"})
    Reminder.objects.filter(invoice=invoices[15], step=3).delete()
    Invoice.objects.filter(pk=invoices[16].pk).update(status="VOID")
    return invoices


def set_status(invoice: Invoice, statuses: dict[int, str]) -> None:
    for step, status in statuses.items():
        Reminder.objects.filter(invoice=invoice, step=step).update(status=status)


def change_policy(invoices: list[Invoice], fields: dict) -> Organization:
    org = invoices[0].organization
    ReminderPolicy.objects.create(organization=org, **fields)
    return Organization.objects.get(pk=org.pk)


def outcome(invoices: list[Invoice], events_after: int) -> list:
    """Per invoice: its rows and the timeline events written by the re-plan."""
    fields = ["step", "offset_days", "planned_at", "channel", "status", "reason", "paused_until"]
    return [
        (
            list(Reminder.objects.filter(invoice=invoice).order_by("step").values_list(*fields)),
            sorted(
                ReminderEvent.objects.filter(invoice=invoice, pk__gt=events_after).values_list(
                    "reminder__step", "from_status", "to_status", "reason", "actor_label"
                )
            ),
        )
        for invoice in invoices
    ]


def last_event_id() -> int:
    return ReminderEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.parametrize("change", list(NEW_POLICIES))
def test_a_set_wise_replan_equals_replanning_each_invoice_on_its_own(db, monkeypatch, change):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    set_wise, one_by_one = book("set-wise"), book("one-by-one")
    org = change_policy(set_wise, NEW_POLICIES[change])
    reference = change_policy(one_by_one, NEW_POLICIES[change])
    before = last_event_id()

    moved = organization_replan(organization_id=org.pk)
    middle = last_event_id()
    expected = sum(
        invoice_replan(invoice=invoice, policy=policy_for(reference), now=NOW, reason=REPLANNED)
        for invoice in one_by_one
    )

    assert moved == expected
    assert outcome(set_wise, before) == outcome(one_by_one, middle)
    rows = sum(len(r) for r, _ in outcome(set_wise, before))
    assert moved > rows // 2  # the book moved, not just matched: most rows have a new plan


def test_the_book_exercises_every_kind_of_row(db, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    invoices = book("kinds")
    change_policy(invoices, NEW_POLICIES["more steps"])

    organization_replan(organization_id=invoices[0].organization_id)

    def statuses(n):
        return [s for (s,) in Reminder.objects.filter(invoice=invoices[n]).values_list("status")]

    assert len(statuses(0)) == 7  # two planned before, five added
    # Paused: the rows it had; a step it never had is planned, and paused at send time.
    assert statuses(9) == statuses(10) == ["paused"] * 5 + ["planned"] * 2
    assert statuses(12)[0] == "sent" and statuses(13)[1] == "sending"
    assert statuses(14)[1] == "cancelled"  # a cancelled row stays cancelled
    assert "skipped" in statuses(7)
    assert set(Reminder.objects.filter(invoice=invoices[5]).values_list("channel", flat=True)) == {
        "whatsapp"
    }
    assert set(Reminder.objects.filter(invoice=invoices[6]).values_list("channel", flat=True)) == {
        "email"
    }
    assert (
        set(statuses(16)) == {"planned"}
        and ReminderEvent.objects.filter(invoice=invoices[16], reason=REPLANNED).count() == 0
    )


def test_invoices_sharing_a_plan_are_written_with_one_update(db, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    org = OrganizationFactory(time_zone="Europe/Berlin")
    customer = CustomerFactory(organization=org)
    for _ in range(12):
        make_invoice(
            org, status="OPEN", customer=customer, due_date=date(2026, 7, 1), delivery="MANUALLY"
        )
    ReminderPolicy.objects.create(organization=org, window_start=11 * 60)

    with CaptureQueriesContext(connection) as queries:
        moved = organization_replan(organization_id=org.pk)

    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "billing_reminder"')]
    inserts = [q["sql"] for q in queries if 'INSERT INTO "billing_reminderevent"' in q["sql"]]
    assert moved == 60
    assert (len(updates), len(inserts)) == (1, 1)  # every step, each to its own time
    assert set(Reminder.objects.values_list("planned_at__hour", "reason")) == {(9, REPLANNED)}
