"""Fixed-window rate limit per credential, counted in Django's cache so every process shares it.

Redis increments atomically. The database cache's ``incr`` is a read then a write, so there the
increment runs in one transaction that holds the counter row: SQLite's IMMEDIATE transactions
serialize writers already, PostgreSQL gets ``SELECT … FOR UPDATE``.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router, transaction

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


def parse_limit(value: str) -> Limit:
    """``"100/min"`` → Limit(100, 60, "minute")."""
    count, _, unit = value.partition("/")
    try:
        seconds, name = PERIODS[unit.strip().lower()]
        return Limit(int(count), seconds, name)
    except (KeyError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"API_RATE_LIMIT must look like '100/min', not {value!r}"
        ) from exc


def current_limit() -> Limit:
    return parse_limit(settings.API_RATE_LIMIT)


def hit(identity: str, limit: Limit, now: float | None = None) -> Usage:
    """Count one request for ``identity`` in the current window."""
    now = time.time() if now is None else now
    window = int(now // limit.period)
    count = _increment(f"ratelimit:{identity}:{window}", timeout=limit.period + 5)
    return Usage(
        limit=limit.count,
        remaining=max(0, limit.count - count),
        reset=max(1, math.ceil((window + 1) * limit.period - now)),
        exceeded=count > limit.count,
    )


def _increment(key: str, timeout: int) -> int:
    cache = caches["default"]
    if isinstance(cache, DatabaseCache):
        return _database_increment(cache, key, timeout)
    try:
        return cache.incr(key)  # Redis INCR: atomic, keeps the key's expiry
    except ValueError:  # first request of the window
        if cache.add(key, 1, timeout):
            return 1
        return cache.incr(key)


def _database_increment(cache: DatabaseCache, key: str, timeout: int) -> int:
    """Read and write the counter in one transaction that holds its row.

    ``set`` (not ``incr``) so every write carries the window's own timeout: ``incr`` would
    re-save with the cache's default timeout and could drop an hour-long window early.
    """
    alias = router.db_for_write(cache.cache_model_class)
    with transaction.atomic(using=alias):
        _lock(cache, alias, key)
        count = cache.get(key)
        if count is None:
            if cache.add(key, 1, timeout):  # the insert decides who opens the window
                return 1
            _lock(cache, alias, key)
            count = cache.get(key, 0)
        cache.set(key, count + 1, timeout)
        return count + 1


def _lock(cache: DatabaseCache, alias: str, key: str) -> None:
    connection = connections[alias]
    if connection.vendor == "sqlite":
        return  # the IMMEDIATE transaction already holds SQLite's write lock
    table = connection.ops.quote_name(cache._table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",  # noqa: S608
            [cache.make_and_validate_key(key)],
        )
