"""Payment links: which invoice a token opens, until when, and e-mailing a fresh one.

A link works until 30 days after the due date, or 30 days after a fresh link was e-mailed
(the latest ``payment_link`` e-mail in the delivery log is that record). Asking for a fresh
link rotates the token, so every older link stops working.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from billing import documents
from billing.models import Invoice
from billing.models.choices import Channel
from billing.models.invoices import new_payment_token
from billing.reports import funnel_days
from billing.services.actors import Actor
from billing.services.invoice_email import (
    TEMPLATE_KEY,
    customer_addresses,
    default_template,
    explicit_send,
    template_data,
)
from notifications.logs import mask_email
from notifications.models import Message

PURPOSE = "payment_link"
VALIDITY = documents.LINK_VALID_AFTER_DUE
RESEND_GAP = timedelta(minutes=10)

TOKEN_SYNTAX = re.compile(r"[A-Za-z0-9_-]{1,64}")  # secrets.token_urlsafe's alphabet


@dataclass(frozen=True)
class RenewedLink:
    masked_address: str
    sent: bool  # False: a fresh link went out moments ago and was not sent again


def invoice_for_token(token: str) -> Invoice | None:
    """The issued invoice a token opens; None for anything else (the caller answers 404).

    Only the alphabet tokens are made of is looked up: anything else (a NUL character, which
    PostgreSQL refuses in a query) cannot be a token."""
    if not TOKEN_SYNTAX.fullmatch(token):
        return None
    return (
        Invoice.objects.select_related("organization", "customer", "wallet")
        .exclude(status=Invoice.Status.DRAFT)
        .filter(payment_token=token, payment_link=True)
        .first()
    )


@transaction.atomic
def record_opened(invoice: Invoice) -> None:
    """Remember the first opening of the pay page (the overview's funnel): one conditional
    UPDATE, so concurrent visits keep the earliest time and later visits write nothing; the
    visit that sets it counts the invoice as opened on the funnel while holding the row."""
    if invoice.pay_page_opened_at is not None:
        return
    now = timezone.now()
    first = Invoice.objects.filter(pk=invoice.pk, pay_page_opened_at__isnull=True).update(
        pay_page_opened_at=now
    )
    invoice.pay_page_opened_at = now
    if first:
        funnel_days.invoice_moved(invoice, opened=1)


def _last_renewal(invoice: Invoice) -> Message | None:
    return (
        Message.objects.filter(
            subject_type=ContentType.objects.get_for_model(Invoice),
            subject_id=str(invoice.pk),
            purpose=PURPOSE,
        )
        .order_by("-created_at")
        .first()
    )


def expires_on(invoice: Invoice) -> date:
    last = documents.link_expires_on(invoice)
    renewal = _last_renewal(invoice)
    if renewal is not None:
        renewed = renewal.created_at.astimezone(invoice.organization.tzinfo).date()
        last = max(last, renewed + VALIDITY)
    return last


def is_expired(invoice: Invoice) -> bool:
    return invoice.local_today() > expires_on(invoice)


@transaction.atomic
def payment_link_renew(*, invoice: Invoice) -> RenewedLink:
    """Rotate the token and e-mail the new link to the address on file."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("organization", "customer", "wallet")
        .get(pk=invoice.pk)
    )
    address = customer_addresses(invoice)[0]
    recent = _last_renewal(invoice)
    if recent is not None and recent.created_at > timezone.now() - RESEND_GAP:
        return RenewedLink(masked_address=mask_email(address), sent=False)
    invoice.payment_token = new_payment_token()
    invoice.save(update_fields=["payment_token", "updated_at"])
    explicit_send(
        tenant_id=invoice.organization_id,
        subject=invoice,
        purpose=PURPOSE,
        channel=Channel.EMAIL,
        recipient=address,
        context=_context(invoice, address),
        created_by=Actor(label="customer:pay-page").label,
    )
    return RenewedLink(masked_address=mask_email(address), sent=True)


def _context(invoice: Invoice, address: str) -> dict:
    doc = documents.build(invoice)
    data = template_data(
        invoice,
        doc,
        subject=f"New payment link for invoice {doc.number}",
        intro=f"Here is a new link to view and pay invoice {doc.number}.",
    )
    sender = default_template(invoice)
    return {
        "template": TEMPLATE_KEY,
        "data": data,
        "to": [address],
        "reply_to": [sender.reply_to],
        "from_name": sender.sender_name,
        "tracked_urls": [doc.pay_url],
    }
