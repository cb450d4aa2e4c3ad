"""Credit notes: the one way an issued invoice is corrected (never by editing it).

``credit_note_issue`` is the only writer. Stripe's rules: the credited amount first lowers what
is still due (``pre_payment_amount``); the rest (``post_payment_amount``) is money already
received, refunded (``refund_amount``) or left as customer credit (``credit_amount``). The split
is exact and the sum of an invoice's credit notes never exceeds its total.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from billing.errors import CreditRejected
from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceItem
from billing.money import round_minor
from billing.reports import figures
from billing.services.actors import Actor
from billing.services.invoices import audit_event, lock, mark_paid
from billing.services.numbering import allocate_credit_note_number
from billing.services.roles import role_authorize

CREDITABLE = (Invoice.Status.OPEN, Invoice.Status.PAID)


@dataclass(frozen=True)
class CreditLineInput:
    item: InvoiceItem
    quantity: Decimal


def post_payment_credited(invoice: Invoice) -> int:
    """The part of earlier credit notes that came out of money received."""
    total = invoice.credit_notes.aggregate(s=Sum("post_payment_amount"))["s"]
    return total or 0


def creditable_amount(invoice: Invoice) -> int:
    return invoice.total - invoice.amount_credited - post_payment_credited(invoice)


def _item_gross(item: InvoiceItem) -> int:
    return item.net_amount + item.tax_amount


def _credited_on(item: InvoiceItem) -> tuple[Decimal, int]:
    done = item.credits.aggregate(q=Sum("quantity"), a=Sum("amount"))
    return done["q"] or Decimal(0), done["a"] or 0


def _line(invoice: Invoice, entry: CreditLineInput) -> CreditNoteLine:
    item = entry.item
    if item.invoice_id != invoice.pk:
        raise CreditRejected(["lines: the item is not on this invoice"])
    quantity_done, amount_done = _credited_on(item)
    left = item.quantity - quantity_done
    if entry.quantity <= 0 or entry.quantity > left:
        raise CreditRejected([f"lines: quantity must be between 0 and {left.normalize()}"])
    if entry.quantity == left:  # the last of a line: exactly what is left of its gross
        amount = _item_gross(item) - amount_done
    else:
        amount = round_minor(Decimal(_item_gross(item)) * entry.quantity / item.quantity)
    return CreditNoteLine(
        invoice_item=item, description=item.name, quantity=entry.quantity, amount=amount
    )


def _lines(
    invoice: Invoice, lines: Sequence[CreditLineInput] | None, amount: int | None, memo: str
) -> list[CreditNoteLine]:
    if (lines is None) == (amount is None):
        raise CreditRejected(["give either lines or an amount"])
    if amount is not None:
        if amount <= 0:
            raise CreditRejected(["amount must be greater than 0"])
        return [CreditNoteLine(description=memo or "Credit", amount=amount)]
    if not lines:
        raise CreditRejected(["lines should not be empty"])
    return [_line(invoice, entry) for entry in lines]


def _split(invoice: Invoice, amount: int, refund_amount: int) -> tuple[int, int, int, int]:
    left = creditable_amount(invoice)
    if amount > left:
        raise CreditRejected(
            f"A credit of {invoice.money(amount)} exceeds what is left to credit on invoice "
            f"{invoice}: {invoice.money(left)}"
        )
    pre = min(amount, invoice.amount_due)
    post = amount - pre
    if not 0 <= refund_amount <= post:
        raise CreditRejected(
            [f"refund_amount: at most the post-payment part, {invoice.money(post)}"]
        )
    return pre, post, refund_amount, post - refund_amount


@transaction.atomic
def credit_note_issue(
    *,
    invoice: Invoice,
    reason: str,
    actor: Actor,
    lines: Sequence[CreditLineInput] | None = None,
    amount: int | None = None,
    refund_amount: int = 0,
    memo: str = "",
) -> CreditNote:
    """Issue a credit note on an OPEN or PAID invoice, numbered from its own gapless series.

    An open invoice whose amount due reaches zero becomes PAID through the status door."""
    role_authorize(actor=actor, organization_id=invoice.organization_id, action="credit_note")
    invoice = lock(invoice)
    before = figures.standing(invoice)
    if invoice.status not in CREDITABLE:
        raise CreditRejected(
            f"Only open or paid invoices take credit notes; invoice {invoice} is "
            f"{invoice.get_status_display().lower()}"
        )
    if reason not in CreditNote.Reason.values:
        raise CreditRejected([f"reason must be one of: {', '.join(CreditNote.Reason.values)}"])
    new_lines = _lines(invoice, lines, amount, memo)
    total = sum(line.amount for line in new_lines)
    pre, post, refund, credit = _split(invoice, total, refund_amount)
    now = timezone.now()
    sequence, number = allocate_credit_note_number(invoice.organization, now)
    note = CreditNote.objects.create(
        organization=invoice.organization,
        invoice=invoice,
        sequence=sequence,
        number=number,
        reason=reason,
        memo=memo[:500],
        currency=invoice.currency,
        amount=total,
        pre_payment_amount=pre,
        post_payment_amount=post,
        refund_amount=refund,
        credit_amount=credit,
        created_by=actor.user,
    )
    for line in new_lines:
        line.credit_note = note
    CreditNoteLine.objects.bulk_create(new_lines)
    _apply(invoice, note, actor=actor)
    figures.balance_moved(before, invoice)
    if note.refund_amount:
        figures.collected(invoice, note.created_at, -note.refund_amount)
    return note


def credit_note_sentence(invoice: Invoice, note: CreditNote) -> str:
    """The audit line: "Credit note CN-000001 of 20 EUR (order change), 5 EUR refunded"."""
    sentence = (
        f"Credit note {note.number} of {invoice.money(note.amount)} "
        f"({note.get_reason_display().lower()})"
    )
    if note.refund_amount:
        sentence += f", {invoice.money(note.refund_amount)} refunded"
    if note.credit_amount:
        sentence += f", {invoice.money(note.credit_amount)} left as credit"
    return sentence


def _apply(invoice: Invoice, note: CreditNote, *, actor: Actor) -> None:
    invoice.amount_credited += note.pre_payment_amount
    sentence = credit_note_sentence(invoice, note)
    if invoice.status == Invoice.Status.OPEN and invoice.amount_due == 0:
        mark_paid(invoice, actor=actor, paid_at=note.created_at, note=sentence)
        return
    invoice.save(update_fields=["amount_credited", "updated_at"])
    audit_event(invoice, invoice.status, invoice.status, actor=actor, note=sentence)


def credit_lines_from_ids(
    *, invoice: Invoice, lines: Sequence[tuple[str, Decimal]]
) -> list[CreditLineInput]:
    """(item id, quantity) pairs as given by a client: an id not on the invoice is refused."""
    items = {str(item.pk): item for item in invoice.items.all()}
    unknown = [
        f"lines[{i}].item_id: not an item of this invoice"
        for i, (pk, _) in enumerate(lines)
        if str(pk) not in items
    ]
    if unknown:
        raise CreditRejected(unknown)
    return [CreditLineInput(items[str(pk)], quantity) for pk, quantity in lines]
