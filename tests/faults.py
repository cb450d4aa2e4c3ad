"""Faults injected at the edge of the process: the database itself refuses."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def database_refuses_inserts(table: str, *, as_duplicate: bool = False):
    """The database itself fails every INSERT into ``table``: by default like a full disk (an
    error that is neither a constraint violation nor a busy lock); with ``as_duplicate`` as a
    unique violation, as when a concurrent transaction inserted the same row first."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # RAISE(ABORT) is a constraint error; calling a missing function fails otherwise.
            action = (
                "SELECT RAISE(ABORT, 'UNIQUE constraint failed')"
                if as_duplicate
                else "SELECT duebell_test_refusal()"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} BEGIN {action}; END"
            )
        else:
            code = "unique_violation" if as_duplicate else "disk_full"
            cursor.execute(
                "CREATE FUNCTION duebell_test_refusal() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION 'refused by the test' USING ERRCODE = '{code}'; END "
                "$$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION duebell_test_refusal()"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER refuse_{table}")
            else:
                cursor.execute(f"DROP TRIGGER refuse_{table} ON {table}")
                cursor.execute("DROP FUNCTION duebell_test_refusal()")
