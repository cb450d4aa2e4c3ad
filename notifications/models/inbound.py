"""Provider webhooks as received (raw, stored before we answer) and status news nobody owns yet."""

from django.db import models

from notifications import status as st


class InboundWebhook(models.Model):
    """One provider POST, stored raw and committed before the 200 answer."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        INVALID = "invalid", "Invalid body"

    provider = models.CharField(max_length=30)
    channel_key = models.CharField(
        max_length=64, blank=True, help_text="Organization id, or empty for the default channel."
    )
    body = models.BinaryField()
    headers = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    result = models.JSONField(default=dict, blank=True, help_text="Counts and quarantined errors.")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["state", "received_at"], name="inbound_state_time")]

    def __str__(self) -> str:
        return f"{self.provider} webhook {self.pk} ({self.state})"


class OrphanEvent(models.Model):
    """Status news for a provider id we do not know (yet); adopted when its message turns up."""

    provider = models.CharField(max_length=30)
    provider_message_id = models.CharField(max_length=128, db_index=True)
    status = models.CharField(max_length=12, choices=st.STATUS_CHOICES)
    recipient = models.CharField(max_length=32, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    webhook = models.ForeignKey(InboundWebhook, null=True, blank=True, on_delete=models.SET_NULL)
    received_at = models.DateTimeField(auto_now_add=True)
    adopted_by = models.ForeignKey(
        "notifications.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adopted_orphans",
    )
    adopted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"orphan {self.status} for {self.provider_message_id}"


class InboundReply(models.Model):
    """A customer's reply (typed text or a quick-reply tap), once per provider reply id, with
    the message of ours it answers when it could be matched."""

    provider = models.CharField(max_length=30)
    reply_id = models.CharField(max_length=128)
    tenant_id = models.UUIDField(null=True, blank=True)
    sender = models.CharField(max_length=32)
    is_button = models.BooleanField(default=False)
    action = models.CharField(max_length=20, blank=True)
    text = models.TextField(blank=True)
    message = models.ForeignKey(
        "notifications.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
    )
    matched_by = models.CharField(max_length=10, blank=True, help_text="payload, quoted, phone")
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "reply_id"], name="inbound_reply_once")
        ]

    def __str__(self) -> str:
        return f"reply {self.reply_id} ({self.action or 'text'})"
