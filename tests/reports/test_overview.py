"""The overview as the admin home: the fixture's figures, each linking to the rows it counts."""

from urllib.parse import urlsplit

import pytest
import time_machine
from django.db.models import F, Sum

from billing.admin.scoping import SESSION_KEY
from tests.billing.admin_support import make_member
from tests.reports import fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures():
    return fixture.build()


@pytest.fixture
def viewer(client, django_user_model, figures):
    client.force_login(make_member(django_user_model, figures.org, username="v", role="viewer"))
    return client


def home(client):
    with time_machine.travel(fixture.NOW, tick=False):
        response = client.get("/admin/")
    assert response.status_code == 200
    return response


def changelist(client, href: str):
    with time_machine.travel(fixture.NOW, tick=False):
        response = client.get(href)
    assert response.status_code == 200, href
    return response.context["cl"]


def due(cl) -> int:
    return cl.queryset.aggregate(due=Sum(F("total") - F("amount_paid")))["due"] or 0


def test_the_home_shows_every_figure_of_the_organization(viewer):
    page = home(viewer)
    blocks = {block.currency: block for block in page.context["overview"].currencies}
    assert list(blocks) == ["JPY", "KWD", "USD"]
    assert [(f.label, f.value) for f in blocks["USD"].figures] == [
        ("Outstanding", "5,375.00 USD"),
        ("Overdue (9)", "5,300.00 USD"),
        ("Collected, last 30 days", "75.00 USD"),
        ("Issued this month", "220.00 USD"),
    ]
    kwd = [f.value for f in blocks["KWD"].figures]
    assert kwd == ["1.125 KWD", "1.125 KWD", "0.125 KWD", "1.250 KWD"]
    html = page.content.decode()
    assert html.count('<svg class="chart') == 6  # aging and weekly, per currency
    assert 'id="chart-aging-USD"' in html


def test_each_invoice_figure_links_to_exactly_the_invoices_it_counts(viewer):
    usd = {b.currency: b for b in home(viewer).context["overview"].currencies}["USD"]
    outstanding, overdue, _, issued = usd.figures

    assert due(changelist(viewer, outstanding.href)) == 537500
    overdue_list = changelist(viewer, overdue.href)
    assert (overdue_list.result_count, due(overdue_list)) == (9, 530000)
    issued_list = changelist(viewer, issued.href)
    assert issued_list.queryset.aggregate(total=Sum("total"))["total"] == 22000
    amounts = {figure.label: due(changelist(viewer, figure.href)) for figure in usd.aging}
    assert amounts == {
        "Not yet due": 7500,
        "1-30 days": 50000,
        "31-60 days": 80000,
        "61-90 days": 130000,
        "91-120 days": 170000,
        "Over 120 days": 100000,
    }


def test_the_collected_figure_links_to_its_payments(viewer):
    usd = {b.currency: b for b in home(viewer).context["overview"].currencies}["USD"]
    payments = changelist(viewer, usd.figures[2].href)
    assert sorted(payments.queryset.values_list("amount", flat=True)) == [125, 2500, 5000]


def test_a_superuser_viewing_all_organizations_is_asked_to_choose(admin_client, figures):
    page = home(admin_client)
    assert page.context["overview"] is None
    assert "Choose an organization" in page.content.decode()


def test_another_organization_sees_its_own_figures_only(client, django_user_model, figures):
    other = fixture.build(name="Other", slug="other")
    member = make_member(django_user_model, other.org, username="o", role="viewer")
    client.force_login(member)
    session = client.session
    session[SESSION_KEY] = str(other.org.pk)
    session.save()
    overview = home(client).context["overview"]
    assert overview.organization == other.org
    usd = {b.currency: b for b in overview.currencies}["USD"]
    outstanding = changelist(client, usd.figures[0].href)
    assert set(outstanding.queryset.values_list("organization_id", flat=True)) == {other.org.pk}
    assert urlsplit(usd.figures[0].href).path == "/admin/billing/invoice/"
