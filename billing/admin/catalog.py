from django import forms
from django.contrib import admin

from billing.admin.scoping import ScopedAdmin, ScopedInline
from billing.models import Product, Tax, TaxComponent, Wallet
from billing.money import MoneyError, format_amount, to_major, to_minor


class ProductForm(forms.ModelForm):
    """Finance types prices in major units; storage is minor units."""

    price = forms.DecimalField(max_digits=18, decimal_places=3, min_value=0)

    class Meta:
        model = Product
        fields = ("organization", "code", "name", "description", "price", "currency", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["price"].initial = to_major(
                self.instance.unit_price, self.instance.currency
            )

    def clean(self):
        cleaned = super().clean()
        price, currency = cleaned.get("price"), cleaned.get("currency")
        if price is not None and currency:
            try:
                self.instance.unit_price = to_minor(price, currency)
            except MoneyError as exc:
                self.add_error("price", str(exc))
        return cleaned


@admin.register(Product)
class ProductAdmin(ScopedAdmin, admin.ModelAdmin):
    form = ProductForm
    list_display = ("name", "code", "price_display", "currency", "active", "organization")
    list_filter = ("active", "currency", "organization")
    list_select_related = ("organization",)
    search_fields = ("name", "code")

    @admin.display(description="Price", ordering="unit_price")
    def price_display(self, obj: Product) -> str:
        return format_amount(obj.unit_price, obj.currency)


class TaxComponentInline(ScopedInline, admin.TabularInline):
    model = TaxComponent
    extra = 0
    fields = ("position", "name", "type", "rate", "compound")

    def _locked(self, obj) -> bool:
        return obj is not None and obj.is_used

    def has_add_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_delete_permission(request, obj)


@admin.register(Tax)
class TaxAdmin(ScopedAdmin, admin.ModelAdmin):
    """Rate, type, inclusiveness and components are read-only once an invoice uses the tax."""

    list_display = ("name", "type", "rate", "inclusive", "active", "organization")
    list_filter = ("type", "inclusive", "active", "organization")
    list_select_related = ("organization",)
    search_fields = ("name",)
    inlines = [TaxComponentInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_used:
            return ("organization", *Tax.FROZEN_FIELDS)
        return ()


@admin.register(Wallet)
class WalletAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ("address", "blockchain", "type", "active", "organization")
    list_filter = ("blockchain", "active", "organization")
    list_select_related = ("organization",)
    search_fields = ("address",)
