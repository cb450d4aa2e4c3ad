"""Recurring schedules in the admin: the invoice to repeat as ordinary fields (customer, products
and quantities, tax, payment methods), the calendar, and pause, through the services the API
calls. The template is stored exactly as the API stores it."""

import json
import uuid
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html_join

from billing.admin.scoping import ScopedAdmin, current_organization
from billing.errors import BillingError
from billing.models import Customer, Invoice, Product, RecurringInvoice, Tax, Wallet
from billing.models.choices import PaymentMethod
from billing.services.recurring import (
    next_due_date,
    recurring_check,
    recurring_create,
    recurring_update,
)

ITEM_ROWS = 5
ITEM_RANGE = range(1, ITEM_ROWS + 1)
ISO_DATE = "%Y-%m-%d"
SCHEDULE_FIELDS = ("frequency", "count", "start_date", "send_days_before_due", "active")


def _item_fields() -> dict[str, forms.Field]:
    fields = {}
    for row in ITEM_RANGE:
        fields[f"product_{row}"] = forms.ModelChoiceField(
            Product.objects.filter(active=True), label=f"Product {row}", required=row == 1
        )
        fields[f"quantity_{row}"] = forms.DecimalField(
            label=f"Quantity {row}",
            required=False,
            min_value=Decimal("0.001"),
            max_digits=12,
            decimal_places=3,
        )
    return fields


class _ScheduleForm(forms.ModelForm):
    """The invoice to repeat as fields; ``clean`` asks the service what it would refuse."""

    organization = None  # set by the admin: the workspace's, or the schedule's own

    name = forms.CharField(max_length=200, label="Invoice title")
    customer = forms.ModelChoiceField(Customer.objects.filter(status=Customer.Status.ACTIVE))
    email = forms.EmailField(required=False, help_text="Empty: the customer's e-mail.")
    tax = forms.ModelChoiceField(Tax.objects.all(), required=False, empty_label="No tax")
    wallet = forms.ModelChoiceField(
        Wallet.objects.filter(active=True),
        required=False,
        empty_label="The organization's default wallet",
    )
    payment_methods = forms.MultipleChoiceField(
        choices=PaymentMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[PaymentMethod.BANK_TRANSFER],
    )
    delivery = forms.ChoiceField(choices=Invoice.Delivery.choices)
    finalize = forms.BooleanField(
        required=False,
        initial=True,
        label="Finalize each invoice",
        help_text="Ticked: each invoice is numbered and sent on its send date. "
        "Unticked: it waits as a draft.",
    )
    payment_link = forms.BooleanField(required=False, initial=True)
    partial_payment = forms.BooleanField(required=False, label="Accept partial payments")

    class Meta:
        model = RecurringInvoice
        fields = SCHEDULE_FIELDS
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)}
        labels = {
            "count": "Number of invoices",
            "start_date": "First due date",
            "active": "Active (untick to pause)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].input_formats = [ISO_DATE]
        for name in ("customer", "tax", "wallet", *(f"product_{r}" for r in ITEM_RANGE)):
            field = self.fields[name]  # only the organization's own: another's is no choice
            field.queryset = field.queryset.filter(organization=self.organization)
        if not self.instance._state.adding:
            self._initial_from(self.instance.template)
        if self.organization is not None and self._default_wallet_problem():
            # Nothing to fall back on: the wallet is a choice the clerk has to make.
            wallet = self.fields["wallet"]
            wallet.required, wallet.empty_label = True, "Choose a wallet"
            wallet.error_messages["required"] = self._default_wallet_problem()

    def _default_wallet_problem(self) -> str:
        """Why the organization's default wallet cannot stand in for an empty choice, or ""."""
        default = self.organization.default_wallet
        if default is None:
            return "Choose the wallet the invoices are paid to: the organization has no default."
        if not default.active:
            return "The organization's default wallet is deactivated: choose another wallet."
        return ""

    def _initial_from(self, template: dict) -> None:
        initial = {
            "name": template.get("name", ""),
            "customer": template.get("customer_id"),
            "email": template.get("email", ""),
            "tax": template.get("taxId"),
            "wallet": template.get("walletId"),
            "payment_methods": template.get("payment_methods", []),
            "delivery": template.get("delivery"),
            "finalize": template.get("status") == Invoice.Status.OPEN,
            "payment_link": template.get("payment_link", False),
            "partial_payment": template.get("partial_payment", False),
        }
        for row, item in enumerate(template.get("items", [])[:ITEM_ROWS], start=1):
            initial[f"product_{row}"] = item["product_id"]
            initial[f"quantity_{row}"] = Decimal(str(item["quantity"])).normalize()
        for name, value in initial.items():
            self.initial.setdefault(name, value)

    def clean(self):
        data = super().clean()
        if self.organization is None:
            raise ValidationError("Choose an organization in the header first.")
        if self.errors:
            return data
        data["template"] = self._template(data)
        fields = {"template": data["template"], **{f: data[f] for f in SCHEDULE_FIELDS}}
        try:
            recurring_check(
                organization=self.organization,
                schedule=None if self.instance._state.adding else self.instance,
                **fields,
            )
        except BillingError as exc:
            raise ValidationError(exc.messages) from exc
        return data

    def _template(self, data) -> dict:
        items = []
        for row in ITEM_RANGE:
            product, quantity = data.get(f"product_{row}"), data.get(f"quantity_{row}")
            if product is None:
                continue
            if quantity is None:
                raise ValidationError({f"quantity_{row}": "Give the quantity of this product."})
            items.append({"product_id": str(product.pk), "quantity": str(quantity)})
        customer = data["customer"]
        template = {
            "name": data["name"],
            "email": data["email"] or customer.email,
            "customer_id": str(customer.pk),
            "items": items,
            "delivery": data["delivery"],
            "payment_link": data["payment_link"],
            "payment_methods": list(dict.fromkeys(data["payment_methods"])),
            "status": Invoice.Status.OPEN if data["finalize"] else Invoice.Status.DRAFT,
            "partial_payment": data["partial_payment"],
            "taxId": str(data["tax"].pk) if data["tax"] else None,
        }
        if data["wallet"] is not None:
            template["walletId"] = str(data["wallet"].pk)
        if not template["email"]:
            raise ValidationError({"email": "The customer has no e-mail: give one."})
        return json.loads(json.dumps(template, cls=DjangoJSONEncoder))


# Declared on the class, so the admin's fieldsets may name them.
RecurringInvoiceForm = type("RecurringInvoiceForm", (_ScheduleForm,), _item_fields())


@admin.register(RecurringInvoice)
class RecurringInvoiceAdmin(ScopedAdmin, admin.ModelAdmin):
    form = RecurringInvoiceForm
    list_display = (
        "title",
        "customer_name",
        "frequency",
        "count",
        "created_count",
        "next_due",
        "active",
        "last_error",
    )
    list_filter = ("active", "frequency", "organization")
    list_select_related = ("organization",)
    actions = ["pause_selected", "resume_selected"]
    readonly_fields = ("created_invoices",)
    fieldsets = (
        (None, {"fields": ("name", "customer", "email")}),
        (
            "Products",
            {"fields": [(f"product_{r}", f"quantity_{r}") for r in ITEM_RANGE]},
        ),
        (
            "Invoice",
            {
                "fields": (
                    "tax",
                    "wallet",
                    "payment_methods",
                    "delivery",
                    "finalize",
                    "payment_link",
                    "partial_payment",
                )
            },
        ),
        ("Calendar", {"fields": SCHEDULE_FIELDS}),
        ("Created so far", {"fields": ("created_invoices",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("occurrences__invoice")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        organization = obj.organization if obj else current_organization(request)
        form.organization = organization
        return form

    def get_changeform_initial_data(self, request):
        return {"delivery": Invoice.Delivery.EMAIL, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {"template": data["template"], **{f: data[f] for f in SCHEDULE_FIELDS}}
        if change:
            saved = recurring_update(schedule=obj, **fields)
        else:
            saved = recurring_create(organization=form.organization, **fields)
        for model_field in RecurringInvoice._meta.concrete_fields:  # the log names the saved row
            setattr(obj, model_field.attname, getattr(saved, model_field.attname))
        obj._state.adding = False

    @admin.display(description="Title")
    def title(self, obj: RecurringInvoice) -> str:
        return obj.template.get("name", "")

    def get_changelist_instance(self, request):
        # The customer sits in the schedule's template: one query names the page's customers.
        changelist = super().get_changelist_instance(request)
        wanted = {_uuid(s.template.get("customer_id")) for s in changelist.result_list} - {None}
        names = {
            str(pk): name
            for pk, name in self.scoped(
                Customer.objects.filter(pk__in=wanted), request
            ).values_list("pk", "name")
        }
        for schedule in changelist.result_list:
            schedule.customer_label = names.get(str(_uuid(schedule.template.get("customer_id"))))
        return changelist

    @admin.display(description="Customer")
    def customer_name(self, obj: RecurringInvoice) -> str:
        if hasattr(obj, "customer_label"):
            return obj.customer_label or "—"
        customer = Customer.objects.filter(pk=_uuid(obj.template.get("customer_id"))).first()
        return customer.name if customer else "—"

    @admin.display(description="Created")
    def created_count(self, obj: RecurringInvoice) -> int:
        return len(obj.occurrences.all())

    @admin.display(description="Next due date")
    def next_due(self, obj: RecurringInvoice) -> str:
        upcoming = next_due_date(obj, len(obj.occurrences.all()))
        return upcoming.isoformat() if upcoming else "—"

    @admin.display(description="Invoices")
    def created_invoices(self, obj: RecurringInvoice) -> str:
        occurrences = [] if obj is None or obj._state.adding else obj.occurrences.all()
        if not occurrences:
            return "None yet."
        return format_html_join(
            ", ", "{} (due {})", ((o.invoice, o.due_date.isoformat()) for o in occurrences)
        )

    def _set_active(self, request, queryset, active: bool, verb: str) -> None:
        changed = 0
        for schedule in queryset:
            if schedule.active != active:
                recurring_update(schedule=schedule, active=active)
                changed += 1
        self.message_user(request, f"{changed} schedule(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Pause selected schedules", permissions=["change"])
    def pause_selected(self, request, queryset):
        self._set_active(request, queryset, False, "paused")

    @admin.action(description="Resume selected schedules", permissions=["change"])
    def resume_selected(self, request, queryset):
        self._set_active(request, queryset, True, "resumed")


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
