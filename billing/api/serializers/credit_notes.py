from decimal import Decimal

from rest_framework import serializers

from billing.api.serializers.base import (
    AmountField,
    MajorAmount,
    QuantityOut,
    StrictSerializer,
    choice_field,
)
from billing.api.serializers.invoices import site_url
from billing.models import CreditNote


class CreditLineInputSerializer(StrictSerializer):
    item_id = serializers.UUIDField()
    quantity = serializers.DecimalField(
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0.001"),
        error_messages={"min_value": "must be greater than 0"},
    )


class CreditNoteInputSerializer(StrictSerializer):
    """Either ``lines`` (parts of the invoice's items) or ``amount``; ``refund_amount`` is the
    part of the post-payment credit returned to the customer (the rest stays as credit)."""

    reason = choice_field(CreditNote.Reason.choices)
    amount = AmountField(
        required=False,
        min_value=Decimal("0.001"),
        error_messages={"min_value": "must be greater than 0"},
    )
    lines = CreditLineInputSerializer(many=True, required=False, allow_empty=False)
    refund_amount = AmountField(required=False, min_value=Decimal(0))
    memo = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CreditNoteLineSerializer(serializers.Serializer):
    invoice_item_id = serializers.UUIDField(allow_null=True)
    description = serializers.CharField()
    quantity = QuantityOut(allow_null=True)
    amount = MajorAmount(currency_attr="credit_note.currency")


class CreditNoteSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    invoice_id = serializers.UUIDField()
    invoice_number = serializers.CharField(source="invoice.number")
    reason = serializers.CharField()
    memo = serializers.CharField()
    currency = serializers.CharField()
    amount = MajorAmount()
    pre_payment_amount = MajorAmount()
    post_payment_amount = MajorAmount()
    refund_amount = MajorAmount()
    credit_amount = MajorAmount()
    lines = CreditNoteLineSerializer(many=True, source="lines.all")
    created_at = serializers.DateTimeField()
    pdf_url = serializers.SerializerMethodField()

    def get_pdf_url(self, note: CreditNote) -> str:
        return site_url(f"/api/v0/invoices/{note.invoice_id}/credit-notes/{note.pk}/pdf")


class CreditNoteSendSerializer(StrictSerializer):
    """``POST …/credit-notes/{id}/send``: a credit note goes out by e-mail only."""

    channels = serializers.ListField(child=choice_field(["email"]), required=False, min_length=1)
