"""The invoice page's credit notes: issue one (a reason and an amount), list them, their PDF."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from billing.admin.scoping import ScopedInline
from billing.credit_note_pdf import credit_note_filename, render_credit_note_pdf
from billing.errors import BillingError
from billing.models import CreditNote, Invoice
from billing.money import MoneyError, to_minor
from billing.services.actors import Actor
from billing.services.credit_notes import CREDITABLE, credit_note_issue
from config.admin import ReadOnlyAdminMixin


class CreditNoteForm(forms.Form):
    reason = forms.ChoiceField(choices=CreditNote.Reason.choices)
    amount = forms.DecimalField(min_value=Decimal("0.001"), max_digits=18, decimal_places=3)
    refund_amount = forms.DecimalField(
        min_value=0,
        max_digits=18,
        decimal_places=3,
        required=False,
        help_text="Of the part already paid: returned to the customer. The rest stays as credit.",
    )
    memo = forms.CharField(max_length=500, required=False)


class CreditNoteInline(ScopedInline, ReadOnlyAdminMixin, admin.TabularInline):
    model = CreditNote
    extra = 0
    can_delete = False
    fields = ("number", "created_at", "reason", "amount_display", "split_display", "pdf_link")
    readonly_fields = fields

    @admin.display(description="Amount")
    def amount_display(self, obj: CreditNote) -> str:
        return obj.money(obj.amount)

    @admin.display(description="Split")
    def split_display(self, obj: CreditNote) -> str:
        return (
            f"{obj.money(obj.pre_payment_amount)} off the amount due, "
            f"{obj.money(obj.refund_amount)} refunded, {obj.money(obj.credit_amount)} as credit"
        )

    @admin.display(description="PDF")
    def pdf_link(self, obj: CreditNote) -> str:
        url = reverse("admin:billing_invoice_credit_note_pdf", args=[obj.invoice_id, obj.pk])
        return format_html('<a href="{}">{}.pdf</a>', url, obj.number)


class CreditNoteAdminMixin:
    """Mixed into ``InvoiceAdmin``: the "Issue credit note" page behind the change page."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/credit-note/",
                view(self.credit_note_view),
                name="billing_invoice_credit_note",
            ),
            path(
                "<path:object_id>/credit-note/<uuid:note_id>/pdf/",
                view(self.credit_note_pdf_view),
                name="billing_invoice_credit_note_pdf",
            ),
            *super().get_urls(),
        ]

    def get_inlines(self, request, obj):
        # Only issued invoices have credit notes: a draft's form carries no such inline.
        inlines = super().get_inlines(request, obj)
        if obj is None or obj.status == Invoice.Status.DRAFT:
            return [inline for inline in inlines if inline is not CreditNoteInline]
        return inlines

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        extra_context = extra_context or {}
        extra_context["can_credit"] = invoice is not None and invoice.status in CREDITABLE
        return super().change_view(request, object_id, form_url, extra_context)

    def credit_note_view(self, request, object_id):
        invoice = self._invoice_or_404(request, object_id)
        form = CreditNoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if not self.has_change_permission(request):
                raise PermissionDenied
            done = self._issue(request, invoice, form)
            if done is not None:
                return done
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Issue a credit note on {invoice}",
            "invoice": invoice,
            "form": form,
            "amount_due": invoice.money(invoice.amount_due),
            "amount_paid": invoice.money(invoice.amount_paid),
        }
        return TemplateResponse(request, "admin/billing/invoice/credit_note_form.html", context)

    def _issue(self, request, invoice: Invoice, form: CreditNoteForm):
        data = form.cleaned_data
        try:
            note = credit_note_issue(
                invoice=invoice,
                reason=data["reason"],
                amount=to_minor(data["amount"], invoice.currency),
                refund_amount=to_minor(data["refund_amount"] or 0, invoice.currency),
                memo=data["memo"],
                actor=Actor.for_user(request.user),
            )
        except (BillingError, MoneyError) as exc:
            form.add_error(None, str(exc))
            return None
        self.message_user(request, f"Credit note {note} issued.", messages.SUCCESS)
        return redirect(self._change_url(invoice))

    def credit_note_pdf_view(self, request, object_id, note_id):
        invoice = self._invoice_or_404(request, object_id)
        note = CreditNote.objects.filter(invoice=invoice, pk=note_id).first()
        if note is None:
            raise Http404("No such credit note")
        response = HttpResponse(render_credit_note_pdf(note), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{credit_note_filename(note)}"'
        return response
