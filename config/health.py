"""Health endpoints for load balancers and process supervisors, answered before any other
middleware: a probe comes by IP address (no allowed host), over plain HTTP (no TLS redirect),
without cookies or sessions.

- ``/healthz`` (liveness): the process answers. Touches nothing, so a database outage never
  makes a supervisor restart healthy web processes.
- ``/readyz`` (readiness): the database answers a query, the cache a write and a read, the
  queue broker a ping; otherwise 503 with the reason per check, so a balancer stops routing
  here until the dependency is back.
"""

import logging
import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
# What a dependency that is down raises: the database (psycopg, sqlite3 and the database cache
# all become DatabaseError), Redis (cache and broker), and sockets refused or timed out.
DOWN = (DatabaseError, RedisError, OSError)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    key = f"readyz:{secrets.token_hex(8)}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise OSError("the cache did not return what was just written")
    cache.delete(key)


def check_broker() -> None:
    from django_q.brokers import get_broker

    if not get_broker().ping():
        raise OSError("the queue broker did not answer the ping")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check (one failing never hides another); ``"ok"`` or the reason for each."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except DOWN as exc:
            results[name] = reason(exc)
            logger.warning("readyz: %s is down: %s", name, results[name])
        else:
            results[name] = "ok"
    if results["database"] != "ok":
        connection.close()  # the next request reconnects instead of reusing a broken socket
    return all(value == "ok" for value in results.values()), results


def reason(exc: BaseException) -> str:
    """The exception's class and first line: what failed, without a traceback."""
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"[:300]


class HealthCheckMiddleware:
    """First in ``MIDDLEWARE``: answers the two probe paths, passes everything else on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == LIVENESS_PATH:
            return probe_response(200, {"status": "ok"})
        if request.path_info == READINESS_PATH:
            ready, checks = readiness()
            body = {"status": "ok" if ready else "unavailable", "checks": checks}
            return probe_response(200 if ready else 503, body)
        return self.get_response(request)


def probe_response(status: int, body: dict) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    if status == 503:
        response["Retry-After"] = "5"
    return response
