"""Stored figures behind the overview: small rows kept equal to the invoices and payments.

The services update them in the same transaction as the change they count
(``billing.reports.figures``), so the overview reads a few hundred rows per organization
whatever its number of invoices. ``manage.py rebuild_figures`` recomputes them from scratch.
"""

from django.db import models

from billing.models.organizations import Organization


class OpenBalance(models.Model):
    """What OPEN invoices of one due date still ask for: the sum of their amounts due and
    their number, disputed ones apart (they count as outstanding, never as overdue)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="open_balances"
    )
    currency = models.CharField(max_length=4)
    due_date = models.DateField()
    disputed = models.BooleanField()
    amount = models.BigIntegerField(db_default=0)
    count = models.BigIntegerField(db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "currency", "due_date", "disputed"],
                name="open_balance_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.currency} due {self.due_date}: {self.amount} ({self.count})"


class DayTotals(models.Model):
    """One calendar day of an organization (in its time zone) in one currency: totals of the
    invoices that became OPEN that day, and money collected that day (payments dated that day
    and not reversed, less refunds made that day)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="day_totals"
    )
    currency = models.CharField(max_length=4)
    day = models.DateField()
    issued = models.BigIntegerField(db_default=0)
    issued_count = models.BigIntegerField(db_default=0)
    collected = models.BigIntegerField(db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "currency", "day"], name="day_totals_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.day}: issued {self.issued}, collected {self.collected}"


class FunnelDay(models.Model):
    """The delivery funnel of the invoices issued on one calendar day of an organization (in
    its time zone) and sent on one channel: how many there are, how far their delivery got,
    how many had their pay page opened and how many are PAID (``billing.reports.funnel_days``)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="funnel_days"
    )
    day = models.DateField()
    channel = models.CharField(max_length=10)
    issued = models.BigIntegerField(db_default=0)
    accepted = models.BigIntegerField(db_default=0)
    delivered = models.BigIntegerField(db_default=0)
    read = models.BigIntegerField(db_default=0)
    opened = models.BigIntegerField(db_default=0)
    paid = models.BigIntegerField(db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "channel"], name="funnel_day_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.day}: {self.issued} issued, {self.paid} paid"
