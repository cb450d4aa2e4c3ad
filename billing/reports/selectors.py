"""Reads behind every figure: per currency (never converted), amounts in minor units.

The overview, ``/api/v0/reports/*`` and the aging export all call these functions, so a figure
has one definition. Each selector is a constant number of grouped queries, whatever the row count.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from billing.models import ApprovalRequest, Invoice, InvoiceDelivery, Organization, Payment
from billing.models.choices import Channel
from billing.reports.periods import local_start, local_today, month_start
from notifications.models import Message

Status = Invoice.Status
AMOUNT_DUE = F("total") - F("amount_paid")
COLLECTION_WINDOW = timedelta(days=30)
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

# The last status of an invoice's newest message on a channel, read as funnel stages.
# A bounce or an expiry happens after the channel took the message, so both count as accepted.
ACCEPTED = frozenset(
    {"accepted", "pending", "sent", "delivered", "read", "opened", "clicked", "bounced"}
    | {"undelivered"}
)
DELIVERED = frozenset({"delivered", "read", "opened", "clicked"})
READ = frozenset({"read", "opened", "clicked"})


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


def open_invoices(organization: Organization):
    """OPEN invoices (PASTDUE and PARTIALLYPAID are views of OPEN); disputed ones included."""
    return Invoice.objects.filter(organization=organization, status=Status.OPEN)


def overdue_q(organization: Organization, now: datetime) -> Q:
    return Q(status=Status.OPEN, due_date__lt=local_today(organization, now))


def summary(*, organization: Organization, now: datetime | None = None) -> list[CurrencySummary]:
    now = now or timezone.now()
    issued_from = month_start(organization, now)
    overdue = overdue_q(organization, now)
    invoice_rows = (
        Invoice.objects.filter(organization=organization)
        .filter(Q(status=Status.OPEN) | Q(finalized_at__gte=issued_from))
        .order_by()
        .values("currency")
        .annotate(
            outstanding=Sum(AMOUNT_DUE, filter=Q(status=Status.OPEN), default=0),
            overdue=Sum(AMOUNT_DUE, filter=overdue, default=0),
            overdue_count=Count("pk", filter=overdue),
            issued_month=Sum("total", filter=Q(finalized_at__gte=issued_from), default=0),
        )
    )
    figures = {row.pop("currency"): {**ZERO_SUMMARY, **row} for row in invoice_rows}
    for currency, collected in collected_since(organization, now - COLLECTION_WINDOW, now):
        figures.setdefault(currency, dict(ZERO_SUMMARY))["collected_30d"] = collected
    return [CurrencySummary(currency=c, **figures[c]) for c in sorted(figures)]


def collected_since(organization: Organization, start: datetime, end: datetime):
    """(currency, minor units) of payments dated in (start, end]. Payments are money received:
    the model has no reversal or refund rows, so nothing is subtracted."""
    rows = (
        Payment.objects.filter(invoice__organization=organization, paid_at__gt=start)
        .filter(paid_at__lte=end)
        .values_list("invoice__currency")
        .annotate(collected=Sum("amount"))
        .order_by("invoice__currency")
    )
    return list(rows)


def aging_q(organization: Organization, now: datetime, bucket: str) -> Q:
    """The OPEN invoices of one aging bucket; days past due are calendar days in the org's zone."""
    today = local_today(organization, now)
    if bucket == "not_due":
        return Q(status=Status.OPEN, due_date__gte=today)
    _, first, last = next(b for b in AGING_BUCKETS if b[0] == bucket)
    condition = Q(status=Status.OPEN, due_date__lte=today - timedelta(days=first))
    if last is not None:
        condition &= Q(due_date__gte=today - timedelta(days=last))
    return condition


def aging(*, organization: Organization, now: datetime | None = None) -> list[CurrencyAging]:
    now = now or timezone.now()
    sums = {
        name: Sum(AMOUNT_DUE, filter=aging_q(organization, now, name), default=0)
        for name in AGING_FIELDS
    }
    rows = open_invoices(organization).values("currency").annotate(**sums).order_by("currency")
    return [CurrencyAging(**row) for row in rows]


def funnel(*, organization: Organization, start: date, end: date) -> list[ChannelFunnel]:
    """Invoices issued from ``start`` to ``end`` (inclusive, org's zone), per channel they were
    sent on: how far their newest message got, whether the pay page was opened, whether paid."""
    issued = Q(
        invoice__organization=organization,
        invoice__finalized_at__gte=local_start(organization, start),
        invoice__finalized_at__lt=local_start(organization, end + timedelta(days=1)),
    )
    rows = (
        InvoiceDelivery.objects.filter(issued)
        .values("channel")
        .annotate(
            issued=Count("invoice", distinct=True),
            accepted=Count("invoice", filter=Q(status__in=ACCEPTED), distinct=True),
            delivered=Count("invoice", filter=Q(status__in=DELIVERED), distinct=True),
            read=Count("invoice", filter=Q(status__in=READ), distinct=True),
            opened=Count(
                "invoice", filter=Q(invoice__pay_page_opened_at__isnull=False), distinct=True
            ),
            paid=Count("invoice", filter=Q(invoice__status=Status.PAID), distinct=True),
        )
    )
    found = {row.pop("channel"): row for row in rows}
    empty = dict.fromkeys(("issued", "accepted", "delivered", "read", "opened", "paid"), 0)
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
    since = local_start(organization, first)
    zone = organization.tzinfo
    issued = dict(
        Invoice.objects.filter(organization=organization, currency=currency)
        .filter(finalized_at__gte=since)
        .annotate(week=TruncWeek("finalized_at", tzinfo=zone))
        .order_by()
        .values_list("week")
        .annotate(Sum("total"))
    )
    collected = dict(
        Payment.objects.filter(invoice__organization=organization, invoice__currency=currency)
        .filter(paid_at__gte=since, paid_at__lte=now)
        .annotate(week=TruncWeek("paid_at", tzinfo=zone))
        .order_by()
        .values_list("week")
        .annotate(Sum("amount"))
    )
    issued = {_as_day(k): v for k, v in issued.items()}
    collected = {_as_day(k): v for k, v in collected.items()}
    days = [first + timedelta(weeks=n) for n in range(weeks)]
    return [WeekFigures(day, issued.get(day, 0), collected.get(day, 0)) for day in days]


def _as_day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Attention:
    unknown: int
    failed: int
    bounced: int
    approvals: int


ATTENTION_WINDOW = timedelta(days=7)


def attention(*, organization: Organization, now: datetime | None = None) -> Attention:
    """Messages of the last 7 days that need a look, and approval requests waiting."""
    since = (now or timezone.now()) - ATTENTION_WINDOW
    counts = Message.objects.filter(tenant_id=organization.pk, created_at__gte=since).aggregate(
        unknown=Count("pk", filter=Q(status="unknown")),
        failed=Count("pk", filter=Q(status="failed")),
        bounced=Count("pk", filter=Q(status="bounced", channel="email")),
    )
    approvals = ApprovalRequest.objects.filter(
        organization=organization, status=ApprovalRequest.Status.PENDING
    ).count()
    return Attention(approvals=approvals, **counts)
