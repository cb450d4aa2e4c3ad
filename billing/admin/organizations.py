from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone

from billing.admin.scoping import ScopedAdmin
from billing.models import ApiCredential, InvoiceSequence, Organization, Wallet
from billing.models.choices import PaymentMethod
from billing.reports import figures
from billing.services.organizations import api_credential_create, organization_register
from config.admin import ReadOnlyAdminMixin

INSTRUCTION_PREFIX = "instructions_"
EXAMPLE_SEQUENCE = 42


def instruction_field(method: str) -> str:
    return INSTRUCTION_PREFIX + method.lower()


def _instruction_fields() -> dict[str, forms.Field]:
    return {
        instruction_field(method): forms.CharField(
            label=label,
            required=False,
            max_length=500,
            widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
            help_text=f"Printed on invoices that offer {label.lower()}. Empty: none.",
        )
        for method, label in PaymentMethod.choices
    }


class _OrganizationForm(forms.ModelForm):
    """Payment instructions as one text per payment method, stored as the mapping the invoice
    documents read (``{"BANK_TRANSFER": "IBAN …"}``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        given = self.instance.payment_instructions or {}
        for method in PaymentMethod.values:
            name = instruction_field(method)
            if name in self.fields:
                self.fields[name].initial = given.get(method, "")

    def _post_clean(self):
        self.instance.payment_instructions = {
            method: text.strip()
            for method in PaymentMethod.values
            if (text := self.cleaned_data.get(instruction_field(method)) or "").strip()
        }
        super()._post_clean()


# Declared on the class, so the admin's fieldsets may name them.
OrganizationForm = type("OrganizationForm", (_OrganizationForm,), _instruction_fields())


def number_example(number_format: str) -> str:
    """``INV-{seq:06d} → INV-000042``: what the format makes of a number, this year."""
    try:
        made = number_format.format(seq=EXAMPLE_SEQUENCE, year=timezone.now().year)
    except (KeyError, IndexError, ValueError):
        return "—"
    return f"{number_format} → {made}"


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin, admin.ModelAdmin):
    form = OrganizationForm
    list_display = ("name", "slug", "default_currency", "time_zone", "locale", "tax_rounding")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug")}),
        ("Legal details on invoices", {"fields": ("legal_name", "legal_address", "vat_id")}),
        ("Locale", {"fields": ("time_zone", "locale", "default_currency")}),
        (
            "Invoicing",
            {
                "fields": (
                    ("invoice_number_format", "invoice_number_example"),
                    ("credit_note_number_format", "credit_note_number_example"),
                    "tax_rounding",
                    "attach_pdf",
                    "default_wallet",
                )
            },
        ),
        (
            "Payment instructions",
            {
                "fields": tuple(instruction_field(m) for m in PaymentMethod.values),
                "description": "What the customer reads on the invoice, the pay page and the "
                "e-mail for each way to pay.",
            },
        ),
        (
            "Approvals (maker-checker)",
            {"fields": ("approval_amount", "approval_amounts", "approval_recipients")},
        ),
    )

    readonly_fields = ("invoice_number_example", "credit_note_number_example")

    @admin.display(description="Example")
    def invoice_number_example(self, obj: Organization | None) -> str:
        return number_example(obj.invoice_number_format if obj else "INV-{seq:06d}")

    @admin.display(description="Example")
    def credit_note_number_example(self, obj: Organization | None) -> str:
        return number_example(obj.credit_note_number_format if obj else "CN-{seq:06d}")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "default_wallet":  # only the edited organization's own wallets
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Wallet.objects.filter(organization_id=object_id, active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            if "time_zone" in form.changed_data:  # the figures' days are the zone's days
                figures.rebuild(organization=obj)
        else:
            organization_register(organization=obj)


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(ScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("organization", "last_value")
    list_select_related = ("organization",)


@admin.register(ApiCredential)
class ApiCredentialAdmin(ScopedAdmin, admin.ModelAdmin):
    """Creating a credential shows its secret once, on a page of its own; only a hash is kept."""

    list_display = ("client_key", "name", "organization", "created_at", "last_used_at")
    list_filter = ("organization",)
    list_select_related = ("organization",)
    search_fields = ("client_key", "name")
    fields = ("organization", "name")
    readonly_fields = ("client_key", "created_at", "last_used_at")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("organization", "name")
        return ("organization", "name", "client_key", "created_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("organization", "client_key", "created_at", "last_used_at")

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        credential, secret = api_credential_create(organization=obj.organization, name=obj.name)
        obj.pk, obj.client_key = credential.pk, credential.client_key
        request._new_api_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "title": "API credential created",
            "credential": obj,
            "secret": request._new_api_secret,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/billing/apicredential/created.html", context)
