"""The invoice form's live totals: the posted form, priced by the invoice service.

``price_posted_form`` reads only what pricing depends on (the tax, the currency, the lines),
with choices limited to the organization, and hands it to ``draft_price``, the calculator
saving uses; ``totals_of`` is what the panel shows, every amount formatted on the server.
"""

from decimal import Decimal

from django import forms
from django.forms import formset_factory

from billing.documents import _tax_rows as tax_rows  # the PDF's rows: one wording of a rate
from billing.errors import BillingError
from billing.models import Customer, Invoice, Organization, Product, Tax
from billing.money import is_known_currency, staff_locale
from billing.services.invoice_preview import DraftPrice, draft_price
from billing.services.invoices import ItemInput


class TotalsForm(forms.Form):
    """The invoice fields pricing depends on; choices are the organization's only."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose one of this organization's customers."},
    )
    tax = forms.ModelChoiceField(
        queryset=Tax.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose one of this organization's taxes."},
    )
    currency = forms.CharField(required=False, max_length=4)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["customer"].queryset = Customer.objects.filter(organization=organization)
        self.fields["tax"].queryset = Tax.objects.filter(organization=organization)

    def clean_currency(self) -> str:
        currency = (self.cleaned_data["currency"] or self.organization.default_currency).upper()
        if not is_known_currency(currency):
            raise forms.ValidationError(f"'{currency}' is not a supported ISO currency code.")
        return currency


class TotalsLineForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose one of this organization's products."},
    )
    quantity = forms.DecimalField(
        required=False, max_digits=12, decimal_places=3, min_value=Decimal("0.001")
    )
    DELETE = forms.BooleanField(required=False)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(organization=organization)

    def item(self) -> ItemInput | None:
        """The line to price; None while the row is empty, half filled in or deleted."""
        data = self.cleaned_data
        if data.get("DELETE") or not data.get("product") or not data.get("quantity"):
            return None
        return ItemInput(data["product"], data["quantity"])


TotalsLines = formset_factory(TotalsLineForm, extra=0)


class TotalsRefused(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors


def _form_errors(form: forms.Form, prefix: str = "") -> list[str]:
    errors = []
    for name, problems in form.errors.items():
        label = "" if name == "__all__" else f"{form.fields[name].label or name.title()}: "
        errors += [f"{prefix}{label}{problem}" for problem in problems]
    return errors


def price_posted_form(data, organization: Organization) -> DraftPrice:
    """The posted invoice form, priced; what cannot be priced is refused with sentences."""
    form = TotalsForm(data, organization=organization)
    lines = TotalsLines(data, prefix="items", form_kwargs={"organization": organization})
    if not form.is_valid() or not lines.is_valid():
        errors = _form_errors(form) + [str(e) for e in lines.non_form_errors()]
        for index, line in enumerate(lines.forms):
            errors += _form_errors(line, prefix=f"Line {index + 1}: ")
        raise TotalsRefused(errors)
    try:
        return draft_price(
            organization=organization,
            currency=form.cleaned_data["currency"],
            tax=form.cleaned_data["tax"],
            rows=[line.item() for line in lines.forms],
        )
    except BillingError as exc:
        raise TotalsRefused(exc.messages) from exc


def totals_of(invoice: Invoice, lines) -> dict:
    """What the totals panel shows: every amount formatted by the invoice's money helper, and
    the exact minor units next to it."""
    locale = staff_locale()

    def money(minor: int) -> str:
        return invoice.money(minor, locale)

    amount_due = invoice.total - invoice.amount_paid - invoice.amount_credited
    return {
        "currency": invoice.currency,
        "subtotal": money(invoice.subtotal),
        "taxes": [
            {
                "label": row.name if row.rate in row.name else f"{row.name} {row.rate}",
                "taxable": row.taxable,
                "amount": row.amount,
            }
            for row in tax_rows(invoice, locale)
        ],
        "total": money(invoice.total),
        "amount_due": money(amount_due),
        "lines": [
            {
                "name": line.name,
                "unit_price": money(line.unit_price),
                "amount": money(line.amount),
                "tax": money(line.tax_amount),
            }
            if line is not None
            else None
            for line in lines
        ],
        "minor": {
            "subtotal": invoice.subtotal,
            "tax": invoice.tax_amount,
            "total": invoice.total,
            "amount_due": amount_due,
        },
    }
