"""Rate limit per credential, shared through the cache; headers on every response."""

import uuid

import pytest

from billing.api.ratelimit import Limit, hit, parse_limit
from tests.api.conftest import Api
from tests.factories import OrganizationFactory


def test_headers_on_every_response_including_errors(api, settings):
    settings.API_RATE_LIMIT = "5/min"
    ok = api.get("invoices")
    missing = api.get("invoices/00000000-0000-0000-0000-000000000000")
    assert (ok["X-RateLimit-Limit"], ok["X-RateLimit-Remaining"]) == ("5", "4")
    assert (missing.status_code, missing["X-RateLimit-Remaining"]) == (404, "3")
    assert 1 <= int(missing["X-RateLimit-Reset"]) <= 60


def test_limit_is_per_credential(api, settings):
    settings.API_RATE_LIMIT = "1/min"
    other = Api(OrganizationFactory())
    assert api.get("invoices").status_code == 200
    assert api.get("invoices").status_code == 429
    assert other.get("invoices").status_code == 200


def test_bulk_counts_once(api, settings):
    settings.API_RATE_LIMIT = "2/min"
    bulk = api.post("invoices/bulk", {"invoices": [api.invoice_body()] * 5})
    assert bulk.json()["summary"]["successful"] == 5
    assert bulk["X-RateLimit-Remaining"] == "1"


def test_window_resets(db):
    limit, who = Limit(2, 60, "minute"), uuid.uuid4().hex  # unique: Redis outlives the test
    assert [hit(who, limit, now=120.0).remaining for _ in range(3)] == [1, 0, 0]
    assert hit(who, limit, now=121.0).exceeded is True
    fresh = hit(who, limit, now=180.0)
    assert (fresh.remaining, fresh.exceeded, fresh.reset) == (1, False, 60)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("100/min", Limit(100, 60, "minute")), ("5/s", Limit(5, 1, "second"))],
)
def test_parse_limit(value, expected):
    assert parse_limit(value) == expected


def test_bad_setting_is_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        parse_limit("lots")


def test_database_counter_restarts_on_a_newer_window_and_never_on_an_older_one(db):
    from billing.api.ratelimit import _database_increment

    who = uuid.uuid4().hex
    assert [_database_increment(who, 5) for _ in range(2)] == [1, 2]
    assert _database_increment(who, 4) == 3  # a lagging clock counts against the current window
    assert _database_increment(who, 6) == 1
