"""config.sqlite: BEGIN IMMEDIATE polls for SQLite's write lock instead of sleeping in SQLite's
own busy handler; everything else is Django's SQLite backend."""

import sqlite3
import threading
import time

import pytest
from django.db import connection, transaction

from config.sqlite.base import begin_immediate


@pytest.fixture
def locked_file(tmp_path):
    """A WAL database whose write lock another connection holds until ``release()``."""
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0)
    yield holder, waiter
    waiter.close()
    holder.close()


def test_waiter_takes_the_lock_once_it_is_released(locked_file):
    holder, waiter = locked_file
    released = []

    def release_later():
        time.sleep(0.1)
        released.append(time.monotonic())
        holder.execute("COMMIT")

    thread = threading.Thread(target=release_later)
    thread.start()
    begin_immediate(waiter, timeout=5)
    acquired = time.monotonic()
    thread.join()
    waiter.execute("INSERT INTO t VALUES (2)")
    waiter.execute("COMMIT")
    assert acquired >= released[0]
    assert [row[0] for row in waiter.execute("SELECT x FROM t ORDER BY x")] == [1, 2]


def test_waiter_gives_up_with_database_is_locked_after_the_timeout(locked_file):
    _, waiter = locked_file
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        begin_immediate(waiter, timeout=0.05)
    assert time.monotonic() - started >= 0.05


@pytest.mark.django_db(transaction=True)
def test_django_transactions_begin_immediate_and_keep_the_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=0)
    try:
        with transaction.atomic():  # holds the write lock from its first statement
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout")
                assert cursor.fetchone()[0] == 20_000
        other.execute("BEGIN IMMEDIATE")  # free again after the commit
        other.execute("COMMIT")
    finally:
        other.close()
