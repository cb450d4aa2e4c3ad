"""The invoice page's credit notes: issue one (a reason and an amount), list them, their PDF."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from billing.admin.credit_note_page import credit_note_url, email_credit_note
from billing.admin.invoice_pages import InvoicePagesMixin, call_service, invoice_row_or_404
from billing.admin.scoping import ScopedInline
from billing.credit_note_pdf import credit_note_filename, render_credit_note_pdf
from billing.models import CreditNote, Invoice
from billing.money import MoneyError, to_minor
from billing.services.actors import Actor
from billing.services.credit_notes import CREDITABLE, credit_note_issue
from billing.services.roles import role_allows
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
    send_email = forms.BooleanField(
        required=False,
        label="E-mail it to the customer",
        help_text="The credit note's PDF goes to the invoice's e-mail addresses.",
    )


class CreditNoteInline(ScopedInline, ReadOnlyAdminMixin, admin.TabularInline):
    model = CreditNote
    extra = 0
    can_delete = False
    fields = ("number_link", "created_at", "reason", "amount_display", "split_display", "pdf_link")
    readonly_fields = fields

    @admin.display(description="Number")
    def number_link(self, obj: CreditNote) -> str:
        return format_html('<a href="{}">{}</a>', credit_note_url(obj), obj.number)

    @admin.display(description="Amount")
    def amount_display(self, obj: CreditNote) -> str:
        return obj.money(obj.amount)

    @admin.display(description="Split")
    def split_display(self, obj: CreditNote) -> str:
        parts = [
            (obj.pre_payment_amount, "off the amount due"),
            (obj.refund_amount, "refunded"),
            (obj.credit_amount, "as credit"),
        ]
        return ", ".join(f"{obj.money(minor)} {words}" for minor, words in parts if minor)

    @admin.display(description="PDF")
    def pdf_link(self, obj: CreditNote) -> str:
        url = reverse("admin:billing_invoice_credit_note_pdf", args=[obj.invoice_id, obj.pk])
        return format_html('<a href="{}">{}.pdf</a>', url, obj.number)


class CreditNoteAdminMixin(InvoicePagesMixin):
    """Mixed into ``InvoiceAdmin``: the "Issue credit note" page behind the change page."""

    def get_urls(self):
        return [
            *self.invoice_page_urls(
                [
                    ("credit-note/", self.credit_note_view, "credit_note"),
                    (
                        "credit-note/<uuid:note_id>/pdf/",
                        self.credit_note_pdf_view,
                        "credit_note_pdf",
                    ),
                ]
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
        extra_context["can_credit"] = (
            invoice is not None
            and invoice.status in CREDITABLE
            and role_allows(
                user=request.user, organization_id=invoice.organization_id, action="credit_note"
            )
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def credit_note_view(self, request, object_id):
        invoice = self._invoice_or_404(request, object_id)
        form = CreditNoteForm(request.POST or None)
        if self.submitted(request, form):
            note = self._issue(request, invoice, form)
            if note is not None:
                self.message_user(request, f"Credit note {note} issued.", messages.SUCCESS)
                if form.cleaned_data["send_email"]:
                    self.message_user(request, *email_credit_note(request, note))
                return redirect(self._change_url(invoice))
        return self.render_invoice_page(
            request,
            invoice,
            template="credit_note_form.html",
            title=f"Issue a credit note on {invoice}",
            form=form,
            amount_due=invoice.money(invoice.amount_due),
            amount_paid=invoice.money(invoice.amount_paid),
        )

    def _issue(self, request, invoice: Invoice, form: CreditNoteForm):
        data = form.cleaned_data
        try:
            amount = to_minor(data["amount"], invoice.currency)
            refund = to_minor(data["refund_amount"] or 0, invoice.currency)
        except MoneyError as exc:
            form.add_error(None, str(exc))
            return None
        return call_service(
            form,
            credit_note_issue,
            invoice=invoice,
            reason=data["reason"],
            amount=amount,
            refund_amount=refund,
            memo=data["memo"],
            actor=Actor.for_user(request.user),
        )

    def credit_note_pdf_view(self, request, object_id, note_id):
        invoice = self._invoice_or_404(request, object_id)
        note = invoice_row_or_404(CreditNote, invoice, note_id, "credit note")
        response = HttpResponse(render_credit_note_pdf(note), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{credit_note_filename(note)}"'
        return response
