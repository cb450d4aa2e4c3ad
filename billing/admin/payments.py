"""The invoice page's payment pages: record a payment (an ISO date picker, never an ambiguous
"01/12/2026") and reverse one recorded by mistake."""

from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from billing.errors import BillingError
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


class PaymentAdminMixin:
    """Mixed into ``InvoiceAdmin``: the "Record payment" and "Reverse payment" pages."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/payment/", view(self.payment_view), name="billing_invoice_payment"
            ),
            path(
                "<path:object_id>/payment/<uuid:payment_id>/reverse/",
                view(self.reverse_payment_view),
                name="billing_invoice_reverse_payment",
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
        if request.method == "POST" and form.is_valid():
            if not self.has_change_permission(request):
                raise PermissionDenied
            done = self._record(request, invoice, form)
            if done is not None:
                return done
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Record a payment on {invoice}",
            "invoice": invoice,
            "form": form,
            "amount_due": invoice.money(invoice.amount_due),
        }
        return TemplateResponse(request, "admin/billing/invoice/payment_form.html", context)

    def _record(self, request, invoice: Invoice, form: PaymentForm):
        data = form.cleaned_data
        try:
            recorded = payment_record(
                invoice=invoice,
                amount=to_minor(data["amount"], invoice.currency),
                method=data["method"],
                reference=data["reference"],
                paid_at=paid_at_for(invoice, data["paid_on"]),
                actor=Actor.for_user(request.user),
            )
        except (BillingError, MoneyError) as exc:
            form.add_error(None, str(exc))
            return None
        self.message_user(request, "Payment recorded.", messages.SUCCESS)
        for warning in recorded.warnings:
            self.message_user(request, warning, messages.WARNING)
        return redirect(self._change_url(invoice))

    def reverse_payment_view(self, request, object_id, payment_id):
        invoice = self._invoice_or_404(request, object_id)
        payment = Payment.objects.filter(invoice=invoice, pk=payment_id).first()
        if payment is None:
            raise Http404("No such payment")
        form = ReversalForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if not self.has_change_permission(request):
                raise PermissionDenied
            try:
                payment_reverse(
                    payment=payment,
                    reason=form.cleaned_data["reason"],
                    actor=Actor.for_user(request.user),
                )
            except BillingError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                self.message_user(request, "Payment reversed.", messages.SUCCESS)
                return redirect(self._change_url(invoice))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Reverse a payment on {invoice}?",
            "invoice": invoice,
            "payment": payment,
            "amount": invoice.money(payment.amount),
            "form": form,
        }
        return TemplateResponse(request, "admin/billing/invoice/reverse_payment.html", context)


def reverse_link(payment: Payment) -> str:
    return reverse("admin:billing_invoice_reverse_payment", args=[payment.invoice_id, payment.pk])
