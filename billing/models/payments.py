from django.conf import settings
from django.db import models

from billing.models.invoices import Payment


class PaymentReversal(models.Model):
    """A payment recorded by mistake, taken back. The payment row stays; at most one reversal
    per payment (the one-to-one key), written by the payment service only."""

    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="reversal", editable=False
    )
    reason = models.CharField(max_length=300)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Reversal of {self.payment}"
