import uuid

from django.conf import settings
from django.db import models

from billing.models.invoices import Invoice, InvoiceItem
from billing.models.organizations import Organization
from billing.money import format_amount


class CreditNoteSequence(models.Model):
    """The per-organization counter row behind gapless credit-note numbers (locked on use)."""

    organization = models.OneToOneField(
        Organization,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="credit_note_sequence",
    )
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization}: {self.last_value}"


class CreditNote(models.Model):
    """A correction of an issued invoice, written by ``credit_note_issue`` only.

    Like Stripe's: ``amount = pre_payment_amount + post_payment_amount``; the pre-payment part
    lowers the amount due, the post-payment part (money already received) is
    ``refund_amount`` returned plus ``credit_amount`` left to the customer."""

    class Reason(models.TextChoices):
        DUPLICATE = "DUPLICATE", "Duplicate"
        FRAUDULENT = "FRAUDULENT", "Fraudulent"
        ORDER_CHANGE = "ORDER_CHANGE", "Order change"
        PRODUCT_UNSATISFACTORY = "PRODUCT_UNSATISFACTORY", "Product unsatisfactory"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="credit_notes"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    sequence = models.PositiveBigIntegerField(editable=False)
    number = models.CharField(max_length=60, editable=False)
    reason = models.CharField(max_length=24, choices=Reason.choices)
    memo = models.CharField(max_length=500, blank=True)
    currency = models.CharField(max_length=4, editable=False)
    amount = models.BigIntegerField(editable=False)
    pre_payment_amount = models.BigIntegerField(editable=False)
    post_payment_amount = models.BigIntegerField(editable=False)
    refund_amount = models.BigIntegerField(default=0, editable=False)
    credit_amount = models.BigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sequence"], name="credit_note_unique_sequence"
            ),
            models.UniqueConstraint(
                fields=["organization", "number"], name="credit_note_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    amount=models.F("pre_payment_amount") + models.F("post_payment_amount"),
                    post_payment_amount=models.F("refund_amount") + models.F("credit_amount"),
                    amount__gt=0,
                ),
                name="credit_note_split_exact",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def money(self, minor: int) -> str:
        return format_amount(minor, self.currency)


class CreditNoteLine(models.Model):
    """What is credited: part of an invoice line, or a free amount (no item)."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_item = models.ForeignKey(
        InvoiceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="credits"
    )
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    amount = models.BigIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description
