from django.db import models


class ProbeRow(models.Model):
    """One row per probe request: the bare cost of validating a body and inserting."""

    name = models.CharField(max_length=200)
    email = models.EmailField()
    customer_id = models.UUIDField()
    due_date = models.DateField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
