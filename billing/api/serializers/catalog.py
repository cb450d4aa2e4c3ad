"""Products, taxes and wallets: one serializer per resource for input and output."""

from decimal import Decimal

from rest_framework import serializers

from billing.api.serializers.base import StrictSerializer, Timestamp, choice_field
from billing.models import Tax
from billing.money import is_known_currency


class ProductSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=60, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    price = serializers.DecimalField(
        max_digits=18, decimal_places=3, min_value=Decimal(0), coerce_to_string=False
    )
    currency = serializers.CharField(max_length=4)
    active = serializers.BooleanField(required=False)
    date_created = Timestamp(source="created_at", read_only=True)

    def validate_currency(self, value: str) -> str:
        if not is_known_currency(value):
            raise serializers.ValidationError("must be a supported ISO currency code")
        return value


class TaxComponentSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    type = choice_field(Tax.Type.choices)
    rate = serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=Decimal(0), coerce_to_string=False
    )
    compound = serializers.BooleanField(required=False, default=False)


class TaxSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=100)
    type = choice_field(Tax.Type.choices)
    rate = serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=Decimal(0), coerce_to_string=False
    )
    inclusive = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False)
    components = TaxComponentSerializer(
        many=True, required=False, max_length=10, source="components.all"
    )
    date_created = Timestamp(source="created_at", read_only=True)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "components" in values:  # ``source="components.all"`` nests the input; undo it
            values["components"] = values.pop("components")["all"]
        return values


class WalletSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    address = serializers.CharField(max_length=200)
    blockchain = serializers.CharField(max_length=40, required=False)
    type = serializers.CharField(max_length=20, required=False)
    active = serializers.BooleanField(required=False)
    date_created = Timestamp(source="created_at", read_only=True)
