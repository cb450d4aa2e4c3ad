"""An invoice as people read it: every amount, date and label formatted for the customer's locale.

One builder feeds the e-mail, the PDF and the hosted page, so the three always agree.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal
from django.conf import settings
from django.urls import reverse

from billing import taxes
from billing.models import Invoice
from billing.models.catalog import rule_from_snapshot
from billing.models.choices import PaymentMethod
from billing.money import _babel_locale

LINK_VALID_AFTER_DUE = timedelta(days=30)

# What customers read: words, never the API's codes.
STATUS_WORDS = {
    Invoice.Status.DRAFT: "Draft",
    Invoice.Status.OPEN: "Open",
    Invoice.Status.PAID: "Paid",
    Invoice.Status.VOID: "Void",
    Invoice.Status.UNCOLLECTIBLE: "Uncollectible",
    Invoice.PASTDUE: "Past due",
    Invoice.PARTIALLYPAID: "Partially paid",
}


@dataclass(frozen=True)
class Line:
    quantity: str
    code: str
    description: str
    unit_price: str
    amount: str


@dataclass(frozen=True)
class Instruction:
    method: str
    label: str
    text: str


@dataclass(frozen=True)
class TaxRow:
    """One rate of the tax breakdown: what it was charged on and how much."""

    name: str
    rate: str  # "20%", or "" for a fixed amount
    taxable: str  # "" for a fixed amount (a fee, never part of a base)
    amount: str

    @property
    def label(self) -> str:
        """ "VAT 19% of 200.00 EUR"; a name that carries its rate ("Sales tax 8.5%") once."""
        if not self.rate:
            return self.name
        head = self.name if self.rate in self.name else f"{self.name} {self.rate}"
        return f"{head} of {self.taxable}"


@dataclass(frozen=True)
class Party:
    name: str
    address: str
    tax_id: str


@dataclass(frozen=True)
class InvoiceDocument:
    organization: str
    seller: Party
    buyer: Party
    supply_date: str  # empty when it is the issue date
    tax_rows: list[TaxRow]
    number: str
    name: str
    customer_name: str
    status: str  # in words ("Partially paid")
    status_key: str  # the code, lower case, for styling ("partiallypaid")
    issue_date: str
    due_date: str
    lines: list[Line]
    subtotal: str
    tax: str
    total: str
    amount_paid: str
    amount_credited: str  # empty without credit notes
    amount_due: str
    amount_due_minor: int
    currency: str
    instructions: list[Instruction]
    pay_url: str


def pay_url(invoice: Invoice) -> str:
    return settings.SITE_URL + reverse("pay:page", args=[invoice.payment_token])


def link_expires_on(invoice: Invoice) -> date:
    """The last day the payment link works: 30 days after the due date (the calendar's last
    day for a due date within 30 days of it)."""
    if invoice.due_date > date.max - LINK_VALID_AFTER_DUE:
        return date.max
    return invoice.due_date + LINK_VALID_AFTER_DUE


def format_day(day: date | None, locale: str) -> str:
    return format_date(day, format="medium", locale=_babel_locale(locale)) if day else ""


def format_quantity(quantity: Decimal, locale: str) -> str:
    """``1``, ``2.5``, ``1,000`` (``2,5`` and ``1.000`` in ``de``): no trailing zeros, grouped
    for the locale, and every real fraction kept (no rounding to the pattern's digits)."""
    return format_decimal(
        quantity.normalize(), locale=_babel_locale(locale), decimal_quantization=False
    )


def _instructions(invoice: Invoice) -> list[Instruction]:
    given = invoice.organization.payment_instructions or {}
    result = []
    for method in invoice.payment_methods or []:
        text = str(given.get(method, ""))
        if method == PaymentMethod.CRYPTO and invoice.wallet is not None:
            wallet = f"{invoice.wallet.blockchain} {invoice.wallet.address}"
            text = f"{wallet}\n{text}".strip()
        label = PaymentMethod(method).label if method in PaymentMethod.values else method
        result.append(Instruction(method=method, label=label, text=text))
    return result


def _lines(invoice: Invoice, locale: str) -> list[Line]:
    return [
        Line(
            quantity=format_quantity(item.quantity, locale),
            code=item.product.code,
            description=item.name,
            unit_price=invoice.money(item.unit_price, locale),
            amount=invoice.money(item.amount, locale),
        )
        for item in invoice.items.select_related("product")
    ]


def _issue_day(invoice: Invoice) -> date:
    issued = invoice.finalized_at or invoice.created_at
    return issued.astimezone(invoice.organization.tzinfo).date()


def _parties(invoice: Invoice) -> tuple[Party, Party]:
    org, customer = invoice.organization, invoice.customer
    seller = Party(org.legal_name or org.name, org.legal_address, org.vat_id)
    buyer = Party(customer.name, invoice.address or customer.address, customer.tax_id)
    return seller, buyer


def _tax_rows(invoice: Invoice, locale: str) -> list[TaxRow]:
    """Each component with its base: the net subtotal, plus the percentages before it for a
    compound one. Built from the snapshot frozen at finalize, so it never drifts."""
    rule = rule_from_snapshot(invoice.tax_snapshot, invoice.currency)
    if rule is None:
        return []
    rows, running = [], 0
    amounts = [part["amount"] for part in invoice.tax_breakdown or []]
    for component, amount in zip(rule.components, amounts, strict=False):
        if component.type == taxes.FIXED:
            rows.append(TaxRow(component.name, "", "", invoice.money(amount, locale)))
            continue
        base = invoice.subtotal + (running if component.compound else 0)
        rate = format_decimal(component.rate.normalize(), locale=_babel_locale(locale)) + "%"
        rows.append(
            TaxRow(component.name, rate, invoice.money(base, locale), invoice.money(amount, locale))
        )
        running += amount
    return rows


def _supply_day(invoice: Invoice, locale: str) -> str:
    if invoice.supply_date is None or invoice.supply_date == _issue_day(invoice):
        return ""
    return format_day(invoice.supply_date, locale)


def build(invoice: Invoice) -> InvoiceDocument:
    locale = invoice.customer.locale or invoice.organization.locale

    def money(minor: int) -> str:
        return invoice.money(minor, locale)

    seller, buyer = _parties(invoice)
    return InvoiceDocument(
        organization=invoice.organization.name,
        seller=seller,
        buyer=buyer,
        supply_date=_supply_day(invoice, locale),
        tax_rows=_tax_rows(invoice, locale),
        number=invoice.number or "",
        name=invoice.name,
        customer_name=invoice.customer.name,
        status=STATUS_WORDS[invoice.display_status],
        status_key=invoice.display_status.lower(),
        issue_date=format_day(_issue_day(invoice), locale),
        due_date=format_day(invoice.due_date, locale),
        lines=_lines(invoice, locale),
        subtotal=money(invoice.subtotal),
        tax=money(invoice.tax_amount),
        total=money(invoice.total),
        amount_paid=money(invoice.amount_paid),
        amount_credited=money(invoice.amount_credited) if invoice.amount_credited else "",
        amount_due=money(invoice.amount_due),
        amount_due_minor=invoice.amount_due,
        currency=invoice.currency,
        # A void invoice asks for nothing: no way to pay it, on the page or in the PDF.
        instructions=[] if invoice.status == Invoice.Status.VOID else _instructions(invoice),
        pay_url=pay_url(invoice) if invoice.payment_link else "",
    )
