"""Keeping the stored figures (``OpenBalance``, ``DayTotals``) equal to what they count.

The services that change what an invoice counts for call this module inside their own
transaction: ``standing`` before the change and ``balance_moved`` after it, ``invoices_opened``
when invoices become OPEN, ``collected`` for money in or out. Additions are upserts
(``billing.reports.upsert``), their keys in sorted order. The delivery funnel's rows are kept
by ``billing.reports.funnel_days``.

``computed_*`` recompute the same rows from the invoices, payments and credit notes; ``rebuild``
replaces the stored rows, the funnel's included, with them (``manage.py rebuild_figures``).
"""

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps as installed_apps
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate

from billing.models import DayTotals, Invoice, OpenBalance, Organization
from billing.reports import funnel_days
from billing.reports.upsert import add_rows

BALANCE_KEY = ("organization_id", "currency", "due_date", "disputed")
DAY_KEY = ("organization_id", "currency", "day")


@dataclass(frozen=True)
class Standing:
    """What one OPEN invoice adds to its ``OpenBalance`` row."""

    key: tuple
    amount: int


def standing(invoice: Invoice) -> Standing | None:
    if invoice.status != Invoice.Status.OPEN:
        return None
    disputed = invoice.disputed_at is not None
    key = (invoice.organization_id, invoice.currency, invoice.due_date, disputed)
    return Standing(key, invoice.amount_due)


def balance_moved(before: Standing | None, invoice: Invoice) -> None:
    """``invoice`` changed (status, amounts, dispute) since ``before = standing(invoice)``."""
    balances_moved([(before, standing(invoice))])


def balances_moved(moves: Iterable[tuple[Standing | None, Standing | None]]) -> None:
    deltas: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for before, after in moves:
        for side, sign in ((before, -1), (after, 1)):
            if side is not None:
                deltas[side.key][0] += sign * side.amount
                deltas[side.key][1] += sign
    rows = [(*key, *delta) for key, delta in sorted(deltas.items()) if any(delta)]
    add_rows(OpenBalance, BALANCE_KEY, ("amount", "count"), rows)


def local_day(invoice: Invoice, moment: datetime):
    return moment.astimezone(invoice.organization.tzinfo).date()


def invoices_opened(invoices: Sequence[Invoice]) -> None:
    """Invoices that just became OPEN: their balances, and their totals issued that day."""
    balances_moved((None, standing(invoice)) for invoice in invoices)
    days: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for invoice in invoices:
        key = (invoice.organization_id, invoice.currency, local_day(invoice, invoice.finalized_at))
        days[key][0] += invoice.total
        days[key][1] += 1
    rows = [(*key, *sums) for key, sums in sorted(days.items())]
    add_rows(DayTotals, DAY_KEY, ("issued", "issued_count"), rows)


def collected(invoice: Invoice, at: datetime, amount: int) -> None:
    """Money received on ``invoice`` dated ``at`` (negative: a reversal or a refund)."""
    key = (invoice.organization_id, invoice.currency, local_day(invoice, at))
    add_rows(DayTotals, DAY_KEY, ("collected",), [(*key, amount)])


# --- recomputation --------------------------------------------------------------------------
# ``apps`` is the app registry to read models from: the installed one, or a migration's.


def _model(apps, name: str):
    return apps.get_model("billing", name)


def computed_balances(organization, apps=installed_apps) -> dict[tuple, tuple[int, int]]:
    """(currency, due date, disputed) → (amount due, count) of the OPEN invoices."""
    disputed = ExpressionWrapper(Q(disputed_at__isnull=False), output_field=BooleanField())
    rows = (
        _model(apps, "Invoice")
        .objects.filter(organization=organization, status=Invoice.Status.OPEN)
        .annotate(is_disputed=disputed)
        .order_by()
        .values_list("currency", "due_date", "is_disputed")
        .annotate(
            amount=Sum(F("total") - F("amount_paid") - F("amount_credited")), count=Count("pk")
        )
    )
    return {(cur, due, bool(dis)): (amount, count) for cur, due, dis, amount, count in rows}


def computed_days(organization, apps=installed_apps) -> dict[tuple, tuple[int, int, int]]:
    """(currency, day) → (issued, issued count, collected), days in the organization's zone."""
    zone = zoneinfo.ZoneInfo(organization.time_zone)
    days: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    issued = (
        _model(apps, "Invoice")
        .objects.filter(organization=organization, finalized_at__isnull=False)
        .annotate(day=TruncDate("finalized_at", tzinfo=zone))
        .order_by()
        .values_list("currency", "day")
        .annotate(Sum("total"), Count("pk"))
    )
    for currency, day, total, count in issued:
        days[(currency, day)][0:2] = [total, count]
    received = (
        _model(apps, "Payment")
        .objects.filter(invoice__organization=organization, reversal__isnull=True)
        .annotate(day=TruncDate("paid_at", tzinfo=zone))
        .order_by()
        .values_list("invoice__currency", "day")
        .annotate(Sum("amount"))
    )
    refunded = (
        _model(apps, "CreditNote")
        .objects.filter(organization=organization, refund_amount__gt=0)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values_list("currency", "day")
        .annotate(Sum("refund_amount"))
    )
    for rows, sign in ((received, 1), (refunded, -1)):
        for currency, day, amount in rows:
            days[(currency, day)][2] += sign * amount
    return {key: tuple(sums) for key, sums in days.items() if any(sums)}


def stored_balances(organization: Organization) -> dict[tuple, tuple[int, int]]:
    rows = OpenBalance.objects.filter(organization=organization).exclude(amount=0, count=0)
    return {
        (r.currency, r.due_date, r.disputed): (r.amount, r.count)
        for r in rows.order_by("currency", "due_date", "disputed")
    }


def stored_days(organization: Organization) -> dict[tuple, tuple[int, int, int]]:
    rows = DayTotals.objects.filter(organization=organization).exclude(
        issued=0, issued_count=0, collected=0
    )
    return {
        (r.currency, r.day): (r.issued, r.issued_count, r.collected)
        for r in rows.order_by("currency", "day")
    }


@transaction.atomic
def rebuild(*, organization, apps=installed_apps) -> tuple[int, int, int]:
    """Replace the organization's stored figures by a recomputation (after an import, a
    restore or a change of time zone); returns the (balance, day, funnel day) rows written.

    Changes committed while it runs may be counted twice or not at all: run it while the
    organization is quiet."""
    balances, days = rebuild_money(organization=organization, apps=apps)
    return balances, days, funnel_days.rebuild(organization=organization, apps=apps)


@transaction.atomic
def rebuild_money(*, organization, apps=installed_apps) -> tuple[int, int]:
    """``rebuild`` without the funnel (the migration that created these figures calls it)."""
    balance_model, day_model = _model(apps, "OpenBalance"), _model(apps, "DayTotals")
    balance_model.objects.filter(organization=organization).delete()
    day_model.objects.filter(organization=organization).delete()
    org = organization.pk
    balances = computed_balances(organization, apps)
    days = computed_days(organization, apps)
    add_rows(
        balance_model,
        BALANCE_KEY,
        ("amount", "count"),
        [(org, *key, *sums) for key, sums in sorted(balances.items())],
    )
    add_rows(
        day_model,
        DAY_KEY,
        ("issued", "issued_count", "collected"),
        [(org, *key, *sums) for key, sums in sorted(days.items())],
    )
    return len(balances), len(days)
