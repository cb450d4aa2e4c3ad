import calendar
import uuid
from datetime import date, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from billing.models.invoices import Invoice
from billing.models.organizations import Organization

MONTHS = {"MONTHLY": 1, "QUARTERLY": 3, "ANNUALLY": 12}


def add_months(start: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


class RecurringInvoice(models.Model):
    """A schedule of ``count`` invoices built from ``template`` (an API create body, no dates)."""

    class Frequency(models.TextChoices):
        MONTHLY = "MONTHLY", "Monthly"
        QUARTERLY = "QUARTERLY", "Quarterly"
        ANNUALLY = "ANNUALLY", "Annually"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="recurring_invoices"
    )
    template = models.JSONField()
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    count = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(120)])
    start_date = models.DateField(help_text="Due date of the first invoice.")
    send_days_before_due = models.PositiveSmallIntegerField(default=7)
    active = models.BooleanField(default=True)
    last_error = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.template.get('name', 'Recurring invoice')} ({self.frequency})"

    def due_date(self, index: int) -> date:
        """Always counted from ``start_date`` so month-end clamping never drifts."""
        return add_months(self.start_date, index * MONTHS[self.frequency])

    def send_date(self, index: int) -> date:
        return self.due_date(index) - timedelta(days=self.send_days_before_due)


class RecurringOccurrence(models.Model):
    """One created invoice of a schedule. UNIQUE(schedule, index) makes each exactly once."""

    schedule = models.ForeignKey(
        RecurringInvoice, on_delete=models.CASCADE, related_name="occurrences"
    )
    index = models.PositiveIntegerField()
    due_date = models.DateField()
    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="recurring_occurrence"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "index"], name="recurring_unique_index")
        ]

    def __str__(self) -> str:
        return f"{self.schedule} #{self.index + 1}"
