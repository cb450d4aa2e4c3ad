"""The invoice page's payment pages: record a payment (an ISO date picker, never an ambiguous
"01/12/2026") and reverse one recorded by mistake."""

from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from billing.admin.invoice_pages import InvoicePagesMixin, call_service, invoice_row_or_404
from billing.models import Invoice, Payment
from billing.models.choices import PaymentMethod
from billing.money import MoneyError, to_major, to_minor
from billing.services.actors import Actor
from billing.services.payments import payment_record, payment_reverse

ISO_DATE = "%Y-%m-%d"


class PaymentForm(forms.Form):
    amount = forms.DecimalField(min_value=0, max_digits=18, decimal_places=3)
    method = forms.ChoiceField(choices=PaymentMethod.choices)
    reference = forms.CharField(required=False, max_length=200)
    paid_on = forms.DateField(
        label="Payment date",
        required=False,
        input_formats=[ISO_DATE],
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        help_text="Empty: today. Not before the issue date, not in the future.",
        error_messages={"invalid": "Enter the date as YYYY-MM-DD."},
    )


def paid_at_for(invoice: Invoice, day) -> datetime | None:
    """Today means now; another day is its noon in the organization's time zone."""
    tz = invoice.organization.tzinfo
    if day is None or day == timezone.now().astimezone(tz).date():
        return None
    return datetime.combine(day, time(12), tzinfo=tz)


class ReversalForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text="Why the payment is taken back.")


class PaymentAdminMixin(InvoicePagesMixin):
    """Mixed into ``InvoiceAdmin``: the "Record payment" and "Reverse payment" pages."""

    def get_urls(self):
        return [
            *self.invoice_page_urls(
                [
                    ("payment/", self.payment_view, "payment"),
                    (
                        "payment/<uuid:payment_id>/reverse/",
                        self.reverse_payment_view,
                        "reverse_payment",
                    ),
                ]
            ),
            *super().get_urls(),
        ]

    def payment_view(self, request, object_id):
        invoice = self._invoice_or_404(request, object_id)
        form = PaymentForm(
            request.POST or None,
            initial={
                "amount": to_major(invoice.amount_due, invoice.currency),
                "method": (invoice.payment_methods or [PaymentMethod.BANK_TRANSFER])[0],
            },
        )
        if self.submitted(request, form):
            recorded = self._record(request, invoice, form)
            if recorded is not None:
                self.message_user(request, "Payment recorded.", messages.SUCCESS)
                for warning in recorded.warnings:
                    self.message_user(request, warning, messages.WARNING)
                return redirect(self._change_url(invoice))
        return self.render_invoice_page(
            request,
            invoice,
            template="payment_form.html",
            title=f"Record a payment on {invoice}",
            form=form,
            amount_due=invoice.money(invoice.amount_due),
        )

    def _record(self, request, invoice: Invoice, form: PaymentForm):
        data = form.cleaned_data
        try:
            amount = to_minor(data["amount"], invoice.currency)
        except MoneyError as exc:
            form.add_error(None, str(exc))
            return None
        return call_service(
            form,
            payment_record,
            invoice=invoice,
            amount=amount,
            method=data["method"],
            reference=data["reference"],
            paid_at=paid_at_for(invoice, data["paid_on"]),
            actor=Actor.for_user(request.user),
        )

    def reverse_payment_view(self, request, object_id, payment_id):
        invoice = self._invoice_or_404(request, object_id)
        payment = invoice_row_or_404(Payment, invoice, payment_id, "payment")
        form = ReversalForm(request.POST or None)
        if self.submitted(request, form):
            reversal = call_service(
                form,
                payment_reverse,
                payment=payment,
                reason=form.cleaned_data["reason"],
                actor=Actor.for_user(request.user),
            )
            if reversal is not None:
                self.message_user(request, "Payment reversed.", messages.SUCCESS)
                return redirect(self._change_url(invoice))
        return self.render_invoice_page(
            request,
            invoice,
            template="reverse_payment.html",
            title=f"Reverse a payment on {invoice}?",
            payment=payment,
            amount=invoice.money(payment.amount),
            form=form,
        )


def reverse_link(payment: Payment) -> str:
    return reverse("admin:billing_invoice_reverse_payment", args=[payment.invoice_id, payment.pk])
