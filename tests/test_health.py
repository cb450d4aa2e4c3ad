"""/healthz and /readyz: in process, then real servers whose database or Redis is really down."""

import json
import socket

import pytest
from django.db import connection

from tests.api.server import database_url, gunicorn, request


def free_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        answer = client.get("/healthz", HTTP_HOST="10.1.2.3")  # a probe comes by IP address
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    assert answer["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readiness_checks_database_cache_and_broker(client):
    answer = client.get("/readyz", HTTP_HOST="10.1.2.3")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


def probe(port: int, path: str) -> tuple[int, dict, dict]:
    status, headers, body = request(port, "GET", path, headers={"Host": "10.1.2.3"})
    return status, headers, json.loads(body)


def dead_database_url() -> str:
    if connection.vendor == "sqlite":
        return "sqlite:////nonexistent-duebell-dir/duebell.sqlite3"  # cannot be opened
    return f"postgres://duebell:duebell@127.0.0.1:{free_port()}/duebell"  # refused


@pytest.mark.slow
@pytest.mark.django_db
def test_readiness_fails_with_the_database_down_while_liveness_holds():
    env = {"DATABASE_URL": dead_database_url(), "CACHE_URL": "locmemcache://", "REDIS_URL": None}
    with gunicorn(workers=1, env=env, ready_path="/healthz") as port:
        assert probe(port, "/healthz")[::2] == (200, {"status": "ok"})
        status, headers, body = probe(port, "/readyz")
    assert (status, headers["Retry-After"], body["status"]) == (503, "5", "unavailable")
    assert body["checks"]["database"].startswith("OperationalError: ")
    assert body["checks"]["cache"] == "ok"
    # The ORM broker lives in the same database: its ping fails with it.
    assert body["checks"]["broker"].startswith("OperationalError: ")


@pytest.mark.slow
@pytest.mark.django_db
def test_readiness_fails_with_redis_down_and_names_cache_and_broker():
    env = {
        "DATABASE_URL": database_url(),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "CACHE_URL": None,
    }
    with gunicorn(workers=1, env=env, ready_path="/healthz") as port:
        status, _, body = probe(port, "/readyz")
    assert (status, body["checks"]["database"]) == (503, "ok")
    assert body["checks"]["cache"].startswith("ConnectionError: ")
    assert body["checks"]["broker"].startswith("ConnectionError: ")
