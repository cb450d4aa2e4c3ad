from django.db import models

from billing.models.choices import Channel
from billing.models.invoices import Invoice


class InvoiceDelivery(models.Model):
    """The invoice's last delivery status on one channel, kept by billing's subscriber to
    ``notifications.hooks.message_status_changed`` (the delivery log stays the truth)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=12)
    message_id = models.UUIDField(help_text="The newest message of the invoice on the channel.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "channel"], name="invoice_delivery_one_per_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.status}"
