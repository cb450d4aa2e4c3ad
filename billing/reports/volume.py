"""A synthetic data set for benchmarks and for trying the admin at scale.

Rows are generated as tuples and written by ``bulk_rows`` (no per-row services, no sends), so
100,000 invoices and 500,000 messages load in minutes: invoices are numbered from the
organization's counter in one allocation, so numbers stay 1..N; paid invoices get their
payment; each invoice's messages are spread over purposes and channels so the delivery log's
"one active message per subject, purpose and channel" rule holds, each with the timeline its
status implies (the send's answer, then the provider's report) and its invoice's delivery
status. The stored overview figures are rebuilt from the rows at the end.
"""

import functools
import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from billing.models import Customer, Invoice, InvoiceDelivery, Organization, Payment
from billing.reports import figures
from billing.reports.bulk_rows import RowWriter, analyze, loading, moments
from billing.services.numbering import allocate_numbers
from notifications import status as st
from notifications.models import ErrorText, Message, MessageEvent
from notifications.models.messages import phone_suffix, text_digest
from notifications.problems import kind_of

STATUSES = (Invoice.Status.OPEN,) * 5 + (Invoice.Status.PAID,) * 3 + (Invoice.Status.VOID,)
PURPOSES = ("invoice_issued", "reminder", "receipt", "payment_link", "test")
CHANNELS = ("email", "whatsapp")
# No "sending"/"unknown": a WhatsApp phone may have only one message in flight.
MESSAGE_STATUSES = ("sent", "delivered", "delivered", "read", "failed", "accepted", "bounced")
CUSTOMERS = 200
ERRORS = {
    "whatsapp": ("131026", "(#131026) Message undeliverable"),
    "email": ("smtp_recipients_refused", "550 5.1.1 Mailbox does not exist"),
}
PAYMENT_COLUMNS = ("id", "invoice_id", "amount", "paid_at", "created_at")
EVENT_COLUMNS = ("message_id", "status", "source", "occurred_at", "received_at")
DELIVERY_COLUMNS = ("invoice_id", "channel", "status", "message_id", "updated_at")
MESSAGES_PER_PASS = 50_000


class InvoiceRow(NamedTuple):
    """The varying columns of an invoice, named as the model's attributes."""

    id: str
    sequence: int
    number: str
    customer_id: str
    name: str
    email: str
    status: str
    due_date: str
    subtotal: int
    total: int
    amount_paid: int
    finalized_at: datetime
    paid_at: datetime | None
    voided_at: datetime | None
    created_at: datetime
    updated_at: datetime
    payment_token: str


class MessageRow(NamedTuple):
    id: str
    subject_id: str
    subject_label: str
    recipient_ref: str
    recipient_name: str
    recipient_suffix: str
    purpose: str
    channel: str
    recipient: str
    status: str
    rank: int
    last_error_code: str
    last_error_message: str
    error_kind: str
    last_attempt_at: datetime
    created_at: datetime
    updated_at: datetime


def _moment_positions(row_type, names: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(row_type._fields.index(name) for name in names)


INVOICE_MOMENTS = _moment_positions(
    InvoiceRow, ("finalized_at", "paid_at", "voided_at", "created_at", "updated_at")
)
MESSAGE_MOMENTS = _moment_positions(MessageRow, ("last_attempt_at", "created_at", "updated_at"))


@dataclass(frozen=True)
class Named:
    """An invoice as its messages name it in the delivery log."""

    pk: str  # the 32 hex digits the databases read
    subject_id: str  # the text form a message's generic reference holds
    number: str
    customer_id: str
    customer_name: str
    issued: datetime  # naive UTC


@dataclass(frozen=True)
class Loaded:
    invoices: int
    messages: int


def volume_load(*, organization: Organization, invoices: int, messages: int, seed: int = 1):
    chooser = random.Random(seed)
    now = datetime.now(UTC).replace(tzinfo=None)
    with loading():
        named = _invoices(organization, _customers(organization), invoices, chooser, now)
        written = _messages(organization, named, messages, chooser) if named else 0
        figures.rebuild(organization=organization)  # the rows above went past the services
    analyze(Invoice, Payment, Message, MessageEvent, InvoiceDelivery)
    return Loaded(invoices=len(named), messages=written)


def _customers(organization: Organization) -> list[Customer]:
    existing = list(Customer.objects.filter(organization=organization)[:CUSTOMERS])
    missing = [
        Customer(
            organization=organization,
            name=f"Volume customer {n}",
            email=f"volume{n}@example.com",
        )
        for n in range(len(existing), CUSTOMERS)
    ]
    return existing + Customer.objects.bulk_create(missing)


def _invoices(organization, customers, count: int, chooser, now: datetime) -> list[Named]:
    constants = {
        "organization_id": organization.pk,
        "currency": organization.default_currency,
        "delivery": Invoice.Delivery.MANUALLY,
    }
    numbers = allocate_numbers(organization, count, timezone.now()) if count else []
    named, rows, payments = [], [], []
    for sequence, number in numbers:
        customer = chooser.choice(customers)
        row = _invoice(customer, chooser, now, sequence, number)
        rows.append(row)
        named.append(Named(row.id, str(uuid.UUID(row.id)), number, str(customer.pk),
                           customer.name, row.finalized_at))  # fmt: skip
        if row.status == Invoice.Status.PAID:
            payments.append((uuid.uuid4().hex, row.id, row.total, row.paid_at, row.paid_at))
    RowWriter(Invoice, InvoiceRow._fields, constants).write(moments(rows, INVOICE_MOMENTS))
    RowWriter(Payment, PAYMENT_COLUMNS, {"method": "BANK_TRANSFER"}).write(
        moments(payments, (3, 4))
    )
    return named


def _invoice(customer, chooser, now: datetime, sequence: int, number: str) -> InvoiceRow:
    status = chooser.choice(STATUSES)
    # Half a day back at least: its messages (sent over the hours after it) are in the past.
    issued = now - timedelta(
        days=chooser.randint(0, 365), hours=12, minutes=chooser.randint(0, 1439)
    )
    total = chooser.randint(1_000, 500_000)
    paid = status == Invoice.Status.PAID
    return InvoiceRow(
        uuid.uuid4().hex,
        sequence,
        number,
        customer.pk.hex,
        customer.name,
        customer.email,
        status,
        (issued + timedelta(days=30)).date().isoformat(),
        total,
        total,
        total if paid else 0,
        issued,
        issued + timedelta(days=10) if paid else None,
        issued + timedelta(days=5) if status == Invoice.Status.VOID else None,
        issued - timedelta(minutes=30),  # created as a draft, finalized half an hour later
        issued,
        secrets.token_urlsafe(32),
    )


def _messages(organization, invoices: list[Named], count: int, chooser: random.Random) -> int:
    subject_type = ContentType.objects.get_for_model(Invoice)
    constants = {"tenant_id": organization.pk, "subject_type_id": subject_type.pk,
                 "provider": "volume", "attempts": 1, "payload": {}}  # fmt: skip
    writers = (
        RowWriter(Message, MessageRow._fields, constants),
        RowWriter(MessageEvent, EVENT_COLUMNS, {"applied": True, "detail": {}}),
    )
    slots = [(p, c) for p in PURPOSES for c in CHANNELS]
    count = min(count, len(invoices) * len(slots))
    deliveries = {}
    for start in range(0, count, MESSAGES_PER_PASS):
        rows = []
        for index in range(start, min(start + MESSAGES_PER_PASS, count)):
            invoice = invoices[index % len(invoices)]
            slot = index // len(invoices)
            rows.append(_message(invoice, *slots[slot], chooser, slot))
            deliveries[(invoice.pk, rows[-1].channel)] = rows[-1]  # the invoice's newest
        _write_messages(writers, rows)
    newest = (
        (uuid.UUID(m.subject_id).hex, m.channel, m.status, m.id, m.updated_at)
        for m in deliveries.values()
    )
    RowWriter(InvoiceDelivery, DELIVERY_COLUMNS, {}).write(moments(newest, (4,)))
    seen = [
        ErrorText(tenant_id=organization.pk, code=code, text=text, digest=text_digest(text))
        for code, text in ERRORS.values()
    ]
    ErrorText.objects.bulk_create(seen, ignore_conflicts=True)
    return count


def _write_messages(writers, rows: list[MessageRow]) -> None:
    """A pass of messages, then their timelines (one COPY at a time on a connection)."""
    messages, events = writers
    messages.write(moments(rows, MESSAGE_MOMENTS))
    events.write(moments((e for row in rows for e in _timeline(row)), (3, 4)))


def _message(invoice: Named, purpose, channel, chooser, slot: int) -> MessageRow:
    status = chooser.choice(MESSAGE_STATUSES)
    phone = f"+49151{chooser.randint(0, 9_999_999):07d}"
    whatsapp = channel == "whatsapp"
    code, text = ERRORS[channel] if status in ("failed", "bounced") else ("", "")
    sent = invoice.issued + timedelta(hours=slot, seconds=chooser.randint(0, 3599))
    reported = sent + timedelta(seconds=chooser.randint(2, 600))
    return MessageRow(
        uuid.uuid4().hex,
        invoice.subject_id,
        invoice.number,
        invoice.customer_id,
        invoice.customer_name,
        phone_suffix(phone) if whatsapp else "",
        purpose,
        channel,
        phone if whatsapp else "volume@example.com",
        status,
        st.RANK[status],
        code,
        text,
        _kind(code, status),
        sent,
        sent,
        sent if status == _answer(status, channel) else reported,
    )


@functools.cache
def _kind(code: str, status: str) -> str:
    return kind_of(code, status)


def _answer(status: str, channel: str) -> str:
    """What the send itself answered: WhatsApp refuses an undeliverable number at once."""
    return st.FAILED if status == st.FAILED and channel == "whatsapp" else st.ACCEPTED


def _timeline(message: MessageRow) -> list[tuple]:
    """The send's answer, then (unless that was the end) the provider's report."""
    answer, sent = _answer(message.status, message.channel), message.last_attempt_at
    timeline = [(message.id, answer, MessageEvent.Source.SEND, sent, sent)]
    if message.status != answer:
        reported = message.updated_at
        timeline.append(
            (message.id, message.status, MessageEvent.Source.WEBHOOK, reported, reported)
        )
    return timeline
