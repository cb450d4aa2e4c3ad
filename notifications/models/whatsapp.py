"""Per-organization WhatsApp (1MSG) settings and message templates.

Both fall back to the ``ONEMSG_*`` settings, so a new organization can send with no extra step.
"""

import re
import uuid

from django.core.exceptions import ValidationError
from django.db import models

PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


class WhatsAppChannel(models.Model):
    """An organization's own 1MSG channel. Empty fields fall back to the ``ONEMSG_*`` settings."""

    tenant_id = models.UUIDField(unique=True, help_text="The organization this channel sends for.")
    base_url = models.URLField(blank=True, help_text="Empty: ONEMSG_BASE_URL.")
    channel_id = models.CharField(max_length=100, blank=True, help_text="Empty: ONEMSG_CHANNEL_ID.")
    token = models.CharField(max_length=500, blank=True, help_text="Empty: ONEMSG_TOKEN.")
    webhook_token = models.CharField(
        max_length=200, blank=True, help_text="The secret in /hooks/1msg/<token>/ for this channel."
    )
    previous_webhook_token = models.CharField(
        max_length=200, blank=True, help_text="Still accepted while the provider is re-pointed."
    )
    opt_out_words = models.CharField(
        max_length=500,
        blank=True,
        help_text="Comma-separated words that opt a customer out, besides STOP.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "WhatsApp channel"

    def __str__(self) -> str:
        return f"WhatsApp channel {self.channel_id or '(default)'}"

    def clean(self) -> None:
        own = [bool(self.base_url), bool(self.channel_id), bool(self.token)]
        if any(own[1:]) and not all(own[1:]):
            raise ValidationError("Set both the channel id and its token, or neither.")


class WhatsAppTemplate(models.Model):
    """One version of an approved WhatsApp template. Versions are never edited once approved."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved (used for sending)"
        RETIRED = "retired", "Retired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant_id = models.UUIDField(db_index=True)
    purpose = models.CharField(max_length=40, default="invoice_issued")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    name = models.CharField(max_length=200, help_text="The provider's template name.")
    namespace = models.CharField(max_length=200)
    language = models.CharField(max_length=16, default="en")
    body = models.TextField(help_text="The approved body text with {{1}}, {{2}}… placeholders.")
    variables = models.JSONField(
        default=list,
        help_text='Context field for each placeholder in order, e.g. ["customer_name", …].',
    )
    button_label = models.CharField(max_length=25, blank=True)
    button_url = models.URLField(blank=True, help_text="Static URL button (fixed in the template).")
    quick_replies = models.JSONField(
        default=list,
        blank=True,
        help_text='Quick-reply buttons in order: [{"action": "paid", "text": "Paid already"}, …].',
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant_id", "purpose", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "purpose", "language", "version"],
                name="whatsapp_template_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.language}, {self.status})"

    def placeholder_count(self) -> int:
        return len(set(PLACEHOLDER.findall(self.body)))

    def clean(self) -> None:
        numbers = sorted({int(n) for n in PLACEHOLDER.findall(self.body)})
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValidationError({"body": "Placeholders must be {{1}}…{{n}} without gaps."})
        if len(self.variables or []) != len(numbers):
            raise ValidationError(
                {"variables": f"The body has {len(numbers)} placeholders: map each to one field."}
            )
