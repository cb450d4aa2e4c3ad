"""Shared serializer pieces: strict input, money and quantity output, envelopes, paging."""

from datetime import UTC
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.money import to_major

MAX_SKIP = 1_000_000_000


class StrictSerializer(serializers.Serializer):
    """Input serializer that refuses fields it does not know (a typo must not pass silently)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = [key for key in data if key not in self.fields]
            if unknown:
                raise serializers.ValidationError(
                    {"non_field_errors": [f"property {key} should not exist" for key in unknown]}
                )
        return super().to_internal_value(data)


INVALID_ID = "must be a valid UUID"


class StrictUUIDField(serializers.UUIDField):
    """A UUID written as a JSON string. DRF's own field also takes an integer
    (``UUID(int=12345)``), which turned ``"customer_id": 12345`` into a lookup and a 404."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdStringField(serializers.CharField):
    """An id the contract looks up as any string (``prod_invalid`` answers 404 "not found");
    a number, object, list or boolean is not an id at all. DRF's CharField would turn
    ``12345`` into ``"12345"``."""

    default_error_messages = {"invalid": INVALID_ID}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def uuid_field(**kwargs) -> StrictUUIDField:
    return StrictUUIDField(error_messages={"invalid": INVALID_ID}, **kwargs)


def choice_field(choices, **kwargs) -> serializers.ChoiceField:
    values = [value for value, _ in choices] if isinstance(choices[0], tuple) else list(choices)
    message = f"must be one of the following values: {', '.join(values)}"
    return serializers.ChoiceField(
        choices=values, error_messages={"invalid_choice": message}, **kwargs
    )


def date_field(**kwargs) -> serializers.DateField:
    return serializers.DateField(
        input_formats=["%Y-%m-%d"],
        error_messages={
            "invalid": "must be a valid date in YYYY-MM-DD format",
            "datetime": "must be a valid date in YYYY-MM-DD format",
        },
        **kwargs,
    )


class Timestamp(serializers.DateTimeField):
    """A timestamp as the contract writes it: UTC, milliseconds, ``Z``
    (``2026-01-01T10:30:00.000Z``). Input is read as DRF reads any ISO 8601 value."""

    def to_representation(self, value):
        if not value or isinstance(value, str):
            return value or None
        utc = self.enforce_timezone(value).astimezone(UTC)
        return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@extend_schema_field({"type": "number", "example": 2500.0})
class MajorAmount(serializers.Field):
    """Minor units on the model, a decimal number of major units in JSON (``2500.00``)."""

    def __init__(self, currency_attr: str = "currency", **kwargs):
        self.currency_attr = currency_attr
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        currency = instance
        for name in self.currency_attr.split("."):
            currency = getattr(currency, name)
        return super().get_attribute(instance), currency

    def to_representation(self, value) -> Decimal:
        minor, currency = value
        return to_major(minor, currency)


@extend_schema_field({"type": "number", "example": 1})
class QuantityOut(serializers.Field):
    """``1`` rather than ``1.000`` for whole quantities."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Decimal) -> int | Decimal:
        return int(value) if value == value.to_integral_value() else value.normalize()


class PageQuerySerializer(StrictSerializer):
    skip = serializers.IntegerField(min_value=0, max_value=MAX_SKIP, default=0)
    take = serializers.IntegerField(min_value=1, max_value=100, default=10)


@extend_schema_field(
    {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
)
class MessageField(serializers.Field):
    def to_representation(self, value):
        return value


class ErrorSerializer(serializers.Serializer):
    statusCode = serializers.IntegerField()
    message = MessageField(help_text="A sentence, or one sentence per validation problem.")
    error = serializers.CharField()


class RateLimitErrorSerializer(ErrorSerializer):
    retryAfter = serializers.IntegerField()


def paged(queryset, query: dict, serializer_class, context: dict | None = None) -> dict:
    """The contract's list answer: ``{"data": [...], "total": n}``."""
    total = queryset.count()
    page = queryset[query["skip"] : query["skip"] + query["take"]]
    return {"data": serializer_class(page, many=True, context=context or {}).data, "total": total}
