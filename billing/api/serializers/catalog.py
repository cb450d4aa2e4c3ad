"""Products, taxes and wallets: one serializer per resource for input and output."""

from decimal import Decimal

from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html

from billing.api.serializers.base import AmountField, StrictSerializer, Timestamp, choice_field
from billing.models import Tax
from billing.models.catalog import COMPOUND_RULE
from billing.money import is_known_currency

PRODUCT_STATUSES = ["ACTIVE", "INACTIVE"]  # Devdraft's product status: sets ``active``
IGNORED_DEVDRAFT_FIELDS = (
    "type",
    "productType",
    "unit",
    "weight",
    "quantity",
    "stockCount",
    "images",
)
# Not nullable: a form has no null (a client's ``null`` arrives as the text "null").
DEVDRAFT_NUMBER = {"max_digits": 18, "decimal_places": 6, "required": False, "write_only": True}


class EmptyIsAValue:
    """In a form body an empty value is a value, refused unless the field allows blank: DRF
    reads it as "not given", which the published schema (one for JSON and forms) cannot say."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class FormBoolean(EmptyIsAValue, serializers.BooleanField):
    """In a form body an absent checkbox means "not given", not false (DRF's default). Only
    the words of a boolean are one (JSON's, and Python's as the SDKs' form encoders write them):
    the schema says boolean, so ``0``, ``1``, ``on`` or ``yes`` are refused."""

    default_empty_html = empty
    TRUE_VALUES = {True, "true", "True"}
    FALSE_VALUES = {False, "false", "False"}


class FormDecimal(EmptyIsAValue, serializers.DecimalField):
    pass


class FormChoice(EmptyIsAValue, serializers.ChoiceField):
    pass


def form_choice(choices: list[str], **kwargs) -> FormChoice:
    field = choice_field(choices)
    return FormChoice(choices=field.choices, error_messages=field.error_messages, **kwargs)


class ProductSerializer(StrictSerializer):
    """Also Devdraft's product form: ``status`` (ACTIVE/INACTIVE) sets ``active``; its stock and
    media fields (``IGNORED_DEVDRAFT_FIELDS``) are accepted and not stored."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=60, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    price = AmountField(min_value=Decimal(0))
    currency = serializers.CharField(max_length=4)
    active = FormBoolean(required=False)
    status = form_choice(PRODUCT_STATUSES, required=False, write_only=True)
    type = serializers.CharField(max_length=60, required=False, allow_blank=True, write_only=True)
    productType = serializers.CharField(
        max_length=60, required=False, allow_blank=True, write_only=True
    )
    unit = serializers.CharField(max_length=60, required=False, allow_blank=True, write_only=True)
    weight = FormDecimal(**DEVDRAFT_NUMBER)
    quantity = FormDecimal(**DEVDRAFT_NUMBER)
    stockCount = FormDecimal(**DEVDRAFT_NUMBER)
    images = serializers.ListField(
        child=serializers.URLField(max_length=2000), required=False, max_length=10, write_only=True
    )
    date_created = Timestamp(source="created_at", read_only=True)

    def validate_currency(self, value: str) -> str:
        if not is_known_currency(value):
            raise serializers.ValidationError("must be a supported ISO currency code")
        return value

    def validate(self, attrs):
        status = attrs.pop("status", None)
        if status is not None and "active" not in attrs:
            attrs["active"] = status == "ACTIVE"
        for name in IGNORED_DEVDRAFT_FIELDS:
            attrs.pop(name, None)
        return attrs


class TaxComponentSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    type = choice_field(Tax.Type.choices)
    rate = serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=Decimal(0), coerce_to_string=False
    )
    compound = serializers.BooleanField(
        required=False, default=False, help_text=f"PERCENTAGE only: {COMPOUND_RULE}"
    )


class TaxSerializer(StrictSerializer):
    """Also Devdraft's tax body: ``percentage`` is a PERCENTAGE ``rate``."""

    # ``percentage`` is a PERCENTAGE rate: never beside ``rate``, never with another type.
    schema_rules = (
        {"not": {"required": ["percentage", "rate"]}},
        {
            "anyOf": [
                {"not": {"required": ["percentage"]}},
                {"not": {"required": ["type"]}},
                # A pattern: drf-spectacular would turn an enum into a component of its own.
                {"properties": {"type": {"type": "string", "pattern": "^PERCENTAGE$"}}},
            ]
        },
    )
    complete_schema_rules = (
        {"anyOf": [{"required": ["type", "rate"]}, {"required": ["percentage"]}]},
    )

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)
    type = choice_field(Tax.Type.choices, required=False)
    rate = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        min_value=Decimal(0),
        coerce_to_string=False,
        required=False,
    )
    percentage = serializers.DecimalField(
        max_digits=8,
        decimal_places=4,
        min_value=Decimal(0),
        max_value=Decimal(100),
        coerce_to_string=False,
        required=False,
        write_only=True,
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

    def validate(self, attrs):
        if "percentage" in attrs:
            if "rate" in attrs:
                raise serializers.ValidationError({"percentage": "cannot be given with rate"})
            if attrs.get("type", Tax.Type.PERCENTAGE) != Tax.Type.PERCENTAGE:
                raise serializers.ValidationError({"percentage": "requires type PERCENTAGE"})
            attrs["rate"], attrs["type"] = attrs.pop("percentage"), Tax.Type.PERCENTAGE
        if not self.partial:
            missing = [name for name in ("type", "rate") if name not in attrs]
            if missing:
                raise serializers.ValidationError(dict.fromkeys(missing, "should not be empty"))
        return attrs


class WalletSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    address = serializers.CharField(max_length=200)
    blockchain = serializers.CharField(max_length=40, required=False)
    type = serializers.CharField(max_length=20, required=False)
    active = serializers.BooleanField(required=False)
    date_created = Timestamp(source="created_at", read_only=True)
