"""Shared serializer pieces: strict input, money and quantity output, envelopes, paging."""

from datetime import UTC
from decimal import Decimal

from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.money import MAX_AMOUNT_MINOR, to_major

MAX_SKIP = 1_000_000_000


class StrictSerializer(serializers.Serializer):
    """Input serializer that refuses fields it does not know (a typo must not pass silently)."""

    # Values of the wrong JSON type are refused too: DRF alone takes "true" for a boolean, 5
    # for a string and "5" for an integer, which the published schema does not allow.
    checks_json_types = True

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = [key for key in data if key not in self.fields]
            if unknown:
                raise serializers.ValidationError(
                    {"non_field_errors": [f"property {key} should not exist" for key in unknown]}
                )
            # A form body (a QueryDict) has only strings: its fields parse them.
            is_json = not isinstance(data, QueryDict)
            checks = self.checks_json_types and is_json
            wrong = _wrong_json_types(self.fields, data) if checks else {}
            if wrong:
                raise serializers.ValidationError(self._with_other_errors(wrong, data))
        return super().to_internal_value(data)

    def _with_other_errors(self, wrong: dict, data: dict) -> dict:
        """Every problem at once, in field order: the type errors and the rest's."""
        try:
            super().to_internal_value({k: v for k, v in data.items() if k not in wrong})
        except serializers.ValidationError as exc:
            others = exc.detail if isinstance(exc.detail, dict) else {}
        else:
            others = {}
        return {
            name: wrong.get(name) or others[name]
            for name in [*self.fields, "non_field_errors"]
            if name in wrong or name in others
        }


def _json_type_error(field, value) -> str | None:
    if getattr(field, "checks_own_json_type", False):
        return None
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "must be a boolean value"
    if isinstance(field, serializers.IntegerField):
        is_int = isinstance(value, int) and not isinstance(value, bool)
        return None if is_int else "must be an integer number"
    if isinstance(field, serializers.CharField):
        return None if isinstance(value, str) else "must be a string"
    return None


def _wrong_json_types(fields, data: dict) -> dict[str, list[str]]:
    wrong = {}
    for key, value in data.items():
        field = fields[key]
        if field.read_only or value is None:  # null: the field's own allow_null decides
            continue
        problem = _json_type_error(field, value)
        if problem:
            wrong[key] = [problem]
    return wrong


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
    checks_own_json_type = True

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


def date_field(*, also: tuple[str, ...] = (), **kwargs) -> serializers.DateField:
    """``YYYY-MM-DD``; ``also`` adds accepted formats (each must still mean one whole date)."""
    return serializers.DateField(
        input_formats=["%Y-%m-%d", *also],
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


AMOUNT_SCHEMA = {
    "type": "number",
    "example": Decimal("2500.00"),
    "description": "Major units with exactly the currency's decimals (JPY 0, USD 2, KWD 3); "
    f"at most {MAX_AMOUNT_MINOR:,} minor units.",
}


@extend_schema_field(AMOUNT_SCHEMA)
class AmountField(serializers.DecimalField):
    """An amount given in major units, read exactly (JSON numbers arrive as ``Decimal``); the
    service checks it against its currency and the maximum (``billing.money.to_minor``)."""

    def __init__(self, **kwargs):
        super().__init__(None, None, coerce_to_string=False, **kwargs)


@extend_schema_field(AMOUNT_SCHEMA)
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
        return quantity_json(value)


def quantity_json(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value.normalize()


class QuerySerializer(StrictSerializer):
    checks_json_types = False  # query values are always strings

    def to_internal_value(self, data):
        # DRF reads ``?to_date=`` from a QueryDict as "not sent"; the schema says a date, so an
        # empty value is refused like any other invalid one (a plain dict keeps the "").
        if hasattr(data, "dict"):
            data = data.dict()
        return super().to_internal_value(data)


class PageQuerySerializer(QuerySerializer):
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
