"""Set-up and in-process measurements of the reminder benchmark, run inside Django.

Rows are bulk-inserted (the plan itself computed by the planner, no timeline events for the
set-up): open invoices due in 30 to 120 days, each with its five planned reminders, so a job
cycle finds nothing due however many there are.
"""

import statistics
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from billing.collections.models import Reminder, ReminderEvent, ReminderPolicy
from billing.collections.plan import new_row, plan_steps, resolve_channel
from billing.collections.policy import policy_for
from billing.collections.replan import REPLANNED, organization_replan
from billing.collections.sending import send_due
from billing.models import Customer, Invoice, Organization
from billing.services.numbering import allocate_numbers
from billing.services.organizations import organization_create

BATCH = 2000
CUSTOMERS = 200
TOTAL = 10_000  # minor units


def organization(slug: str) -> Organization:
    return Organization.objects.filter(slug=slug).first() or organization_create(
        name=f"Reminders {slug}", slug=slug, currency="USD", time_zone="Europe/Berlin"
    )


def _customers(org: Organization) -> list[Customer]:
    existing = list(Customer.objects.filter(organization=org)[:CUSTOMERS])
    missing = [
        Customer(organization=org, name=f"Customer {n}", email=f"customer{n}@example.com")
        for n in range(len(existing), CUSTOMERS)
    ]
    return existing + Customer.objects.bulk_create(missing)


def load_open(*, slug: str, invoices: int) -> dict:
    """``invoices`` more open invoices with their plan; returns the totals and the seconds."""
    started = time.perf_counter()
    org = organization(slug)
    policy, customers = policy_for(org), _customers(org)
    channels = {c.pk: resolve_channel(policy, c) for c in customers}
    now = timezone.now()
    for start in range(0, invoices, BATCH):
        with transaction.atomic():
            numbers = allocate_numbers(org, min(BATCH, invoices - start), now)
            rows = [
                _invoice(org, customers[(start + n) % CUSTOMERS], start + n, now, number)
                for n, number in enumerate(numbers)
            ]
            Invoice.objects.bulk_create(rows)
            Reminder.objects.bulk_create(
                new_row(invoice.pk, planned, channels[invoice.customer_id], now)
                for invoice in rows
                for planned in plan_steps(
                    policy=policy, invoice=invoice, now=now, last_message_at=None
                )
            )
    return {
        "invoices": Invoice.objects.filter(organization=org, status=Invoice.Status.OPEN).count(),
        "planned": Reminder.objects.filter(status=Reminder.Status.PLANNED).count(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _invoice(org, customer, n: int, now, number) -> Invoice:
    sequence, label = number
    return Invoice(
        organization=org,
        customer=customer,
        name=customer.name,
        email=customer.email,
        currency=org.default_currency,
        status=Invoice.Status.OPEN,
        due_date=(now + timedelta(days=30 + n % 90)).date(),
        subtotal=TOTAL,
        total=TOTAL,
        finalized_at=now,
        delivery=Invoice.Delivery.MANUALLY,
        sequence=sequence,
        number=label,
    )


def cycle(*, runs: int) -> dict:
    """p50/p95 of one job cycle that finds nothing due (each run must report nothing)."""
    assert send_due() == {}  # warm: connection, caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        report = send_due()
        times.append(time.perf_counter() - started)
        assert report == {}, report
    times.sort()
    return {
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 2),
        "rows": Reminder.objects.count(),
    }


def replan(*, slug: str) -> dict:
    """A policy change (window opening 09:00 → 10:00) re-planned by the queue job's service."""
    org = organization(slug)
    ReminderPolicy.objects.update_or_create(organization=org, defaults={"window_start": 10 * 60})
    events_before = ReminderEvent.objects.count()
    started = time.perf_counter()
    moved = organization_replan(organization_id=org.pk)
    seconds = time.perf_counter() - started
    replanned = Reminder.objects.filter(status=Reminder.Status.PLANNED, reason=REPLANNED)
    return {
        "invoices": Invoice.objects.filter(organization=org, status=Invoice.Status.OPEN).count(),
        "moved": moved,
        "replanned": replanned.count(),
        "events": ReminderEvent.objects.count() - events_before,
        "seconds": round(seconds, 1),
    }
