import re

from django.conf import settings
from django.db import models

from notifications.models.messages import Message

VERSION_RE = re.compile(r"^v([1-9][0-9]{0,3})$")


class MessageTemplate(models.Model):
    """A kind of message (``invoice``) that integrators and billing send by key."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    category = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=Message.Channel.choices)
    shipped = models.BooleanField(
        default=False, help_text="Defined in code and kept in step by the registry loader."
    )

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class TemplateVersion(models.Model):
    """One version of a template: its field schema, defaults, example and the files it renders.

    A stable version is never edited in place: a change is a new version, so a message sent with
    ``v1`` can always be explained by ``v1``'s schema.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        STABLE = "stable", "Stable"
        DEPRECATED = "deprecated", "Deprecated"

    template = models.ForeignKey(MessageTemplate, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=8, help_text="v1, v2…")
    number = models.PositiveSmallIntegerField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    fields = models.JSONField(
        default=list, help_text="Ordered field specs: name, type, required, label, max_length…"
    )
    defaults = models.JSONField(default=dict, blank=True)
    example = models.JSONField(default=dict, blank=True)
    body_template = models.CharField(
        max_length=200, help_text="Django template path without extension (.html / .txt)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="template_version_unique"),
            models.UniqueConstraint(fields=["template", "number"], name="template_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template.key} {self.version}"

    def save(self, *args, **kwargs):
        match = VERSION_RE.match(self.version)
        if match is None:
            raise ValueError(f"version must look like v1, v2…, not {self.version!r}")
        self.number = int(match.group(1))
        super().save(*args, **kwargs)


class DefaultEmailTemplate(models.Model):
    """An organization's default invoice e-mail (SendInvoice): edited in the admin only.

    ``subject`` and ``body`` may hold the SendInvoice tokens (``{:Invoice.Number:}``…); the API
    reads this row when a call gives neither subject nor body, and never writes it.
    """

    tenant_id = models.UUIDField(unique=True, help_text="The organization it belongs to.")
    sender_name = models.CharField(max_length=120, blank=True)
    sender_email = models.EmailField(
        blank=True, help_text="Reply-To and ccMe address; empty: DEFAULT_FROM_EMAIL."
    )
    subject = models.CharField(max_length=180)
    body = models.TextField(max_length=1000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "default e-mail template"

    def __str__(self) -> str:
        return self.subject

    @property
    def reply_to(self) -> str:
        return self.sender_email or settings.DEFAULT_FROM_EMAIL
