"""A credit note's own page behind the invoice page: what it credits, its PDF, its e-mail in the
delivery log, and "Send by e-mail" with a confirmation that names the recipients."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse

from billing.admin.invoice_pages import InvoicePagesMixin, invoice_row_or_404
from billing.credit_note_pdf import build as build_document
from billing.errors import BillingError
from billing.models import CreditNote, Invoice
from billing.services.actors import Actor
from billing.services.credit_note_email import (
    credit_note_email_preview,
    credit_note_message,
    credit_note_send_email,
)
from billing.services.roles import role_allows
from notifications.admin.display import STATUS_WORDS
from notifications.templating.errors import InvalidTemplateData


def credit_note_url(note: CreditNote) -> str:
    return reverse("admin:billing_invoice_credit_note_page", args=[note.invoice_id, note.pk])


def email_credit_note(request, note: CreditNote) -> tuple[str, int]:
    """Send the credit note by e-mail as the user: (what to tell them, the message level)."""
    try:
        result = credit_note_send_email(note=note, actor=Actor.for_user(request.user))
    except (BillingError, InvalidTemplateData) as exc:
        text = " ".join(getattr(exc, "messages", [str(exc)]))
        return f"Credit note {note} was not e-mailed: {text}", messages.ERROR
    message = result.message
    if not result.created:
        state = STATUS_WORDS.get(message.status, message.status).lower()
        return f"Credit note {note} was e-mailed already ({state}).", messages.WARNING
    if message.status == "rejected":
        reason = message.last_error_message
        return f"Credit note {note} was not e-mailed: {reason}", messages.ERROR
    return (
        f"Credit note {note} is on its way by e-mail to {recipients_of(message)}.",
        messages.SUCCESS,
    )


def recipients_of(message) -> str:
    return ", ".join(message.payload.get("to") or [message.recipient]) if message else ""


def message_change_url(message) -> str:
    return reverse("admin:notifications_message_change", args=[message.pk]) if message else ""


def person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


class CreditNotePageAdminMixin(InvoicePagesMixin):
    """Mixed into ``InvoiceAdmin``: the credit note's page and its e-mail confirmation."""

    def get_urls(self):
        by_id = self.admin_site.admin_view(self.credit_note_by_id_view)
        return [
            path("credit-note/<uuid:note_id>/", by_id, name="billing_invoice_credit_note_by_id"),
            *self.invoice_page_urls(
                [
                    ("credit-note/<uuid:note_id>/", self.credit_note_page_view, "credit_note_page"),
                    (
                        "credit-note/<uuid:note_id>/email/",
                        self.credit_note_email_view,
                        "credit_note_email",
                    ),
                ]
            ),
            *super().get_urls(),
        ]

    def credit_note_by_id_view(self, request, note_id):
        """The delivery log knows a credit note by its id only: on to its page, if the
        credit note is in the organization (else a 404 like any missing one)."""
        invoices = self.get_queryset(request)
        note = CreditNote.objects.filter(pk=note_id, invoice__in=invoices).first()
        if note is None:
            raise Http404("No such credit note")
        return HttpResponseRedirect(credit_note_url(note))

    def _credit_note(self, request, object_id, note_id) -> tuple[Invoice, CreditNote]:
        invoice = self._invoice_or_404(request, object_id)
        return invoice, invoice_row_or_404(CreditNote, invoice, note_id, "credit note")

    def _may_send(self, request, invoice: Invoice) -> bool:
        return self.has_change_permission(request, invoice) and role_allows(
            user=request.user, organization_id=invoice.organization_id, action="send"
        )

    def credit_note_page_view(self, request, object_id, note_id):
        invoice, note = self._credit_note(request, object_id, note_id)
        message = credit_note_message(note)
        return self.render_invoice_page(
            request,
            invoice,
            template="credit_note_page.html",
            title=f"Credit note {note} on invoice {invoice}",
            note=note,
            doc=build_document(note),
            created_by=person(note.created_by),
            message=message,
            message_status=STATUS_WORDS.get(message.status, message.status) if message else "",
            message_url=message_change_url(message),
            message_to=", ".join(message.payload.get("to") or [message.recipient])
            if message
            else "",
            can_send=message is None and self._may_send(request, invoice),
            pdf_url=reverse("admin:billing_invoice_credit_note_pdf", args=[invoice.pk, note.pk]),
        )

    def credit_note_email_view(self, request, object_id, note_id):
        invoice, note = self._credit_note(request, object_id, note_id)
        if request.method == "POST":
            if not self._may_send(request, invoice):
                raise PermissionDenied
            text, level = email_credit_note(request, note)
            self.message_user(request, text, level)
            return HttpResponseRedirect(credit_note_url(note))
        preview = credit_note_email_preview(note=note)
        return self.render_invoice_page(
            request,
            invoice,
            template="credit_note_email.html",
            title=f"E-mail credit note {note}?",
            note=note,
            preview=preview,
            recipients=", ".join(preview.to),
            already=credit_note_message(note),
            can_send=not preview.problems and self._may_send(request, invoice),
            back_url=credit_note_url(note),
        )
