from django.contrib import admin

from billing.admin.reminders import RemindersCustomerAdminMixin
from billing.admin.scoping import ScopedAdmin, ScopedInline
from billing.models import Customer, CustomerContact


class ContactInline(ScopedInline, admin.TabularInline):
    model = CustomerContact
    extra = 0
    fields = ("email", "name")


@admin.register(Customer)
class CustomerAdmin(ScopedAdmin, RemindersCustomerAdminMixin, admin.ModelAdmin):
    list_display = ("name", "email", "phone", "locale", "status", "whatsapp_ok", "organization")
    list_filter = ("status", "organization", "locale")
    list_select_related = ("organization",)
    search_fields = ("name", "email", "phone")
    inlines = [ContactInline]
    fieldsets = (
        (None, {"fields": ("organization", "name", "status")}),
        (
            "Contact",
            {"fields": ("email", "phone", "locale", "address", "tax_id", "preferred_channels")},
        ),
        (
            "WhatsApp consent",
            {
                "fields": (
                    "whatsapp_opted_in_at",
                    "whatsapp_consent_source",
                    "whatsapp_consent_wording",
                    "whatsapp_opted_out_at",
                )
            },
        ),
    )

    @admin.display(boolean=True, description="WhatsApp consent")
    def whatsapp_ok(self, obj: Customer) -> bool:
        return obj.whatsapp_consent
