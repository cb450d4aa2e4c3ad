"""The money moves the stored-figure property tests draw from: payments, reversals, credit
notes, refunds, voids and write-offs, each through its service."""

from billing.models import Invoice, Payment
from billing.services.actors import Actor
from billing.services.credit_notes import credit_note_issue
from billing.services.invoices import invoice_mark_uncollectible, invoice_void
from billing.services.payments import payment_record, payment_reverse

ACTOR = Actor(label="test")
MONEY_STEPS = ("pay", "pay_all", "reverse", "credit", "refund", "void", "lose")


def part(amount: int, percent: int) -> int:
    return max(1, amount * percent // 100)


def money_step(name: str, invoice: Invoice, percent: int) -> None:
    """One of ``MONEY_STEPS`` on ``invoice`` (read fresh by the caller)."""
    if name in ("pay", "pay_all"):
        due = invoice.amount_due
        amount = due if name == "pay_all" else part(due, percent)
        payment_record(invoice=invoice, amount=amount, method="BANK_TRANSFER", actor=ACTOR)
    elif name == "reverse":
        payment = Payment.objects.filter(invoice=invoice, reversal__isnull=True).first()
        if payment is not None:
            payment_reverse(payment=payment, reason="recorded by mistake", actor=ACTOR)
    elif name in ("credit", "refund"):
        amount = part(invoice.total, percent)
        refund = min(amount, invoice.amount_paid) if name == "refund" else 0
        credit_note_issue(
            invoice=invoice, reason="ORDER_CHANGE", actor=ACTOR, amount=amount, refund_amount=refund
        )
    elif name == "void":
        invoice_void(invoice=invoice, actor=ACTOR)
    elif name == "lose":
        invoice_mark_uncollectible(invoice=invoice, actor=ACTOR)
    else:
        raise ValueError(f"not a money step: {name}")
