"""Invoice bodies in the Devdraft contract's own field names."""

import functools
from decimal import Decimal

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.formats import ApiJSONEncoder
from billing.api.serializers.base import (
    AmountField,
    IdStringField,
    MajorAmount,
    PageQuerySerializer,
    QuantityOut,
    QuerySerializer,
    StrictSerializer,
    Timestamp,
    choice_field,
    date_field,
    uuid_field,
)
from billing.models import Invoice
from billing.models.choices import PaymentMethod
from billing.money import is_known_currency
from billing.services.draft_rules import MAX_ITEMS

# The Devdraft SDKs send dates as timestamps at midnight: those mean that date, any other time
# of day is refused (the literal 00:00:00 in these formats makes strptime check it).
MIDNIGHT_TIMESTAMPS = tuple(
    f"%Y-%m-%dT00:00:00{suffix}" for suffix in ("", "Z", ".000", ".000Z", "+00:00")
)
# Payment method names the SDKs allow that mean one of ours.
PAYMENT_METHOD_ALIASES = {"ACH": PaymentMethod.BANK_TRANSFER.value}
MAX_BULK = 1000
PAYMENT_METHODS = PaymentMethod.values
CREATE_STATUSES = [Invoice.Status.DRAFT.value, Invoice.Status.OPEN.value]
LIST_STATUSES = [*Invoice.Status.values, Invoice.PASTDUE, Invoice.PARTIALLYPAID]


class PaymentMethodField(serializers.ChoiceField):
    def to_internal_value(self, data):
        # Only a string can be an alias: a list or an object is not even a dict key.
        alias = PAYMENT_METHOD_ALIASES.get(data) if isinstance(data, str) else None
        return super().to_internal_value(alias or data)


def payment_method_field() -> PaymentMethodField:
    field = choice_field(PaymentMethod.choices)
    return PaymentMethodField(choices=field.choices, error_messages=field.error_messages)


class InvoiceItemInputSerializer(StrictSerializer):
    product_id = IdStringField(max_length=100)
    quantity = serializers.DecimalField(
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0.001"),
        error_messages={"min_value": "must be greater than 0"},
    )


class InvoiceCreateSerializer(StrictSerializer):
    """The create body, fields in the contract's order (validation messages follow it).

    Field names are the contract's own, camelCase included (``walletId``, ``taxId``). Accepted
    variants (the SDKs' dialect): no ``walletId`` (the organization's default wallet), the
    currency in any case, dates as midnight timestamps, ``ACH`` for BANK_TRANSFER.
    """

    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(error_messages={"invalid": "must be an email"})
    customer_id = uuid_field()
    walletId = uuid_field(required=False)
    items = InvoiceItemInputSerializer(many=True, allow_empty=False, max_length=MAX_ITEMS)
    due_date = date_field(also=MIDNIGHT_TIMESTAMPS)
    delivery = choice_field(Invoice.Delivery.choices)
    payment_link = serializers.BooleanField()
    payment_methods = serializers.ListField(
        child=payment_method_field(), allow_empty=False, max_length=10
    )
    status = choice_field(CREATE_STATUSES)
    partial_payment = serializers.BooleanField()
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    phone_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    send_date = date_field(also=MIDNIGHT_TIMESTAMPS, required=False, allow_null=True)
    logo = serializers.URLField(max_length=500, required=False, allow_blank=True)
    taxId = uuid_field(required=False, allow_null=True)
    currency = serializers.CharField(max_length=4, required=False, allow_blank=True)

    def validate_payment_methods(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate_currency(self, value: str) -> str:
        value = value.upper()
        if value and not is_known_currency(value):
            raise serializers.ValidationError("must be a supported ISO currency code")
        return value


class InvoiceTemplateSerializer(InvoiceCreateSerializer):
    """A create body without its dates (the recurring schedules' template)."""

    due_date = None
    send_date = None


class InvoiceListQuerySerializer(PageQuerySerializer):
    status = choice_field(LIST_STATUSES, required=False)
    customer = uuid_field(required=False)
    from_date = date_field(required=False)
    to_date = date_field(required=False)


class InvoiceExportQuerySerializer(QuerySerializer):
    format = choice_field(["csv", "xlsx"], default="csv")
    table = choice_field(["invoices", "lines"], default="invoices")
    status = choice_field(LIST_STATUSES, required=False)
    customer = uuid_field(required=False)
    from_date = date_field(required=False)
    to_date = date_field(required=False)


class PaymentInputSerializer(StrictSerializer):
    amount = AmountField(
        min_value=Decimal("0.001"), error_messages={"min_value": "must be greater than 0"}
    )
    method = choice_field(PaymentMethod.choices)
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    paid_at = Timestamp(required=False)


@extend_schema_field(InvoiceCreateSerializer(many=True))
class BulkInvoicesField(serializers.ListField):
    """Each element is validated on its own, so one bad invoice never blocks the rest."""


class BulkInvoiceInputSerializer(StrictSerializer):
    invoices = BulkInvoicesField(
        child=serializers.JSONField(encoder=ApiJSONEncoder), allow_empty=False, max_length=MAX_BULK
    )


# --- Responses --------------------------------------------------------------------------------


class AppSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()


class WalletRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    address = serializers.CharField()
    blockchain = serializers.CharField()
    type = serializers.CharField()


class TaxRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    rate = serializers.DecimalField(max_digits=12, decimal_places=4, coerce_to_string=False)
    type = serializers.CharField()


class ItemProductSerializer(serializers.Serializer):
    """The product as billed on this invoice (name and price are frozen once it is OPEN)."""

    id = serializers.UUIDField(source="product_id")
    name = serializers.CharField()
    price = MajorAmount(source="unit_price", currency_attr="invoice.currency")
    currency = serializers.CharField(source="invoice.currency")


class InvoiceItemSerializer(serializers.Serializer):
    invoice_id = serializers.UUIDField()
    productId = serializers.UUIDField(source="product_id")
    quantity = QuantityOut()
    amount = MajorAmount(currency_attr="invoice.currency")
    product = ItemProductSerializer(source="*")


class TransactionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    amount = MajorAmount(currency_attr="invoice.currency")
    method = serializers.CharField()
    reference = serializers.CharField()
    paid_at = Timestamp()
    # A payment recorded by mistake stays listed, marked reversed (it no longer counts as paid).
    reversed_at = Timestamp(source="reversal.created_at", allow_null=True)
    reversal_reason = serializers.CharField(source="reversal.reason", allow_null=True)


class PaymentMetadataSerializer(serializers.Serializer):
    method = serializers.CharField()
    reference = serializers.CharField()
    paid_at = Timestamp()


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


class InvoiceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    invoice_number = serializers.CharField(source="number", allow_null=True)
    name = serializers.CharField()
    app_id = serializers.UUIDField(source="organization_id")
    email = serializers.CharField()
    address = serializers.CharField()
    phone_number = serializers.CharField()
    logo = serializers.CharField()
    customer_id = serializers.UUIDField()
    walletId = serializers.UUIDField(source="wallet_id", allow_null=True)
    due_date = serializers.DateField()
    send_date = serializers.DateField(allow_null=True)
    date_created = Timestamp(source="created_at")
    status = choice_field(LIST_STATUSES, source="display_status")
    payment_methods = serializers.ListField(child=choice_field(PaymentMethod.choices))
    delivery = choice_field(Invoice.Delivery.choices)
    payment_link = serializers.BooleanField()
    partial_payment = serializers.BooleanField()
    reminder_sent = serializers.BooleanField()
    paidAt = Timestamp(source="paid_at", allow_null=True)
    paymentMetadata = serializers.SerializerMethodField()
    paymentStatus = serializers.SerializerMethodField()
    taxId = serializers.UUIDField(source="tax_id", allow_null=True)
    currency = serializers.CharField()
    app = AppSerializer(source="organization")
    customer = CustomerRefSerializer()
    wallet = WalletRefSerializer(allow_null=True)
    tax = TaxRefSerializer(allow_null=True)
    items = InvoiceItemSerializer(many=True, source="items.all")
    transactions = TransactionSerializer(many=True, source="payments.all")
    subtotal = MajorAmount()
    tax_amount = MajorAmount()
    total = MajorAmount()
    amount_paid = MajorAmount()
    amount_due = MajorAmount()
    payment_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    messages_url = serializers.SerializerMethodField()
    disputed_at = Timestamp(allow_null=True)
    promise_to_pay_until = serializers.DateField(allow_null=True)
    reminders_paused_until = serializers.SerializerMethodField()

    @extend_schema_field(
        {"type": "string", "nullable": True, "example": "indefinitely",
         "description": 'A date, "indefinitely", or null when reminders are not paused'}
    )  # fmt: skip
    def get_reminders_paused_until(self, invoice: Invoice) -> str | None:
        if not invoice.reminders_paused:
            return None
        until = invoice.reminders_paused_until
        return until.isoformat() if until else "indefinitely"

    @extend_schema_field(PaymentMetadataSerializer(allow_null=True))
    def get_paymentMetadata(self, invoice: Invoice) -> dict | None:
        """The latest payment, or null before any money arrived."""
        payments = list(invoice.payments.all())
        return PaymentMetadataSerializer(payments[-1]).data if payments else None

    @extend_schema_field(
        {"type": "string", "enum": ["PAID", "PARTIAL"], "nullable": True, "example": None}
    )
    def get_paymentStatus(self, invoice: Invoice) -> str | None:
        if invoice.status == Invoice.Status.PAID:
            return "PAID"
        return "PARTIAL" if invoice.amount_paid > 0 else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_payment_url(self, invoice: Invoice) -> str | None:
        """Only for invoices that asked for a payment link and can be paid."""
        if not invoice.payment_link or invoice.status == Invoice.Status.DRAFT:
            return None
        return site_url(f"/pay/{invoice.payment_token}/")

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_pdf_url(self, invoice: Invoice) -> str:
        return site_url(f"/api/v0/invoices/{invoice.pk}/pdf")

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_messages_url(self, invoice: Invoice) -> str:
        return site_url(f"/api/v0/invoices/{invoice.pk}/messages")


@functools.cache
def _shared_invoice_serializer() -> InvoiceSerializer:
    return InvoiceSerializer()


def invoice_data(invoice: Invoice) -> dict:
    """One invoice's body.

    The serializer's fields are deep-copied and bound once per process instead of once per
    call, as a ``many=True`` list does for its rows; ``to_representation`` keeps no state
    between calls.
    """
    return _shared_invoice_serializer().to_representation(invoice)


class InvoiceListSerializer(serializers.Serializer):
    data = InvoiceSerializer(many=True)
    total = serializers.IntegerField()


class PreviewItemSerializer(serializers.Serializer):
    product = serializers.CharField()
    quantity = QuantityOut()
    unitPrice = MajorAmount()
    lineTotal = MajorAmount()


class PreviewBodySerializer(serializers.Serializer):
    subtotal = MajorAmount()
    taxAmount = MajorAmount()
    total = MajorAmount()
    currency = serializers.CharField()
    items = PreviewItemSerializer(many=True)
    dueDate = serializers.DateField(allow_null=True)
    paymentMethods = serializers.ListField(child=serializers.CharField())


class ValidationResultSerializer(serializers.Serializer):
    isValid = serializers.BooleanField()
    errors = serializers.ListField(child=serializers.CharField())


class PreviewSerializer(serializers.Serializer):
    preview = PreviewBodySerializer(allow_null=True)
    validation = ValidationResultSerializer()


class BulkSuccessSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    invoice = InvoiceSerializer()


class BulkFailureSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    statusCode = serializers.IntegerField()
    message = serializers.JSONField()
    error = serializers.CharField()


class BulkSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    successful = serializers.IntegerField()
    failed = serializers.IntegerField()


class BulkResultSerializer(serializers.Serializer):
    successful = BulkSuccessSerializer(many=True)
    failed = BulkFailureSerializer(many=True)
    summary = BulkSummarySerializer()


class EmptySerializer(StrictSerializer):
    """Lifecycle moves take no body; anything sent is an unknown field."""
