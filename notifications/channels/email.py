"""The e-mail channel: template rendering at request time, Django's mail framework at send time.

Outcome mapping (one SMTP conversation per message):

* the server accepted the message → accepted, with our Message-ID as the provider id;
* the server refused sender, every recipient, or the data with a 5xx → failed (final);
* nothing was sent: no connection, DNS, a 4xx before the message was taken → retry;
* a timeout or disconnect once the conversation started (possibly after DATA) → unknown:
  the server may have taken the message, so it is never resent automatically.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from collections.abc import Mapping
from email.headerregistry import Address
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.core.validators import validate_email
from django.utils.module_loading import import_string

from notifications import email_tracking as tracking
from notifications.channels.base import ChannelBackend, Prepared, SendOutcome, SendRefused
from notifications.logs import mask_email
from notifications.templating.errors import InvalidTemplateData, TemplateNotFound
from notifications.templating.registry import resolve
from notifications.templating.render import prepare, render_email

if TYPE_CHECKING:
    from notifications.models import Message

logger = logging.getLogger(__name__)

NOT_SENT = (ConnectionError, socket.gaierror, smtplib.SMTPConnectError, TimeoutError)
try:  # the optional ``anymail`` extra: ESP HTTP APIs instead of SMTP
    from anymail.exceptions import AnymailError

    ANYMAIL_ERRORS: tuple[type[Exception], ...] = (AnymailError,)
except ImportError:
    ANYMAIL_ERRORS = ()


def normalize_address(address: str) -> str:
    """Trimmed, domain lower-cased (the local part is the server's business); or SendRefused."""
    address = str(address or "").strip()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise SendRefused(
            "invalid_email", f"'{mask_email(address)}' is not an e-mail address"
        ) from exc
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def unique_addresses(addresses) -> list[str]:
    seen, result = set(), []
    for address in addresses:
        normalized = normalize_address(address)
        if normalized.lower() not in seen:
            seen.add(normalized.lower())
            result.append(normalized)
    return result


class EmailBackend(ChannelBackend):
    """``context`` for ``prepare``: ``template`` (key), ``version`` (optional), ``data``, and
    optionally ``to``/``cc``/``reply_to`` lists, ``from_name``, ``attachments``
    (``[{"kind", "ref", "filename"}]``, resolved at send time through
    ``settings.NOTIFICATIONS_EMAIL_ATTACHMENTS``) and ``tracked_urls`` (links counted as clicks).
    """

    channel = "email"
    provider = "django-mail"
    accepted_status = "sent"  # the receiving mail server took it; nothing to poll afterwards
    polls = False

    @classmethod
    def error_kind(cls, code: str) -> str:
        if code in ("smtp_recipients_refused", "esp_recipients_refused"):
            return "unreachable"
        if code in ("smtp_timeout", "esp_unknown"):
            return "no_answer"
        if code in ("smtp_connect", "esp_connect", "esp_429") or code.startswith("smtp_4"):
            return "temporary"
        return "refused" if code.startswith(("smtp_5", "esp_")) else ""

    def prepare(self, *, purpose: str, recipient: str, context: Mapping[str, Any]) -> Prepared:
        to = unique_addresses(context.get("to") or [a for a in [recipient] if a])
        if not to:
            raise SendRefused("no_recipient", "There is no e-mail address to send to")
        cc = [
            a
            for a in unique_addresses(context.get("cc") or [])
            if a.lower() not in {t.lower() for t in to}
        ]
        version, resolved = self._template(context)
        rendered = render_email(version, resolved)
        payload = {
            "template": version.template.key,
            "version": version.version,
            "data": dict(context.get("data") or {}),
            **rendered.as_payload(),
            "from_email": self._from_email(context.get("from_name", "")),
            "to": to,
            "cc": cc,
            "reply_to": unique_addresses(context.get("reply_to") or []),
            "attachments": list(context.get("attachments") or []),
            "tracked_urls": list(context.get("tracked_urls") or []),
        }
        return Prepared(recipient=to[0], payload=payload)

    @staticmethod
    def _template(context: Mapping[str, Any]):
        try:
            version = resolve(context["template"], context.get("version"))
            return version, prepare(version, context.get("data") or {})
        except TemplateNotFound as exc:
            raise SendRefused("template_not_found", str(exc)) from exc
        except InvalidTemplateData as exc:
            raise SendRefused(exc.problems[0].code, " ".join(exc.messages)) from exc

    @staticmethod
    def _from_email(name: str) -> str:
        if not name:
            return settings.DEFAULT_FROM_EMAIL
        _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        local, _, domain = address.rpartition("@")
        return str(Address(display_name=name, username=local, domain=domain))

    def build(self, message: Message) -> EmailMultiAlternatives:
        """The exact e-mail for a message: tracking added, attachments resolved."""
        payload = message.payload
        email = EmailMultiAlternatives(
            subject=payload["subject"],
            body=payload["text"],
            from_email=payload["from_email"],
            to=payload["to"],
            cc=payload.get("cc") or [],
            reply_to=payload.get("reply_to") or [],
            headers={"Message-ID": make_msgid(domain=_message_id_domain())},
        )
        html = tracking.instrument(payload["html"], message.pk, payload.get("tracked_urls", []))
        email.attach_alternative(html, "text/html")
        for spec in payload.get("attachments", []):
            email.attach(*resolve_attachment(spec))
        return email

    def send(self, message: Message) -> SendOutcome:
        email = self.build(message)
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except (*NOT_SENT, smtplib.SMTPException, OSError) as exc:
            return SendOutcome.retry("smtp_connect", _describe(exc))
        try:
            connection.send_messages([email])
        except smtplib.SMTPResponseException as exc:
            return _refusal(exc)
        except smtplib.SMTPRecipientsRefused as exc:
            return SendOutcome.failed("smtp_recipients_refused", _refused_text(exc))
        except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError, OSError) as exc:
            return SendOutcome.unknown("smtp_timeout", _describe(exc))
        except ANYMAIL_ERRORS as exc:
            return _anymail_outcome(exc)
        finally:
            _close(connection)
        logger.info("e-mail %s accepted for %s", message.pk, mask_email(message.recipient))
        return SendOutcome.accepted(_provider_id(email))


def _anymail_outcome(exc: Exception) -> SendOutcome:
    """An ESP's HTTP API through anymail: 4xx is final, 429 and refused connections are retried,
    anything else may have been sent."""
    import requests
    from anymail.exceptions import AnymailRecipientsRefused

    status = getattr(exc, "status_code", None)
    if isinstance(exc, AnymailRecipientsRefused):
        return SendOutcome.failed("esp_recipients_refused", _describe(exc))
    if status == 429:
        return SendOutcome.retry("esp_429", _describe(exc))
    if status is not None and 400 <= status < 500:
        return SendOutcome.failed(f"esp_{status}", _describe(exc))
    cause = exc.__cause__
    if isinstance(cause, requests.ConnectionError) and not isinstance(cause, requests.ReadTimeout):
        return SendOutcome.retry("esp_connect", _describe(exc))
    return SendOutcome.unknown("esp_unknown", _describe(exc))


def _refusal(exc: smtplib.SMTPResponseException) -> SendOutcome:
    text = f"{exc.smtp_code} {_decode(exc.smtp_error)}"
    if 400 <= exc.smtp_code < 500:
        return SendOutcome.retry(f"smtp_{exc.smtp_code}", text)
    return SendOutcome.failed(f"smtp_{exc.smtp_code}", text)


def _refused_text(exc: smtplib.SMTPRecipientsRefused) -> str:
    codes = sorted({str(code) for code, _ in exc.recipients.values()})
    return f"all recipients refused ({', '.join(codes)})"


def _decode(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _close(connection) -> None:
    try:
        connection.close()
    except (smtplib.SMTPException, OSError):
        logger.warning("closing the mail connection failed", exc_info=True)


def _provider_id(email: EmailMultiAlternatives) -> str:
    """The ESP's id when anymail sent it (its tracking events carry that id), else ours."""
    esp_id = getattr(getattr(email, "anymail_status", None), "message_id", None)
    if isinstance(esp_id, set):  # one id per recipient: events are matched on the first
        esp_id = min(str(i) for i in esp_id) if esp_id else None
    if esp_id is not None:
        return str(esp_id)
    return email.extra_headers["Message-ID"].strip("<>")


def _message_id_domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def resolve_attachment(spec: Mapping[str, Any]) -> tuple[str, bytes, str]:
    """(filename, content, mimetype) from the resolver configured for the attachment's kind."""
    resolvers = getattr(settings, "NOTIFICATIONS_EMAIL_ATTACHMENTS", {})
    try:
        resolver = import_string(resolvers[spec["kind"]])
    except KeyError as exc:
        raise ImproperlyConfigured(f"No attachment resolver for {spec['kind']!r}") from exc
    content, mimetype = resolver(spec["ref"])
    return spec["filename"], content, mimetype
