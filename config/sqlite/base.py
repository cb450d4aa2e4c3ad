"""Django's SQLite backend, with a writer queue that wakes up when the lock is free.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps in steps
that grow to 100 ms. Under steady concurrent writes a waiter therefore often sleeps long after
the lock was released, which is what made the tail latency of concurrent writes. Here
``BEGIN IMMEDIATE`` itself is retried every fraction of a millisecond (with jitter, up to the
configured ``timeout``); every other statement keeps SQLite's own busy handler.
"""

import random
import sqlite3
import time

from django.db.backends.sqlite3 import base

LOCKED = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
FIRST_WAIT = 0.0002
LONGEST_WAIT = 0.002


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self):
        if self.transaction_mode != "IMMEDIATE":
            return super()._start_transaction_under_autocommit()
        timeout_ms = int(self.settings_dict["OPTIONS"].get("timeout", 5) * 1000)
        with self.wrap_database_errors:
            self.connection.execute("PRAGMA busy_timeout = 0")
            try:
                begin_immediate(self.connection, timeout_ms / 1000)
            finally:
                self.connection.execute(f"PRAGMA busy_timeout = {timeout_ms}")


def begin_immediate(connection: sqlite3.Connection, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    wait = FIRST_WAIT
    while True:
        try:
            connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in LOCKED or time.monotonic() >= deadline:
                raise
        time.sleep(wait * random.uniform(0.5, 1.5))
        wait = min(wait * 2, LONGEST_WAIT)
