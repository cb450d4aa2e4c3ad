from django.contrib import admin
from django.template.response import TemplateResponse

from billing.admin.scoping import ScopedAdmin
from billing.models import ApiCredential, InvoiceSequence, Organization, Wallet
from billing.reports import figures
from billing.services.organizations import api_credential_create, organization_register
from config.admin import ReadOnlyAdminMixin


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin, admin.ModelAdmin):
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
                    "invoice_number_format",
                    "tax_rounding",
                    "payment_instructions",
                    "attach_pdf",
                    "default_wallet",
                )
            },
        ),
        (
            "Approvals (maker-checker)",
            {"fields": ("approval_amount", "approval_amounts", "approval_recipients")},
        ),
    )

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
