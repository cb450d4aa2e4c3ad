"""Every figure of the overview and the reports API against the hand-computed fixture."""

import pytest

from billing.models import Invoice
from billing.reports import selectors
from billing.reports.selectors import ChannelFunnel, CurrencyAging, CurrencySummary
from tests.reports import fixture, funnel_fixture
from tests.reports.fixture import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures():
    return fixture.build()


def test_summary_per_currency(figures):
    assert selectors.summary(organization=figures.org, now=NOW) == [
        CurrencySummary("JPY", 5000, 0, 0, 0, 0),
        # 1.250 KWD less 0.125 paid two days ago, five days past due, issued on 10 June.
        CurrencySummary("KWD", 1125, 1125, 1, 125, 1250),
        CurrencySummary(
            "USD",
            outstanding=537500,  # 75.00 + 200 + 300 + (400 - 100) + 500 + … + 1,000.00
            overdue=530000,  # all but the invoice due today
            overdue_count=9,
            collected_30d=7500,  # 25.00 ten days ago + 50.00 five days ago; not 31 days ago
            issued_month=22000,  # 100.00 (1 June in Tokyo) + 50.00 paid + 70.00 voided
        ),
    ]


def test_aging_buckets_by_calendar_days_in_the_organizations_zone(figures):
    assert selectors.aging(organization=figures.org, now=NOW) == [
        CurrencyAging("JPY", 5000, 0, 0, 0, 0, 0),
        CurrencyAging("KWD", 0, 1125, 0, 0, 0, 0),
        CurrencyAging(
            "USD",
            not_due=7500,  # 0 days
            d1_30=50000,  # 1 and 30 days
            d31_60=80000,  # 31 (300.00 left) and 60 days
            d61_90=130000,  # 61 and 90
            d91_120=170000,  # 91 and 120
            over_120=100000,  # 121
        ),
    ]


def test_an_organization_without_invoices_has_no_rows(figures):
    other = fixture.OrganizationFactory(slug="empty")
    assert selectors.summary(organization=other, now=NOW) == []
    assert selectors.aging(organization=other, now=NOW) == []


def test_another_organizations_invoices_never_count(figures):
    fixture.build(name="Other", slug="other")
    assert selectors.summary(organization=figures.org, now=NOW)[1] == CurrencySummary(
        "KWD", 1125, 1125, 1, 125, 1250
    )


def test_funnel_counts_invoices_per_channel_by_their_newest_message(
    client, django_capture_on_commit_callbacks
):
    org = funnel_fixture.build(client, django_capture_on_commit_callbacks)
    start, end = funnel_fixture.START, funnel_fixture.END
    assert selectors.funnel(organization=org, start=start, end=end) == [
        ChannelFunnel("whatsapp", issued=1, accepted=0, delivered=0, read=0, opened=0, paid=0),
        ChannelFunnel("email", issued=4, accepted=4, delivered=2, read=1, opened=1, paid=1),
    ]


def test_a_second_visit_keeps_the_first_opening_time(client, django_capture_on_commit_callbacks):
    org = funnel_fixture.build(client, django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get(organization=org, pay_page_opened_at__isnull=False)
    first = invoice.pay_page_opened_at
    assert client.get(f"/pay/{invoice.payment_token}/").status_code == 200
    invoice.refresh_from_db()
    assert invoice.pay_page_opened_at == first
