import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from billing.models.approvals import ApprovalRequest
from billing.models.choices import Channel
from billing.models.invoices import Invoice
from billing.models.organizations import Organization


class BulkJob(models.Model):
    """Many invoices finalized or sent as one queued job.

    ``status`` is assigned only by ``billing.bulk.services``. The rows are written when the job
    is asked for (the selection is fixed then); ``done`` and ``failed`` are counted in the
    transaction that records each row, so they always agree with the rows.
    """

    class Kind(models.TextChoices):
        FINALIZE = "finalize", "Finalize"
        SEND = "send", "Send"

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "Waiting for an approver"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="bulk_jobs"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.QUEUED, editable=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    selection = models.JSONField(
        default=dict, help_text='{"ids": [...]} or {"filter": "<the changelist query string>"}.'
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0, help_text="Rows processed, failed ones included.")
    failed = models.PositiveIntegerField(default=0)
    awaiting = models.PositiveIntegerField(
        default=0, help_text="Rows that became approval requests."
    )
    note = models.TextField(blank=True, help_text="Why it was cancelled or rejected.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "bulk job"
        indexes = [models.Index(fields=["organization", "-created_at"], name="bulkjob_org_recent")]

    def __str__(self) -> str:
        return f"{self.label} · {self.total} invoice{'s' if self.total != 1 else ''}"

    @property
    def label(self) -> str:
        if self.kind == self.Kind.SEND:
            return "Send on WhatsApp" if self.channel == Channel.WHATSAPP else "Send by e-mail"
        return "Finalize"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.CANCELLED)


class BulkRow(models.Model):
    """One invoice of a job and what happened to it; unique per job and invoice, so a row is
    recorded once whatever runs the job twice."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Not processed yet"
        DONE = "done", "Done"
        APPROVAL = "approval", "Waiting for an approver"
        FAILED = "failed", "Failed"

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="rows")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    detail = models.TextField(blank=True, help_text="The number, the message, or the error.")
    approval = models.ForeignKey(
        ApprovalRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "invoice"], name="bulkrow_once_per_job"),
        ]
        indexes = [
            models.Index(
                fields=["job", "id"], condition=Q(outcome="pending"), name="bulkrow_pending"
            ),
            models.Index(
                fields=["job", "id"], condition=Q(outcome="failed"), name="bulkrow_failed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.get_outcome_display()}"
