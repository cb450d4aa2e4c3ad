"""GET /api/v0/reports/summary|aging|funnel: the selectors' figures in major units, per tenant."""

import json
from decimal import Decimal

import pytest
import time_machine

from tests.api.conftest import Api
from tests.reports import fixture, funnel_fixture

pytestmark = pytest.mark.django_db


def exact(response) -> list:
    assert response.status_code == 200, response.content
    return json.loads(response.content, parse_float=Decimal)


@pytest.fixture
def figures():
    return fixture.build()


def test_summary_in_major_units_with_each_currencys_decimals(figures):
    with time_machine.travel(fixture.NOW, tick=False):
        response = Api(figures.org).get("reports/summary")
    body = exact(response)
    assert body == [
        {
            "currency": "JPY",
            "outstanding": 5000,
            "overdue": 0,
            "overdue_count": 0,
            "collected_30d": 0,
            "issued_month": 0,
        },
        {
            "currency": "KWD",
            "outstanding": Decimal("1.125"),
            "overdue": Decimal("1.125"),
            "overdue_count": 1,
            "collected_30d": Decimal("0.125"),
            "issued_month": Decimal("1.250"),
        },
        {
            "currency": "USD",
            "outstanding": Decimal("5375.00"),
            "overdue": Decimal("5300.00"),
            "overdue_count": 9,
            "collected_30d": Decimal("75.00"),
            "issued_month": Decimal("220.00"),
        },
    ]
    assert b'"issued_month":1.250}' in response.content
    assert b'"outstanding":5375.00,' in response.content


def test_aging_in_major_units(figures):
    with time_machine.travel(fixture.NOW, tick=False):
        body = exact(Api(figures.org).get("reports/aging"))
    assert body == [
        {
            "currency": "JPY",
            "not_due": 5000,
            "d1_30": 0,
            "d31_60": 0,
            "d61_90": 0,
            "d91_120": 0,
            "over_120": 0,
        },
        {
            "currency": "KWD",
            "not_due": Decimal("0.000"),
            "d1_30": Decimal("1.125"),
            "d31_60": Decimal("0.000"),
            "d61_90": Decimal("0.000"),
            "d91_120": Decimal("0.000"),
            "over_120": Decimal("0.000"),
        },
        {
            "currency": "USD",
            "not_due": Decimal("75.00"),
            "d1_30": Decimal("500.00"),
            "d31_60": Decimal("800.00"),
            "d61_90": Decimal("1300.00"),
            "d91_120": Decimal("1700.00"),
            "over_120": Decimal("1000.00"),
        },
    ]


def test_another_organization_sees_only_its_own_figures(figures):
    other = fixture.OrganizationFactory(slug="other")
    api = Api(other)
    with time_machine.travel(fixture.NOW, tick=False):
        assert exact(api.get("reports/summary")) == []
        assert exact(api.get("reports/aging")) == []


def test_funnel_for_a_period(client, django_capture_on_commit_callbacks):
    org = funnel_fixture.build(client, django_capture_on_commit_callbacks)
    body = exact(Api(org).get("reports/funnel", **{"from": "2026-06-01", "to": "2026-06-16"}))
    assert body == [
        {"channel": "whatsapp", "issued": 1, "accepted": 0, "delivered": 0, "read": 0}
        | {"opened": 0, "paid": 0},
        {"channel": "email", "issued": 4, "accepted": 4, "delivered": 2, "read": 1}
        | {"opened": 1, "paid": 1},
    ]


def test_funnel_defaults_to_the_last_30_days(client, django_capture_on_commit_callbacks):
    org = funnel_fixture.build(client, django_capture_on_commit_callbacks)
    with time_machine.travel("2026-07-01T12:00:00Z", tick=False):  # 1 July: 2 June is in
        body = exact(Api(org).get("reports/funnel"))
    with time_machine.travel("2026-07-02T12:00:00Z", tick=False):  # 2 July: 2 June is out
        later = exact(Api(org).get("reports/funnel"))
    assert [row["issued"] for row in body] == [1, 4]
    assert [row["issued"] for row in later] == [0, 0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2026-06-17", "to": "2026-06-16"}, ["from must not be after to"]),
        ({"from": "16/06/2026"}, ["from must be a valid date in YYYY-MM-DD format"]),
        ({"to": ""}, ["to must be a valid date in YYYY-MM-DD format"]),  # not "not sent"
        ({"since": "2026-06-01"}, ["property since should not exist"]),
    ],
)
def test_funnel_refuses_a_bad_period_in_the_envelope(api, query, message):
    response = api.get("reports/funnel", **query)
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "message": message, "error": "Bad Request"}


def test_an_unknown_report_is_an_enveloped_404(api):
    response = api.get("reports/balance")
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "message": "Not found", "error": "Not Found"}
