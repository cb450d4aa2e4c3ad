"""The delivery log: read-only messages with their timeline, and two audited resend actions."""

import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from config.admin import ReadOnlyAdminMixin
from config.admin_paging import LargeTableAdmin
from notifications import pipeline, problems
from notifications import status as st
from notifications.admin import display
from notifications.channels.base import SendRefused
from notifications.logs import mask_phone
from notifications.models import ErrorText, InboundWebhook, Message, MessageEvent, OrphanEvent


class MessageEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MessageEvent
    verbose_name_plural = "Timeline"
    extra = 0
    fields = ("received", "source", "status", "applied", "occurred", "detail_masked")
    readonly_fields = fields

    @admin.display(description="Received")
    def received(self, obj: MessageEvent) -> str:
        return display.timestamp(obj.received_at)

    @admin.display(description="Occurred")
    def occurred(self, obj: MessageEvent) -> str:
        return display.timestamp(obj.occurred_at)

    @admin.display(description="Detail")
    def detail_masked(self, obj: MessageEvent) -> str:
        return _json(display.masked(obj.detail, obj.message.recipient))


def _json(value) -> str:
    return format_html('<pre class="message-json">{}</pre>', json.dumps(value, indent=2))


def status_badge(message: Message) -> str:
    return display.status_badge(message.status)


RESEND_ACTIONS = {
    "retry": (
        "Retry failed messages",
        "A new copy of each failed message is queued; the failed one stays in the log.",
    ),
    "resend": (
        "Resend anyway (outcome unknown)",
        "Nobody knows whether these messages reached the customer. Resending may deliver the "
        "same invoice twice. The decision is recorded with your name.",
    ),
}
ERROR_TEXTS = 200  # distinct errors a text search looks for (their messages come by code)
PHONE_SUFFIX = re.compile(r"^(?:…|\.{2,3}|\+?\**)\s*(\d{4})$")


@dataclass(frozen=True)
class ResendRow:
    """One selected message on a confirmation page, in a clerk's words."""

    message: Message
    subject: str
    recipient: str
    purpose: str
    status: str
    problem: str
    will_fail: str  # why a retry cannot succeed, or ''


class ChoicesFilter(admin.SimpleListFilter):
    """A filter on one column with fixed choices: one indexed equality."""

    field = ""
    options: list[tuple[str, str]] = []

    def lookups(self, request, model_admin):
        return self.options

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.field: value}) if value else queryset


class ChannelFilter(ChoicesFilter):
    title, parameter_name, field = "channel", "channel", "channel"
    options = Message.Channel.choices


class StatusFilter(ChoicesFilter):
    title, parameter_name, field = "status", "status", "status"
    options = [(s, display.STATUS_WORDS[s]) for s, _ in st.STATUS_CHOICES]


class ErrorFilter(ChoicesFilter):
    title, parameter_name, field = "error", "error_kind", "error_kind"
    options = problems.CHOICES


class PurposeFilter(ChoicesFilter):
    title, parameter_name, field = "purpose", "purpose", "purpose"

    def lookups(self, request, model_admin):
        return list(model_admin.purpose_words.items())


class ProblemFilter(admin.SimpleListFilter):
    """Messages that did not reach their recipient and were not sent again since."""

    title, parameter_name = "delivery problems", "problems"

    def lookups(self, request, model_admin):
        return [("yes", "Only problems")]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        return queryset.filter(status__in=problems.PROBLEM_STATUSES, is_active=True)


class ChosenValueFilter(admin.SimpleListFilter):
    """A filter set by a link in the list (an invoice, a customer): it names the chosen value
    and offers no list, since an organization has too many to list."""

    field = label_field = ""

    def lookups(self, request, model_admin):
        value = self.value()
        if not value:
            return []
        label = (
            model_admin.get_queryset(request)
            .filter(**{self.field: value})
            .values_list(self.label_field, flat=True)
            .first()
        )
        return [(value, label or value)]

    def has_output(self):
        return bool(self.lookup_choices)

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.field: value}) if value else queryset


class SubjectFilter(ChosenValueFilter):
    title, parameter_name = "invoice", "subject"
    field, label_field = "subject_id", "subject_label"


class RecipientFilter(ChosenValueFilter):
    title, parameter_name = "customer", "recipient"
    field, label_field = "recipient_ref", "recipient_name"


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, LargeTableAdmin, admin.ModelAdmin):
    count_column = "tenant_id"  # the first column of every index the log reads
    list_display = (
        "created",
        "subject_column",
        "recipient_column",
        "channel",
        "purpose_column",
        "status_display",
        "error_column",
        "attempts",
    )
    list_filter = (
        ProblemFilter,
        ChannelFilter,
        PurposeFilter,
        StatusFilter,
        ErrorFilter,
        SubjectFilter,
        RecipientFilter,
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("=provider_message_id",)
    search_help_text = (
        "An invoice number, a customer's name, a phone's last four digits (…4567) or words "
        "of an error."
    )
    # No date_hierarchy: its year links are a DISTINCT over the whole delivery log.
    inlines = [MessageEventInline]
    actions = ["retry_failed", "resend_anyway"]
    exclude = ("recipient",)
    readonly_fields = (
        "subject_link",
        "recipient_name",
        "recipient_masked",
        "purpose_column",
        "channel",
        "status_display",
        "problem",
        "earlier_problems",
        "next_attempt",
        "attempts",
        "provider_message_id",
        "created",
        "updated",
        "created_by",
        "is_active",
        "payload_masked",
    )
    # A sending site names its purposes in words (``notifications`` knows none of them).
    purpose_words: dict[str, str] = {}

    def get_fields(self, request, obj=None):
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("payload")

    # --- search: each kind of term on its own index ------------------------------------------
    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        match = PHONE_SUFFIX.match(term)
        if match:
            return queryset.filter(recipient_suffix=match.group(1)), False
        for found in self.search_steps(request, queryset, term):
            if found.exists():
                return found, False
        return self.search_errors(queryset, term), False

    def search_steps(self, request, queryset, term: str):
        """The narrow kinds of term, most precise first, each on its own index: the first that
        finds messages is the answer (an OR of them would read the log in date order)."""
        yield queryset.filter(provider_message_id=term)
        yield queryset.filter(subject_label__in={term, term.upper()})
        refs = self.search_recipient_refs(request, term)
        if refs:
            yield queryset.filter(recipient_ref__in=refs)

    def search_recipient_refs(self, request, term: str) -> list[str]:
        """Ids of the recipients whose name matches (the sending site knows them): none here."""
        return []

    def search_errors(self, queryset, term: str):
        """Problems whose error kind's label has the words, or whose text has them: the texts
        are looked up among the organizations' distinct errors, the messages by code."""
        kinds = [
            name
            for name, kind in problems.KINDS.items()
            if term.casefold() in kind.label.casefold()
        ]
        texts = ErrorText.objects.filter(text__icontains=term).values_list("code", "text")
        pairs = list(texts[:ERROR_TEXTS])
        if not kinds and not pairs:
            return queryset.none()
        said = Q(
            last_error_code__in={code for code, _ in pairs},
            last_error_message__in={text for _, text in pairs},
        )
        if len(pairs) == ERROR_TEXTS:  # texts that vary per message: read them after all
            said = Q(last_error_message__icontains=term)
        return queryset.filter(
            Q(status__in=problems.PROBLEM_STATUSES) & (Q(error_kind__in=kinds) | said)
        )

    # --- columns and fields ---------------------------------------------------------------------
    @admin.display(description="Created", ordering="created_at")
    def created(self, obj: Message) -> str:
        return display.timestamp(obj.created_at)

    @admin.display(description="Updated")
    def updated(self, obj: Message) -> str:
        return display.timestamp(obj.updated_at)

    @admin.display(description="Invoice")
    def subject_column(self, obj: Message) -> str:
        return self.subject_link(obj)

    @admin.display(description="Subject")
    def subject_link(self, obj: Message) -> str:
        url = self.subject_url(obj)
        label = obj.subject_label or "—"
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    def subject_url(self, obj: Message) -> str:
        """Where the message's subject is shown (the sending site knows): nowhere here."""
        return ""

    @admin.display(description="Customer")
    def recipient_column(self, obj: Message) -> str:
        if not obj.recipient_ref:
            return obj.recipient_name or "—"
        query = urlencode({"recipient": obj.recipient_ref})
        return format_html('<a href="?{}">{}</a>', query, obj.recipient_name or obj.recipient_ref)

    @admin.display(description="Recipient")
    def recipient_masked(self, obj: Message) -> str:
        return mask_phone(obj.recipient) if obj.channel == "whatsapp" else obj.recipient

    @admin.display(description="Purpose", ordering="purpose")
    def purpose_column(self, obj: Message) -> str:
        return self.purpose_words.get(obj.purpose, obj.purpose)

    @admin.display(description="Status", ordering="status")
    def status_display(self, obj: Message) -> str:
        return status_badge(obj)

    @admin.display(description="Error")
    def error_column(self, obj: Message) -> str:
        return display.current_problem(obj) or "—"

    @admin.display(description="Problem")
    def problem(self, obj: Message) -> str:
        text = display.current_problem(obj)
        if not text:
            return "None"
        return format_html('{}<br><span class="help">{}</span>', text, self.problem_advice(obj))

    def problem_advice(self, obj: Message) -> str:
        kind = problems.describe(obj.error_kind)
        return kind.sentence if kind else ""

    @admin.display(description="Earlier problems")
    def earlier_problems(self, obj: Message) -> str:
        lines = display.earlier_problems(obj, list(obj.events.all()))
        if not lines:
            return "None"
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description="Next attempt")
    def next_attempt(self, obj: Message) -> str:
        planned = display.next_attempt(obj)
        return f"{planned[0]}: {planned[1]}" if planned else "None: the outcome is final"

    @admin.display(description="Payload (phone numbers masked)")
    def payload_masked(self, obj: Message) -> str:
        return _json(display.masked(obj.payload, obj.recipient))

    # --- retry and resend ---------------------------------------------------------------------
    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_message")

    @admin.action(description=RESEND_ACTIONS["retry"][0], permissions=["resend"])
    def retry_failed(self, request, queryset):
        return self._resend(request, queryset, "retry", "retry_failed")

    @admin.action(description=RESEND_ACTIONS["resend"][0], permissions=["resend"])
    def resend_anyway(self, request, queryset):
        return self._resend(request, queryset, "resend", "resend_anyway")

    def resend_row(self, message: Message, action: str) -> ResendRow:
        will_fail = ""
        if action == "retry" and problems.retry_fails(message.error_kind):
            will_fail = problems.KINDS[message.error_kind].sentence
        return ResendRow(
            message=message,
            subject=message.subject_label or "—",
            recipient=message.recipient_name or self.recipient_masked(message),
            purpose=self.purpose_column(message),
            status=display.STATUS_WORDS.get(message.status, message.status),
            problem=display.current_problem(message) or "None",
            will_fail=will_fail,
        )

    def alternatives(self, request, rows: list[ResendRow]) -> list[tuple[str, str]]:
        """(action, label) offered instead of a retry that will fail: none here."""
        return []

    def _resend(self, request, queryset, action: str, action_name: str):
        if not self.has_resend_permission(request):
            raise PermissionDenied
        selected = list(queryset)
        hopeless = [self.resend_row(m, action) for m in selected]
        hopeless = [row for row in hopeless if row.will_fail]
        eligible = [
            m
            for m in selected
            if m.is_active
            and m.status in pipeline.RETRYABLE_BY_HAND[action]
            and not (action == "retry" and problems.retry_fails(m.error_kind))
        ]
        if request.POST.get("confirmed") != "yes":
            title, meaning = RESEND_ACTIONS[action]
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title + "?",
                "meaning": meaning,
                "eligible": [self.resend_row(m, action) for m in eligible],
                "hopeless": hopeless,
                "alternatives": self.alternatives(request, hopeless),
                "skipped": len(selected) - len(eligible) - len(hopeless),
                "action_name": action_name,
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            }
            return TemplateResponse(
                request, "admin/notifications/message/resend_confirm.html", context
            )
        self._do_resend(request, eligible, action)
        return None

    # What a single resend may refuse with; a site adding its own checks extends it.
    resend_refusals: tuple[type[Exception], ...] = (pipeline.NotResendable, SendRefused)

    def resend_one(self, request, message: Message, action: str, reason: str) -> None:
        actor = f"user:{request.user.get_username()}"
        pipeline.message_resend(message_id=message.pk, action=action, actor=actor, reason=reason)

    def _do_resend(self, request, eligible, action: str) -> None:
        reason = request.POST.get("reason", "")[:300]
        done, refused = 0, []
        for message in eligible:
            try:
                self.resend_one(request, message, action, reason)
            except self.resend_refusals as exc:
                refused.append(str(exc))
            else:
                done += 1
        self.message_user(request, f"{done} message(s) queued again.", flash.SUCCESS)
        for text in refused:
            self.message_user(request, text, flash.WARNING)


@admin.register(InboundWebhook)
class InboundWebhookAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("received_at", "provider", "state", "result_summary")
    list_filter = ("provider", "state")
    fields = (
        "provider",
        "channel_key",
        "state",
        "received_at",
        "processed_at",
        "headers",
        "raw",
        "result",
    )
    readonly_fields = fields

    @admin.display(description="Body (raw)")
    def raw(self, obj: InboundWebhook) -> str:
        return bytes(obj.body).decode("utf-8", "replace")

    @admin.display(description="Result")
    def result_summary(self, obj: InboundWebhook) -> str:
        keys = ("applied", "recorded", "adopted", "orphan", "opt_outs")
        return ", ".join(f"{k} {obj.result[k]}" for k in keys if obj.result.get(k))


@admin.register(OrphanEvent)
class OrphanEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("received_at", "provider", "provider_message_id", "status", "adopted_by")
    list_filter = ("status", ("adopted_by", admin.EmptyFieldListFilter))
    search_fields = ("=provider_message_id",)
    readonly_fields = (
        "provider",
        "provider_message_id",
        "status",
        "occurred_at",
        "detail",
        "webhook",
        "received_at",
        "adopted_by",
        "adopted_at",
    )
    exclude = ("recipient",)
