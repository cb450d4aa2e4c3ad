"""The credit-note PDF, formatted for the customer's locale like the invoice's."""

from dataclasses import dataclass

from billing.documents import format_day, format_quantity
from billing.models import CreditNote
from billing.pdf import render_pdf, safe_filename


@dataclass(frozen=True)
class CreditLine:
    quantity: str
    description: str
    amount: str


@dataclass(frozen=True)
class CreditNoteDocument:
    number: str
    organization: str
    customer_name: str
    invoice_number: str
    issue_date: str
    reason: str
    memo: str
    lines: list[CreditLine]
    amount: str
    pre_payment_amount: str
    refund_amount: str
    credit_amount: str
    amount_due: str


def build(note: CreditNote) -> CreditNoteDocument:
    invoice = note.invoice
    locale = invoice.customer.locale or invoice.organization.locale

    def money(minor: int) -> str:
        return invoice.money(minor, locale)

    day = note.created_at.astimezone(invoice.organization.tzinfo).date()
    return CreditNoteDocument(
        number=note.number,
        organization=invoice.organization.name,
        customer_name=invoice.customer.name,
        invoice_number=invoice.number or "",
        issue_date=format_day(day, locale),
        reason=note.get_reason_display(),
        memo=note.memo,
        lines=[
            CreditLine(
                quantity=format_quantity(line.quantity, locale) if line.quantity else "",
                description=line.description,
                amount=money(line.amount),
            )
            for line in note.lines.all()
        ],
        amount=money(note.amount),
        pre_payment_amount=money(note.pre_payment_amount),
        refund_amount=money(note.refund_amount),
        credit_amount=money(note.credit_amount),
        amount_due=money(invoice.amount_due),
    )


def render_credit_note_pdf(note: CreditNote) -> bytes:
    return render_pdf("billing/pdf/credit_note.html", {"doc": build(note)})


def credit_note_filename(note: CreditNote) -> str:
    return safe_filename(note.number)


def credit_note_attachment(ref: str) -> tuple[bytes, str]:
    """Attachment resolver for e-mails (``settings.NOTIFICATIONS_EMAIL_ATTACHMENTS``)."""
    note = CreditNote.objects.select_related(
        "invoice", "invoice__organization", "invoice__customer"
    ).get(pk=ref)
    return render_credit_note_pdf(note), "application/pdf"
