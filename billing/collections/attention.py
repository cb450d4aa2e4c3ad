"""What needs a clerk after the customer answered or both channels failed, and the one service
per way of dealing with it (each audited on the invoice timeline).

- **Disputes**: invoices flagged ``disputed_at``; an approver resolves them (reminders resume).
- **"Paid already" to check**: a reply saying so, until a clerk checked for the payment.
- **Promises to pay due**: the promised date has come and the invoice is still open.
- **Failed fallbacks**: the message on the second channel failed too.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.collections.models import FollowUp
from billing.collections.pauses import invoice_reminders_resume
from billing.collections.policy import policy_for
from billing.collections.replan import invoice_replan
from billing.errors import BillingError, NotFound
from billing.models import Invoice, Organization
from billing.services.actors import Actor
from billing.services.invoices import audit_event
from billing.services.roles import role_authorize
from notifications import status as st
from notifications.models import InboundReply, Message

FAILED_FALLBACK = (st.FAILED, st.REJECTED, st.BOUNCED, st.UNDELIVERED)
LIMIT = 200  # per kind: a work list, not a report


class AlreadyHandled(BillingError):
    status_code = 409


@dataclass(frozen=True)
class Item:
    """One row of the "Needs attention" list."""

    kind: str
    invoice: Invoice
    since: datetime | date
    detail: str
    ref: str = ""


def _invoices(organization: Organization):
    return Invoice.objects.filter(organization=organization).select_related(
        "customer", "organization"
    )


def _subjects(messages) -> dict[str, Invoice]:
    ids = {m.subject_id for m in messages}
    return {str(i.pk): i for i in Invoice.objects.filter(pk__in=ids).select_related("customer")}


def disputes(organization: Organization) -> list[Item]:
    rows = _invoices(organization).filter(disputed_at__isnull=False).order_by("disputed_at")
    return [
        Item("dispute", invoice, invoice.disputed_at, "The customer disputes this invoice.")
        for invoice in rows[:LIMIT]
    ]


def _done(organization: Organization, kind: str) -> list[str]:
    return list(
        FollowUp.objects.filter(kind=kind, invoice__organization=organization).values_list(
            "ref", flat=True
        )
    )


def payment_checks(organization: Organization) -> list[Item]:
    checked = [int(ref) for ref in _done(organization, FollowUp.Kind.PAYMENT_CHECK)]
    replies = list(
        InboundReply.objects.filter(
            tenant_id=organization.pk,
            action="paid",
            message__subject_type=ContentType.objects.get_for_model(Invoice),
        )
        .exclude(pk__in=checked)
        .select_related("message")
        .order_by("received_at")[:LIMIT]
    )
    invoices = _subjects([r.message for r in replies])
    return [
        Item(
            "payment_check",
            invoices[r.message.subject_id],
            r.received_at,
            'The customer replied "Paid already": look for the payment.',
            ref=str(r.pk),
        )
        for r in replies
        if r.message.subject_id in invoices
    ]


def promises_due(organization: Organization, today: date) -> list[Item]:
    rows = _invoices(organization).filter(
        status=Invoice.Status.OPEN, promise_to_pay_until__lte=today
    )
    return [
        Item(
            "promise_due",
            invoice,
            invoice.promise_to_pay_until,
            "The customer promised to pay by then; nothing is recorded yet.",
        )
        for invoice in rows.order_by("promise_to_pay_until")[:LIMIT]
    ]


def failed_fallbacks(organization: Organization) -> list[Item]:
    handled = [uuid.UUID(ref) for ref in _done(organization, FollowUp.Kind.FAILED_FALLBACK)]
    messages = list(
        Message.objects.filter(
            tenant_id=organization.pk,
            subject_type=ContentType.objects.get_for_model(Invoice),
            fallback_of__isnull=False,
            status__in=FAILED_FALLBACK,
        )
        .exclude(pk__in=handled)
        .select_related("fallback_of")
        .order_by("created_at")[:LIMIT]
    )
    invoices = _subjects(messages)
    return [
        Item(
            "failed_fallback",
            invoices[m.subject_id],
            m.created_at,
            f"The {m.fallback_of.channel} message and the {m.channel} one after it both "
            f"ended {m.status}: the customer has not been reached.",
            ref=str(m.pk),
        )
        for m in messages
        if m.subject_id in invoices
    ]


def needs_attention(organization: Organization) -> dict[str, list[Item]]:
    today = timezone.now().astimezone(organization.tzinfo).date()
    return {
        "dispute": disputes(organization),
        "payment_check": payment_checks(organization),
        "promise_due": promises_due(organization, today),
        "failed_fallback": failed_fallbacks(organization),
    }


# --- dealing with an item --------------------------------------------------------------------
def _note(invoice: Invoice, actor: Actor, note: str) -> None:
    audit_event(invoice, invoice.status, invoice.status, actor=actor, note=note[:500])


def _lock(invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("organization", "customer")
        .get(pk=invoice.pk)
    )


@transaction.atomic
def dispute_resolve(*, invoice: Invoice, actor: Actor, note: str) -> Invoice:
    """Clear the dispute flag; the invoice's unsent reminders are planned again."""
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="resolve_dispute")
    invoice = _lock(invoice)
    if invoice.disputed_at is None:
        raise AlreadyHandled(f"Invoice {invoice} is not disputed.")
    invoice.disputed_at = None
    invoice.save(update_fields=["disputed_at", "updated_at"])
    _note(invoice, actor, f"Dispute resolved: {note}")
    if invoice.status == Invoice.Status.OPEN:
        policy = policy_for(invoice.organization)
        invoice_replan(
            invoice=invoice,
            policy=policy,
            now=timezone.now(),
            reason="re-planned: dispute resolved",
        )
    return invoice


@transaction.atomic
def promise_follow_up(*, invoice: Invoice, actor: Actor, note: str) -> Invoice:
    """The promise to pay has been followed up: it is cleared (reminders go on)."""
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="follow_up")
    invoice = _lock(invoice)
    promised = invoice.promise_to_pay_until
    if promised is None:
        raise AlreadyHandled(f"Invoice {invoice} has no promise to pay.")
    invoice.promise_to_pay_until = None
    invoice.save(update_fields=["promise_to_pay_until", "updated_at"])
    _note(invoice, actor, f"Promise to pay by {promised} followed up: {note}")
    return invoice


def _invoice_messages(invoice: Invoice):
    return Message.objects.filter(
        subject_type=ContentType.objects.get_for_model(Invoice), subject_id=str(invoice.pk)
    )


def _follow_up(kind: str, *, invoice: Invoice, ref: str, actor: Actor, note: str) -> None:
    """``ref`` was checked to be the invoice's own reply or message by the caller."""
    try:
        with transaction.atomic():
            FollowUp.objects.create(
                kind=kind, ref=ref, invoice=invoice, note=note[:300], actor_label=actor.label
            )
    except IntegrityError:
        raise AlreadyHandled("Someone has dealt with this already.") from None


def _int(value: str) -> int:
    return int(value) if str(value).isdigit() else 0


def _uuid(value: str):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return uuid.UUID(int=0)


@transaction.atomic
def payment_check_done(
    *, invoice: Invoice, reply_id: str, actor: Actor, note: str, resume: bool
) -> Invoice:
    """A clerk looked for the payment the customer says they made; with ``resume`` (none
    found) the invoice's reminders go on at once instead of after the pause."""
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="follow_up")
    replies = InboundReply.objects.filter(action="paid", message__in=_invoice_messages(invoice))
    if not replies.filter(pk=_int(reply_id)).exists():
        raise NotFound("No such reply to this invoice")
    _follow_up(FollowUp.Kind.PAYMENT_CHECK, invoice=invoice, ref=reply_id, actor=actor, note=note)
    outcome = "no payment found, reminders resumed" if resume else "checked"
    _note(invoice, actor, f'"Paid already" reply {outcome}: {note}')
    if resume:
        return invoice_reminders_resume(invoice=invoice, actor_label=actor.label)
    return invoice


@transaction.atomic
def failed_fallback_handled(
    *, invoice: Invoice, message_id: str, actor: Actor, note: str
) -> Invoice:
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="follow_up")
    failed = _invoice_messages(invoice).filter(
        fallback_of__isnull=False, status__in=FAILED_FALLBACK
    )
    if not failed.filter(pk=_uuid(message_id)).exists():
        raise NotFound("No such failed message of this invoice")
    _follow_up(
        FollowUp.Kind.FAILED_FALLBACK, invoice=invoice, ref=message_id, actor=actor, note=note
    )
    _note(invoice, actor, f"Undelivered reminder handled: {note}")
    return invoice
