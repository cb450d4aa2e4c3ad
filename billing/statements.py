"""A customer's statement of account for a period: per currency, the opening balance, every
invoice, payment, reversal, credit note and refund of the period with the running balance, the
closing balance and the invoices still open.

The balance is what the customer owes: invoices and taken-back money raise it, payments and
credits lower it, so the closing balance is the open amounts due less the credit left to the
customer. Amounts and dates are the customer's locale, like their invoices.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from billing.documents import STATUS_WORDS, format_day
from billing.models import CreditNote, Customer, Invoice, Payment, PaymentReversal
from billing.money import format_amount
from billing.pdf import render_pdf, safe_filename


@dataclass(frozen=True)
class Entry:
    """One movement, in minor units: ``amount`` > 0 raises what the customer owes."""

    day: date
    at: datetime  # when it was recorded: orders a day's movements
    order: int  # at the same moment: a credit note before its refund
    text: str
    reference: str
    currency: str
    amount: int


@dataclass(frozen=True)
class StatementRow:
    date: str
    text: str
    reference: str
    charge: str
    credit: str
    balance: str


@dataclass(frozen=True)
class OpenItem:
    number: str
    issue_date: str
    due_date: str
    status: str
    total: str
    amount_due: str


@dataclass(frozen=True)
class CurrencyStatement:
    currency: str
    opening: str
    rows: list[StatementRow]
    closing: str
    closing_minor: int
    open_items: list[OpenItem]
    open_total: str


@dataclass(frozen=True)
class Statement:
    organization: str
    seller_address: str
    customer_name: str
    customer_address: str
    period: str
    today: str
    currencies: list[CurrencyStatement]


def _day(moment: datetime, customer: Customer) -> date:
    return moment.astimezone(customer.organization.tzinfo).date()


def _invoice_entries(customer: Customer) -> list[Entry]:
    entries = []
    issued = Invoice.objects.filter(customer=customer, finalized_at__isnull=False)
    for invoice in issued:
        entries.append(
            Entry(
                _day(invoice.finalized_at, customer),
                invoice.finalized_at,
                0,
                f"Invoice {invoice.number}",
                invoice.name,
                invoice.currency,
                invoice.total,
            )
        )
        if invoice.status == Invoice.Status.VOID and invoice.voided_at:
            day = _day(invoice.voided_at, customer)
            text = f"Invoice {invoice.number} voided"
            entries.append(
                Entry(day, invoice.voided_at, 0, text, "", invoice.currency, -invoice.amount_due)
            )
    return entries


def _payment_entries(customer: Customer) -> list[Entry]:
    entries = []
    payments = Payment.objects.filter(invoice__customer=customer).select_related("invoice")
    for payment in payments:
        invoice = payment.invoice
        text = f"Payment by {payment.get_method_display().lower()} on {invoice.number}"
        entries.append(
            Entry(
                _day(payment.paid_at, customer),
                payment.created_at,
                0,
                text,
                payment.reference,
                invoice.currency,
                -payment.amount,
            )
        )
    reversals = PaymentReversal.objects.filter(payment__invoice__customer=customer)
    for reversal in reversals.select_related("payment__invoice"):
        payment = reversal.payment
        entries.append(
            Entry(
                _day(reversal.created_at, customer),
                reversal.created_at,
                0,
                f"Payment on {payment.invoice.number} reversed",
                reversal.reason,
                payment.invoice.currency,
                payment.amount,
            )
        )
    return entries


def _credit_entries(customer: Customer) -> list[Entry]:
    entries = []
    notes = CreditNote.objects.filter(invoice__customer=customer).select_related("invoice")
    for note in notes:
        day, number = _day(note.created_at, customer), note.invoice.number
        text = f"Credit note {note.number} on {number} ({note.get_reason_display().lower()})"
        at = note.created_at
        entries.append(Entry(day, at, 0, text, note.memo, note.currency, -note.amount))
        if note.refund_amount:
            text = f"Refund of credit note {note.number}"
            entries.append(Entry(day, at, 1, text, "", note.currency, note.refund_amount))
    return entries


def statement_entries(customer: Customer) -> list[Entry]:
    """Every movement of the customer's account, oldest first."""
    entries = _invoice_entries(customer) + _payment_entries(customer) + _credit_entries(customer)
    return sorted(entries, key=lambda entry: (entry.day, entry.at, entry.order))


def _open_items(customer: Customer, currency: str, locale: str) -> tuple[list[OpenItem], int]:
    invoices = Invoice.objects.filter(
        customer=customer, currency=currency, status=Invoice.Status.OPEN
    ).order_by("due_date", "number")
    items = [
        OpenItem(
            number=invoice.number,
            issue_date=format_day(_day(invoice.finalized_at, customer), locale),
            due_date=format_day(invoice.due_date, locale),
            status=STATUS_WORDS[invoice.display_status],
            total=invoice.money(invoice.total, locale),
            amount_due=invoice.money(invoice.amount_due, locale),
        )
        for invoice in invoices
        if invoice.amount_due
    ]
    return items, sum(invoice.amount_due for invoice in invoices)


def _currency_statement(customer, currency, entries, start, end, locale) -> CurrencyStatement:
    def money(minor: int) -> str:
        return format_amount(minor, currency, locale)

    balance = sum(e.amount for e in entries if e.day < start)
    opening, rows = balance, []
    for entry in (e for e in entries if start <= e.day <= end):
        balance += entry.amount
        rows.append(
            StatementRow(
                date=format_day(entry.day, locale),
                text=entry.text,
                reference=entry.reference,
                charge=money(entry.amount) if entry.amount > 0 else "",
                credit=money(-entry.amount) if entry.amount < 0 else "",
                balance=money(balance),
            )
        )
    items, open_total = _open_items(customer, currency, locale)
    return CurrencyStatement(
        currency, money(opening), rows, money(balance), balance, items, money(open_total)
    )


def build_statement(*, customer: Customer, start: date, end: date) -> Statement:
    locale = customer.locale or customer.organization.locale
    org = customer.organization
    by_currency = defaultdict(list)
    for entry in statement_entries(customer):
        if entry.day <= end:
            by_currency[entry.currency].append(entry)
    return Statement(
        organization=org.legal_name or org.name,
        seller_address=org.legal_address,
        customer_name=customer.name,
        customer_address=customer.address,
        period=f"{format_day(start, locale)} to {format_day(end, locale)}",
        today=format_day(_day(datetime.now(tz=org.tzinfo), customer), locale),
        currencies=[
            _currency_statement(customer, currency, entries, start, end, locale)
            for currency, entries in sorted(by_currency.items())
        ],
    )


def render_statement_pdf(statement: Statement) -> bytes:
    return render_pdf("billing/pdf/statement.html", {"doc": statement})


def statement_filename(customer: Customer, start: date, end: date) -> str:
    return safe_filename(f"statement-{customer.name}-{start.isoformat()}-{end.isoformat()}")
