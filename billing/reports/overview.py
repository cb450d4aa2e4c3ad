"""The overview page's content: the selectors' figures, each with the changelist that explains it.

Links are built from the changelists' own filters (status, currency, date ranges), so a click
shows exactly the invoices, payments or messages a figure counts.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from billing.models import Organization
from billing.money import format_amount
from billing.reports import charts, selectors
from billing.reports.periods import local_start, local_today, month_start

AGING_LABELS = {
    "not_due": "Not yet due",
    "d1_30": "1-30 days",
    "d31_60": "31-60 days",
    "d61_90": "61-90 days",
    "d91_120": "91-120 days",
    "over_120": "Over 120 days",
}
FUNNEL_STAGES = ("issued", "accepted", "delivered", "read", "opened", "paid")


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    href: str
    css: str = ""


@dataclass
class CurrencyBlock:
    currency: str
    figures: list[Figure]
    aging: list[Figure]
    aging_chart: charts.Chart
    weekly_chart: charts.Chart


@dataclass
class Overview:
    organization: Organization
    currencies: list[CurrencyBlock]
    funnel: list[dict]
    attention: list[Figure]
    period: tuple = field(default=())


def link(changelist: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{reverse(changelist)}?{query}" if query else reverse(changelist)


INVOICES = "admin:billing_invoice_changelist"
PAYMENTS = "admin:billing_payment_changelist"
MESSAGES = "admin:notifications_message_changelist"
APPROVALS = "admin:billing_approvalrequest_changelist"


def build(*, organization: Organization, now: datetime | None = None) -> Overview:
    now = now or timezone.now()
    aging = {row.currency: row for row in selectors.aging(organization=organization, now=now)}
    blocks = [
        _currency_block(organization, row, aging.get(row.currency), now)
        for row in selectors.summary(organization=organization, now=now)
    ]
    end = local_today(organization, now)
    start = end - timedelta(days=29)
    return Overview(
        organization=organization,
        currencies=blocks,
        funnel=_funnel(organization, start, end),
        attention=_attention(organization, now),
        period=(start, end),
    )


def _money(organization, minor: int, currency: str) -> str:
    return format_amount(minor, currency)


def _currency_block(organization, summary, aging, now) -> CurrencyBlock:
    currency, money = summary.currency, lambda minor: _money(organization, minor, currency)
    issued_from = month_start(organization, now).isoformat()
    collected_from = local_start(organization, selectors.collection_start(organization, now))
    figures = [
        Figure(
            "Outstanding",
            money(summary.outstanding),
            link(INVOICES, status="OPEN", currency__exact=currency),
        ),
        Figure(
            f"Overdue ({summary.overdue_count})",
            money(summary.overdue),
            link(INVOICES, status="PASTDUE", currency__exact=currency),
            "overdue",
        ),
        Figure(
            "Collected, last 30 days",
            money(summary.collected_30d),
            link(PAYMENTS, paid_at__gte=collected_from.isoformat()),
        ),
        Figure(
            "Issued this month",
            money(summary.issued_month),
            link(INVOICES, finalized_at__gte=issued_from, currency__exact=currency),
        ),
    ]
    aging_figures = _aging(organization, aging, currency, now) if aging else []
    return CurrencyBlock(
        currency=currency,
        figures=figures,
        aging=aging_figures,
        aging_chart=charts.bars([(f.label, [(f.amount, f.value, f.href)]) for f in aging_figures]),
        weekly_chart=_weekly_chart(organization, currency, now),
    )


@dataclass(frozen=True)
class AgingFigure(Figure):
    amount: int = 0


def _aging(organization, row, currency: str, now) -> list[AgingFigure]:
    today = local_today(organization, now)
    ranges = {"not_due": (today, None)}
    for name, first, last in selectors.AGING_BUCKETS:
        newest = today - timedelta(days=first) + timedelta(days=1)  # due_date__lt is exclusive
        ranges[name] = (today - timedelta(days=last) if last else None, newest)
    figures = []
    for name in selectors.AGING_FIELDS:
        oldest, newest = ranges[name]
        href = link(
            INVOICES,
            status="OPEN",
            currency__exact=currency,
            due_date__gte=oldest.isoformat() if oldest else None,
            due_date__lt=newest.isoformat() if newest else None,
        )
        amount = getattr(row, name)
        value = _money(organization, amount, currency)
        figures.append(AgingFigure(AGING_LABELS[name], value, href, amount=amount))
    return figures


def _weekly_chart(organization, currency: str, now) -> charts.Chart:
    groups = []
    for week in selectors.weekly(organization=organization, currency=currency, now=now):
        start = local_start(organization, week.week)
        end = local_start(organization, week.week + timedelta(days=7))
        issued = link(
            INVOICES,
            currency__exact=currency,
            finalized_at__gte=start.isoformat(),
            finalized_at__lt=end.isoformat(),
        )
        collected = link(PAYMENTS, paid_at__gte=start.isoformat(), paid_at__lt=end.isoformat())
        label = week.week.strftime("%d %b")
        groups.append(
            (
                label,
                [
                    (
                        week.issued,
                        f"Issued {label}: {_money(organization, week.issued, currency)}",
                        issued,
                    ),
                    (
                        week.collected,
                        f"Collected {label}: {_money(organization, week.collected, currency)}",
                        collected,
                    ),
                ],
            )
        )
    return charts.bars(groups)


def _funnel(organization, start, end) -> list[dict]:
    period = {
        "finalized_at__gte": local_start(organization, start).isoformat(),
        "finalized_at__lt": local_start(organization, end + timedelta(days=1)).isoformat(),
    }
    rows = []
    for row in selectors.funnel(organization=organization, start=start, end=end):
        stages = []
        for stage in FUNNEL_STAGES:
            count = getattr(row, stage)
            rate = f"{count / row.issued:.0%}" if row.issued else "-"
            extra = {"status": "PAID"} if stage == "paid" else {}
            stages.append(
                {
                    "stage": stage,
                    "count": count,
                    "rate": rate,
                    "href": link(INVOICES, **period, **extra),
                }
            )
        rows.append({"channel": row.channel, "stages": stages})
    return rows


def _count(count: int) -> str:
    limit = selectors.ATTENTION_LIMIT
    return f"{limit:,}+" if count > limit else f"{count:,}"


def _attention(organization, now) -> list[Figure]:
    counts = selectors.attention(organization=organization, now=now)
    since = (now - selectors.ATTENTION_WINDOW).astimezone(organization.tzinfo).isoformat()
    return [
        Figure(
            "Messages unknown (7 days)",
            _count(counts.unknown),
            link(MESSAGES, status__exact="unknown", created_at__gte=since),
            "attention" if counts.unknown else "",
        ),
        Figure(
            "Messages failed (7 days)",
            _count(counts.failed),
            link(MESSAGES, status__exact="failed", created_at__gte=since),
            "attention" if counts.failed else "",
        ),
        Figure(
            "E-mails bounced (7 days)",
            _count(counts.bounced),
            link(MESSAGES, status__exact="bounced", channel__exact="email", created_at__gte=since),
            "attention" if counts.bounced else "",
        ),
        Figure(
            "Approval requests waiting",
            str(counts.approvals),
            link(APPROVALS, status__exact="pending"),
            "attention" if counts.approvals else "",
        ),
    ]
