"""Gapless per-organization invoice numbers.

The counter row is incremented with ``UPDATE … SET last_value = last_value + 1`` inside the caller's
transaction: PostgreSQL holds the row lock until commit and SQLite's IMMEDIATE transactions
serialize writers, so two finalizations never read the same value, and a rollback gives the number
back. The unique constraint on (organization, sequence) is the last line of defence.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F

from billing.models import InvoiceSequence, Organization


def format_number(organization: Organization, seq: int, when: datetime) -> str:
    year = when.astimezone(organization.tzinfo).year
    return organization.invoice_number_format.format(seq=seq, year=year)


def allocate_number(organization: Organization, when: datetime) -> tuple[int, str]:
    """Next (sequence, formatted number). Must run inside the transaction that uses it."""
    assert transaction.get_connection().in_atomic_block, "allocate inside the invoice transaction"
    counter = InvoiceSequence.objects.filter(organization=organization)
    if not counter.update(last_value=F("last_value") + 1):
        InvoiceSequence.objects.get_or_create(organization=organization)
        counter.update(last_value=F("last_value") + 1)
    seq = counter.values_list("last_value", flat=True).get()
    return seq, format_number(organization, seq, when)
