"""Gapless per-organization invoice and credit-note numbers (one counter row each).

The counter row is advanced with ``UPDATE … SET last_value = last_value + n RETURNING …`` in the
caller's transaction: PostgreSQL holds the row lock until commit and SQLite's IMMEDIATE
transactions serialize writers, so two finalizations never read the same value, and a rollback
gives the numbers back. The unique constraint on (organization, sequence) is the last line of
defence.
"""

from datetime import datetime

from django.db import models, transaction

from billing.models import CreditNoteSequence, InvoiceSequence, Organization


def format_number(
    organization: Organization, seq: int, when: datetime, number_format: str | None = None
) -> str:
    year = when.astimezone(organization.tzinfo).year
    return (number_format or organization.invoice_number_format).format(seq=seq, year=year)


def allocate_numbers(
    organization: Organization, count: int, when: datetime
) -> list[tuple[int, str]]:
    """The next ``count`` (sequence, formatted number) pairs, consecutive.

    Must run inside the transaction that uses them."""
    seqs = _allocate(InvoiceSequence, organization, count)
    return [(seq, format_number(organization, seq, when)) for seq in seqs]


def allocate_credit_note_number(organization: Organization, when: datetime) -> tuple[int, str]:
    """The next credit-note (sequence, number): its own series, counted like invoices."""
    (seq,) = _allocate(CreditNoteSequence, organization, 1)
    return seq, format_number(organization, seq, when, organization.credit_note_number_format)


def _allocate(counter: type[models.Model], organization: Organization, count: int) -> range:
    assert transaction.get_connection().in_atomic_block, "allocate inside the using transaction"
    last = _advance(counter, organization, count)
    if last is None:  # the organization's first one: create its counter, then count
        counter.objects.get_or_create(organization=organization)
        last = _advance(counter, organization, count)
    return range(last - count + 1, last + 1)


def _advance(counter: type[models.Model], organization: Organization, count: int) -> int | None:
    """``UPDATE … RETURNING``: the increment and its result in one statement."""
    connection = transaction.get_connection()
    meta = counter._meta
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
