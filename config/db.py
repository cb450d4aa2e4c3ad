"""Database helpers shared by the apps."""

from contextlib import AbstractContextManager, nullcontext

from django.db import connections, transaction


def single_write(using: str = "default") -> AbstractContextManager:
    """Wrap one write statement issued outside the caller's transactions.

    SQLite: a transaction of its own, so the write lock is taken by config.sqlite's polling
    ``BEGIN IMMEDIATE`` instead of SQLite's sleeping busy handler. Elsewhere: plain autocommit,
    one round trip. Inside a transaction already: a savepoint, so a failing statement (a unique
    violation the caller handles) leaves the transaction usable.
    """
    connection = connections[using]
    if connection.vendor == "sqlite" or connection.in_atomic_block:
        return transaction.atomic(using=using)
    return nullcontext()
