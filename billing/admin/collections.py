"""The collections pages of the admin: the reminder policy with its live example plan, the
outbox of a day, and what needs attention. Listed on the home page and in the sidebar under
"Collections"; each works in the current organization (``billing.admin.scoping``).

Invoice and customer pages get their reminder parts from ``billing.admin.reminders``.
"""

from datetime import date, timedelta

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from billing.admin.reminder_forms import ExampleForm, PolicyEditor
from billing.admin.reminders import back_to, may
from billing.admin.scoping import current_organization, workspace
from billing.collections import attention, staff
from billing.collections.models import Reminder, ReminderPolicy
from billing.collections.policy import parse_policy, policy_for
from billing.collections.preview import (
    channel_label,
    example_plan,
    message_preview,
    reason_text,
)
from billing.collections.selectors import outbox_rows
from billing.errors import BillingError
from billing.services.actors import Actor
from config.admin import SitePage

S = Reminder.Status
GOING = (S.PLANNED, S.SENDING, S.SENT)
OUTBOX_PAGE = 100  # rows shown with their rendered message
FIRST_DAY, LAST_DAY = date(1, 1, 2), date(9999, 12, 30)  # a day's UTC span must exist


def _page(request, template: str, title: str, **context) -> TemplateResponse:
    context = {**admin.site.each_context(request), "title": title, **context}
    return TemplateResponse(request, template, context)


def _organization_or_chooser(request, title: str):
    """The current organization, or the page asking a superuser to choose one."""
    organization = current_organization(request)
    if organization is None:
        return None, _page(request, "admin/collections/choose.html", title)
    return organization, None


def _today(organization) -> date:
    return timezone.now().astimezone(organization.tzinfo).date()


# --- the policy ------------------------------------------------------------------------------
def policy_view(request):
    organization, chooser = _organization_or_chooser(request, "Reminders")
    if chooser:
        return chooser
    policy = policy_for(organization)
    editor = PolicyEditor(request.POST or None, policy=policy)
    if request.method == "POST" and "_save" in request.POST and editor.is_valid():
        try:
            saved = staff.policy_replace(
                organization=organization, data=editor.data, actor=Actor.for_user(request.user)
            )
        except BillingError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            _log(request, saved)
            messages.success(
                request, "Reminder policy saved. Open invoices are re-planned in a moment."
            )
            return HttpResponseRedirect(reverse("admin:reminders_policy"))
    return _page(
        request,
        "admin/collections/policy.html",
        f"Reminders · {organization.name}",
        editor=editor,
        may_change=may(request, "reminder_policy"),
        example=_example(request, organization, editor),
        organization=organization,
    )


def _log(request, policy: ReminderPolicy) -> None:
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=[policy],
        action_flag=CHANGE,
        change_message="Changed the reminder policy.",
        single_object=True,
    )


def _example(request, organization, editor: PolicyEditor) -> dict:
    today = _today(organization)
    source = request.POST if request.method == "POST" else None
    form = ExampleForm(
        source, prefix="example", zone=organization.time_zone, today=today + timedelta(days=14)
    )
    due_date, zone = form.values(zone=organization.time_zone, today=today + timedelta(days=14))
    if source is None:
        bound, policy = True, policy_for(organization)
    else:
        bound = editor.is_valid()
        fields = parse_policy(editor.data) if bound else {}
        policy = ReminderPolicy(organization=organization, **fields)
    now = timezone.now()
    rows = []
    if bound:
        rows = example_plan(
            organization=organization, policy=policy, due_date=due_date, zone=zone, now=now
        )
    problems = [] if bound else editor.errors
    return {"form": form, "rows": rows, "problems": problems, "due": due_date, "zone": zone}


def example_view(request):
    """The example plan alone, for the page's script: the form as it is now, not saved."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    organization = current_organization(request)
    if organization is None:
        raise Http404("Choose an organization first")
    editor = PolicyEditor(request.POST, policy=policy_for(organization))
    context = {"example": _example(request, organization, editor)}
    return TemplateResponse(request, "admin/collections/plan_example.html", context)


def organization_view(request, move: str):
    """Pausing every reminder of the organization: the policy's ``enabled``."""
    organization = current_organization(request)
    if organization is None or move not in ("pause", "resume"):
        raise Http404("No such page")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        staff.organization_set_enabled(
            organization=organization, enabled=move == "resume", actor=Actor.for_user(request.user)
        )
    except BillingError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = "resumed" if move == "resume" else "paused for the whole organization"
        messages.success(request, f"Reminders {done}.")
    return back_to(request, reverse("admin:reminders_outbox"))


# --- the outbox ------------------------------------------------------------------------------
def _outbox_day(request, today: date) -> date:
    value = request.GET.get("date", "")
    if value == "tomorrow":
        return today + timedelta(days=1)
    try:
        day = date.fromisoformat(value) if value and value != "today" else today
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        messages.error(request, "Choose a date as YYYY-MM-DD; showing today instead.")
        return today
    return day


def _entry(reminder: Reminder, local, with_preview: bool) -> dict:
    invoice = reminder.invoice
    return {
        "reminder": reminder,
        "invoice": invoice,
        "customer": invoice.customer,
        "local_time": f"{local:%H:%M}",
        "zone": local.tzinfo.key,
        "zone_abbr": local.tzname(),
        "channel": channel_label(reminder.channel),
        "amount_due": invoice.money(invoice.amount_due),
        "status": reminder.get_status_display(),
        "why": reason_text(reminder.reason) or "—",
        "preview": message_preview(reminder) if with_preview else None,
    }


def outbox_view(request):
    organization, chooser = _organization_or_chooser(request, "Outbox")
    if chooser:
        return chooser
    today = _today(organization)
    day = _outbox_day(request, today)
    rows = outbox_rows(organization, day)
    going = [(r, local) for r, local in rows if r.status in GOING]
    paused = [(r, local) for r, local in rows if r.status == S.PAUSED]
    return _page(
        request,
        "admin/collections/outbox.html",
        f"Outbox · {day:%A %d %B %Y}",
        day=day,
        today=today,
        tomorrow=today + timedelta(days=1),
        going=[_entry(r, local, i < OUTBOX_PAGE) for i, (r, local) in enumerate(going)],
        paused=[_entry(r, local, False) for r, local in paused],
        policy=policy_for(organization),
        may_pause=may(request, "pause_reminders"),
        may_pause_organization=may(request, "reminder_policy"),
        preview_limit=OUTBOX_PAGE,
        here=request.get_full_path(),
    )


# --- needs attention -------------------------------------------------------------------------
SECTIONS = (
    ("dispute", "Disputes", "An approver resolves a dispute; reminders resume after it."),
    (
        "payment_check",
        '"Paid already" to check',
        "Look for the payment; record it, or mark the reply checked.",
    ),
    ("promise_due", "Promises to pay that are due", "Contact the customer, then mark it done."),
    (
        "failed_fallback",
        "Reminders that reached nobody",
        "Both channels failed: fix the customer's contact details, then mark it handled.",
    ),
)


def _row(item: attention.Item) -> dict:
    invoice = item.invoice
    return {**vars(item), "amount_due": invoice.money(invoice.amount_due)}


def attention_view(request):
    organization, chooser = _organization_or_chooser(request, "Needs attention")
    if chooser:
        return chooser
    found = attention.needs_attention(organization)
    sections = [
        {"kind": kind, "title": title, "hint": hint, "items": [_row(i) for i in found[kind]]}
        for kind, title, hint in SECTIONS
    ]
    return _page(
        request,
        "admin/collections/attention.html",
        f"Needs attention · {organization.name}",
        sections=sections,
        total=sum(len(items) for items in found.values()),
        may_follow_up=may(request, "follow_up"),
        may_resolve=may(request, "resolve_dispute"),
        here=request.get_full_path(),
    )


def _listed(request) -> bool:
    return workspace(request).allowed


PAGES = (
    SitePage(
        "collections/reminders/",
        "reminders_policy",
        policy_view,
        title="Reminders",
        section="Collections",
        visible=_listed,
    ),
    SitePage("collections/reminders/example/", "reminders_example", example_view),
    SitePage(
        "collections/outbox/",
        "reminders_outbox",
        outbox_view,
        title="Outbox",
        section="Collections",
        visible=_listed,
    ),
    SitePage(
        "collections/attention/",
        "needs_attention",
        attention_view,
        title="Needs attention",
        section="Collections",
        visible=_listed,
    ),
    SitePage("collections/organization/<slug:move>/", "reminders_organization", organization_view),
)
for page in PAGES:
    admin.site.register_page(page)
