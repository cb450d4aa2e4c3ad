"""A hand-computed organization for the figures: Tokyo time, USD, KWD and JPY invoices.

``NOW`` is 20:00 UTC on 15 June, already 05:00 on 16 June in Tokyo: every boundary below is one
day off if a figure is computed in UTC instead of the organization's zone.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from billing.models import Invoice, Organization
from billing.reports import figures
from billing.services.actors import Actor
from billing.services.invoices import invoice_mark_uncollectible, invoice_void
from billing.services.payments import payment_record
from tests.factories import OrganizationFactory, make_invoice

NOW = datetime(2026, 6, 15, 20, 0, tzinfo=UTC)
TODAY = date(2026, 6, 16)  # in Tokyo
BEFORE_THIS_MONTH = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ACTOR = Actor(label="test")
# Days past due of the ten USD invoices; invoice i totals (i + 1) x 100.00 USD.
USD_DAYS_PAST_DUE = (0, 1, 30, 31, 60, 61, 90, 91, 120, 121)


@dataclass
class Figures:
    org: Organization
    usd: list[Invoice]
    kwd: Invoice
    jpy: Invoice


def _open(org, *, total: int, days_past_due: int, currency="USD", finalized=BEFORE_THIS_MONTH):
    invoice = make_invoice(
        org,
        status="OPEN",
        lines=((total, 1),),
        currency=currency,
        due_date=TODAY - timedelta(days=days_past_due),
        partial_payment=True,
        delivery="MANUALLY",
    )
    Invoice.objects.filter(pk=invoice.pk).update(finalized_at=finalized)
    invoice.refresh_from_db()
    return invoice


def _pay(invoice: Invoice, amount: int, days_ago: float) -> None:
    payment_record(
        invoice=invoice,
        amount=amount,
        method="BANK_TRANSFER",
        actor=ACTOR,
        paid_at=NOW - timedelta(days=days_ago),
    )


def build(name="Figures Ltd", slug="figures") -> Figures:
    org = OrganizationFactory(name=name, slug=slug, time_zone="Asia/Tokyo")
    usd = [
        _open(org, total=(i + 1) * 10000, days_past_due=days)
        for i, days in enumerate(USD_DAYS_PAST_DUE)
    ]
    # 16 June 01:00 in Tokyo is still 31 May in UTC: issued this month in the org's zone.
    Invoice.objects.filter(pk=usd[0].pk).update(
        finalized_at=datetime(2026, 5, 31, 16, 0, tzinfo=UTC)
    )
    _pay(usd[0], 2500, days_ago=10)  # partial: 75.00 of 100.00 left, not due yet
    _pay(usd[3], 10000, days_ago=31)  # partial, outside the 30 days
    paid = _open(org, total=5000, days_past_due=-5, finalized=NOW - timedelta(days=13))
    _pay(paid, 5000, days_ago=5)  # in full: PAID
    void = _open(org, total=7000, days_past_due=3, finalized=NOW - timedelta(days=12))
    invoice_void(invoice=void, actor=ACTOR)
    lost = _open(org, total=8000, days_past_due=40)
    invoice_mark_uncollectible(invoice=lost, actor=ACTOR)
    make_invoice(org, lines=((9000, 1),), delivery="MANUALLY")  # a draft counts nowhere
    kwd = _open(org, total=1250, days_past_due=5, currency="KWD", finalized=NOW - timedelta(5))
    _pay(kwd, 125, days_ago=2)
    jpy = _open(org, total=5000, days_past_due=-10, currency="JPY")
    # Issue dates were moved back by UPDATE, past the services: recount the stored figures.
    figures.rebuild(organization=org)
    return Figures(org=org, usd=usd, kwd=kwd, jpy=jpy)
