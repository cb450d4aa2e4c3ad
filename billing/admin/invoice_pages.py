"""What the pages behind an invoice's change page share (record and reverse a payment, issue a
credit note): their URLs, the POST a role may send, the call of one service whose refusal
becomes a form error, a row of the invoice or a 404, and the page itself."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path

from billing.errors import BillingError
from billing.models import Invoice
from billing.money import MoneyError


class InvoicePagesMixin:
    """The base of the payment and credit-note mixins of ``InvoiceAdmin``."""

    def invoice_page_urls(self, pages: list[tuple[str, Callable, str]]) -> list:
        """``(route under the invoice, view, url name)`` wrapped like every admin view."""
        view = self.admin_site.admin_view
        return [
            path(f"<path:object_id>/{route}", view(page), name=f"billing_invoice_{name}")
            for route, page, name in pages
        ]

    def submitted(self, request, form: forms.Form) -> bool:
        """A valid POST, sent by a role that may change invoices (a 403 otherwise)."""
        if request.method != "POST" or not form.is_valid():
            return False
        if not self.has_change_permission(request):
            raise PermissionDenied
        return True

    def render_invoice_page(self, request, invoice: Invoice, *, template: str, title: str, **extra):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "invoice": invoice,
            **extra,
        }
        return TemplateResponse(request, f"admin/billing/invoice/{template}", context)


def invoice_row_or_404(model, invoice: Invoice, pk, label: str):
    """A payment or credit note of this invoice; another invoice's is a 404 like a missing one."""
    row = model.objects.filter(invoice=invoice, pk=pk).first()
    if row is None:
        raise Http404(f"No such {label}")
    return row


def call_service(form: forms.Form, service: Callable, **kwargs):
    """The service's result, or None with its refusal in words on the form."""
    try:
        return service(**kwargs)
    except (BillingError, MoneyError) as exc:
        form.add_error(None, str(exc))
    return None
