"""A synthetic data set for benchmarks and for trying the admin at scale.

Rows are written with ``bulk_create`` in batches (no per-row services, no sends): invoices are
numbered from the organization's counter in one allocation, so numbers stay 1..N; paid invoices
get their payment; each invoice's messages are spread over purposes and channels so the
delivery log's "one active message per subject, purpose and channel" rule holds.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from billing.models import Customer, Invoice, InvoiceDelivery, Organization, Payment
from billing.reports import figures
from billing.services.numbering import allocate_numbers
from notifications.models import Message
from notifications.models.messages import phone_suffix
from notifications.problems import kind_of

BATCH = 2000
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


@dataclass(frozen=True)
class Named:
    """An invoice as its messages name it in the delivery log."""

    pk: object
    number: str
    customer_id: str
    customer_name: str


@dataclass(frozen=True)
class Loaded:
    invoices: int
    messages: int


def volume_load(*, organization: Organization, invoices: int, messages: int, seed: int = 1):
    chooser = random.Random(seed)
    customers = _customers(organization)
    ids: list[Named] = []
    for start in range(0, invoices, BATCH):
        ids += _invoices(organization, customers, min(BATCH, invoices - start), chooser)
    written = _messages(organization, ids, messages, chooser) if ids else 0
    figures.rebuild(organization=organization)  # the rows above went past the services
    return Loaded(invoices=len(ids), messages=written)


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


def _invoices(organization, customers, count: int, chooser: random.Random) -> list:
    now = timezone.now()
    rows, payments = [], []
    with transaction.atomic():
        for sequence, number in allocate_numbers(organization, count, now):
            rows.append(_invoice(organization, chooser.choice(customers), chooser, now))
            rows[-1].sequence, rows[-1].number = sequence, number
        Invoice.objects.bulk_create(rows, batch_size=BATCH)
        for invoice in rows:
            if invoice.status == Invoice.Status.PAID:
                payments.append(
                    Payment(
                        invoice=invoice,
                        amount=invoice.total,
                        method="BANK_TRANSFER",
                        paid_at=invoice.paid_at,
                    )
                )
        Payment.objects.bulk_create(payments, batch_size=BATCH)
    return [Named(i.pk, i.number, str(i.customer.pk), i.customer.name) for i in rows]


def _invoice(organization, customer, chooser: random.Random, now) -> Invoice:
    status = chooser.choice(STATUSES)
    finalized = now - timedelta(days=chooser.randint(0, 365), minutes=chooser.randint(0, 1439))
    total = chooser.randint(1_000, 500_000)
    return Invoice(
        organization=organization,
        customer=customer,
        name=customer.name,
        email=customer.email,
        currency=organization.default_currency,
        status=status,
        due_date=(finalized + timedelta(days=30)).date(),
        subtotal=total,
        total=total,
        amount_paid=total if status == Invoice.Status.PAID else 0,
        finalized_at=finalized,
        paid_at=finalized + timedelta(days=10) if status == Invoice.Status.PAID else None,
        voided_at=finalized + timedelta(days=5) if status == Invoice.Status.VOID else None,
        delivery=Invoice.Delivery.MANUALLY,
    )


def _messages(organization, invoice_ids: list[Named], count: int, chooser: random.Random) -> int:
    subject_type = ContentType.objects.get_for_model(Invoice)
    slots = [(p, c) for p in PURPOSES for c in CHANNELS]
    count = min(count, len(invoice_ids) * len(slots))
    batch, deliveries, written = [], {}, 0
    for index in range(count):
        invoice = invoice_ids[index % len(invoice_ids)]
        purpose, channel = slots[index // len(invoice_ids)]
        message = _message(organization, subject_type, invoice, purpose, channel, chooser)
        batch.append(message)
        deliveries[(invoice.pk, channel)] = InvoiceDelivery(
            invoice_id=invoice.pk, channel=channel, status=message.status, message_id=message.pk
        )
        if len(batch) == BATCH:
            written += len(Message.objects.bulk_create(batch))
            batch = []
    written += len(Message.objects.bulk_create(batch))
    InvoiceDelivery.objects.bulk_create(
        deliveries.values(),
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["invoice", "channel"],
        update_fields=["status", "message_id"],
    )
    return written


def _message(organization, subject_type, invoice: Named, purpose, channel, chooser) -> Message:
    status = chooser.choice(MESSAGE_STATUSES)
    phone = f"+49151{chooser.randint(0, 9_999_999):07d}"
    recipient = phone if channel == "whatsapp" else "volume@example.com"
    code, text = ERRORS[channel] if status in ("failed", "bounced") else ("", "")
    return Message(
        tenant_id=organization.pk,
        subject_type=subject_type,
        subject_id=str(invoice.pk),
        subject_label=invoice.number,
        recipient_ref=invoice.customer_id,
        recipient_name=invoice.customer_name,
        recipient_suffix=phone_suffix(recipient) if channel == "whatsapp" else "",
        purpose=purpose,
        channel=channel,
        recipient=recipient,
        status=status,
        provider="volume",
        attempts=1,
        last_error_code=code,
        last_error_message=text,
        error_kind=kind_of(code, status),
    )
