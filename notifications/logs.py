"""Log hygiene: phone numbers and webhook path tokens never reach a log line in full (N8)."""

import logging
import re

# Secret path segments: webhook tokens, payment-link tokens, signed e-mail tracking tokens.
WEBHOOK_PATH = re.compile(r"(/hooks/[\w-]+/|/pay/|/t/[oc]/)[^/\s\"']+")
SECRET_PATH_MARKERS = ("/hooks/", "/pay/", "/t/")


def mask_phone(phone: str) -> str:
    """``+79001234567`` → ``+*******4567``."""
    digits = str(phone or "")
    if len(digits) <= 4:
        return "*" * len(digits)
    plus = "+" if digits.startswith("+") else ""
    body = digits[len(plus) :]
    return plus + "*" * (len(body) - 4) + body[-4:]


def mask_email(address: str) -> str:
    """``jane@example.com`` → ``j***@example.com``."""
    local, at, domain = str(address or "").partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


class RedactWebhookTokens(logging.Filter):
    """Replaces the secret segment of ``/hooks/<provider>/<token>/`` in a record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(marker in message for marker in SECRET_PATH_MARKERS):
            record.msg, record.args = WEBHOOK_PATH.sub(r"\1<redacted>", message), None
        return True


def _gunicorn_logger():
    from gunicorn.glogging import Logger

    class RedactingGunicornLogger(Logger):
        """gunicorn's access log prints request paths: redact webhook path tokens there too."""

        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            return {
                k: WEBHOOK_PATH.sub(r"\1<redacted>", v) if isinstance(v, str) else v
                for k, v in atoms.items()
            }

    return RedactingGunicornLogger


def __getattr__(name: str):
    # Built on first use so that importing this module never requires gunicorn.
    if name == "RedactingGunicornLogger":
        return _gunicorn_logger()
    raise AttributeError(name)
