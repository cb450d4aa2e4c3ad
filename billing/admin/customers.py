"""The customer page: contact details, the channels in the order to try them, the customer's
invoices with what is still due, and the statement of account as a PDF."""

from collections import defaultdict
from datetime import date
from itertools import permutations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from billing.admin.reminders import RemindersCustomerAdminMixin
from billing.admin.scoping import ScopedAdmin, ScopedInline
from billing.documents import STATUS_WORDS
from billing.models import Customer, CustomerContact, Invoice
from billing.models.choices import Channel
from billing.money import format_amount
from billing.statements import build_statement, render_statement_pdf, statement_filename

ISO_DATE = "%Y-%m-%d"
INVOICES_SHOWN = 50
INVOICES_HEADING = "Invoices and balance"


def channel_order_choices() -> list[tuple[str, str]]:
    """Every order of one or more channels, in words: "E-mail, then WhatsApp"."""
    labels = dict(Channel.choices)
    # in the middle of a sentence: "e-mail", but a name keeps its capitals ("WhatsApp")
    inner = {
        c: label if label[1:] != label[1:].lower() else label.lower() for c, label in labels.items()
    }
    choices = []
    for size in range(1, len(labels) + 1):
        for first, *rest in permutations(labels, size):
            words = ", then ".join([labels[first], *(inner[c] for c in rest)])
            choices.append((",".join([first, *rest]), words + ("" if rest else " only")))
    return choices


class ChannelOrderField(forms.ChoiceField):
    """The ordered list of channels as one choice; stored as the list the API reads."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", channel_order_choices)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ",".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        return super().to_python(self.prepare_value(value))

    def clean(self, value):
        return super().clean(value).split(",")

    def has_changed(self, initial, data):
        return self.prepare_value(initial or []) != self.to_python(data)


CONSENT_LABELS = {
    "whatsapp_opted_in_at": "Opted in at",
    "whatsapp_consent_source": "Where consent was given",
    "whatsapp_consent_wording": "Wording the customer agreed to",
    "whatsapp_opted_out_at": "Opted out at",
}


class CustomerForm(forms.ModelForm):
    """The admin builds its Meta from the fieldsets."""

    preferred_channels = ChannelOrderField(
        label="Channels",
        help_text="Where invoices and reminders go, in this order: the next channel is tried "
        "when one fails. WhatsApp needs the customer's consent.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in CONSENT_LABELS.items():  # under the "WhatsApp consent" heading
            if name in self.fields:
                self.fields[name].label = label


class ContactInline(ScopedInline, admin.TabularInline):
    model = CustomerContact
    extra = 0
    fields = ("email", "name")


def _invoice_rows(invoices: list[Invoice]):
    return format_html_join(
        "",
        '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
        '<td class="num" style="text-align:right">{}</td>'
        '<td class="num" style="text-align:right">{}</td></tr>',
        (
            (
                reverse("admin:billing_invoice_change", args=[invoice.pk]),
                invoice,
                invoice.name,
                STATUS_WORDS[invoice.display_status],
                invoice.due_date.isoformat(),
                invoice.money(invoice.total),
                invoice.money(invoice.amount_due) if invoice.status == Invoice.Status.OPEN else "—",
            )
            for invoice in invoices
        ),
    )


def open_balances(customer: Customer) -> dict[str, int]:
    """What the customer still owes per currency: the amounts due of their open invoices."""
    balances = defaultdict(int)
    for invoice in Invoice.objects.filter(customer=customer, status=Invoice.Status.OPEN):
        balances[invoice.currency] += invoice.amount_due
    return dict(sorted(balances.items()))


class StatementPeriodForm(forms.Form):
    start = forms.DateField(
        label="From",
        input_formats=[ISO_DATE],
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )
    end = forms.DateField(
        label="To",
        input_formats=[ISO_DATE],
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The period's first day is after its last day.")
        return data


def default_period(customer: Customer) -> tuple[date, date]:
    """From the first of January to today, in the organization's time zone."""
    today = Invoice(organization=customer.organization).local_today()
    return today.replace(month=1, day=1), today


@admin.register(Customer)
class CustomerAdmin(ScopedAdmin, RemindersCustomerAdminMixin, admin.ModelAdmin):
    form = CustomerForm
    list_display = (
        "name",
        "email",
        "phone",
        "channels_display",
        "status",
        "whatsapp_ok",
        "organization",
    )
    list_filter = ("status", "organization", "locale")
    list_select_related = ("organization",)
    search_fields = ("name", "email", "phone")
    inlines = [ContactInline]
    readonly_fields = ("invoices_display", "statement_display")
    fieldsets = (
        (None, {"fields": ("organization", "name", "status")}),
        (INVOICES_HEADING, {"fields": ("invoices_display", "statement_display")}),
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

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        return [spec for spec in fieldsets if spec[0] != INVOICES_HEADING]  # a new one has none

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/statement/",
                view(self.statement_view),
                name="billing_customer_statement",
            ),
            *super().get_urls(),
        ]

    @admin.display(boolean=True, description="WhatsApp consent")
    def whatsapp_ok(self, obj: Customer) -> bool:
        return obj.whatsapp_consent

    @admin.display(description="Channels")
    def channels_display(self, obj: Customer) -> str:
        return dict(channel_order_choices()).get(",".join(obj.preferred_channels or []), "—")

    @admin.display(description="Invoices")
    def invoices_display(self, obj: Customer) -> str:
        invoices = list(
            Invoice.objects.filter(customer=obj)
            .select_related("organization")
            .order_by("-created_at")[:INVOICES_SHOWN]
        )
        if not invoices:
            return "No invoices yet."
        balances = open_balances(obj)
        total = ", ".join(format_amount(minor, cur) for cur, minor in balances.items()) or "nothing"
        listed = reverse("admin:billing_invoice_changelist") + f"?customer__id__exact={obj.pk}"
        return format_html(
            '<table class="customer-invoices"><thead><tr><th>Invoice</th><th>Title</th>'
            '<th>Status</th><th>Due</th><th style="text-align:right">Total</th>'
            '<th style="text-align:right">Amount due</th>'
            "</tr></thead><tbody>{}</tbody></table>"
            '<p class="open-balance">Open balance: <strong>{}</strong> · '
            '<a href="{}">all invoices of {}</a></p>',
            _invoice_rows(invoices),
            total,
            listed,
            obj.name,
        )

    @admin.display(description="Statement")
    def statement_display(self, obj: Customer) -> str:
        start, end = default_period(obj)
        url = reverse("admin:billing_customer_statement", args=[obj.pk])
        return format_html(
            '<a class="statement-link" href="{}?start={}&amp;end={}">Statement PDF, {} to '
            '{}</a> · <a href="{}">another period…</a>',
            url,
            start.isoformat(),
            end.isoformat(),
            start.isoformat(),
            end.isoformat(),
            url,
        )

    def statement_view(self, request, object_id):
        customer = self.get_object(request, object_id)
        if customer is None:
            raise Http404("No such customer")
        if not self.has_view_or_change_permission(request, customer):
            raise PermissionDenied
        start, end = default_period(customer)
        given = "start" in request.GET or "end" in request.GET
        form = StatementPeriodForm(
            request.GET if given else None, initial={"start": start, "end": end}
        )
        if given and form.is_valid():
            return self._statement_pdf(
                customer, form.cleaned_data["start"], form.cleaned_data["end"]
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Statement of account for {customer}",
            "customer": customer,
            "form": form,
        }
        return TemplateResponse(request, "admin/billing/customer/statement_form.html", context)

    def _statement_pdf(self, customer: Customer, start: date, end: date) -> HttpResponse:
        statement = build_statement(customer=customer, start=start, end=end)
        response = HttpResponse(render_statement_pdf(statement), content_type="application/pdf")
        name = statement_filename(customer, start, end)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
