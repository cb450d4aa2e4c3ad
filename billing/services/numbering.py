"""Gapless per-organization invoice numbers.

The counter row is advanced with ``UPDATE … SET last_value = last_value + n RETURNING …`` in the
caller's transaction: PostgreSQL holds the row lock until commit and SQLite's IMMEDIATE
transactions serialize writers, so two finalizations never read the same value, and a rollback
gives the numbers back. The unique constraint on (organization, sequence) is the last line of
defence.
"""

from datetime import datetime

from django.db import transaction

from billing.models import InvoiceSequence, Organization


def format_number(organization: Organization, seq: int, when: datetime) -> str:
    year = when.astimezone(organization.tzinfo).year
    return organization.invoice_number_format.format(seq=seq, year=year)


def allocate_numbers(
    organization: Organization, count: int, when: datetime
) -> list[tuple[int, str]]:
    """The next ``count`` (sequence, formatted number) pairs, consecutive.

    Must run inside the transaction that uses them."""
    assert transaction.get_connection().in_atomic_block, "allocate inside the invoice transaction"
    last = _advance(organization, count)
    if last is None:  # the organization's first invoice: create its counter, then count
        InvoiceSequence.objects.get_or_create(organization=organization)
        last = _advance(organization, count)
    return [
        (seq, format_number(organization, seq, when)) for seq in range(last - count + 1, last + 1)
    ]


def _advance(organization: Organization, count: int) -> int | None:
    """``UPDATE … RETURNING``: the increment and its result in one statement."""
    connection = transaction.get_connection()
    meta = InvoiceSequence._meta
    table = connection.ops.quote_name(meta.db_table)
    key = meta.pk.get_db_prep_value(organization.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + %s "  # noqa: S608 (our own table)
            f"WHERE {connection.ops.quote_name(meta.pk.column)} = %s RETURNING last_value",
            [count, key],
        )
        row = cursor.fetchone()
    return row[0] if row else None
