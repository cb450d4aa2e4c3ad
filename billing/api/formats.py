"""JSON in and out of the API with amounts exact: numbers are read as ``Decimal`` and written
back digit for digit (``billing.money.ExactJSONEncoder``), never through ``float``."""

import codecs
from decimal import Decimal

from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.renderers import JSONRenderer
from rest_framework.utils import json
from rest_framework.utils.encoders import JSONEncoder

from billing.money import ExactJSONEncoder


class ApiJSONEncoder(ExactJSONEncoder, JSONEncoder):
    """Exact numbers, and DRF's text for everything else (dates, UUIDs, lazy strings…)."""


class ApiJSONRenderer(JSONRenderer):
    encoder_class = ApiJSONEncoder


class ExactJSONParser(JSONParser):
    """A JSON number with a fraction becomes a ``Decimal``: ``90071992547409.93`` stays itself."""

    def parse(self, stream, media_type=None, parser_context=None):
        reader = codecs.getreader(get_encoding(parser_context or {}))
        try:
            return json.load(
                reader(stream),
                parse_float=Decimal,
                parse_constant=json.strict_constant if self.strict else None,
            )
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc


class SchemaJSONRenderer(OpenApiJsonRenderer):
    encoder_class = ApiJSONEncoder


class SchemaJSONRenderer2(OpenApiJsonRenderer2):
    encoder_class = ApiJSONEncoder
