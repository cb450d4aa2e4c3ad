"""The every-minute job reads through indexes: a cycle that finds nothing due costs the same with
five rows or five hundred thousand. Every query of such a cycle on the reminder, invoice and
message tables is explained by the database itself (SQLite and PostgreSQL) and must search an
index, never scan the table."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from billing.collections.models import Reminder
from billing.collections.sending import send_due
from notifications.models import Message
from tests.collections.support import DUE, PLANNED_ON, Clock, open_invoice

TABLES = ("billing_reminder", "billing_invoice", "notifications_message")
# The cycle's questions in order, each answered by a partial index holding only its candidates
# (on PostgreSQL a join to the invoice or the fallback goes through the primary key).
EXPECTED = [
    "reminder_pause_ends",  # pauses that ended
    "reminder_due",  # the claim: planned rows due now
    "reminder_sending_lease",  # rows whose worker's lease ran out
    "message_not_delivered",  # WhatsApp messages not delivered in time
    "invoice_overdue_due",  # open invoices past due not yet marked overdue
]


def delivered_history(org, invoices, count: int = 2000) -> None:
    """The message table as a running workspace has it: nearly every row already delivered.
    The statistics are then taken so the planner weighs the tables as they are, not as empty
    ones on which any index (or a walk of the primary key) looks equally cheap."""
    Message.objects.bulk_create(
        Message(
            tenant_id=org.pk,
            subject=invoices[n % len(invoices)],
            purpose="reminder",
            channel="whatsapp" if n % 2 else "email",
            key=f"history-{n}",
            recipient="+14155550100" if n % 2 else "jane@example.com",
            status="read" if n % 3 else "delivered",
        )
        for n in range(count)
    )
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f'ANALYZE "{table}"')


def query_plan(sql: str, params) -> tuple[set[str], list[str]]:
    """The indexes the database's own plan of ``sql`` reads, and what in it reads a whole
    watched table or index."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Tiny test tables make any plan cheap; without sequential scans the planner shows
            # whether an index can answer the query at all (a table with none still scans).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            nodes = list(_pg_nodes(cursor.fetchone()[0][0]["Plan"]))
            indexes = {node["Index Name"] for node in nodes if "Index Name" in node}
            return indexes, [_pg_scan(node) for node in nodes if _pg_scan(node)]
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        lines = [row[-1].strip() for row in cursor.fetchall()]
    indexes = {m[1] for line in lines if (m := re.search(r"USING (?:COVERING )?INDEX (\w+)", line))}
    scan = re.compile(rf"^SCAN ({'|'.join(TABLES)})\b")  # SEARCH reads through an index
    return indexes, [line for line in lines if scan.match(line)]


def _pg_nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _pg_nodes(child)


def _pg_scan(node: dict) -> str:
    if node["Node Type"] == "Seq Scan" and node["Relation Name"] in TABLES:
        return f"Seq Scan on {node['Relation Name']}"
    return ""


def cycle_queries(now: datetime) -> list[tuple[str, tuple]]:
    """(sql, params) of every statement one job cycle runs."""
    seen = []

    def record(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert send_due(now=now) == {}
    return seen


@pytest.mark.django_db
def test_a_cycle_with_nothing_due_searches_indexes_only(org, monkeypatch):
    Clock(monkeypatch, PLANNED_ON)
    invoices = [open_invoice(org, name=f"Customer {n}") for n in range(3)]
    Reminder.objects.filter(invoice=invoices[0], step=1).update(
        status="paused", paused_until=DUE + timedelta(days=30)
    )
    delivered_history(org, invoices)
    now = datetime(2026, 6, 2, 7, 0, tzinfo=UTC)  # the first step is on the 16th

    queries = cycle_queries(now)

    watched = [(sql, params) for sql, params in queries if any(f'"{t}"' in sql for t in TABLES)]
    plans = [query_plan(sql, params) for sql, params in watched]

    assert len(plans) == len(EXPECTED)
    used = zip(EXPECTED, [indexes for indexes, _ in plans], strict=True)
    assert [name if name in names else sorted(names) for name, names in used] == EXPECTED
    assert [scans for _, scans in plans] == [[]] * len(EXPECTED)
