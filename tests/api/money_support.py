"""Exact JSON both ways: bodies written from text, answers read with numbers as ``Decimal``."""

import json
from decimal import Decimal

from billing.money import dumps


def exact(response) -> dict:
    """The answer with every JSON number as written (``json()`` would go through float)."""
    return json.loads(response.content, parse_float=Decimal)


def send(api, method: str, path: str, body) -> object:
    """``body`` with its ``Decimal`` amounts written as exact JSON numbers."""
    call = getattr(api.client, method)
    return call(f"/api/v0/{path}", dumps(body), content_type="application/json")
