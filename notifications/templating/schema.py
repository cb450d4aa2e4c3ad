"""Field schemas of template versions: validation (every problem at once) and defaults.

A schema is an ordered list of field specs. Dotted names (``actionButton.url``) address nested
objects in the data (``{"actionButton": {"url": …}}``); problems name fields with dots.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

MISSING_REQUIRED = "missing_required_variable"
TOO_LONG = "field_too_long"
INVALID_URL = "invalid_url"
INVALID_TYPE = "invalid_type"
UNKNOWN_FIELD = "unknown_field"

TEXT, URL, OBJECT = "text", "url", "object"
_MISSING = object()
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")
_url_validator = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Problem:
    code: str
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    description: str
    max_length: int | None = None
    example: Any = None

    @classmethod
    def from_json(cls, spec: Mapping[str, Any]) -> "FieldSpec":
        return cls(
            name=spec["name"],
            type=spec["type"],
            required=bool(spec.get("required")),
            description=spec.get("description") or spec["name"],
            max_length=spec.get("max_length"),
            example=spec.get("example"),
        )


def specs(fields: list[Mapping[str, Any]]) -> list[FieldSpec]:
    return [FieldSpec.from_json(f) for f in fields]


def lookup(data: Mapping[str, Any], name: str) -> Any:
    """The value at a dotted name, nested or (leniently) given flat; ``_MISSING`` if absent."""
    if name in data:
        return data[name]
    node: Any = data
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _is_empty(value: Any) -> bool:
    return value is _MISSING or value is None or value == ""


def _check(spec: FieldSpec, value: Any) -> Problem | None:
    label = spec.description
    if spec.type == OBJECT:
        if not isinstance(value, Mapping):
            return Problem(INVALID_TYPE, spec.name, f"{label} must be an object.")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return Problem(INVALID_TYPE, spec.name, f"{label} must be text.")
    text = str(value)
    if spec.max_length is not None and len(text) > spec.max_length:
        return Problem(
            TOO_LONG, spec.name, f"{label} must be {spec.max_length} characters or fewer."
        )
    if spec.type == URL and not _valid_url(text):
        return Problem(INVALID_URL, spec.name, f"{label} must be a valid http or https URL.")
    return None


def _valid_url(text: str) -> bool:
    try:
        _url_validator(text)
    except ValidationError:
        return False
    return True


def _unknown_fields(fields: list[FieldSpec], data: Mapping[str, Any]) -> list[Problem]:
    known = {f.name for f in fields}
    groups = {f.name.split(".", 1)[0] for f in fields if "." in f.name}
    unknown = []
    for key, value in data.items():
        if key in known:
            continue
        if key in groups and isinstance(value, Mapping):
            unknown += [f"{key}.{sub}" for sub in value if f"{key}.{sub}" not in known]
        else:
            unknown.append(key)
    return [Problem(UNKNOWN_FIELD, n, f"{n} is not a field of this template.") for n in unknown]


def validate(fields: list[FieldSpec], data: Mapping[str, Any]) -> list[Problem]:
    """Every problem with ``data``, in schema order, then unknown fields."""
    problems = []
    for spec in fields:
        value = lookup(data, spec.name)
        if _is_empty(value):
            if spec.required:
                problems.append(
                    Problem(MISSING_REQUIRED, spec.name, f"{spec.description} is required.")
                )
            continue
        problem = _check(spec, value)
        if problem is not None:
            problems.append(problem)
    return problems + _unknown_fields(fields, data)


def interpolate(template: str, values: Mapping[str, str]) -> str:
    """Replace ``{{name}}`` with the field's value; unknown names become empty."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template)


def _fit(text: str, max_length: int | None) -> str:
    if max_length is None or len(text) <= max_length:
        return text
    return text[: max_length - 1] + "…"


def resolve(
    fields: list[FieldSpec], defaults: Mapping[str, str], data: Mapping[str, Any]
) -> dict[str, Any]:
    """Valid data with defaults filled in, as nested objects ready for a template.

    Defaults are interpolated with the values given (``"Invoice {{invoiceNumber}}"``) and cut
    to the field's maximum length, so a long invoice number cannot make an invalid subject.
    """
    flat: dict[str, Any] = {}
    for spec in fields:
        value = lookup(data, spec.name)
        if not _is_empty(value):
            flat[spec.name] = value if spec.type == OBJECT else str(value)
    texts = {k: v for k, v in flat.items() if isinstance(v, str)}
    for spec in fields:
        if spec.name not in flat and spec.name in defaults:
            flat[spec.name] = _fit(interpolate(defaults[spec.name], texts), spec.max_length)
    return nest(flat)


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in flat.items():
        *parents, leaf = name.split(".")
        node = result
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return result
