"""Money received on an invoice, and payments taken back.

``Invoice.amount_paid`` is the net received: recorded payments minus reversed ones. Status moves
go through the invoice lifecycle's one door (``mark_paid`` / ``mark_unpaid``).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from billing.errors import PaymentRejected
from billing.models import Invoice, Payment, PaymentReversal
from billing.models.choices import PaymentMethod
from billing.reports import figures
from billing.services.actors import Actor
from billing.services.credit_notes import post_payment_credited
from billing.services.invoices import audit_event, lock, mark_paid, mark_unpaid
from billing.services.roles import role_authorize
from billing.webhooks.events import event_raise

PAYABLE = (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE)
REVERSIBLE = (Invoice.Status.OPEN, Invoice.Status.PAID, Invoice.Status.UNCOLLECTIBLE)


@dataclass(frozen=True)
class RecordedPayment:
    payment: Payment
    warnings: list[str]


def _check_amount(invoice: Invoice, amount: int) -> None:
    due = invoice.amount_due
    if amount <= 0:
        raise PaymentRejected(["amount must be greater than 0"])
    if amount > due:
        raise PaymentRejected(
            f"Payment of {invoice.money(amount)} exceeds the amount due of {invoice.money(due)}"
        )
    if amount < due and not invoice.partial_payment:
        raise PaymentRejected(
            f"This invoice does not accept partial payments: pay the full {invoice.money(due)}"
        )


def issue_date(invoice: Invoice) -> date:
    """The day the invoice was issued, in the organization's time zone."""
    return invoice.finalized_at.astimezone(invoice.organization.tzinfo).date()


def payment_date_problem(invoice: Invoice, paid_at: datetime) -> str | None:
    """A payment cannot predate the invoice's issue date nor lie in the future (by the
    organization's calendar)."""
    tz = invoice.organization.tzinfo
    day = paid_at.astimezone(tz).date()
    if day > timezone.now().astimezone(tz).date():
        return f"paid_at: the payment date {day.isoformat()} is in the future"
    issued = issue_date(invoice)
    if day < issued:
        return (
            f"paid_at: the payment date {day.isoformat()} is before the invoice's "
            f"issue date {issued.isoformat()}"
        )
    return None


def duplicate_reference_warning(*, invoice: Invoice, reference: str) -> str | None:
    """A second live payment with the same reference on the invoice is usually a mistake."""
    if not reference:
        return None
    same = invoice.payments.filter(reference=reference, reversal__isnull=True)
    if not same.exists():
        return None
    return f"Another payment on invoice {invoice} already has the reference “{reference}”."


def payment_note(invoice: Invoice, amount: int, method: str) -> str:
    """The audit sentence, in words: "Payment of 100 EUR by bank transfer"."""
    label = PaymentMethod(method).label.lower() if method in PaymentMethod.values else method
    return f"Payment of {invoice.money(amount)} by {label}"


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount: int,
    method: str,
    actor: Actor,
    reference: str = "",
    paid_at: datetime | None = None,
) -> RecordedPayment:
    """Record money received (minor units). The invoice becomes PAID when nothing is left due.

    Refuses a payment date before the issue date or in the future; a reference already used
    by another payment of the invoice is recorded with a warning."""
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="record_payment")
    invoice = lock(invoice)
    before = figures.standing(invoice)
    if invoice.status not in PAYABLE:
        raise PaymentRejected(
            f"Payments can only be recorded on open invoices; invoice {invoice} is {invoice.status}"
        )
    _check_amount(invoice, amount)
    paid_at = paid_at or timezone.now()
    problem = payment_date_problem(invoice, paid_at)
    if problem:
        raise PaymentRejected([problem])
    warning = duplicate_reference_warning(invoice=invoice, reference=reference)
    payment = Payment.objects.create(
        invoice=invoice,
        amount=amount,
        method=method,
        reference=reference,
        paid_at=paid_at,
        recorded_by=actor.user,
    )
    invoice.amount_paid += amount
    event_raise(
        organization=invoice.organization,
        type="invoice.payment_recorded",
        invoice=invoice,
        payment=payment_data(payment),
    )
    note = payment_note(invoice, amount, method)
    if invoice.amount_due == 0:
        mark_paid(invoice, actor=actor, paid_at=paid_at, note=note)
    else:
        invoice.save(update_fields=["amount_paid", "updated_at"])
        audit_event(invoice, invoice.status, invoice.status, actor=actor, note=note)
    figures.balance_moved(before, invoice)
    figures.collected(invoice, paid_at, amount)
    return RecordedPayment(payment, [warning] if warning else [])


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, actor: Actor) -> PaymentReversal:
    """Take back a payment recorded by mistake: a reversal row (the payment is never deleted),
    the amount due again, and a paid invoice back to OPEN (partially paid when payments
    remain)."""
    role_authorize(
        actor=actor, organization_id=payment.invoice.organization_id, action="reverse_payment"
    )
    invoice = lock(payment.invoice)
    before = figures.standing(invoice)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    reason = reason.strip()
    if not reason:
        raise PaymentRejected(["reason: say why the payment is reversed"])
    if PaymentReversal.objects.filter(payment=payment).exists():
        raise PaymentRejected(f"This payment on invoice {invoice} is reversed already")
    if invoice.status not in REVERSIBLE:
        raise PaymentRejected(
            f"Payments of a {invoice.get_status_display().lower()} invoice cannot be reversed"
        )
    if invoice.amount_paid - payment.amount < post_payment_credited(invoice):
        raise PaymentRejected(
            "Credit notes already gave part of this payment back: it cannot be reversed"
        )
    reversal = PaymentReversal.objects.create(
        payment=payment, reason=reason[:300], reversed_by=actor.user
    )
    invoice.amount_paid -= payment.amount
    note = f"Payment of {invoice.money(payment.amount)} reversed: {reason}"
    if invoice.status == Invoice.Status.PAID:
        mark_unpaid(invoice, actor=actor, note=note)
    else:
        invoice.save(update_fields=["amount_paid", "updated_at"])
        audit_event(invoice, invoice.status, invoice.status, actor=actor, note=note)
    figures.balance_moved(before, invoice)
    figures.collected(invoice, payment.paid_at, -payment.amount)  # as if never received
    return reversal


def payment_data(payment: Payment) -> dict:
    """The API's representation of a payment (its ``transactions`` entry)."""
    from billing.api.serializers.invoices import TransactionSerializer

    return TransactionSerializer(payment).data
