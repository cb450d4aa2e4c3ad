"""Reminders on the invoice and customer pages: the invoice's plan, pausing and resuming, the
"Needs attention" actions, and the customer's time zone.

Mixed into ``InvoiceAdmin`` and ``CustomerAdmin``, so every URL here goes through their scoped
``get_object`` (another organization's invoice or customer is a 404) and the site's login and
workspace. Each POST calls one service of ``billing.collections`` and reports with
``message_user``.
"""

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from billing.admin.reminder_forms import ISO_DATE, TimeZoneField
from billing.admin.scoping import ScopedInline, current_organization, workspace
from billing.collections import attention, staff
from billing.collections.models import Reminder
from billing.collections.plan import recipient_zone
from billing.collections.preview import channel_label, local_text, offset_text, reason_text
from billing.errors import BillingError
from billing.models import Invoice
from billing.services.actors import Actor
from billing.services.roles import ACTION_ROLES
from config.admin import ReadOnlyAdminMixin


def may(request, action: str) -> bool:
    """The user's role in the current organization allows ``action`` (superusers always)."""
    space = workspace(request)
    membership = space.membership
    return space.superuser or (membership is not None and membership.has_role(ACTION_ROLES[action]))


def paused_text(flag: bool, until) -> str:
    if not flag:
        return ""
    return f"Paused until {until:%d %b %Y}" if until else "Paused until resumed"


class PauseForm(forms.Form):
    until = forms.DateField(
        required=False, input_formats=[ISO_DATE], error_messages={"invalid": "Use YYYY-MM-DD."}
    )


def safe_next(request, target: str, fallback: str) -> str:
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return fallback
    return target or fallback


def back_to(request, fallback: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next(request, request.POST.get("next", ""), fallback))


def pause_page(model_admin, request, *, move: str, what: str, back: str) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"{'Pause' if move == 'pause' else 'Resume'} the reminders of {what}?",
        "move": move,
        "what": what,
        "back": safe_next(request, request.GET.get("next", ""), back),
    }
    return TemplateResponse(request, "admin/collections/pause_confirm.html", context)


def _run(model_admin, request, service, **kwargs) -> bool:
    try:
        service(actor=Actor.for_user(request.user), **kwargs)
    except BillingError as exc:
        model_admin.message_user(request, " ".join(exc.messages), messages.ERROR)
        return False
    return True


# --- the invoice page's plan -----------------------------------------------------------------
class ReminderPlanInline(ScopedInline, ReadOnlyAdminMixin, admin.TabularInline):
    model = Reminder
    template = "admin/collections/reminder_plan_inline.html"
    verbose_name_plural = "Reminder plan"
    extra = 0
    can_delete = False
    fields = ("step_display", "local_time_display", "channel_display", "status_display", "why")
    readonly_fields = fields
    ordering = ("step",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("invoice__customer", "invoice__organization")
        )

    @admin.display(description="Step")
    def step_display(self, obj: Reminder) -> str:
        return f"{obj.step}. {offset_text(obj.offset_days)}"

    @admin.display(description="Planned for (customer's time)")
    def local_time_display(self, obj: Reminder) -> str:
        if obj.status in (Reminder.Status.SKIPPED, Reminder.Status.CANCELLED) and not obj.sent_at:
            return "—"
        zone = recipient_zone(obj.invoice)
        return f"{local_text(obj.sent_at or obj.planned_at, zone)} · {zone.key}"

    @admin.display(description="Channel")
    def channel_display(self, obj: Reminder) -> str:
        return channel_label(obj.channel)

    @admin.display(description="Status")
    def status_display(self, obj: Reminder) -> str:
        return obj.get_status_display()

    @admin.display(description="Why")
    def why(self, obj: Reminder) -> str:
        return reason_text(obj.reason) or "—"


class RemindersInvoiceAdminMixin:
    """Mixed into ``InvoiceAdmin``: the plan inline, pause/resume and the attention actions."""

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and obj.status != Invoice.Status.DRAFT:
            inlines.append(ReminderPlanInline)
        return inlines

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/reminders/<slug:move>/",
                view(self.reminders_view),
                name="billing_invoice_reminders",
            ),
            path(
                "<path:object_id>/attention/<slug:action>/",
                view(self.attention_view),
                name="billing_invoice_attention",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if invoice is not None:
            extra_context["reminders_paused"] = paused_text(
                invoice.reminders_paused, invoice.reminders_paused_until
            )
            extra_context["may_pause_reminders"] = may(request, "pause_reminders")
        return super().change_view(request, object_id, form_url, extra_context)

    def _scoped_invoice(self, request, object_id) -> Invoice:
        invoice = self.get_object(request, object_id)
        if invoice is None:
            raise Http404("No such invoice")
        return invoice

    def reminders_view(self, request, object_id, move):
        invoice = self._scoped_invoice(request, object_id)
        change_url = reverse("admin:billing_invoice_change", args=[invoice.pk])
        if move not in ("pause", "resume"):
            raise Http404("Unknown move")
        if request.method != "POST":
            what = f"invoice {invoice}"
            return pause_page(self, request, move=move, what=what, back=change_url)
        form = PauseForm({"until": request.POST.get("reminders_until", "")})
        if not form.is_valid():
            self.message_user(request, "Enter the pause's end as YYYY-MM-DD.", messages.ERROR)
            return back_to(request, change_url)
        if move == "pause":
            until = form.cleaned_data["until"]
            if _run(self, request, staff.invoice_pause, invoice=invoice, until=until):
                note = paused_text(True, until).lower()
                self.message_user(request, f"Reminders of invoice {invoice}: {note}.")
        elif _run(self, request, staff.invoice_resume, invoice=invoice):
            self.message_user(request, f"Reminders of invoice {invoice} resumed.")
        return back_to(request, change_url)

    def attention_view(self, request, object_id, action):
        invoice = self._scoped_invoice(request, object_id)
        if action not in ATTENTION_ACTIONS:
            raise Http404("Unknown action")
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        done, service, extra = ATTENTION_ACTIONS[action]
        note = request.POST.get("note", "").strip()
        if action == "resolve-dispute" and not note:
            self.message_user(request, "Say how the dispute was resolved.", messages.ERROR)
        else:
            params = {k: request.POST.get(k, "") for k in extra}
            if action == "payment-checked":
                params["resume"] = "resume" in request.POST
            if _run(self, request, service, invoice=invoice, note=note, **params):
                self.message_user(request, f"Invoice {invoice}: {done}.", messages.SUCCESS)
        return back_to(request, reverse("admin:needs_attention"))


# action slug → (what the clerk is told, service, extra POST fields)
ATTENTION_ACTIONS = {
    "resolve-dispute": ("dispute resolved", attention.dispute_resolve, ()),
    "payment-checked": (
        '"Paid already" reply checked',
        attention.payment_check_done,
        ("reply_id",),
    ),
    "promise-followed-up": ("promise to pay followed up", attention.promise_follow_up, ()),
    "fallback-handled": (
        "undelivered reminder handled",
        attention.failed_fallback_handled,
        ("message_id",),
    ),
}


# --- the customer page -----------------------------------------------------------------------
class RemindersCustomerAdminMixin:
    """Mixed into ``CustomerAdmin``: the time zone as a choice, pause/resume of reminders."""

    def _state_field(self, request) -> str:
        return "reminders_controls" if may(request, "pause_reminders") else "reminders_state"

    def get_fieldsets(self, request, obj=None):
        fields = ("time_zone", self._state_field(request)) if obj else ("time_zone",)
        return [*super().get_fieldsets(request, obj), ("Reminders", {"fields": fields})]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), self._state_field(request))

    @admin.display(description="Reminders")
    def reminders_state(self, obj) -> str:
        return paused_text(obj.reminders_paused, obj.reminders_paused_until) or "Active"

    @admin.display(description="Reminders")
    def reminders_controls(self, obj) -> str:
        move = "resume" if obj.reminders_paused else "pause"
        url = reverse("admin:billing_customer_reminders", args=[obj.pk, move])
        label = "Resume reminders…" if obj.reminders_paused else "Pause reminders…"
        return format_html(
            '{} &nbsp; <a class="button reminders-{}" href="{}">{}</a>',
            self.reminders_state(obj),
            move,
            url,
            label,
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "time_zone":
            org = current_organization(request)
            zone = f" ({org.time_zone})" if org else ""
            return TimeZoneField(
                blank_label=f"The organization's time zone{zone}",
                required=False,
                label="Time zone",
                help_text="Reminders go out inside the send window of this time zone.",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/reminders/<slug:move>/",
                self.admin_site.admin_view(self.customer_reminders_view),
                name="billing_customer_reminders",
            ),
            *super().get_urls(),
        ]

    def customer_reminders_view(self, request, object_id, move):
        customer = self.get_object(request, object_id)
        if customer is None or move not in ("pause", "resume"):
            raise Http404("No such customer")
        change_url = reverse("admin:billing_customer_change", args=[customer.pk])
        if request.method != "POST":
            what = f"every open invoice of {customer}"
            return pause_page(self, request, move=move, what=what, back=change_url)
        form = PauseForm({"until": request.POST.get("reminders_until", "")})
        if not form.is_valid():
            self.message_user(request, "Enter the pause's end as YYYY-MM-DD.", messages.ERROR)
        elif move == "pause":
            until = form.cleaned_data["until"]
            if _run(self, request, staff.customer_pause, customer=customer, until=until):
                note = paused_text(True, until).lower()
                self.message_user(request, f"Reminders to {customer}: {note}.")
        elif _run(self, request, staff.customer_resume, customer=customer):
            self.message_user(request, f"Reminders to {customer} resumed.")
        return back_to(request, change_url)
