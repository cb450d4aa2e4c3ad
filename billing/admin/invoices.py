from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from billing.admin.audit import EventStatusFilter, event_actor, status_move, with_actor_names
from billing.admin.bulk import BulkActionsMixin
from billing.admin.credit_note_page import CreditNotePageAdminMixin
from billing.admin.credit_notes import CreditNoteAdminMixin, CreditNoteInline
from billing.admin.email import EmailInvoiceAdminMixin
from billing.admin.filters import (
    DeliveryFilter,
    InvoiceCurrencyFilter,
    InvoiceCustomerFilter,
    InvoiceStatusFilter,
)
from billing.admin.invoice_form import InvoiceForm, InvoiceFormAdminMixin, InvoiceItemInline
from billing.admin.invoice_page import InvoicePageAdminMixin
from billing.admin.payments import PaymentAdminMixin, reverse_link
from billing.admin.reminders import RemindersInvoiceAdminMixin
from billing.admin.scoping import ScopedAdmin, ScopedInline
from billing.admin.whatsapp import MessageLogInline, WhatsAppInvoiceAdminMixin, delivery_column
from billing.approvals.services import invoice_finalize_or_request
from billing.documents import STATUS_WORDS
from billing.errors import BillingError
from billing.models import ApprovalRequest, Invoice, InvoiceEvent, Payment
from billing.models.choices import PaymentMethod
from billing.services.actors import Actor
from billing.services.invoices import (
    can_transition,
    invoice_delete_draft,
    invoice_mark_uncollectible,
    invoice_reprice_draft,
    invoice_save_draft,
    invoice_void,
)
from billing.services.roles import role_allows
from config.admin import ReadOnlyAdminMixin
from config.admin_paging import LargeTableAdmin

Status = Invoice.Status

# action slug → (label, target status, service, what it means, destructive)
LIFECYCLE = {
    "finalize": (
        "Finalize",
        Status.OPEN,
        invoice_finalize_or_request,
        "The invoice takes the next number; its items, prices, tax and totals are frozen.",
        False,
    ),
    "void": (
        "Void",
        Status.VOID,
        invoice_void,
        "The invoice is cancelled for good. It keeps its number; nothing more can be paid.",
        True,
    ),
    "mark-uncollectible": (
        "Mark uncollectible",
        Status.UNCOLLECTIBLE,
        invoice_mark_uncollectible,
        "The debt is written off. A later payment can still settle it.",
        True,
    ),
}


# A finalized invoice is read-only: its page has no Save buttons (sends and payments have
# their own pages).
FINALIZED_SUBMIT_ROW = {
    "show_save": False,
    "show_save_and_continue": False,
    "show_save_and_add_another": False,
    "show_save_as_new": False,
}


class ReadOnlyInline(ScopedInline, ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("paid_at", "amount_display", "method", "reference", "recorded_by", "reversal_display")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reversal", "invoice")

    @admin.display(description="Amount")
    def amount_display(self, obj):
        return obj.invoice.money(obj.amount)

    @admin.display(description="Reversal")
    def reversal_display(self, obj):
        reversal = getattr(obj, "reversal", None)
        if reversal is not None:
            return f"Reversed on {reversal.created_at:%Y-%m-%d}: {reversal.reason}"
        return format_html('<a href="{}" class="reverse-payment">Reverse…</a>', reverse_link(obj))


class EventWordsMixin:
    """An audit line's status move and who made it, in words."""

    @admin.display(description="Status")
    def status_display(self, obj: InvoiceEvent) -> str:
        return status_move(obj.from_status, obj.to_status)

    @admin.display(description="By")
    def actor_display(self, obj: InvoiceEvent) -> str:
        return event_actor(obj)


class EventInline(EventWordsMixin, ReadOnlyInline):
    model = InvoiceEvent
    verbose_name_plural = "Audit trail"
    fields = ("created_at", "status_display", "actor_display", "note")
    readonly_fields = fields

    def get_queryset(self, request):
        return with_actor_names(super().get_queryset(request))


@admin.register(Invoice)
class InvoiceAdmin(
    ScopedAdmin,
    LargeTableAdmin,
    BulkActionsMixin,
    InvoiceFormAdminMixin,
    InvoicePageAdminMixin,
    CreditNoteAdminMixin,
    CreditNotePageAdminMixin,
    PaymentAdminMixin,
    EmailInvoiceAdminMixin,
    WhatsAppInvoiceAdminMixin,
    RemindersInvoiceAdminMixin,
    admin.ModelAdmin,
):
    form = InvoiceForm
    count_column = "organization_id"  # the first column of every index the list reads
    list_display = (
        "number_display",
        "customer",
        "status_display",
        "total_display",
        "amount_due_display",
        "due_date",
        "delivery_summary",
        "organization",
    )
    list_select_related = ("customer", "organization")
    list_filter = (
        InvoiceStatusFilter,
        DeliveryFilter,
        InvoiceCurrencyFilter,
        ("due_date", admin.DateFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
        "organization",
        ("customer", InvoiceCustomerFilter),
    )
    search_fields = ("number", "name", "customer__name", "customer__email")
    # No date_hierarchy: its year links are a DISTINCT over every row; the date filters above
    # answer the same questions from the indexes.
    inlines = [InvoiceItemInline, PaymentInline, CreditNoteInline, EventInline, MessageLogInline]
    actions = ["bulk_finalize", "bulk_send", "void_selected", "mark_uncollectible_selected"]
    SUMMARY = (
        "number",
        "status_display",
        "subtotal_display",
        "tax_display",
        "total_display",
        "amount_paid_display",
        "amount_due_display",
    )

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": InvoiceForm.Meta.fields})
        if obj is None:
            return (main,)
        if obj.status != Status.DRAFT:
            fields = tuple(
                "payment_methods_display" if f == "payment_methods" else f
                for f in InvoiceForm.Meta.fields
            )
            main = (None, {"fields": fields})
        return (("Summary", {"fields": self.SUMMARY}), main)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.status != Status.DRAFT:
            return (*self.SUMMARY, *InvoiceForm.Meta.fields, "payment_methods_display")
        return self.SUMMARY

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        # The delivery column reads every row's summaries in one query.
        return super().get_queryset(request).prefetch_related("deliveries")

    # --- columns --------------------------------------------------------------------------
    @admin.display(description="Delivery")
    def delivery_summary(self, obj: Invoice) -> str:
        return delivery_column(obj.deliveries.all())

    @admin.display(description="Invoice", ordering="sequence")
    def number_display(self, obj: Invoice) -> str:
        return str(obj)

    @admin.display(description="Status", ordering="status")
    def status_display(self, obj: Invoice) -> str:
        return format_html(
            '<span class="invoice-status status-{}">{}</span>',
            obj.display_status.lower(),
            STATUS_WORDS[obj.display_status],
        )

    @admin.display(description="Payment methods")
    def payment_methods_display(self, obj: Invoice) -> str:
        return ", ".join(PaymentMethod(m).label for m in obj.payment_methods)

    @admin.display(description="Subtotal")
    def subtotal_display(self, obj: Invoice) -> str:
        return obj.money(obj.subtotal)

    @admin.display(description="Tax")
    def tax_display(self, obj: Invoice) -> str:
        return obj.money(obj.tax_amount)

    @admin.display(description="Total", ordering="total")
    def total_display(self, obj: Invoice) -> str:
        return obj.money(obj.total)

    @admin.display(description="Paid")
    def amount_paid_display(self, obj: Invoice) -> str:
        return obj.money(obj.amount_paid)

    @admin.display(description="Amount due")
    def amount_due_display(self, obj: Invoice) -> str:
        return obj.money(obj.amount_due)

    # --- saving through the services ------------------------------------------------------
    def save_model(self, request, obj, form, change):
        invoice_save_draft(invoice=obj, actor=Actor.for_user(request.user))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.instance.status == Status.DRAFT:
            try:
                invoice_reprice_draft(invoice=form.instance)
            except BillingError as exc:
                self.message_user(request, exc.messages[0], messages.ERROR)

    def get_deleted_objects(self, objs, request):
        # A draft goes with its items and its audit rows; no separate permission on those.
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request, obj):
        invoice_delete_draft(invoice=obj, actor=Actor.for_user(request.user))

    # --- lifecycle buttons ----------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/lifecycle/<slug:action>/",
                view(self.lifecycle_view),
                name="billing_invoice_lifecycle",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if invoice is not None and invoice.status != Status.DRAFT:
            if request.method == "POST":
                return self._refuse_edit(request, invoice)
            extra_context.update(FINALIZED_SUBMIT_ROW)
        if invoice is not None:
            extra_context["lifecycle_actions"] = [
                (slug, spec[0])
                for slug, spec in LIFECYCLE.items()
                if can_transition(invoice, spec[1])
                and (slug != "finalize" or invoice.status == Status.DRAFT)
                and role_allows(
                    user=request.user,
                    organization_id=invoice.organization_id,
                    action=slug.replace("-", "_"),
                )
            ]
            extra_context["can_record_payment"] = invoice.status in (
                Status.OPEN,
                Status.UNCOLLECTIBLE,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def _refuse_edit(self, request, invoice: Invoice) -> HttpResponseRedirect:
        self.message_user(
            request,
            f"Invoice {invoice} is {invoice.get_status_display().lower()}: it cannot be edited. "
            "Correct it with a credit note.",
            messages.ERROR,
        )
        return HttpResponseRedirect(self._change_url(invoice))

    def _invoice_or_404(self, request, object_id) -> Invoice:
        invoice = self.get_object(request, object_id)
        if invoice is None:
            raise Http404("No such invoice")
        if not self.has_view_or_change_permission(request, invoice):
            raise PermissionDenied
        return invoice

    def _change_url(self, invoice: Invoice) -> str:
        return reverse("admin:billing_invoice_change", args=[invoice.pk])

    def lifecycle_view(self, request, object_id, action):
        if action not in LIFECYCLE:
            raise Http404("Unknown action")
        invoice = self._invoice_or_404(request, object_id)
        label, _target, service, meaning, destructive = LIFECYCLE[action]
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            try:
                result = service(invoice=invoice, actor=Actor.for_user(request.user))
            except BillingError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self._report(request, result)
            return HttpResponseRedirect(self._change_url(invoice))
        if action == "finalize":
            return self.finalize_confirm_view(request, invoice)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{label} invoice {invoice}?",
            "invoice": invoice,
            "label": label,
            "meaning": meaning,
            "destructive": destructive,
            "total": invoice.money(invoice.total),
        }
        return TemplateResponse(request, "admin/billing/invoice/lifecycle_confirm.html", context)

    def _report(self, request, result) -> None:
        if isinstance(result, ApprovalRequest):
            note = f"Invoice {result.invoice} needs approval: the request waits for an approver."
            self.message_user(request, note, messages.WARNING)
        else:
            note = f"Invoice {result}: {result.get_status_display()}."
            self.message_user(request, note, messages.SUCCESS)

    # --- bulk actions -----------------------------------------------------------------------
    def _apply(self, request, queryset, action: str) -> None:
        service = LIFECYCLE[action][2]
        actor = Actor.for_user(request.user)
        done, refused, asked = [], [], []
        for invoice in queryset.select_related("organization", "customer"):
            try:
                result = service(invoice=invoice, actor=actor)
            except BillingError as exc:
                refused.append(" ".join(exc.messages))
                continue
            if isinstance(result, ApprovalRequest):
                asked.append(str(invoice))
            else:
                done.append(str(result))
        if done:
            self.message_user(request, f"{len(done)} invoice(s) updated: {', '.join(done)}.")
        if asked:
            note = f"{len(asked)} invoice(s) wait for an approver: {', '.join(asked)}."
            self.message_user(request, note, messages.WARNING)
        for reason in refused:
            self.message_user(request, reason, messages.ERROR)

    def _confirm(self, request, queryset, action: str):
        if request.POST.get("post") == "yes":
            self._apply(request, queryset, action)
            return None
        label, _target, _service, meaning, _destructive = LIFECYCLE[action]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{label} {queryset.count()} invoice(s)?",
            "queryset": queryset.select_related("customer", "organization"),
            "action_name": request.POST.get("action"),
            "meaning": meaning,
            "label": label,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/billing/invoice/bulk_confirm.html", context)

    @admin.action(description="Void selected invoices…", permissions=["change"])
    def void_selected(self, request, queryset):
        return self._confirm(request, queryset, "void")

    @admin.action(description="Mark selected invoices uncollectible…", permissions=["change"])
    def mark_uncollectible_selected(self, request, queryset):
        return self._confirm(request, queryset, "mark-uncollectible")


@admin.register(Payment)
class PaymentAdmin(ScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Payments are recorded from the invoice page (through the payment service) only."""

    tenant_path = "invoice__organization"
    list_display = ("invoice", "amount_display", "method", "reference", "paid_at")
    list_select_related = ("invoice", "invoice__customer")
    list_filter = ("method", "paid_at")
    search_fields = ("invoice__number", "reference")

    @admin.display(description="Amount")
    def amount_display(self, obj: Payment) -> str:
        return obj.invoice.money(obj.amount)


@admin.register(InvoiceEvent)
class InvoiceEventAdmin(EventWordsMixin, ScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    tenant_path = "invoice__organization"
    list_display = ("created_at", "invoice", "status_display", "actor_display", "note")
    list_select_related = ("invoice__customer", "invoice__organization")  # drafts name both
    list_filter = (EventStatusFilter,)
    search_fields = ("invoice__number", "actor_label")
    fields = ("created_at", "invoice", "status_display", "actor_display", "note")
    readonly_fields = fields

    def get_queryset(self, request):
        # The changelist skips list_select_related once a select_related is there: named here.
        events = with_actor_names(super().get_queryset(request))
        return events.select_related(*self.list_select_related)
