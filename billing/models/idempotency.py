import uuid

from django.db import models

from billing.models.organizations import Organization


class IdempotencyKey(models.Model):
    """A client's idempotency key, claimed (committed) before the work runs.

    UNIQUE(organization, key) is what makes a concurrent duplicate lose: the second insert fails
    and that request answers 409 or replays, it never runs the work twice.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the canonical body.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    locked_at = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The rendered bytes as text: a replay must be byte-identical, and jsonb would reorder keys.
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="idempotency_unique_key")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
