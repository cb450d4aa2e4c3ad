import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from billing.models.invoices import Invoice
from billing.models.organizations import Organization

DEFAULT_STEPS = (-3, 0, 3, 7, 14)
WHOLE_DAY = 24 * 60


def default_steps() -> list[int]:
    return list(DEFAULT_STEPS)


def default_channels() -> str:
    return "preferred"


def default_business_days() -> list[int]:
    return [1, 2, 3, 4, 5]


class ReminderPolicy(models.Model):
    """When and how an organization's unpaid invoices are chased (one row per organization;
    an organization without a row has the defaults)."""

    organization = models.OneToOneField(
        Organization, primary_key=True, on_delete=models.CASCADE, related_name="reminder_policy"
    )
    enabled = models.BooleanField(default=True)
    steps = models.JSONField(default=default_steps, help_text="Day offsets from the due date.")
    channels = models.JSONField(
        default=default_channels,
        help_text='"preferred" (the customer\'s order) or a list such as ["whatsapp", "email"].',
    )
    window_start = models.PositiveSmallIntegerField(
        default=9 * 60, validators=[MaxValueValidator(WHOLE_DAY - 1)], help_text="Minutes."
    )
    window_end = models.PositiveSmallIntegerField(
        default=18 * 60,
        validators=[MinValueValidator(1), MaxValueValidator(WHOLE_DAY)],
        help_text="Minutes; 1440 is the end of the day.",
    )
    business_days = models.JSONField(default=default_business_days)
    holidays = models.JSONField(default=list, blank=True)
    min_gap_hours = models.PositiveSmallIntegerField(default=48)
    fallback_after_hours = models.PositiveSmallIntegerField(default=24)
    pause_on_reply_days = models.PositiveSmallIntegerField(default=7)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "reminder policies"

    def __str__(self) -> str:
        return f"Reminder policy of {self.organization}"


class Reminder(models.Model):
    """One planned step of an invoice's reminder schedule.

    ``status`` is assigned only by ``billing.collections.states.reminder_transition``.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        CANCELLED = "cancelled", "Cancelled"
        PAUSED = "paused", "Paused"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    step = models.PositiveSmallIntegerField(help_text="1-based position in the policy's steps.")
    offset_days = models.SmallIntegerField()
    planned_at = models.DateTimeField()
    channel = models.CharField(max_length=10)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PLANNED, editable=False
    )
    reason = models.CharField(max_length=300, blank=True)
    paused_until = models.DateField(null=True, blank=True)
    message_ids = models.JSONField(default=list, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["invoice", "step"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "step"], name="reminder_unique_step"),
        ]
        indexes = [
            # The job's every-minute question reads only the planned rows, through this index.
            models.Index(
                fields=["planned_at"],
                condition=models.Q(status="planned"),
                name="reminder_due",
            ),
            models.Index(
                fields=["lease_until"],
                condition=models.Q(status="sending"),
                name="reminder_sending_lease",
            ),
            # Pauses that ended, asked every minute too: only the paused rows are read.
            models.Index(
                fields=["paused_until"],
                condition=models.Q(status="paused"),
                name="reminder_pause_ends",
            ),
            models.Index(fields=["planned_at", "status"], name="reminder_outbox"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} step {self.step} ({self.status})"


class ReminderEvent(models.Model):
    """The reminder's part of the invoice timeline: every change with its reason."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="events")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminder_events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    reason = models.CharField(max_length=300, blank=True)
    actor_label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}: {self.reason}"


class FollowUp(models.Model):
    """A "Needs attention" item a clerk has dealt with, when nothing else records it: a "Paid
    already" reply checked (``ref`` = the reply's id) or a failed fallback handled (``ref`` = the
    message's id). Disputes and promises to pay are cleared on the invoice itself."""

    class Kind(models.TextChoices):
        PAYMENT_CHECK = "payment_check", '"Paid already" checked'
        FAILED_FALLBACK = "failed_fallback", "Failed fallback handled"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    ref = models.CharField(max_length=64)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="follow_ups")
    note = models.CharField(max_length=300, blank=True)
    actor_label = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref"], name="follow_up_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.ref})"
