"""Keeping ``FunnelDay`` (the delivery funnel per issue day and channel) equal to what it counts.

An invoice counts once on each channel it has a delivery row for (``InvoiceDelivery``, one per
invoice and channel), on the day it was finalized in its organization's zone: ``issued`` always,
``accepted``/``delivered``/``read`` by that row's status, ``opened`` once its pay page was
opened, ``paid`` while it is PAID. Drafts count nowhere. Each change calls this module in its own
transaction, the invoice row locked, so what it reads of the invoice and its deliveries is what
the change leaves: ``delivery_moved`` when a delivery row is created or its status moves (billing's
delivery summary, the one writer of those rows), ``invoice_moved`` when the pay page is first
opened or the invoice enters or leaves PAID. A draft has no delivery rows (the send services
refuse drafts), so finalizing moves nothing here.

``computed`` and ``computed_window`` count the same from the delivery rows and the invoices;
``rebuild`` replaces the stored rows with ``computed`` (``manage.py rebuild_figures``).
"""

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps as installed_apps
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from billing.models import FunnelDay, Invoice, InvoiceDelivery, Organization
from billing.reports.periods import local_start
from billing.reports.upsert import add_rows

STAGES = ("issued", "accepted", "delivered", "read", "opened", "paid")
KEY = ("organization_id", "day", "channel")
NOTHING = (0,) * len(STAGES)

# The best status of an invoice's messages on a channel, read as funnel stages. A bounce or an
# expiry happens after the channel took the message, so both count as accepted.
ACCEPTED = frozenset(
    {"accepted", "pending", "sent", "delivered", "read", "opened", "clicked", "bounced"}
    | {"undelivered"}
)
DELIVERED = frozenset({"delivered", "read", "opened", "clicked"})
READ = frozenset({"read", "opened", "clicked"})


@dataclass(frozen=True)
class Issued:
    """What of an invoice the funnel reads, besides its delivery rows."""

    organization_id: int
    day: date | None  # of ``finalized_at`` in the organization's zone; None for a draft
    opened: bool
    paid: bool


def issued(invoice: Invoice) -> Issued:
    finalized = invoice.finalized_at
    day = finalized.astimezone(invoice.organization.tzinfo).date() if finalized else None
    return Issued(
        organization_id=invoice.organization_id,
        day=day,
        opened=invoice.pay_page_opened_at is not None,
        paid=invoice.status == Invoice.Status.PAID,
    )


def stages(invoice: Issued, status: str | None) -> tuple[int, ...]:
    """What one delivery row with ``status`` (None: no row) adds to its ``FunnelDay``."""
    if status is None:
        return NOTHING
    flags = (True, status in ACCEPTED, status in DELIVERED, status in READ)
    return tuple(int(flag) for flag in (*flags, invoice.opened, invoice.paid))


def delivery_moved(invoice: Invoice, channel: str, before: str | None, after: str) -> None:
    """The invoice's delivery row on ``channel`` went from status ``before`` (None: created)
    to ``after``."""
    state = issued(invoice)
    if state.day is None:
        return
    old, new = stages(state, before), stages(state, after)
    delta = [b - a for a, b in zip(old, new, strict=True)]
    if any(delta):
        add_rows(FunnelDay, KEY, STAGES, [(state.organization_id, state.day, channel, *delta)])


def invoice_moved(invoice: Invoice, *, opened: int = 0, paid: int = 0) -> None:
    """The invoice's pay page was first opened (``opened=1``), or it entered (``paid=1``) or left
    (``paid=-1``) PAID: the row of each channel it was sent on moves, in one statement."""
    state = issued(invoice)
    if state.day is None:
        return
    key = (state.organization_id, state.day)
    quote = connection.ops.quote_name
    table = quote(FunnelDay._meta.db_table)
    fields = [FunnelDay._meta.get_field(name) for name in (*KEY, *STAGES)]
    columns = [quote(field.column) for field in fields]
    moved = [quote(name) for name in ("opened", "paid")]
    sums = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in moved)
    deliveries = InvoiceDelivery._meta
    org, day = (f.get_db_prep_value(v, connection) for f, v in zip(fields, key, strict=False))
    invoice_id = deliveries.get_field("invoice").get_db_prep_value(invoice.pk, connection)
    # Names come from the models' meta; every value is a parameter. The SELECT's WHERE also
    # keeps SQLite from reading ON CONFLICT as a join's ON.
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT %s, %s, {quote('channel')}, 0, 0, 0, 0, %s, %s "
        f"FROM {quote(deliveries.db_table)} WHERE {quote('invoice_id')} = %s "
        f"ORDER BY {quote('channel')} "
        f"ON CONFLICT ({', '.join(columns[: len(KEY)])}) DO UPDATE SET {sums}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [org, day, opened, paid, invoice_id])


# --- recomputation --------------------------------------------------------------------------
# ``apps`` is the app registry to read models from: the installed one, or a migration's.


def _counts(rows) -> dict:
    return rows.annotate(
        issued=Count("invoice"),
        accepted=Count("invoice", filter=Q(status__in=ACCEPTED)),
        delivered=Count("invoice", filter=Q(status__in=DELIVERED)),
        read=Count("invoice", filter=Q(status__in=READ)),
        opened=Count("invoice", filter=Q(invoice__pay_page_opened_at__isnull=False)),
        paid=Count("invoice", filter=Q(invoice__status=Invoice.Status.PAID)),
    )


def computed(organization, apps=installed_apps) -> dict[tuple, tuple[int, ...]]:
    """(day, channel) → the stages' counts, from the delivery rows of the finalized invoices."""
    zone = zoneinfo.ZoneInfo(organization.time_zone)
    rows = _counts(
        apps.get_model("billing", "InvoiceDelivery")
        .objects.filter(invoice__organization=organization, invoice__finalized_at__isnull=False)
        .annotate(day=TruncDate("invoice__finalized_at", tzinfo=zone))
        .order_by()
        .values("day", "channel")
    )
    return {(row.pop("day"), row.pop("channel")): tuple(row[s] for s in STAGES) for row in rows}


def computed_window(
    *, organization: Organization, start: date, end: date
) -> Mapping[str, dict[str, int]]:
    """channel → the stages' counts of the invoices finalized from ``start`` to ``end``
    (inclusive, org's zone), read from the delivery rows: what ``stored_window`` must equal."""
    rows = _counts(
        InvoiceDelivery.objects.filter(
            invoice__organization=organization,
            invoice__finalized_at__gte=local_start(organization, start),
            invoice__finalized_at__lt=local_start(organization, end + timedelta(days=1)),
        )
        .order_by()
        .values("channel")
    )
    return {row.pop("channel"): row for row in rows}


def stored(organization: Organization) -> dict[tuple, tuple[int, ...]]:
    rows = FunnelDay.objects.filter(organization=organization).exclude(**dict.fromkeys(STAGES, 0))
    return {
        (row.day, row.channel): tuple(getattr(row, s) for s in STAGES)
        for row in rows.order_by("day", "channel")
    }


def rebuild(*, organization, apps=installed_apps) -> int:
    """Replace the organization's ``FunnelDay`` rows by ``computed``; returns the rows written.
    The caller holds the transaction (``figures.rebuild``, a migration)."""
    model = apps.get_model("billing", "FunnelDay")
    model.objects.filter(organization=organization).delete()
    days = computed(organization, apps)
    rows = [(organization.pk, *key, *counts) for key, counts in sorted(days.items())]
    add_rows(model, KEY, STAGES, rows)
    return len(days)
