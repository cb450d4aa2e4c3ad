"""Endpoints an organization registers, the events it raised, and one delivery per event and
endpoint with every attempt logged (invariant N7)."""

import base64
import secrets
import uuid

from django.db import models
from django.utils import timezone

from billing.models.organizations import Organization

# Unique per invoice in the database: a double click, a retried task or a double-run job
# cannot raise them twice. ``invoice.sent`` is "the first channel accepted", once by definition.
ONCE_ONLY_TYPES = (
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "invoice.overdue",
    "invoice.voided",
    "invoice.sent",
)


def new_secret() -> str:
    """``whsec_`` + base64 of 32 random bytes, the Standard Webhooks secret format."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    class DisabledReason(models.TextChoices):
        NONE = "", "—"
        MANUAL = "manual", "Disabled by the organization"
        GONE = "gone", "The endpoint answered 410 Gone"
        FAILING = "failing", "Failing continuously for 5 days"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=1000)
    events = models.JSONField(default=list, help_text='Event types, or ["*"] for all')
    description = models.CharField(max_length=300, blank=True)
    # Kept in clear: it must sign (shown once to the organization, never logged).
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    enabled = models.BooleanField(default=True, editable=False)
    disabled_reason = models.CharField(
        max_length=10, choices=DisabledReason.choices, blank=True, editable=False
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "enabled"], name="webhook_org_enabled")]

    def __str__(self) -> str:
        return self.url

    def subscribes(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events

    def signing_secrets(self, now=None) -> list[str]:
        """The current secret, and the previous one while its rotation grace lasts."""
        now = now or timezone.now()
        keep = self.previous_secret and (
            self.previous_secret_expires_at and self.previous_secret_expires_at > now
        )
        return [self.secret, self.previous_secret] if keep else [self.secret]


class WebhookEvent(models.Model):
    """Written in the same transaction as the change it reports; its id never changes."""

    id = models.CharField(primary_key=True, max_length=40, default=new_event_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_events"
    )
    type = models.CharField(max_length=40)
    # A plain value, not a foreign key: ``invoice.deleted`` outlives its invoice.
    invoice_id = models.UUIDField(null=True, blank=True)
    body = models.TextField(help_text="The JSON payload, exactly as signed")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice_id", "type"],
                condition=models.Q(type__in=ONCE_ONLY_TYPES),
                name="webhook_event_once_per_invoice",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="webhook_event_org_created"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class WebhookDelivery(models.Model):
    """One event to one endpoint. ``billing.webhooks.delivery`` is the only code that moves
    ``status``."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, editable=False
    )
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    next_attempt_at = models.DateTimeField(default=timezone.now, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"
