"""The delivery log: read-only messages with their timeline, and two audited resend actions."""

from django.contrib import admin
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.html import format_html

from config.admin import ReadOnlyAdminMixin
from notifications import pipeline
from notifications.channels.base import SendRefused
from notifications.logs import mask_phone
from notifications.models import InboundWebhook, Message, MessageEvent, OrphanEvent


class MessageEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MessageEvent
    verbose_name_plural = "Timeline"
    extra = 0
    fields = ("received_at", "source", "status", "applied", "occurred_at", "detail")
    readonly_fields = fields


def status_badge(message: Message) -> str:
    return format_html('<span class="message-status status-{0}">{0}</span>', message.status)


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


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "purpose",
        "recipient_masked",
        "status_display",
        "attempts",
        "provider_message_id",
        "is_active",
        "last_error_code",
    )
    list_filter = ("channel", "status", "purpose", "is_active")
    search_fields = ("=provider_message_id", "=subject_id")
    date_hierarchy = "created_at"
    inlines = [MessageEventInline]
    actions = ["retry_failed", "resend_anyway"]
    exclude = ("recipient",)
    readonly_fields = (
        "recipient_masked",
        "status_display",
        "provider_message_id",
        "attempts",
        "last_error_code",
        "last_error_message",
        "lease_until",
        "next_attempt_at",
        "created_by",
        "created_at",
        "updated_at",
    )

    def get_fields(self, request, obj=None):
        return (
            "tenant_id",
            "subject_type",
            "subject_id",
            "purpose",
            "channel",
            *self.readonly_fields,
            "is_active",
            "payload",
        )

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="Recipient")
    def recipient_masked(self, obj: Message) -> str:
        return mask_phone(obj.recipient) if obj.channel == "whatsapp" else obj.recipient

    @admin.display(description="Status", ordering="status")
    def status_display(self, obj: Message) -> str:
        return status_badge(obj)

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_message")

    @admin.action(description=RESEND_ACTIONS["retry"][0], permissions=["resend"])
    def retry_failed(self, request, queryset):
        return self._resend(request, queryset, "retry", "retry_failed")

    @admin.action(description=RESEND_ACTIONS["resend"][0], permissions=["resend"])
    def resend_anyway(self, request, queryset):
        return self._resend(request, queryset, "resend", "resend_anyway")

    def _resend(self, request, queryset, action: str, action_name: str):
        if not self.has_resend_permission(request):
            raise PermissionDenied
        eligible = [
            m for m in queryset if m.is_active and m.status in pipeline.RETRYABLE_BY_HAND[action]
        ]
        if request.POST.get("confirmed") != "yes":
            title, meaning = RESEND_ACTIONS[action]
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title + "?",
                "meaning": meaning,
                "eligible": eligible,
                "skipped": queryset.count() - len(eligible),
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
