"""The invoice page around the form: the finalize confirmation that says what will go out to
whom, and the PDF and pay-page links of an issued invoice."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from billing.approvals.policy import approval_threshold, needs_approval, rendered_messages
from billing.documents import _tax_rows as tax_rows  # the PDF's rows
from billing.documents import format_quantity
from billing.models import Invoice
from billing.money import staff_locale
from billing.pdf import pdf_filename, render_invoice_pdf
from billing.services import pay_links
from billing.services.actors import Actor
from notifications.logs import mask_phone

Status = Invoice.Status
NO_PDF = "Draft invoices have no PDF: finalize the invoice first."


@dataclass(frozen=True)
class Delivery:
    """One message finalizing sends: the channel, to whom, and what stands in its way."""

    channel: str
    recipient: str
    problem: str = ""


def deliveries(invoice: Invoice, rendered: dict) -> list[Delivery]:
    """The messages that go out on finalizing, as the approval request would keep them."""
    planned = []
    whatsapp, email = rendered["whatsapp"], rendered["email"]
    if whatsapp["goes_out"]:
        problem = whatsapp.get("error") or whatsapp.get("warning") or ""
        phone = mask_phone(str(invoice.customer.phone or "")) or "no phone number"
        planned.append(Delivery("WhatsApp", phone, problem))
    if email["goes_out"]:
        recipients = ", ".join(email["to"]) or "no address"
        if email["cc"]:
            recipients += f" (copy to {', '.join(email['cc'])})"
        planned.append(Delivery("E-mail", recipients, " ".join(email["problems"])))
    return planned


def approval_sentence(invoice: Invoice, actor: Actor) -> str:
    """Whether an approver has to agree first, and why; empty when not."""
    if not needs_approval(invoice=invoice, actor=actor):
        return ""
    threshold = approval_threshold(invoice.organization, invoice.currency) or 0
    return (
        f"Approval needed: the total of {invoice.money(invoice.total)} reaches the approval "
        f"threshold of {invoice.money(threshold)}. Finalizing asks an approver; the invoice "
        "stays a draft and nothing is sent until one approves."
    )


class InvoicePageAdminMixin:
    """Mixed into ``InvoiceAdmin``: the PDF, the pay-page link and the finalize confirmation."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<uuid:object_id>/pdf/", view(self.pdf_view), name="billing_invoice_pdf"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if invoice is not None and invoice.status != Status.DRAFT:
            extra_context["invoice_pdf_url"] = reverse(
                "admin:billing_invoice_pdf", args=[invoice.pk]
            )
            if invoice.payment_link:
                extra_context["pay_page_url"] = reverse("pay:page", args=[invoice.payment_token])
                extra_context["pay_page_expired"] = pay_links.is_expired(invoice)
        return super().change_view(request, object_id, form_url, extra_context)

    def pdf_view(self, request, object_id):
        invoice = self._invoice_or_404(request, object_id)
        if invoice.status == Status.DRAFT:
            self.message_user(request, NO_PDF, messages.ERROR)
            return HttpResponseRedirect(self._change_url(invoice))
        response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{pdf_filename(invoice)}"'
        return response

    def finalize_confirm_view(self, request, invoice: Invoice) -> TemplateResponse:
        """Finalize's question: the number, the messages and their recipients, the approval."""
        rendered = rendered_messages(invoice)
        approval = approval_sentence(invoice, Actor.for_user(request.user))
        planned = deliveries(invoice, rendered)
        locale = staff_locale()
        if approval:
            button = "Yes, ask for approval"
        else:
            button = "Yes, finalize and send" if planned else "Yes, finalize"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Finalize {invoice}?",
            "invoice": invoice,
            "items": [
                (format_quantity(item.quantity, locale), item.name, invoice.money(item.amount))
                for item in invoice.items.all()
            ],
            "number": rendered["number"],
            "deliveries": planned,
            "manual": invoice.delivery == Invoice.Delivery.MANUALLY,
            "approval": approval,
            "rendered": rendered,
            "button": button,
            "subtotal": invoice.money(invoice.subtotal),
            "taxes": tax_rows(invoice, invoice.organization.locale),
            "total": invoice.money(invoice.total),
        }
        return TemplateResponse(request, "admin/billing/invoice/finalize_confirm.html", context)
