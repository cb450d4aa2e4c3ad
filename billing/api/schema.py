"""The OpenAPI schema says what the server enforces, no less.

drf-spectacular describes each field's type and length; these are the rules the API enforces
beyond them: a required string is refused when it is empty *after trimming* (so it needs a
non-space character), a list declared non-empty is refused when empty, a body refuses unknown
properties, a decimal is a number or a numeric string with at most its decimal places, a
currency is one the product knows, and a price has at most its currency's minor digits.
Rules between fields (``name`` or its parts, ``percentage`` or ``rate``) are a serializer's own
``schema_rules`` (every body) and ``complete_schema_rules`` (not in a partial update).
"""

from decimal import Decimal

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance, is_patched_serializer
from rest_framework import serializers

from billing.api.serializers.base import StrictSerializer
from billing.money import KNOWN_CURRENCIES, exponent


def _not_only_spaces() -> str:
    """A character ``str.strip`` keeps: DRF trims before it checks for blank, and its idea of
    whitespace (U+001C to U+001F included) is wider than some regex engines' one."""
    spaces = [code for code in range(0x110000) if chr(code).isspace()]
    ranges, start = [], spaces[0]
    for previous, code in zip(spaces, [*spaces[1:], None], strict=True):
        if code != previous + 1:
            ranges.append(
                f"\\u{start:04x}" if start == previous else f"\\u{start:04x}-\\u{previous:04x}"
            )
            start = code
    return f"[^{''.join(ranges)}]"


NOT_ONLY_SPACES = _not_only_spaces()
CURRENCIES = sorted(KNOWN_CURRENCIES)


class ApiSchema(AutoSchema):
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction != "request":
            return schema
        if isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False
        properties = schema.get("properties", {})
        for name, prop in properties.items():
            field = serializer.fields.get(name)
            if field is not None and not field.read_only:
                properties[name] = _constrain(field, prop)
        if _is_priced(properties):
            schema["anyOf"] = _price_per_currency(required="currency" in schema.get("required", []))
        rules = [*getattr(serializer, "schema_rules", ())]
        if not is_patched_serializer(serializer, direction):
            rules += getattr(serializer, "complete_schema_rules", ())
        if rules:
            schema["allOf"] = [*schema.get("allOf", []), *rules]
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        """A body whose rules need some field is required, even with no required property."""
        schema, required = super()._get_request_for_media_type(serializer, direction)
        instance = force_instance(serializer)
        complete = self.method != "PATCH" and not getattr(instance, "partial", False)
        needs_a_field = complete and bool(getattr(instance, "complete_schema_rules", ()))
        return schema, required or needs_a_field


def _constrain(field, schema: dict) -> dict:
    if getattr(field, "field_name", "") == "currency" and isinstance(field, serializers.CharField):
        return _currency(field, schema)
    if isinstance(field, serializers.DecimalField):
        return _decimal(field, schema)
    if _is_required_text(field) and not {"pattern", "format", "enum"} & schema.keys():
        schema.setdefault("minLength", 1)
        schema["pattern"] = NOT_ONLY_SPACES
    if schema.get("type") == "array":
        if getattr(field, "allow_empty", True) is False:
            schema["minItems"] = max(schema.get("minItems", 0), 1)
        if getattr(field, "max_length", None) is not None:
            schema.setdefault("maxItems", field.max_length)
    return schema


def _is_required_text(field) -> bool:
    return (
        isinstance(field, serializers.CharField) and not field.allow_blank and field.trim_whitespace
    )


def _currency(field, schema: dict) -> dict:
    allowed = [*CURRENCIES, ""] if field.allow_blank else CURRENCIES
    return {
        **{k: v for k, v in schema.items() if k in ("description", "nullable")},
        "type": "string",
        "enum": allowed,
    }


def _decimal(field: serializers.DecimalField, schema: dict) -> dict:
    """A JSON number, or a string of digits: both are read exactly (never as a float)."""
    if field.decimal_places is None:  # an amount: its currency decides (see AMOUNT_SCHEMA)
        return {**schema, "type": "number"}
    places, whole = field.decimal_places, field.max_digits - field.decimal_places
    number = {
        "type": "number",
        "maximum": 10**whole,
        "exclusiveMaximum": True,
        "multipleOf": float(Decimal(1).scaleb(-places)),
    }
    positive = field.min_value is not None and field.min_value > 0
    number["minimum"] = float(field.min_value) if field.min_value is not None else None
    if number["minimum"] is None:
        del number["minimum"]
    text = {"type": "string", "pattern": _decimal_pattern(whole, places, positive)}
    if field.max_value is not None and _power_of_ten(field.max_value) is not None:
        # An inclusive power-of-ten ceiling (a percentage's 100): fewer whole digits, or it.
        digits = _power_of_ten(field.max_value)
        number.update(maximum=float(field.max_value), exclusiveMaximum=False)
        below = _decimal_pattern(digits, places, positive)[1:-1]
        exact = rf"{int(field.max_value)}(\.0{{1,{places}}})?" if places else str(field.max_value)
        text["pattern"] = rf"^({below}|{exact})$"
    kept = {k: v for k, v in schema.items() if k in ("description", "nullable", "default")}
    return {**kept, "anyOf": [number, text]}


def _power_of_ten(value: Decimal) -> int | None:
    """k when ``value`` is 10**k (k ≥ 1), else None."""
    exponent = Decimal(value).normalize().as_tuple()
    if exponent.digits == (1,) and exponent.exponent >= 1 and exponent.sign == 0:
        return exponent.exponent
    return None


def _decimal_pattern(whole: int, places: int, positive: bool) -> str:
    fraction = rf"(\.\d{{1,{places}}})?" if places else ""
    if not positive:
        return rf"^\d{{1,{whole}}}{fraction}$"
    # Greater than zero: a non-zero whole part, or a zero one with a non-zero fraction digit.
    non_zero_fraction = "|".join(
        "0" * zeros + r"[1-9]" + (rf"\d{{0,{places - zeros - 1}}}" if places - zeros > 1 else "")
        for zeros in range(places)
    )
    whole_part = rf"[1-9]\d{{0,{whole - 1}}}{fraction}"
    return rf"^(?:{whole_part}|0\.(?:{non_zero_fraction}))$" if places else rf"^{whole_part}$"


def _is_priced(properties: dict) -> bool:
    return "price" in properties and "currency" in properties


def _price_per_currency(*, required: bool) -> list[dict]:
    """One branch per number of minor digits: JPY prices are whole, USD ones have cents."""
    groups: dict[int, list[str]] = {}
    for code in CURRENCIES:
        groups.setdefault(exponent(code), []).append(code)
    branches = [
        {
            "properties": {
                # A pattern, not an enum: drf-spectacular merges every enum of a
                # property named "currency" into one component, which would drop the groups.
                "currency": {"type": "string", "pattern": f"^(?:{'|'.join(codes)})$"},
                "price": {
                    "anyOf": [
                        {"type": "number", "multipleOf": float(Decimal(1).scaleb(-digits))},
                        {
                            "type": "string",
                            "pattern": rf"^\d+(\.\d{{1,{digits}}})?$" if digits else r"^\d+$",
                        },
                    ]
                },
            },
            "required": ["currency"],
        }
        for digits, codes in sorted(groups.items())
    ]
    if not required:  # a partial update may leave the currency as it is
        branches.append({"not": {"required": ["currency"]}})
    return branches
