"""The API's JSON parser: DRF's, behind an explicit nesting limit."""

import io

from rest_framework import parsers

from billing.api.errors import NestedTooDeeply
from config.json_depth import MAX_DEPTH, too_deep


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        if too_deep(body):
            raise NestedTooDeeply(f"Request body must not nest deeper than {MAX_DEPTH} levels")
        return super().parse(io.BytesIO(body), media_type, parser_context)
