import hashlib
import uuid

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from notifications import problems
from notifications import status as st


class Message(models.Model):
    """One attempt to tell one recipient one thing on one channel: the truth of the delivery log.

    ``status`` is assigned only by ``notifications.status.transition``. What the message is about
    is a generic reference (``subject``): notifications knows nothing of invoices.
    """

    class Channel(models.TextChoices):
        WHATSAPP = "whatsapp", "WhatsApp"
        EMAIL = "email", "E-mail"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant_id = models.UUIDField(db_index=True, help_text="The organization the message is for.")
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, editable=False
    )
    subject_id = models.CharField(max_length=64, blank=True, editable=False)
    subject = GenericForeignKey("subject_type", "subject_id")
    purpose = models.CharField(max_length=40, help_text="invoice_issued, reminder, receipt, test…")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    key = models.CharField(
        max_length=40,
        blank=True,
        default="",
        editable=False,
        help_text="Tells apart sends of one purpose about one subject (a reminder's step).",
    )
    recipient = models.CharField(max_length=320, help_text="E.164 phone or e-mail address.")
    # What the sender tells about the message, for the delivery log's columns, filters and
    # search (notifications knows no invoices): the subject in words, and whom it is for.
    subject_label = models.CharField(
        max_length=64, blank=True, default="", editable=False, help_text="An invoice's number."
    )
    recipient_ref = models.CharField(
        max_length=64, blank=True, default="", editable=False, help_text="A customer's id."
    )
    recipient_name = models.CharField(max_length=200, blank=True, default="", editable=False)
    recipient_suffix = models.CharField(
        max_length=4,
        blank=True,
        default="",
        editable=False,
        help_text="A phone's last four digits: what its masked form shows, searchable.",
    )
    payload = models.JSONField(default=dict, help_text="The rendered message as it is sent.")
    provider = models.CharField(max_length=30, blank=True)
    provider_message_id = models.CharField(max_length=128, null=True, blank=True)

    status = models.CharField(
        max_length=12, choices=st.STATUS_CHOICES, default=st.QUEUED, editable=False
    )
    rank = models.SmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField(
        default=True, help_text="False once superseded by an audited resend."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last provider call was claimed."
    )
    last_error_code = models.CharField(max_length=60, blank=True)
    last_error_message = models.TextField(blank=True)
    error_kind = models.CharField(
        max_length=20,
        blank=True,
        default="",
        editable=False,
        choices=problems.CHOICES,
        help_text="The current problem's kind; empty once the message made progress again.",
    )
    created_by = models.CharField(max_length=100, blank=True)
    fallback_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fallback",
        editable=False,
        help_text="The message on another channel this one follows up (at most one each).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A double click, a job run twice or a re-delivered task cannot send twice.
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "purpose", "channel", "key"],
                condition=models.Q(is_active=True) & ~models.Q(subject_id=""),
                name="message_one_active_per_subject",
            ),
            # 1MSG has no idempotency: while an outcome is open, nothing else goes to that phone
            # (a second claim fails on this index and waits), so an orphan ack has one owner.
            models.UniqueConstraint(
                fields=["channel", "recipient"],
                condition=models.Q(is_active=True, status__in=["sending", "unknown"])
                & models.Q(channel="whatsapp"),
                name="message_one_in_flight_per_phone",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "provider_message_id"], name="message_provider_id"),
            models.Index(fields=["status", "next_attempt_at"], name="message_status_due"),
            models.Index(fields=["subject_type", "subject_id"], name="message_subject"),
            # The delivery log of one organization, newest first, whole or by status.
            models.Index(fields=["tenant_id", "-created_at"], name="message_tenant_created"),
            models.Index(
                fields=["tenant_id", "status", "-created_at"], name="message_tenant_status"
            ),
            # Every filter and search of the delivery log: one equality, then newest first.
            *(
                models.Index(fields=["tenant_id", name, "-created_at"], name=f"message_by_{name}")
                for name in (
                    "channel",
                    "purpose",
                    "error_kind",
                    "recipient_ref",
                    "recipient_suffix",
                    "subject_id",  # the invoice filter
                )
            ),
            models.Index(
                fields=["tenant_id", "subject_label"], name="message_tenant_subject_label"
            ),
            models.Index(
                fields=["tenant_id", "-created_at"],
                condition=models.Q(status__in=problems.PROBLEM_STATUSES),
                name="message_tenant_problems",
            ),
            # A search for words of an error: the codes whose texts match (``ErrorText``).
            models.Index(
                fields=["tenant_id", "last_error_code", "-created_at"],
                condition=models.Q(status__in=problems.PROBLEM_STATUSES),
                name="message_problems_by_code",
            ),
            # A search for a provider's message id.
            models.Index(
                fields=["tenant_id", "provider_message_id"],
                condition=models.Q(provider_message_id__isnull=False),
                name="message_tenant_provider_id",
            ),
            # Asked every minute by the fallback sweep: WhatsApp messages still waiting for
            # "delivered" are one narrow status range of it (the delivered and read ones, nearly
            # all of them, sort outside that range).
            models.Index(
                fields=["subject_type", "status", "created_at"],
                condition=models.Q(channel="whatsapp", is_active=True),
                name="message_not_delivered",
            ),
        ]

    def __str__(self) -> str:
        about = f" about {self.subject_label}" if self.subject_label else ""
        return f"{self.get_channel_display()} message{about} ({self.status})"

    def save(self, *args, **kwargs):
        if self.channel == self.Channel.WHATSAPP and not self.recipient_suffix:
            self.recipient_suffix = phone_suffix(self.recipient)
        super().save(*args, **kwargs)

    @property
    def is_final(self) -> bool:
        return self.status in st.FINAL


def phone_suffix(phone: str) -> str:
    digits = "".join(c for c in str(phone or "") if c.isdigit())
    return digits[-4:] if len(digits) > 4 else ""


class MessageEvent(models.Model):
    """Every send result, webhook element, poll answer and system decision, raw data kept."""

    class Source(models.TextChoices):
        SEND = "send", "Send"
        WEBHOOK = "webhook", "Webhook"
        POLL = "poll", "Poll"
        SYSTEM = "system", "System"
        TRACKING = "tracking", "Tracking"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=12, choices=st.STATUS_CHOICES)
    source = models.CharField(max_length=10, choices=Source.choices)
    applied = models.BooleanField(help_text="Whether the event changed the message's status.")
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["message", "received_at"], name="event_message_time")]

    def __str__(self) -> str:
        return f"{self.source}: {self.status}"


class ErrorText(models.Model):
    """Each error code and text an organization's messages have had, once: the delivery log
    searches words of an error here (a few rows) and then the messages by code, instead of
    reading the text of every failed message. Written by the one door (``status.transition``)."""

    tenant_id = models.UUIDField()
    code = models.CharField(max_length=60)
    text = models.TextField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the text: unique, indexable.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "code", "digest"], name="error_text_once_per_tenant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
