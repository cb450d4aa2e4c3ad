"""The overview in a real browser: its figures and charts render, and a figure's link opens the
changelist of exactly the invoices it counts."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from billing.services.roles import staff_user_set
from tests.browser.support import log_in
from tests.factories import OrganizationFactory, make_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_overview_renders_its_charts_and_an_overdue_figure_opens_its_invoices(
    page, live_server, artifacts_dir
):
    org = OrganizationFactory(name="Overview Ltd", default_currency="USD")
    today = timezone.localdate()
    for days, price in ((5, 10000), (40, 25000), (-3, 7000)):
        make_invoice(
            org,
            status="OPEN",
            lines=((price, 1),),
            due_date=today - timedelta(days=days),
            delivery="MANUALLY",
        )
    staff_user_set(username="vera", password="pw-browser-1", organization=org, role="viewer")

    log_in(page, live_server, "vera", landing="#overview")

    assert page.locator("svg.chart").count() == 2
    assert page.locator("#chart-aging-USD rect").count() == 6
    cards = page.locator("#currency-USD .cards").first.inner_text()
    assert "420 USD" in cards  # outstanding: 100 + 250 + 70
    assert "Overdue (2)" in cards
    page.screenshot(path=os.path.join(artifacts_dir, "overview.png"), full_page=True)

    page.click("#currency-USD a.card.overdue")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 2
    assert "status=PASTDUE" in page.url
    page.screenshot(path=os.path.join(artifacts_dir, "overview-overdue-invoices.png"))
