"""The one exception handler: every API error leaves in the Devdraft envelope.

``{"statusCode": 400, "message": [...] | "...", "error": "Bad Request"}``. Validation problems
become one sentence each, naming the field; anything unexpected is logged with its traceback and
answered with a generic 500 that never carries it.
"""

import json
import logging
import re
from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from billing.errors import BillingError
from config.middleware import busy_response, is_database_busy

logger = logging.getLogger("billing.api")

INVALID_CREDENTIALS = "Invalid or missing API credentials"
THIS_FIELD = re.compile(r"\bthis (field|value)\b", re.IGNORECASE)
# DRF's own wording for these codes, rephrased as the contract's "<field> should not be empty".
FIELD_SENTENCES = {
    "required": "should not be empty",
    "null": "should not be null",
    "blank": "should not be empty",
    "empty": "should not be empty",
}


class RateLimited(exceptions.APIException):
    status_code = 429
    default_code = "rate_limited"

    def __init__(self, limit: int, period_name: str, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"Rate limit exceeded. Maximum {limit} requests per {period_name}.")


class AuthenticationThrottled(RateLimited):
    """Too many failed authentications from one address or for one key: 429 like a rate limit."""

    default_code = "authentication_throttled"

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        exceptions.APIException.__init__(
            self, f"Too many failed authentication attempts. Retry in {retry_after} seconds."
        )


class NestedTooDeeply(exceptions.ParseError):
    """A body nested beyond the parser's limit (config.json_depth): valid JSON, refused."""


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload_too_large"


class IdempotencyConflict(exceptions.APIException):
    """Same key, still running: retry in a second."""

    status_code = 409
    default_code = "idempotency_in_progress"


class IdempotencyMismatch(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_mismatch"


def envelope(status: int, message: str | list[str], **extra) -> dict:
    return {"statusCode": status, "message": message, "error": HTTPStatus(status).phrase, **extra}


def _sentence(path: str, detail: exceptions.ErrorDetail) -> str:
    text = str(detail)
    template = FIELD_SENTENCES.get(getattr(detail, "code", ""))
    if template and text.startswith(("This field", "This list", "No data")):
        text = template
    if not path or text.startswith(path):
        return text
    if text[:1].islower():  # a predicate written for the field: "must be a valid UUID"
        return f"{path} {text}"
    if THIS_FIELD.search(text):
        return THIS_FIELD.sub(path, text, count=1)
    return f"{path}: {text}"


def flatten(detail, path: str = "") -> list[str]:
    """``{"items": [{"quantity": ["…"]}]}`` → ``["items[0].quantity …"]`` in field order."""
    if isinstance(detail, dict):
        sentences = []
        for key, value in detail.items():
            if key == "non_field_errors":
                sentences += flatten(value, path)
            elif isinstance(key, int) or key.isdigit():  # list errors keyed by position
                sentences += flatten(value, f"{path}[{key}]")
            else:
                sentences += flatten(value, f"{path}.{key}" if path else key)
        return sentences
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [_sentence(path, item) for item in detail]
        sentences = []
        for index, item in enumerate(detail):
            sentences += flatten(item, f"{path}[{index}]") if item else []
        return sentences
    return [_sentence(path, detail)]


def _api_error(exc: exceptions.APIException) -> tuple[int, str | list[str], dict]:
    status = exc.status_code
    if isinstance(exc, exceptions.ValidationError):
        # ``envelope_extra``: machine-readable details some endpoints add (template ``errors``).
        return status, flatten(exc.detail), dict(getattr(exc, "envelope_extra", {}))
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        return 401, INVALID_CREDENTIALS, {}
    if isinstance(exc, NestedTooDeeply):
        return status, str(exc.detail), {}
    if isinstance(exc, exceptions.ParseError):
        return status, "Request body must be valid JSON", {}
    extra = {"retryAfter": exc.retry_after} if isinstance(exc, RateLimited) else {}
    return status, str(exc.detail), extra


def exception_handler(exc: Exception, context: dict) -> Response:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    headers = {}
    if isinstance(exc, BillingError):
        status, message, extra = exc.status_code, exc.message, {}
    elif isinstance(exc, exceptions.APIException):
        status, message, extra = _api_error(exc)
        if isinstance(exc, RateLimited | IdempotencyConflict):
            headers["Retry-After"] = str(getattr(exc, "retry_after", 1))
        if isinstance(exc, exceptions.MethodNotAllowed):
            headers["Allow"] = ", ".join(context["view"].allowed_methods)
    elif isinstance(exc, IntegrityError):
        # A concurrent change won (e.g. a referenced customer deleted meanwhile): retryable.
        logger.warning("API write conflicted with a concurrent change: %s", exc)
        status, message, extra = (
            409,
            "The request conflicted with a concurrent change; retry it",
            {},
        )
        headers["Retry-After"] = "1"
    elif is_database_busy(exc):
        # Same answer as the middleware gives outside DRF: 503 + Retry-After, never a 500.
        busy = busy_response()
        body = json.loads(busy.content)
        return Response(body, status=busy.status_code, headers={"Retry-After": busy["Retry-After"]})
    else:
        logger.exception("Unhandled API error", exc_info=exc)
        status, message, extra = 500, "Internal server error", {}
    return Response(envelope(status, message, **extra), status=status, headers=headers)
