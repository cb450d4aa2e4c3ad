"""The plan written when an invoice becomes OPEN, and re-planned when the policy changes."""

from datetime import UTC, date, datetime

from django.utils import timezone

from billing.collections.models import Reminder, ReminderPolicy
from billing.collections.plan import organization_replan, plan_on_open
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


def test_a_disabled_policy_plans_paused_rows(org, monkeypatch):
    freeze(monkeypatch, datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    ReminderPolicy.objects.create(organization=org, enabled=False, steps=[0])
    invoice = make_invoice(org, due_date=date(2026, 7, 1), delivery="MANUALLY")

    plan_on_open([invoice])

    assert [(st, r) for *_, st, r in rows(invoice)] == [("paused", "reminders disabled")]
