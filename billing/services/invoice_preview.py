"""What a draft would total before anything is saved: the admin form's live totals.

Priced by the function saving uses (``invoice_price_unsaved``) and checked by the rules saving
checks, so the figures a clerk sees while typing are the figures the saved draft gets.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from billing.errors import InvalidInvoice
from billing.models import Invoice, InvoiceItem, Organization, Tax
from billing.services import draft_rules as rules
from billing.services.invoices import ItemInput, invoice_price_unsaved


@dataclass(frozen=True)
class DraftPrice:
    invoice: Invoice  # priced, never saved
    lines: list[InvoiceItem | None]  # one per form row; None for a row not filled in yet


def draft_price(
    *, organization: Organization, currency: str, tax: Tax | None, rows: Sequence[ItemInput | None]
) -> DraftPrice:
    """Price the rows of a draft being edited; a row that is ``None`` is left out."""
    invoice = Invoice(organization=organization, currency=currency, tax=tax)
    lines = [
        InvoiceItem(invoice=invoice, product=row.product, quantity=row.quantity) if row else None
        for row in rows
    ]
    items = [line for line in lines if line is not None]
    problems = [rules.item_count_problem(len(items))]
    problems += [rules.reference_problem(tax, organization.pk)]
    problems += [
        rules.product_problem(item.product, organization_id=organization.pk, currency=currency)
        for item in items
    ]
    problems = [problem for problem in problems if problem]
    if problems:
        raise InvalidInvoice(problems)
    invoice_price_unsaved(invoice=invoice, items=items)
    return DraftPrice(invoice=invoice, lines=lines)
