"""The invoice form: a draft's fields and lines, and its totals worked out live by the server.

The page script (``billing/static/billing/invoice_form.js``) posts the form as it is being
typed to a scoped endpoint that prices it with the invoice service's own calculator
(``draft_price``): the browser shows figures, it never computes one.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from billing.admin.invoice_totals import TotalsRefused, price_posted_form, totals_of
from billing.admin.scoping import ScopedInline, current_organization
from billing.documents import format_quantity
from billing.errors import BillingError
from billing.models import Invoice, InvoiceItem, Organization, Product
from billing.models.choices import PaymentMethod
from billing.money import format_amount, staff_locale
from billing.services import draft_rules as rules
from billing.services.invoices import invoice_check_lines

Status = Invoice.Status


def default_payment_methods(organization: Organization) -> list[str]:
    """The methods the organization gives payment instructions for, else a bank transfer."""
    given = organization.payment_instructions or {}
    return [m for m in PaymentMethod.values if given.get(m)] or [PaymentMethod.BANK_TRANSFER]


def product_label(product: Product) -> str:
    """``Consulting — 120.00 EUR``: what a line will cost, in the product's currency."""
    return f"{product.name} — {format_amount(product.unit_price, product.currency)}"


class ShownOrganization(forms.Widget):
    """The organization as text: it is where the invoice is made, not a choice."""

    def __init__(self, organization: Organization):
        super().__init__()
        self.organization = organization

    def render(self, name, value, attrs=None, renderer=None):
        element_id = (attrs or {}).get("id", "")
        return format_html('<div class="readonly" id="{}">{}</div>', element_id, self.organization)


class InvoiceForm(forms.ModelForm):
    payment_methods = forms.MultipleChoiceField(
        choices=PaymentMethod.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Invoice
        fields = (
            "organization",
            "customer",
            "name",
            "email",
            "address",
            "phone_number",
            "logo",
            "wallet",
            "tax",
            "currency",
            "due_date",
            "send_date",
            "supply_date",
            "payment_methods",
            "delivery",
            "payment_link",
            "partial_payment",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("email", "currency"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = "Empty: taken from the customer / organization."
        org = self.form_organization()
        if org is not None:
            self._pin(org)

    def form_organization(self) -> Organization | None:
        """A draft stays in its organization; a new one is the workspace's."""
        if self.instance.organization_id:
            return self.instance.organization
        return getattr(self, "workspace_organization", None)

    def _pin(self, org: Organization) -> None:
        """The organization is shown, never chosen; every choice is that organization's."""
        self.instance.organization = org
        for name in ("customer", "wallet", "tax"):
            if name in self.fields:
                self.fields[name].queryset = self.fields[name].queryset.filter(organization=org)
        field = self.fields.get("organization")
        if field is not None:
            field.queryset = field.queryset.filter(pk=org.pk)
            field.initial, field.disabled = org.pk, True
            field.widget = ShownOrganization(org)
        if "currency" in self.fields and self.instance._state.adding:
            self.fields["currency"].initial = org.default_currency
        if "payment_methods" in self.fields and self.instance._state.adding:
            self.fields["payment_methods"].initial = default_payment_methods(org)

    def clean(self):
        cleaned = super().clean()
        org, customer = cleaned.get("organization"), cleaned.get("customer")
        if org is None or customer is None:
            return cleaned
        for name in ("customer", "wallet", "tax"):
            problem = rules.reference_problem(cleaned.get(name), org.pk)
            if problem:
                self.add_error(name, problem)
        cleaned["currency"] = (cleaned.get("currency") or org.default_currency).upper()
        cleaned["email"] = cleaned.get("email") or customer.email
        if not cleaned["email"]:
            self.add_error("email", "The customer has no e-mail address: enter one.")
        problem = rules.dates_problem(cleaned.get("send_date"), cleaned.get("due_date"))
        if problem:
            self.add_error("send_date", problem)
        return cleaned


class ItemFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        invoice = self.instance
        if invoice.status != Status.DRAFT:
            return  # a finalized invoice's items are shown, never taken from the request
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        too_many = rules.item_count_problem(len(kept))
        if too_many:
            raise forms.ValidationError(too_many)
        for form in kept:
            product = form.cleaned_data.get("product")
            problem = product and rules.product_problem(
                product, organization_id=invoice.organization_id, currency=invoice.currency
            )
            if problem:
                form.add_error("product", problem)
        if not any(form.errors for form in kept):
            self._check_priceable(invoice, kept)

    def save(self, commit=True):
        # Lines keep the order they were entered in (a new row goes where the clerk put it).
        for position, form in enumerate(self.forms):
            if form.instance._state.adding:
                form.instance.position = position
        return super().save(commit)

    def _check_priceable(self, invoice: Invoice, kept) -> None:
        """Amounts above the maximum or a tax the currency cannot charge, before any save."""
        lines = [
            (form.cleaned_data["product"].unit_price, form.cleaned_data["quantity"])
            for form in kept
            if form.cleaned_data.get("product") and form.cleaned_data.get("quantity")
        ]
        try:
            invoice_check_lines(invoice=invoice, lines=lines)
        except BillingError as exc:
            raise forms.ValidationError(exc.messages) from exc


class DraftOnlyInlineMixin:
    def _editable(self, obj) -> bool:
        return obj is None or obj.status == Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class QuantityField(forms.DecimalField):
    """A quantity as it was typed: ``1`` and ``2.5`` in the input, never ``1.000``."""

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return value


class InvoiceItemInline(ScopedInline, DraftOnlyInlineMixin, admin.TabularInline):
    model = InvoiceItem
    formset = ItemFormSet
    extra = 1
    fields = ("product", "quantity", "name", "unit_price_display", "amount_display", "tax_display")
    readonly_fields = (
        "name",
        "quantity_display",
        "unit_price_display",
        "amount_display",
        "tax_display",
    )

    def get_fields(self, request, obj=None):
        # An issued invoice's lines are read only: the quantity in words of the staff's locale.
        if self._editable(obj):
            return self.fields
        return tuple("quantity_display" if f == "quantity" else f for f in self.fields)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "quantity":
            kwargs["form_class"] = QuantityField
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="Quantity")
    def quantity_display(self, obj):
        return format_quantity(obj.quantity, staff_locale()) if obj.pk else "—"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        org = obj.organization if obj is not None else current_organization(request)
        field = formset.form.base_fields.get("product")
        if field is not None and org is not None:
            field.queryset = field.queryset.filter(organization=org)
            field.label_from_instance = product_label
        return formset

    def _money(self, obj, minor):
        return obj.invoice.money(minor) if obj.pk else "—"

    @admin.display(description="Unit price")
    def unit_price_display(self, obj):
        return self._money(obj, obj.unit_price)

    @admin.display(description="Amount")
    def amount_display(self, obj):
        return self._money(obj, obj.amount)

    @admin.display(description="Tax")
    def tax_display(self, obj):
        return self._money(obj, obj.tax_amount)


class InvoiceFormAdminMixin:
    """Mixed into ``InvoiceAdmin``: the form's organization, defaults and live totals."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("totals/", view(self.totals_view), name="billing_invoice_totals"),
            path(
                "<uuid:object_id>/totals/",
                view(self.totals_view),
                name="billing_invoice_draft_totals",
            ),
            *super().get_urls(),
        ]

    def get_inlines(self, request, obj):
        # A new invoice has lines and nothing else yet: no empty payments or audit tables.
        inlines = super().get_inlines(request, obj)
        return [InvoiceItemInline] if obj is None else inlines

    def add_view(self, request, form_url="", extra_context=None):
        # An invoice belongs to the organization one works in: a platform operator looking
        # at all of them chooses one first instead of picking it in the form.
        if current_organization(request) is None:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('admin:workspace_choose')}?{query}")
        extra_context = {**(extra_context or {}), **self._live_totals(None)}
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if invoice is not None and invoice.status == Status.DRAFT:
            extra_context.update(self._live_totals(invoice))
        return super().change_view(request, object_id, form_url, extra_context)

    def _live_totals(self, invoice: Invoice | None) -> dict:
        if invoice is None:
            url, totals = reverse("admin:billing_invoice_totals"), None
        else:
            url = reverse("admin:billing_invoice_draft_totals", args=[invoice.pk])
            totals = totals_of(invoice, [])
        return {"live_totals_url": url, "live_totals": totals}

    def totals_view(self, request, object_id=None):
        """The posted form priced; another organization's draft is a 404 whatever the method."""
        if object_id is None:
            organization = current_organization(request)
            if organization is None or not self.has_add_permission(request):
                raise Http404("Choose an organization first")
        else:
            invoice = self.get_object(request, object_id)
            if invoice is None or not self.has_change_permission(request, invoice):
                raise Http404("No such invoice")
            if invoice.status != Status.DRAFT:
                refused = f"Invoice {invoice} is finalized: its totals are frozen."
                return JsonResponse({"errors": [refused]}, status=409)
            organization = invoice.organization
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            priced = price_posted_form(request.POST, organization)
        except TotalsRefused as exc:
            return JsonResponse({"errors": exc.errors}, status=400)
        return JsonResponse({"errors": [], **totals_of(priced.invoice, priced.lines)})
