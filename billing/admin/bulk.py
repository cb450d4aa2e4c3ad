"""Bulk work in the admin: the invoice changelist's "Finalize…" and "Send…" actions, their
confirmation page, and each job's progress page, live status, cancel button and result file.

The actions are shaped like ``delete_selected``: the first POST shows what will happen, the
confirmed one asks ``billing.bulk`` for a job and lands on its progress page. Selecting "all N
matching" keeps Django's ``select_across``: the job's rows are the changelist's whole filtered
queryset, fixed when the job is asked for.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from billing.admin.scoping import ScopedAdmin, current_organization
from billing.approvals.policy import bulk_needs_approval
from billing.bulk import selectors
from billing.bulk.models import BulkJob
from billing.bulk.services import bulk_job_cancel, bulk_job_create
from billing.errors import BillingError
from billing.models.choices import Channel
from billing.reports import exports
from billing.services.actors import Actor
from config.admin import ReadOnlyAdminMixin
from notifications.logs import mask_phone

Kind = BulkJob.Kind
MEANINGS = {
    Kind.FINALIZE: "Each draft takes the next invoice number; its items, prices, tax and totals "
    "are frozen, and it goes out as its delivery setting says. An invoice that is not a draft "
    "is reported as an error and left as it is.",
    Kind.SEND: "Each open invoice is sent once on the channel you choose; an invoice already "
    "on its way is not sent again. Invoices that cannot be sent are reported as errors.",
}
SAMPLE = 10


class BulkActionsMixin:
    """Mixed into ``InvoiceAdmin``: the two bulk actions."""

    @admin.action(description="Finalize…", permissions=["change"])
    def bulk_finalize(self, request, queryset):
        return _bulk_action(self, request, queryset, Kind.FINALIZE)

    @admin.action(description="Send…", permissions=["change"])
    def bulk_send(self, request, queryset):
        return _bulk_action(self, request, queryset, Kind.SEND)


def _bulk_action(model_admin, request, queryset, kind: str):
    organization = current_organization(request)
    if organization is None:
        model_admin.message_user(
            request, "Choose an organization to work in first.", messages.ERROR
        )
        return None
    if request.POST.get("post") == "yes":
        return _ask_for_job(model_admin, request, queryset, kind, organization)
    return _confirmation(model_admin, request, queryset, kind, organization)


def _selection(request) -> dict:
    if request.POST.get("select_across") == "1":
        return {"filter": request.GET.urlencode()}
    return {"ids": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)}


def _ask_for_job(model_admin, request, queryset, kind, organization):
    try:
        job = bulk_job_create(
            organization=organization,
            kind=kind,
            channel=request.POST.get("channel", ""),
            invoices=queryset,
            selection=_selection(request),
            actor=Actor.for_user(request.user),
        )
    except BillingError as exc:
        model_admin.message_user(request, " ".join(exc.messages), messages.ERROR)
        return None
    if job.status == BulkJob.Status.AWAITING_APPROVAL:
        note = (
            f"Sending to {job.total} invoices needs an approver: nothing goes out until one "
            "approves the request."
        )
        model_admin.message_user(request, note, messages.WARNING)
    return HttpResponseRedirect(reverse("admin:billing_bulkjob_progress", args=[job.pk]))


def _confirmation(model_admin, request, queryset, kind, organization):
    summary = selectors.selection_summary(queryset, organization=organization)
    label = "Finalize" if kind == Kind.FINALIZE else "Send"
    count = summary["count"]
    actor = Actor.for_user(request.user)
    sample = list(queryset.select_related("customer", "organization")[:SAMPLE])
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"{label} {count} invoice{'s' if count != 1 else ''}?",
        "kind": kind,
        "label": label,
        "meaning": MEANINGS[kind],
        "summary": summary,
        "sample": [_sample_row(invoice) for invoice in sample],
        "more": count - len(sample),
        # The channel that reaches more of them is offered first.
        "suggested": Channel.WHATSAPP
        if summary["no_whatsapp"] < summary["no_email"]
        else Channel.EMAIL,
        "needs_approval": kind == Kind.SEND
        and bulk_needs_approval(organization=organization, actor=actor, recipients=count),
        "approval_recipients": organization.approval_recipients,
        "action_name": request.POST.get("action"),
        "select_across": request.POST.get("select_across", "0"),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "changelist_url": request.get_full_path(),
    }
    return TemplateResponse(request, "admin/bulk/confirm.html", context)


def _sample_row(invoice) -> dict:
    return {
        "number": invoice.number or "Draft",
        "customer": invoice.customer.name,
        "email": invoice.email or invoice.customer.email or "—",
        "phone": mask_phone(str(invoice.customer.phone)) if invoice.customer.phone else "—",
        "status": invoice.display_status.title(),
        "total": invoice.money(invoice.total),
        "url": reverse("admin:billing_invoice_change", args=[invoice.pk]),
    }


@admin.register(BulkJob)
class BulkJobAdmin(ScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The jobs of the organization; a job's page is its progress page."""

    list_display = ("created_at", "what", "status", "progress", "failed", "requested_by")
    list_filter = ("status", "kind")
    list_select_related = ("requested_by",)

    @admin.display(description="Job")
    def what(self, obj: BulkJob) -> str:
        url = reverse("admin:billing_bulkjob_progress", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj)

    @admin.display(description="Done")
    def progress(self, obj: BulkJob) -> str:
        return f"{obj.done} of {obj.total} ({selectors.percent(obj)} %)"

    def get_urls(self):
        view = self.admin_site.admin_view
        pages = {
            "progress/": (self.progress_view, "progress"),
            "status/": (self.status_view, "status"),
            "result.csv": (self.result_view, "result"),
            "cancel/": (self.cancel_view, "cancel"),
        }
        return [
            *(
                path(f"<uuid:job_id>/{tail}", view(page), name=f"billing_bulkjob_{name}")
                for tail, (page, name) in pages.items()
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET":  # read-only: Django refuses the change as for any record
            return super().change_view(request, object_id, form_url, extra_context)
        return self.progress_view(request, object_id)  # a job's page is its progress

    def _job_or_404(self, request, job_id) -> BulkJob:
        job = self.get_object(request, str(job_id))
        if job is None:
            raise Http404("No such bulk job")
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        return job

    def progress_view(self, request, job_id):
        job = self._job_or_404(request, job_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{job.label}: {job.total} invoice{'s' if job.total != 1 else ''}",
            "job": job,
            "state": selectors.job_status(job),
            "approval": getattr(job, "approval", None),
        }
        return TemplateResponse(request, "admin/bulk/progress.html", context)

    def status_view(self, request, job_id):
        return JsonResponse(selectors.job_status(self._job_or_404(request, job_id)))

    def result_view(self, request, job_id):
        job = self._job_or_404(request, job_id)
        if not job.finished:
            raise Http404("The result file is ready once the job has finished")
        name = f"bulk-{job.kind}-{job.created_at:%Y%m%d-%H%M}"
        return exports.response(selectors.result_table(job), exports.CSV, name)

    def cancel_view(self, request, job_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = self._job_or_404(request, job_id)
        try:
            job = bulk_job_cancel(job=job, actor=Actor.for_user(request.user))
        except BillingError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            note = f"Cancelled after {job.done} of {job.total} invoices."
            self.message_user(request, note, messages.WARNING)
        return HttpResponseRedirect(reverse("admin:billing_bulkjob_progress", args=[job.pk]))
