from datetime import datetime

from django.db import transaction
from django.utils import timezone

from billing.errors import PaymentRejected
from billing.models import Invoice, Payment
from billing.services.actors import Actor
from billing.services.invoices import audit_event, lock, mark_paid
from billing.services.roles import role_authorize
from billing.webhooks.events import event_raise

PAYABLE = (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE)


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


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount: int,
    method: str,
    actor: Actor,
    reference: str = "",
    paid_at: datetime | None = None,
) -> Payment:
    """Record money received (minor units). The invoice becomes PAID when nothing is left due."""
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="record_payment")
    invoice = lock(invoice)
    if invoice.status not in PAYABLE:
        raise PaymentRejected(
            f"Payments can only be recorded on open invoices; invoice {invoice} is {invoice.status}"
        )
    _check_amount(invoice, amount)
    paid_at = paid_at or timezone.now()
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
    note = f"payment {invoice.money(amount)} by {method}"
    if invoice.amount_due == 0:
        mark_paid(invoice, actor=actor, paid_at=paid_at, note=note)
    else:
        invoice.save(update_fields=["amount_paid", "updated_at"])
        audit_event(invoice, invoice.status, invoice.status, actor=actor, note=note)
    return payment


def payment_data(payment: Payment) -> dict:
    """The API's representation of a payment (its ``transactions`` entry)."""
    from billing.api.serializers.invoices import TransactionSerializer

    return TransactionSerializer(payment).data
