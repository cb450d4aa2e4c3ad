"""Maker-checker in the admin: the requests of the organization and the approve/reject pages."""

from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from billing.admin.scoping import ScopedAdmin, ScopedInline
from billing.approvals.services import approval_approve, approval_reject
from billing.errors import BillingError
from billing.models import ApprovalEvent, ApprovalRequest
from billing.services.actors import Actor
from config.admin import ReadOnlyAdminMixin

DECISIONS = {"approve": "Approve", "reject": "Reject"}
Action = ApprovalRequest.Action
# (action, decision) → what deciding means
MEANINGS = {
    (Action.FINALIZE, "approve"): "The invoice is finalized now, as you, and takes the next "
    "number.",
    (Action.FINALIZE, "reject"): "The invoice stays a draft. The person who asked sees your "
    "reason.",
    (Action.SEND_WHATSAPP, "approve"): "The WhatsApp message below is sent now, as you.",
    (Action.SEND_EMAIL, "approve"): "The e-mail below is sent now, as you.",
    (Action.BULK_SEND, "approve"): "The bulk send starts now, as you: every invoice of the job "
    "is sent, the first ones as shown below.",
}
NOTHING_SENT = "Nothing is sent. The person who asked sees your reason."


def amount_text(approval: ApprovalRequest) -> str:
    if approval.bulk_job_id is not None:
        return f"{approval.bulk_job.total} invoices"
    return approval.invoice.money(approval.amount)


class ApprovalEventInline(ScopedInline, ReadOnlyAdminMixin, admin.TabularInline):
    model = ApprovalEvent
    verbose_name_plural = "Audit trail"
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor_label", "note")
    readonly_fields = fields


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "requested_at",
        "about",
        "action",
        "amount_display",
        "status",
        "requested_by",
        "decided_by",
    )
    list_filter = ("status", "action")
    list_select_related = (
        "invoice__customer",
        "invoice__organization",  # a draft is named by its day in the organization's zone
        "bulk_job",
        "requested_by",
        "decided_by",
    )
    fields = (
        "about",
        "action",
        "status",
        "amount_display",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "reason",
        "rendered_display",
    )
    readonly_fields = fields
    inlines = [ApprovalEventInline]

    @admin.display(description="Invoice")
    def about(self, obj: ApprovalRequest):
        if obj.bulk_job_id is None:
            return obj.invoice
        url = reverse("admin:billing_bulkjob_progress", args=[obj.bulk_job_id])
        return format_html('<a href="{}">{}</a>', url, obj.bulk_job)

    @admin.display(description="Amount")
    def amount_display(self, obj: ApprovalRequest) -> str:
        return amount_text(obj)

    @admin.display(description="Messages as they would go out")
    def rendered_display(self, obj: ApprovalRequest) -> str:
        return render_to_string(
            "admin/billing/approvalrequest/rendered.html",
            {"rendered": obj.rendered, "action": obj.action},
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.decide_view)
        return [
            path(
                "<path:object_id>/decide/<slug:decision>/",
                view,
                name="billing_approvalrequest_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id, decision):
        approval = self.get_object(request, object_id)
        if approval is None or decision not in DECISIONS:
            raise Http404("No such approval request")
        label = DECISIONS[decision]
        meaning = MEANINGS.get((approval.action, decision), NOTHING_SENT)
        change_url = reverse("admin:billing_approvalrequest_change", args=[approval.pk])
        if request.method == "POST":
            actor = Actor.for_user(request.user)
            try:
                if decision == "approve":
                    approval = approval_approve(approval=approval, actor=actor)
                else:
                    reason = request.POST.get("reason", "")
                    approval = approval_reject(approval=approval, actor=actor, reason=reason)
            except BillingError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, f"{approval}.", messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{label}: {approval}?",
            "approval": approval,
            "decision": decision,
            "label": label,
            "meaning": meaning,
            "total": amount_text(approval),
        }
        return TemplateResponse(request, "admin/billing/approvalrequest/decide.html", context)
