"""Failed authentication is throttled per client address and per key (AUTH_FAILURE_LIMIT)."""

import random

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from billing.checks import check_limits
from billing.models import Invoice
from tests.api.conftest import SECRET, Api
from tests.api.server import database_url, gunicorn, request
from tests.factories import OrganizationFactory

THROTTLED = {
    "statusCode": 429,
    "message": "Too many failed authentication attempts. Retry in {} seconds.",
    "error": "Too Many Requests",
}


@pytest.fixture
def limit(settings):
    settings.AUTH_FAILURE_LIMIT = "3/min"
    settings.API_RATE_LIMIT = "1000/min"


def address() -> str:
    """A client address of its own: with Redis the counters outlive a test."""
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def call(key: str, secret: str, remote: str):
    client = APIClient()
    client.credentials(HTTP_X_CLIENT_KEY=key, HTTP_X_CLIENT_SECRET=secret)
    return client.get("/api/v0/invoices", REMOTE_ADDR=remote)


def assert_throttled(response):
    retry = int(response["Retry-After"])
    assert 1 <= retry <= 60
    body = response.json()
    assert body == {**THROTTLED, "message": THROTTLED["message"].format(retry), "retryAfter": retry}
    assert response.status_code == 429


def test_failures_from_one_address_are_throttled_whatever_the_key(api, limit):
    remote = address()
    statuses = [call(f"ck_guess{i}", "wrong", remote).status_code for i in range(3)]
    blocked = call(api.credential.client_key, SECRET, remote)  # even the right secret

    assert statuses == [401, 401, 401]
    assert_throttled(blocked)
    assert call(api.credential.client_key, SECRET, address()).status_code == 200


def test_failures_for_one_key_are_throttled_whatever_the_address(api, limit, other_api):
    key = api.credential.client_key
    statuses = [call(key, "wrong", address()).status_code for _ in range(3)]
    blocked = call(key, SECRET, address())

    assert statuses == [401, 401, 401]
    assert_throttled(blocked)
    other = call(other_api.credential.client_key, SECRET, address())
    assert other.status_code == 200


def test_a_throttled_request_changes_nothing(api, limit):
    remote = address()
    for _ in range(3):
        call(api.credential.client_key, "wrong", remote)
    client = APIClient()
    client.credentials(HTTP_X_CLIENT_KEY=api.credential.client_key, HTTP_X_CLIENT_SECRET=SECRET)
    response = client.post("/api/v0/invoices", api.invoice_body(), format="json")

    assert_throttled(response)
    assert Invoice.objects.count() == 0


def test_successful_requests_are_not_counted(api, limit):
    remote = address()
    key = api.credential.client_key
    assert [call(key, SECRET, remote).status_code for _ in range(5)] == [200] * 5
    assert [call(key, "wrong", remote).status_code for _ in range(4)] == [401] * 3 + [429]


@pytest.mark.parametrize("name", ["AUTH_FAILURE_LIMIT", "API_RATE_LIMIT"])
def test_a_limit_that_does_not_parse_fails_the_system_check(settings, name):
    setattr(settings, name, "lots")
    errors = check_limits()
    assert [(e.id, e.msg) for e in errors] == [
        ("billing.E001", f"{name} must look like '100/min', not 'lots'")
    ]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_failures_are_counted_across_every_worker_process():
    # With Redis the counters outlive each test: earlier tests' 401s from 127.0.0.1 in this
    # hour's window would count against this one's limit.
    caches["default"].clear()
    api = Api(OrganizationFactory())
    wrong = {"x-client-key": api.credential.client_key, "x-client-secret": "wrong"}
    env = {"AUTH_FAILURE_LIMIT": "4/hour", "DATABASE_URL": database_url()}
    # --max-requests 2 recycles each worker after two requests: no process sees them all.
    with gunicorn(workers=2, env=env, extra_args=("--max-requests", "2")) as port:
        statuses = [request(port, "GET", "/api/v0/invoices", headers=wrong)[0] for _ in range(6)]

    assert statuses == [401] * 4 + [429] * 2


def forwarded_call(key: str, forwarded: str, *, proxy: str = "10.0.0.1"):
    client = APIClient()
    client.credentials(HTTP_X_CLIENT_KEY=key, HTTP_X_CLIENT_SECRET="wrong")
    return client.get("/api/v0/invoices", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(api, limit, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AUTH_FAILURE_LIMIT = "3/hour"  # no window boundary inside the test
    guesser, innocent = address(), address()
    for i in range(3):
        forwarded_call(f"ck_guess{i}", guesser)

    assert forwarded_call("ck_next", guesser).status_code == 429
    # The same proxy forwards another client: not throttled for the guesser's failures.
    assert forwarded_call("ck_other", innocent).status_code == 401


def test_what_a_client_writes_into_x_forwarded_for_is_not_believed(api, limit, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AUTH_FAILURE_LIMIT = "3/hour"  # no window boundary inside the test
    guesser = address()
    # Each attempt claims a new address to the left of the one the proxy appended.
    for i in range(3):
        forwarded_call(f"ck_guess{i}", f"{address()}, {guesser}")

    assert forwarded_call("ck_next", f"{address()}, {guesser}").status_code == 429


def test_without_trusted_proxies_the_header_is_ignored(api, limit, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.AUTH_FAILURE_LIMIT = "3/hour"  # no window boundary inside the test
    proxy = address()
    for i in range(3):
        forwarded_call(f"ck_guess{i}", address(), proxy=proxy)

    assert forwarded_call("ck_next", address(), proxy=proxy).status_code == 429
