"""The invoice page's e-mail parts: preview, validation, "send a test to me", SendInvoice; and
each organization's default e-mail template (editable here only: the API just reads it)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from billing.admin.scoping import ScopedAdmin
from billing.admin.whatsapp import available
from billing.errors import BillingError, DeliveryInProgress
from billing.models import Organization
from billing.models.choices import Channel
from billing.services.actors import Actor
from billing.services.invoice_email import (
    SendInvoiceEmail,
    invoice_email_preview,
    invoice_send_email,
    invoice_send_test_email,
)
from billing.services.roles import RoleRequired
from notifications.models import DefaultEmailTemplate
from notifications.templating.errors import InvalidTemplateData

TOKENS_HELP = (
    "Tokens: {:Customer.Name:} {:Invoice.Number:} {:Invoice.AmountDue:} {:Invoice.DueDate:} "
    "{:Link_Pay_Invoice:}"
)


class SendInvoiceForm(forms.Form):
    from_user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True),
        required=False,
        help_text="Empty: the sender of the organization's default template.",
    )
    to_email_addresses = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line or comma-separated. Empty: the customer and its contacts.",
    )
    cc_me = forms.BooleanField(required=False, label="CC me")
    subject = forms.CharField(required=False, help_text="Empty with an empty body: the default.")
    body = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 8}), help_text=TOKENS_HELP
    )

    def to_request(self) -> SendInvoiceEmail:
        data = self.cleaned_data
        raw = data["to_email_addresses"].replace(",", "\n")
        return SendInvoiceEmail(
            from_user_id=data["from_user"].pk if data["from_user"] else None,
            to_email_addresses=[a.strip() for a in raw.splitlines() if a.strip()] or None,
            cc_me=data["cc_me"],
            subject=data["subject"] or None,
            body=data["body"] or None,
        )


class EmailInvoiceAdminMixin:
    """Mixed into ``InvoiceAdmin``: the "E-mail invoice" page behind the change page's button."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.email_view)
        return [
            path("<path:object_id>/email/", view, name="billing_invoice_email"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        extra_context = extra_context or {}
        extra_context["can_email"] = invoice is not None and Channel.EMAIL in available(invoice)
        return super().change_view(request, object_id, form_url, extra_context)

    def email_view(self, request, object_id):
        invoice = self.get_object(request, object_id)
        if invoice is None:
            raise Http404("No such invoice")
        if Channel.EMAIL not in available(invoice):
            self.message_user(request, "Only issued invoices can be e-mailed.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:billing_invoice_changelist"))
        actor = Actor.for_user(request.user)
        form = SendInvoiceForm(request.POST or None)
        senders = form.fields["from_user"]
        senders.queryset = self.scoped(senders.queryset, request)
        send_request = form.to_request() if form.is_valid() else SendInvoiceEmail()
        if (
            request.method == "POST"
            and form.is_valid()
            and request.POST.get("action")
            in (
                "send",
                "test",
            )
        ):
            done = self._send(request, invoice, actor, send_request, request.POST["action"])
            if done is not None:
                return done
        preview = invoice_email_preview(invoice=invoice, actor=actor, request=send_request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"E-mail invoice {invoice}",
            "invoice": invoice,
            "form": form,
            "preview": preview,
            "can_send": not preview.problems and self.has_change_permission(request, invoice),
        }
        return TemplateResponse(request, "admin/billing/invoice/email_form.html", context)

    def _send(self, request, invoice, actor, send_request, action):
        if not self.has_change_permission(request, invoice):
            raise PermissionDenied
        service = invoice_send_email if action == "send" else invoice_send_test_email
        try:
            result = service(invoice=invoice, actor=actor, request=send_request)
        except (DeliveryInProgress, RoleRequired) as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)
            return None
        except (BillingError, InvalidTemplateData):
            return None  # the preview below lists every problem
        if action == "test":
            self.message_user(request, f"Test e-mail queued to {request.user.email}.")
            return None
        state = "queued" if result.created else f"already {result.message.status}"
        self.message_user(request, f"Invoice {invoice} e-mail {state}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:billing_invoice_change", args=[invoice.pk]))


class DefaultEmailTemplateForm(forms.ModelForm):
    organization = forms.ModelChoiceField(queryset=Organization.objects.all())

    class Meta:
        model = DefaultEmailTemplate
        fields = ("organization", "sender_name", "sender_email", "subject", "body")
        help_texts = {"body": TOKENS_HELP, "subject": TOKENS_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["organization"] = Organization.objects.filter(
                pk=self.instance.tenant_id
            ).first()

    def save(self, commit=True):
        self.instance.tenant_id = self.cleaned_data["organization"].pk
        return super().save(commit)

    def validate_unique(self):
        organization = self.cleaned_data.get("organization")
        others = DefaultEmailTemplate.objects.exclude(pk=self.instance.pk)
        if organization and others.filter(tenant_id=organization.pk).exists():
            self.add_error("organization", "This organization already has a default template.")


@admin.register(DefaultEmailTemplate)
class DefaultEmailTemplateAdmin(ScopedAdmin, admin.ModelAdmin):
    form = DefaultEmailTemplateForm
    list_display = ("organization_name", "subject", "sender_name", "updated_at")

    def get_queryset(self, request):
        # The template refers to its organization by id only: one subquery, not a query a row.
        names = Organization.objects.filter(pk=OuterRef("tenant_id")).values("name")[:1]
        return super().get_queryset(request).annotate(organization_name=Subquery(names))

    @admin.display(description="Organization")
    def organization_name(self, obj: DefaultEmailTemplate) -> str:
        return obj.organization_name or str(obj.tenant_id)
