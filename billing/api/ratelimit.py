"""Fixed-window rate limit per credential, counted where every process sees it.

With Redis as the cache, Redis ``INCR`` counts. With the database cache (the default), the count
lives in a ``RateLimitCounter`` row instead of the cache table: one atomic upsert per request,
where the database cache's read-then-write ``incr`` would take a transaction, a row lock and six
statements.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router

from billing.models import RateLimitCounter
from config.db import single_write

PERIODS = {
    "s": (1, "second"),
    "sec": (1, "second"),
    "second": (1, "second"),
    "m": (60, "minute"),
    "min": (60, "minute"),
    "minute": (60, "minute"),
    "h": (3600, "hour"),
    "hour": (3600, "hour"),
    "d": (86400, "day"),
    "day": (86400, "day"),
}


@dataclass(frozen=True)
class Limit:
    count: int
    period: int
    period_name: str


@dataclass(frozen=True)
class Usage:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    exceeded: bool

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def parse_limit(value: str, setting: str = "API_RATE_LIMIT") -> Limit:
    """``"100/min"`` → Limit(100, 60, "minute")."""
    count, _, unit = value.partition("/")
    try:
        seconds, name = PERIODS[unit.strip().lower()]
        return Limit(int(count), seconds, name)
    except (KeyError, ValueError) as exc:
        raise ImproperlyConfigured(f"{setting} must look like '100/min', not {value!r}") from exc


def current_limit() -> Limit:
    return parse_limit(settings.API_RATE_LIMIT)


def hit(identity: str, limit: Limit, now: float | None = None) -> Usage:
    """Count one request for ``identity`` in the current window."""
    now = time.time() if now is None else now
    window = int(now // limit.period)
    count = _increment(f"{identity}:{limit.period}", window, timeout=limit.period + 5)
    return Usage(
        limit=limit.count,
        remaining=max(0, limit.count - count),
        reset=max(1, math.ceil((window + 1) * limit.period - now)),
        exceeded=count > limit.count,
    )


def peek(identity: str, limit: Limit, now: float | None = None) -> Usage:
    """The usage of ``identity`` in the current window, without counting a request.

    ``exceeded`` means the window's allowance is used up: the next request would be over it.
    """
    now = time.time() if now is None else now
    window = int(now // limit.period)
    count = _current(f"{identity}:{limit.period}", window)
    return Usage(
        limit=limit.count,
        remaining=max(0, limit.count - count),
        reset=max(1, math.ceil((window + 1) * limit.period - now)),
        exceeded=count >= limit.count,
    )


def _current(identity: str, window: int) -> int:
    cache = caches["default"]
    if isinstance(cache, DatabaseCache):
        # A row from an older window is spent; a newer one (a host whose clock leads) counts.
        found = RateLimitCounter.objects.filter(identity=identity, window_start__gte=window)
        return found.values_list("hits", flat=True).first() or 0
    return cache.get(f"ratelimit:{identity}:{window}", 0)


def _increment(identity: str, window: int, timeout: int) -> int:
    cache = caches["default"]
    if isinstance(cache, DatabaseCache):
        return _database_increment(identity, window)
    key = f"ratelimit:{identity}:{window}"
    try:
        return cache.incr(key)  # Redis INCR: atomic, keeps the key's expiry
    except ValueError:  # first request of the window
        if cache.add(key, 1, timeout):
            return 1
        return cache.incr(key)


def _database_increment(identity: str, window: int) -> int:
    """Count in the identity's counter row with one atomic upsert (no transaction around it).

    A newer window restarts the count at 1; a request stamped with an older window (a host whose
    clock lags) counts against the current one instead of resetting it.
    """
    connection = connections[router.db_for_write(RateLimitCounter)]
    table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
    with single_write(connection.alias), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (identity, window_start, hits) VALUES (%s, %s, 1)
            ON CONFLICT (identity) DO UPDATE SET
                hits = CASE WHEN excluded.window_start > {table}.window_start
                    THEN 1 ELSE {table}.hits + 1 END,
                window_start = CASE WHEN excluded.window_start > {table}.window_start
                    THEN excluded.window_start ELSE {table}.window_start END
            RETURNING hits
            """,  # noqa: S608 (the table name is ours, the values are parameters)
            [identity, window],
        )
        return cursor.fetchone()[0]
