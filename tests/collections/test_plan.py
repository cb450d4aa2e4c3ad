"""The plan written when an invoice becomes OPEN, and re-planned when the policy changes."""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from billing.collections import replan, states
from billing.collections.models import Reminder, ReminderEvent, ReminderPolicy
from billing.collections.plan import plan_on_open
from billing.collections.replan import organization_replan
from billing.services.actors import Actor
from billing.services.invoices import invoice_finalize
from tests.factories import CustomerFactory, make_invoice


def rows(invoice):
    return list(
        Reminder.objects.filter(invoice=invoice)
        .order_by("step")
        .values_list("step", "offset_days", "planned_at", "status", "reason")
    )


def freeze(monkeypatch, moment: datetime):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_finalize_plans_one_row_per_step_in_the_customers_zone(org, monkeypatch):
    freeze(monkeypatch, datetime(2026, 6, 1, 10, 0, tzinfo=UTC))  # a Monday
    customer = CustomerFactory(organization=org, time_zone="America/New_York")
    invoice = make_invoice(org, customer=customer, due_date=date(2026, 6, 19), delivery="MANUALLY")

    invoice_finalize(invoice=invoice, actor=Actor(label="test"))

    # 09:00 EDT is 13:00 UTC; the 22nd (+3) is a Monday, the 26th (+7) a Friday, +14 a Friday.
    assert rows(invoice) == [
        (1, -3, datetime(2026, 6, 16, 13, 0, tzinfo=UTC), "planned", ""),
        (2, 0, datetime(2026, 6, 19, 13, 0, tzinfo=UTC), "planned", ""),
        (3, 3, datetime(2026, 6, 22, 13, 0, tzinfo=UTC), "planned", ""),
        (4, 7, datetime(2026, 6, 26, 13, 0, tzinfo=UTC), "planned", ""),
        (5, 14, datetime(2026, 7, 3, 13, 0, tzinfo=UTC), "planned", ""),
    ]
    assert (
        list(invoice.reminder_events.values_list("to_status", "reason"))
        == [("planned", "planned")] * 5
    )


def test_past_steps_are_skipped_and_later_ones_kept(org, monkeypatch):
    freeze(monkeypatch, datetime(2026, 6, 22, 12, 0, tzinfo=UTC))  # Monday, 14:00 in Berlin
    invoice = make_invoice(org, due_date=date(2026, 6, 19), delivery="MANUALLY")

    invoice_finalize(invoice=invoice, actor=Actor(label="test"))

    assert [(step, status, reason) for step, _, _, status, reason in rows(invoice)] == [
        (1, "skipped", "past when planned"),
        (2, "skipped", "past when planned"),
        (3, "skipped", "past when planned"),  # Monday 22nd 09:00 Berlin is two hours ago
        (4, "planned", ""),
        (5, "planned", ""),
    ]


def test_the_issue_message_pushes_early_steps_by_the_minimum_gap(org, monkeypatch):
    now = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)  # Monday 10:00 Berlin
    freeze(monkeypatch, now)
    invoice = make_invoice(org, due_date=date(2026, 6, 18))  # e-mailed on open

    invoice_finalize(invoice=invoice, actor=Actor(label="test"))

    planned = rows(invoice)
    # -3 (Monday 09:00) is past; 0 (Thursday 09:00) is 71 h after the e-mail, and +3 is
    # Sunday: Monday 09:00.
    assert planned[0][2:] == (
        datetime(2026, 6, 15, 8, 0, tzinfo=UTC),
        "skipped",
        "past when planned",
    )
    assert planned[1][2] == datetime(2026, 6, 18, 7, 0, tzinfo=UTC)
    assert planned[2][2] == datetime(2026, 6, 22, 7, 0, tzinfo=UTC)


def test_a_step_too_close_to_the_issue_message_moves_to_the_gap(org, monkeypatch):
    freeze(monkeypatch, datetime(2026, 6, 16, 14, 30, tzinfo=UTC))  # Tuesday 16:30 Berlin
    invoice = make_invoice(org, due_date=date(2026, 6, 18))  # e-mailed on open

    invoice_finalize(invoice=invoice, actor=Actor(label="test"))

    # Step 0 (Thursday 09:00) is < 48 h after the e-mail: Thursday 16:30, still in the window;
    # step +3 (Sunday) goes Monday 09:00.
    planned = rows(invoice)
    assert planned[1][2:4] == (datetime(2026, 6, 18, 14, 30, tzinfo=UTC), "planned")
    assert planned[2][2:4] == (datetime(2026, 6, 22, 7, 0, tzinfo=UTC), "planned")


def test_creating_invoices_open_through_the_bulk_insert_plans_them(org, monkeypatch):
    freeze(monkeypatch, datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    invoice = make_invoice(org, status="OPEN", due_date=date(2026, 7, 1), delivery="MANUALLY")

    assert Reminder.objects.filter(invoice=invoice, status="planned").count() == 5


def test_a_draft_has_no_plan(org):
    invoice = make_invoice(org)

    assert Reminder.objects.filter(invoice=invoice).count() == 0


def test_a_policy_change_replans_unsent_steps_and_never_touches_sent_ones(org, monkeypatch):
    freeze(monkeypatch, datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    invoice = make_invoice(org, status="OPEN", due_date=date(2026, 7, 1), delivery="MANUALLY")
    sent = Reminder.objects.get(invoice=invoice, step=1)
    Reminder.objects.filter(pk=sent.pk).update(status="sent")
    ReminderPolicy.objects.create(organization=org, steps=[-10, 1], window_start=14 * 60)

    moved = organization_replan(organization_id=org.pk)

    assert moved == 4  # step 2 re-planned, steps 3 to 5 cancelled
    assert [(s, o, st, r) for s, o, _, st, r in rows(invoice)] == [
        (1, -3, "sent", ""),
        (2, 1, "planned", "re-planned after a policy change"),
        (3, 3, "cancelled", "policy changed"),
        (4, 7, "cancelled", "policy changed"),
        (5, 14, "cancelled", "policy changed"),
    ]
    assert rows(invoice)[1][2] == datetime(2026, 7, 2, 12, 0, tzinfo=UTC)  # 14:00 CEST


def test_a_disabled_policy_plans_nothing(org, monkeypatch):
    freeze(monkeypatch, datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    ReminderPolicy.objects.create(organization=org, enabled=False, steps=[0])
    invoice = make_invoice(org, due_date=date(2026, 7, 1), delivery="MANUALLY")

    plan_on_open([invoice])

    assert rows(invoice) == []


def test_turning_reminders_off_pauses_the_plan_and_on_again_plans_every_open_invoice(
    org, monkeypatch
):
    freeze(monkeypatch, datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    policy = ReminderPolicy.objects.create(organization=org, steps=[0, 3])
    planned = make_invoice(org, status="OPEN", due_date=date(2026, 7, 1), delivery="MANUALLY")
    policy.enabled = False
    policy.save()
    organization_replan(organization_id=org.pk)
    while_off = make_invoice(org, status="OPEN", due_date=date(2026, 7, 1), delivery="MANUALLY")

    assert [(s, st, r) for s, _, _, st, r in rows(planned)] == [
        (1, "paused", "reminders disabled"),
        (2, "paused", "reminders disabled"),
    ]
    assert rows(while_off) == []

    policy.enabled = True
    policy.save()
    moved = organization_replan(organization_id=org.pk)

    assert moved == 4
    # Wednesday 1 July 09:00 CEST; +3 is a Saturday: Monday 6 July.
    expected = [
        (1, 0, datetime(2026, 7, 1, 7, 0, tzinfo=UTC), "planned"),
        (2, 3, datetime(2026, 7, 6, 7, 0, tzinfo=UTC), "planned"),
    ]
    assert [row[:4] for row in rows(planned)] == expected
    assert [row[:4] for row in rows(while_off)] == expected
    assert list(while_off.reminder_events.values_list("to_status", "reason")) == [
        ("planned", "planned"),
        ("planned", "planned"),
    ]


def test_a_replan_moves_many_invoices_in_batches_with_one_event_per_row(org, monkeypatch):
    freeze(monkeypatch, datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    monkeypatch.setattr(replan, "BATCH", 3)
    invoices = [
        make_invoice(org, status="OPEN", due_date=date(2026, 7, 1), delivery="MANUALLY")
        for _ in range(7)
    ]
    ReminderPolicy.objects.create(organization=org, steps=[-3, 0, 3, 7, 14], window_start=600)

    assert organization_replan(organization_id=org.pk) == 35

    assert set(Reminder.objects.values_list("planned_at__hour", "status", "reason")) == {
        (8, "planned", "re-planned after a policy change")  # 10:00 CEST
    }
    assert ReminderEvent.objects.filter(reason="re-planned after a policy change").count() == 35
    assert {i.reminders.count() for i in invoices} == {5}


def test_the_batch_door_refuses_a_row_that_moved_under_it(org, monkeypatch):
    freeze(monkeypatch, datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    invoice = make_invoice(org, status="OPEN", due_date=date(2026, 7, 1), delivery="MANUALLY")
    first, second = Reminder.objects.filter(invoice=invoice).order_by("step")[:2]
    Reminder.objects.filter(pk=second.pk).update(status="sending")  # claimed meanwhile
    moves = [
        states.Move(row.pk, invoice.pk, "planned", "cancelled", "policy changed")
        for row in (first, second)
    ]

    with pytest.raises(states.LostRace):
        states.reminder_moves(moves)

    assert list(Reminder.objects.filter(invoice=invoice).values_list("status", flat=True)) == [
        "planned",
        "sending",
        "planned",
        "planned",
        "planned",
    ]
    assert ReminderEvent.objects.filter(reason="policy changed").count() == 0
