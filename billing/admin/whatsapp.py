"""The invoice page's WhatsApp parts: message preview, "Send on WhatsApp", the delivery log."""

from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from billing.admin.scoping import ScopedInline
from billing.approvals.policy import needs_approval
from billing.approvals.services import invoice_send_whatsapp_or_request
from billing.errors import BillingError
from billing.models import ApprovalRequest
from billing.models.choices import Channel
from billing.services.actors import Actor
from billing.services.delivery import invoice_channels
from billing.services.whatsapp import whatsapp_preview
from config.admin import ReadOnlyAdminMixin
from notifications.admin.display import STATUS_WORDS, status_badge
from notifications.logs import mask_phone
from notifications.models import Message
from notifications.problems import PROBLEM_STATUSES


def available(invoice) -> tuple[str, ...]:
    return invoice_channels(invoice).available


def send_report(result) -> tuple[str, int]:
    """The flash after "Send on WhatsApp": green only for a message on its way."""
    message = result.message
    words = STATUS_WORDS.get(message.status, message.status).lower()
    if message.status in PROBLEM_STATUSES:
        reason = message.last_error_message or words
        return f"WhatsApp message not sent: {reason}", messages.ERROR
    if not result.created:
        return f"This WhatsApp message exists already ({words}): not sent again.", messages.WARNING
    return f"WhatsApp message {words}.", messages.SUCCESS


def delivery_column(deliveries) -> str:
    """The invoice list's "Delivery": each channel's best status, problems in red."""
    parts = [
        format_html("{}: {}", d.get_channel_display(), status_badge(d.status))
        for d in sorted(deliveries, key=lambda d: d.channel)
    ]
    return format_html_join(" · ", "{}", ((p,) for p in parts)) or "—"


class MessageLogInline(ScopedInline, ReadOnlyAdminMixin, GenericTabularInline):
    """Read-only: statuses only ever change through the notifications pipeline."""

    model = Message
    ct_field, ct_fk_field = "subject_type", "subject_id"
    verbose_name_plural = "Delivery log"
    extra = 0
    can_delete = False
    fields = (
        "created_at",
        "channel",
        "recipient_masked",
        "status_words",
        "attempts",
        "is_active",
        "link",
    )
    readonly_fields = fields

    @admin.display(description="Status")
    def status_words(self, obj: Message) -> str:
        return status_badge(obj.status)

    @admin.display(description="Recipient")
    def recipient_masked(self, obj: Message) -> str:
        return mask_phone(obj.recipient) if obj.channel == "whatsapp" else obj.recipient

    @admin.display(description="Timeline")
    def link(self, obj: Message) -> str:
        url = reverse("admin:notifications_message_change", args=[obj.pk])
        return format_html('<a href="{}">{} event(s)</a>', url, obj.events.count())


class WhatsAppInvoiceAdminMixin:
    """Mixed into ``InvoiceAdmin``: preview on the change page and a confirmed send view."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.send_whatsapp_view)
        return [
            path("<path:object_id>/send-whatsapp/", view, name="billing_invoice_send_whatsapp"),
            *super().get_urls(),
        ]

    def get_inline_instances(self, request, obj=None):
        # A new invoice has no delivery log (and its add form must not carry the inline's forms).
        inlines = super().get_inline_instances(request, obj)
        return [i for i in inlines if obj is not None or not isinstance(i, MessageLogInline)]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if invoice is not None and invoice.number:
            extra_context["whatsapp_preview"] = whatsapp_preview(invoice)
            extra_context["can_send_whatsapp"] = Channel.WHATSAPP in available(invoice)
        return super().change_view(request, object_id, form_url, extra_context)

    def send_whatsapp_view(self, request, object_id):
        invoice = self.get_object(request, object_id)
        if invoice is None:
            raise Http404("No such invoice")
        if Channel.WHATSAPP not in available(invoice):
            self.message_user(request, "Only open invoices can be sent.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:billing_invoice_changelist"))
        change_url = reverse("admin:billing_invoice_change", args=[invoice.pk])
        if request.method == "POST":
            if not self.has_change_permission(request, invoice):
                raise PermissionDenied
            actor = Actor.for_user(request.user)
            try:
                result = invoice_send_whatsapp_or_request(invoice=invoice, actor=actor)
            except BillingError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return HttpResponseRedirect(change_url)
            if isinstance(result, ApprovalRequest):
                note = "needs approval: the request waits for an approver"
                self.message_user(request, f"Sending {invoice} on WhatsApp {note}.")
                return HttpResponseRedirect(change_url)
            self.message_user(request, *send_report(result))
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Send invoice {invoice} on WhatsApp?",
            "invoice": invoice,
            "preview": whatsapp_preview(invoice),
            "recipient": mask_phone(str(invoice.customer.phone or "")),
            "needs_approval": needs_approval(invoice=invoice, actor=Actor.for_user(request.user)),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/billing/invoice/whatsapp_confirm.html", context)
