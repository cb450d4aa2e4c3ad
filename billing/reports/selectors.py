"""Reads behind every figure: per currency (never converted), amounts in minor units.

The overview, ``/api/v0/reports/*`` and the aging export all call these functions, so a figure
has one definition. Each selector is a constant number of grouped queries, whatever the row count;
the money figures read the stored rows of ``billing.reports.figures`` (one per due date and per
day) and the funnel those of ``billing.reports.funnel_days`` (one per day and channel), never
the invoices themselves.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from billing.models import (
    ApprovalRequest,
    DayTotals,
    FunnelDay,
    Invoice,
    OpenBalance,
    Organization,
)
from billing.models.choices import Channel
from billing.reports.funnel_days import STAGES
from billing.reports.periods import local_today, month_start
from notifications.models import Message

Status = Invoice.Status
COLLECTION_WINDOW = timedelta(days=30)  # calendar days, today included
# (field, first day past due, last day past due); None is open-ended.
AGING_BUCKETS = (
    ("d1_30", 1, 30),
    ("d31_60", 31, 60),
    ("d61_90", 61, 90),
    ("d91_120", 91, 120),
    ("over_120", 121, None),
)
ZERO_SUMMARY = dict.fromkeys(
    ("outstanding", "overdue", "overdue_count", "collected_30d", "issued_month"), 0
)
AGING_FIELDS = ("not_due", *(name for name, _, _ in AGING_BUCKETS))


@dataclass(frozen=True)
class CurrencySummary:
    currency: str
    outstanding: int
    overdue: int
    overdue_count: int
    collected_30d: int
    issued_month: int


@dataclass(frozen=True)
class CurrencyAging:
    currency: str
    not_due: int
    d1_30: int
    d31_60: int
    d61_90: int
    d91_120: int
    over_120: int


@dataclass(frozen=True)
class ChannelFunnel:
    channel: str
    issued: int
    accepted: int
    delivered: int
    read: int
    opened: int
    paid: int


def _balances(organization: Organization):
    return OpenBalance.objects.filter(organization=organization).order_by()


def collection_start(organization: Organization, now: datetime) -> date:
    """The first of the 30 calendar days (today included, org's zone) of ``collected_30d``."""
    return local_today(organization, now) - COLLECTION_WINDOW + timedelta(days=1)


def summary(*, organization: Organization, now: datetime | None = None) -> list[CurrencySummary]:
    """From the stored figures: one row per due date and per day, whatever the invoice count."""
    now = now or timezone.now()
    today = local_today(organization, now)
    overdue = Q(due_date__lt=today, disputed=False)
    figures: dict[str, dict] = {}
    balances = (
        _balances(organization)
        .values("currency")
        .annotate(
            outstanding=Sum("amount", default=0),
            open_count=Sum("count", default=0),
            overdue=Sum("amount", filter=overdue, default=0),
            overdue_count=Sum("count", filter=overdue, default=0),
        )
    )
    for row in balances:
        currency = row.pop("currency")
        if row.pop("open_count"):
            figures[currency] = {**ZERO_SUMMARY, **row}
    month = month_start(organization, now).date()
    window = collection_start(organization, now)
    days = (
        DayTotals.objects.filter(organization=organization, day__gte=min(month, window))
        .order_by()
        .values("currency")
        .annotate(
            issued_month=Sum("issued", filter=Q(day__gte=month), default=0),
            issued_count=Sum("issued_count", filter=Q(day__gte=month), default=0),
            collected_30d=Sum("collected", filter=Q(day__gte=window), default=0),
        )
    )
    for row in days:
        currency = row.pop("currency")
        if row.pop("issued_count") or row["collected_30d"]:
            figures.setdefault(currency, dict(ZERO_SUMMARY)).update(row)
    return [CurrencySummary(currency=c, **figures[c]) for c in sorted(figures)]


def aging_q(organization: Organization, now: datetime, bucket: str) -> Q:
    """The due dates of one aging bucket; days past due are calendar days in the org's zone."""
    today = local_today(organization, now)
    if bucket == "not_due":
        return Q(due_date__gte=today)
    _, first, last = next(b for b in AGING_BUCKETS if b[0] == bucket)
    condition = Q(due_date__lte=today - timedelta(days=first))
    if last is not None:
        condition &= Q(due_date__gte=today - timedelta(days=last))
    return condition


def aging(*, organization: Organization, now: datetime | None = None) -> list[CurrencyAging]:
    """Remaining balances of OPEN invoices (disputed ones included) by days past due."""
    now = now or timezone.now()
    sums = {
        name: Sum("amount", filter=aging_q(organization, now, name), default=0)
        for name in AGING_FIELDS
    }
    rows = (
        _balances(organization)
        .values("currency")
        .annotate(open_count=Sum("count"), **sums)
        .order_by("currency")
    )
    return [CurrencyAging(**row) for row in rows if row.pop("open_count")]


def funnel(*, organization: Organization, start: date, end: date) -> list[ChannelFunnel]:
    """Invoices issued from ``start`` to ``end`` (inclusive, org's zone), per channel they were
    sent on: how far their delivery got, whether the pay page was opened, whether paid. Read
    from the stored days of the period (``billing.reports.funnel_days``)."""
    sums = {stage: Sum(stage, default=0) for stage in STAGES}
    rows = (
        FunnelDay.objects.filter(organization=organization, day__gte=start, day__lte=end)
        .order_by()
        .values("channel")
        .annotate(**sums)
    )
    found = {row.pop("channel"): row for row in rows}
    empty = dict.fromkeys(STAGES, 0)
    return [ChannelFunnel(channel=c, **found.get(c, empty)) for c in Channel.values]


@dataclass(frozen=True)
class WeekFigures:
    week: date  # the Monday, in the organization's zone
    issued: int
    collected: int


def weekly(
    *, organization: Organization, currency: str, now: datetime | None = None, weeks: int = 12
) -> list[WeekFigures]:
    """Issued and collected per week in one currency, oldest first, ``weeks`` weeks to now."""
    now = now or timezone.now()
    today = local_today(organization, now)
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    rows = DayTotals.objects.filter(
        organization=organization, currency=currency, day__gte=first, day__lte=today
    ).values_list("day", "issued", "collected")
    issued, collected = [0] * weeks, [0] * weeks
    for day, day_issued, day_collected in rows:
        week = (day - first).days // 7
        issued[week] += day_issued
        collected[week] += day_collected
    days = [first + timedelta(weeks=n) for n in range(weeks)]
    return [WeekFigures(d, i, c) for d, i, c in zip(days, issued, collected, strict=True)]


@dataclass(frozen=True)
class Attention:
    unknown: int
    failed: int
    bounced: int
    approvals: int


ATTENTION_WINDOW = timedelta(days=7)
ATTENTION_LIMIT = 1000  # counted up to here, shown as "1,000+" beyond: a page costs the same


def attention(*, organization: Organization, now: datetime | None = None) -> Attention:
    """Messages of the last 7 days that need a look (each count bounded by
    ``ATTENTION_LIMIT``, read from the tenant/status/time index), and approvals waiting."""
    since = (now or timezone.now()) - ATTENTION_WINDOW
    recent = Message.objects.filter(tenant_id=organization.pk, created_at__gte=since)
    counts = {
        name: recent.filter(**where)[: ATTENTION_LIMIT + 1].count()
        for name, where in (
            ("unknown", {"status": "unknown"}),
            ("failed", {"status": "failed"}),
            ("bounced", {"status": "bounced", "channel": "email"}),
        )
    }
    approvals = ApprovalRequest.objects.filter(
        organization=organization, status=ApprovalRequest.Status.PENDING
    ).count()
    return Attention(approvals=approvals, **counts)
