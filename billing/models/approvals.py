from django.conf import settings
from django.db import models
from django.db.models import F, Q

from billing.models.invoices import Invoice
from billing.models.organizations import Organization


class ApprovalRequest(models.Model):
    """Maker-checker: an action a clerk asked for, waiting for another person's decision.

    ``status`` is assigned only by ``billing.approvals.services``. ``rendered`` keeps the
    messages exactly as they would have gone out when it was asked.
    """

    class Action(models.TextChoices):
        FINALIZE = "finalize", "Finalize"
        SEND_WHATSAPP = "send_whatsapp", "Send on WhatsApp"
        SEND_EMAIL = "send_email", "E-mail"
        BULK_SEND = "bulk_send", "Bulk send"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="approval_requests"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="approvals", null=True, blank=True
    )
    bulk_job = models.OneToOneField(
        "billing.BulkJob",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="approval",
        help_text="A bulk send waiting for an approver (instead of one invoice).",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, editable=False
    )
    amount = models.BigIntegerField(help_text="The invoice total when asked (minor units).")
    currency = models.CharField(max_length=4)
    rendered = models.JSONField(default=dict, help_text="The messages as they would go out.")
    send_request = models.JSONField(
        default=dict, blank=True, help_text="An e-mail's own sender, recipients, subject and body."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was rejected.")

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="approval_checker_is_not_maker",
            ),
            models.CheckConstraint(
                condition=Q(invoice__isnull=False) | Q(bulk_job__isnull=False),
                name="approval_is_about_something",
            ),
            models.UniqueConstraint(
                fields=["invoice", "action"],
                condition=Q(status="pending"),
                name="approval_one_pending_per_action",
            ),
        ]

    def __str__(self) -> str:
        if self.bulk_job_id is not None:  # its label says what it does: "Send by e-mail · 60 …"
            return f"{self.bulk_job} ({self.get_status_display()})"
        return f"{self.get_action_display()} {self.invoice} ({self.get_status_display()})"


class ApprovalEvent(models.Model):
    """The audit trail of an approval request: every move, who made it and why."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor_label = models.CharField(max_length=150)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status} by {self.actor_label}"
