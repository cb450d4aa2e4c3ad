"""Integrator webhooks in the admin: endpoints (secret shown once, failing ones highlighted,
"send test", "re-enable", "rotate secret") and deliveries with every attempt ("redeliver").
Every change goes through ``billing.webhooks.services``."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html

from billing.admin.scoping import ScopedAdmin, ScopedInline
from billing.errors import BillingError
from billing.webhooks import services
from billing.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from config.admin import ReadOnlyAdminMixin


class EndpointForm(forms.ModelForm):
    class Meta:
        model = WebhookEndpoint
        fields = ("organization", "url", "events", "description")

    def clean(self):
        data = super().clean()
        url = data.get("url") if "url" in self.changed_data or not self.instance.pk else None
        try:
            services.validate_endpoint(url=url, events=data.get("events"))
        except BillingError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return data


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ScopedAdmin, admin.ModelAdmin):
    form = EndpointForm
    list_display = ("url", "organization", "events", "state", "failing_since", "created_at")
    list_filter = ("enabled", "organization")
    list_select_related = ("organization",)
    search_fields = ("url", "description")
    readonly_fields = ("enabled", "disabled_reason", "disabled_at", "failing_since", "created_at")
    actions = ("send_test", "re_enable", "rotate_secret")

    @admin.display(description="State")
    def state(self, obj: WebhookEndpoint) -> str:
        if not obj.enabled:
            return format_html(
                '<strong style="color:#ba2121">disabled: {}</strong>',
                obj.get_disabled_reason_display(),
            )
        if obj.failing_since:
            return format_html(
                '<strong style="color:#ba2121">failing since {}</strong>', obj.failing_since
            )
        return "enabled"

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("url", "events", "description")}
        if change:
            services.endpoint_update(endpoint=obj, **data)
            return
        created = services.endpoint_create(organization=obj.organization, **data)
        obj.pk, obj.secret = created.pk, created.secret
        obj._state.adding = False
        request._new_webhook_secret = created.secret

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "title": "Webhook endpoint created",
            "endpoint": obj,
            "secret": request._new_webhook_secret,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/billing/webhookendpoint/created.html", context)

    @admin.action(description="Send a test event", permissions=["change"])
    def send_test(self, request, queryset):
        sent = [services.endpoint_send_test(endpoint=e) for e in queryset if e.enabled]
        self.message_user(request, f"Queued {len(sent)} test event(s).", messages.SUCCESS)

    @admin.action(description="Re-enable", permissions=["change"])
    def re_enable(self, request, queryset):
        disabled = [e for e in queryset if not e.enabled]
        for endpoint in disabled:
            services.endpoint_enable(endpoint=endpoint)
        self.message_user(request, f"Re-enabled {len(disabled)} endpoint(s).", messages.SUCCESS)

    @admin.action(description="Rotate the signing secret", permissions=["change"])
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            rotated = services.endpoint_rotate_secret(endpoint=endpoint)
            self.message_user(
                request,
                format_html(
                    "New secret for {} (shown once; the old one signs for 24 h): <code>{}</code>",
                    rotated.url,
                    rotated.secret,
                ),
                messages.WARNING,
            )


class AttemptInline(ScopedInline, ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    fields = ("number", "started_at", "status_code", "duration_ms", "error", "response_excerpt")
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    tenant_path = "endpoint__organization"
    list_display = ("event_id", "event_type", "endpoint", "status", "attempts", "next_attempt_at")
    list_filter = ("status",)
    list_select_related = ("event", "endpoint")
    search_fields = ("event__id", "endpoint__url")
    fields = ("event", "event_type", "endpoint", "status", "attempts", "next_attempt_at")
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ("redeliver",)

    @admin.display(description="Type")
    def event_type(self, obj: WebhookDelivery) -> str:
        return obj.event.type

    def has_redeliver_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(description="Redeliver (same event id)", permissions=["redeliver"])
    def redeliver(self, request, queryset):
        events = {d.event_id: d.event for d in queryset.select_related("event")}
        count = sum(services.event_redeliver(event=e) for e in events.values())
        self.message_user(
            request, f"Queued {count} delivery(ies) of {len(events)} event(s).", messages.SUCCESS
        )
