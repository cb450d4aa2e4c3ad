"""The delivery log in the workspace: messages named by their invoice and customer, retries that
check the role, and "send by e-mail instead" for a WhatsApp message that cannot get through."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.html import format_html

from billing.admin.audit import actor_words
from billing.admin.scoping import current_organization
from billing.approvals.services import invoice_send_email_or_request
from billing.errors import BillingError
from billing.models import ApiCredential, ApprovalRequest, CreditNote, Customer, Invoice
from billing.services.actors import Actor
from billing.services.invoice_email import SendInvoiceEmail
from billing.services.messages import message_resend
from billing.services.roles import RoleRequired
from notifications.admin.messages import MessageAdmin
from notifications.models import Message
from notifications.templating.errors import InvalidTemplateData

PURPOSES = {
    "invoice_issued": "Invoice",
    "reminder": "Reminder",
    "payment_link": "New payment link",
    "receipt": "Receipt",
    "test": "Test to self",
    "credit_note_issued": "Credit note",
}
NAME_MATCHES = 200  # customers a name search looks for (their messages come by index)


def invoice_type_id() -> int:
    return ContentType.objects.get_for_model(Invoice).pk


def credit_note_type_id() -> int:
    return ContentType.objects.get_for_model(CreditNote).pk


class WorkspaceMessageAdmin(MessageAdmin):
    """Retry and "resend anyway" go through billing's service, which checks the role."""

    purpose_words = PURPOSES
    actions = [*MessageAdmin.actions, "email_instead"]
    readonly_fields = tuple(
        "created_by_words" if name == "created_by" else name
        for name in MessageAdmin.readonly_fields
    )

    @admin.display(description="Asked for by")
    def created_by_words(self, obj: Message) -> str:
        """A person's name or "API key <name>", like the invoice's audit trail."""
        kind, _, value = obj.created_by.partition(":")
        user = None
        if kind == "user" and value:
            user = get_user_model().objects.filter(username=value).first()
        name = ""
        if kind == "api" and value:
            key = ApiCredential.objects.filter(organization_id=obj.tenant_id, client_key=value)
            name = key.values_list("name", flat=True).first() or ""
        return actor_words(obj.created_by, user, credential_name=name)

    resend_refusals = (*MessageAdmin.resend_refusals, RoleRequired)

    def has_resend_permission(self, request) -> bool:
        return self._role_allows(request, "change") and super().has_resend_permission(request)

    def resend_one(self, request, message, action, reason) -> None:
        actor = Actor.for_user(request.user)
        message_resend(message=message, action=action, actor=actor, reason=reason)

    @admin.display(description="About")
    def subject_link(self, obj: Message) -> str:
        """On a message's page: a credit note's e-mail names its invoice too."""
        link = super().subject_link(obj)
        if obj.subject_type_id != credit_note_type_id():
            return link
        invoice = Invoice.objects.filter(credit_notes__pk=obj.subject_id).first()
        if invoice is None:
            return link
        url = reverse("admin:billing_invoice_change", args=[invoice.pk])
        return format_html('Credit note {} on invoice <a href="{}">{}</a>', link, url, invoice)

    @admin.display(description="Invoice")
    def subject_column(self, obj: Message) -> str:
        return super().subject_link(obj)

    def subject_url(self, obj: Message) -> str:
        if not obj.subject_id:
            return ""
        if obj.subject_type_id == invoice_type_id():
            return reverse("admin:billing_invoice_change", args=[obj.subject_id])
        if obj.subject_type_id == credit_note_type_id():
            return reverse("admin:billing_invoice_credit_note_by_id", args=[obj.subject_id])
        return ""

    def search_recipient_refs(self, request, term: str) -> list[str]:
        customers = Customer.objects.filter(name__icontains=term)
        org = current_organization(request)
        if org is not None:
            customers = customers.filter(organization=org)
        return [str(pk) for pk in customers.values_list("pk", flat=True)[:NAME_MATCHES]]

    def alternatives(self, request, rows) -> list[tuple[str, str]]:
        about_invoices = [r for r in rows if r.message.subject_type_id == invoice_type_id()]
        if any(r.message.channel == Message.Channel.WHATSAPP for r in about_invoices):
            return [("email_instead", "Send these invoices by e-mail instead")]
        return []

    @admin.action(description="Send the invoice by e-mail instead", permissions=["resend"])
    def email_instead(self, request, queryset):
        ids = queryset.filter(subject_type_id=invoice_type_id()).values_list("subject_id")
        invoices = Invoice.objects.filter(pk__in=[i for (i,) in ids.distinct()])
        actor = Actor.for_user(request.user)
        for invoice in invoices.filter(organization_id__in=self._tenants(queryset)):
            self._email(request, invoice, actor)

    def _tenants(self, queryset):
        return queryset.values_list("tenant_id", flat=True).distinct()

    def _email(self, request, invoice: Invoice, actor: Actor) -> None:
        try:
            result = invoice_send_email_or_request(
                invoice=invoice, actor=actor, request=SendInvoiceEmail()
            )
        except (BillingError, InvalidTemplateData) as exc:
            text = " ".join(getattr(exc, "messages", [str(exc)]))
            self.message_user(request, f"Invoice {invoice}: {text}", messages.ERROR)
            return
        if isinstance(result, ApprovalRequest):
            note = f"E-mailing invoice {invoice} waits for an approver."
            self.message_user(request, note, messages.WARNING)
        elif result.message.status in ("rejected", "failed"):
            note = (
                f"Invoice {invoice}: the e-mail was not sent ({result.message.last_error_message})."
            )
            self.message_user(request, note, messages.ERROR)
        else:
            note = f"Invoice {invoice}: e-mail queued to {result.message.recipient}."
            self.message_user(request, note, messages.SUCCESS)
