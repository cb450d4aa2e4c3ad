"""The 1MSG backend: builds the exact ``sendTemplate`` body, posts it once, classifies the answer.

Every row of the answer table in the spec (../shared/spec/whatsapp-1msg.md §2) maps to one
``SendOutcome``; the pipeline decides what happens to the message.
"""

import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
import requests
from urllib3.exceptions import NewConnectionError

from notifications import status as st
from notifications.channels.base import (
    ChannelBackend,
    Prepared,
    SendOutcome,
    SendRefused,
    StatusEvent,
)
from notifications.channels.whatsapp import errors
from notifications.channels.whatsapp.config import OneMsgConfig, channel_config
from notifications.channels.whatsapp.templates import approved_template, button_params, render
from notifications.logs import mask_phone

logger = logging.getLogger(__name__)

TIMEOUT = (5, 20)  # connect, read (seconds): a read timeout is an unknown outcome
MAX_ID_LENGTH = 128
STATUS_WORDS = {
    "sent": st.SENT,
    "delivered": st.DELIVERED,
    "read": st.READ,
    "viewed": st.READ,
    "failed": st.FAILED,
}


class EnvironmentOnce(requests.Session):
    """A session that reads the environment (proxies, CA bundle) once per process and origin.

    requests reads it on every call: it scanned ``os.environ`` and ``~/.netrc`` for ~0.3 ms of
    each send, and a netrc entry for the host would have replaced our Bearer header.
    ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` and ``REQUESTS_CA_BUNDLE`` still apply.
    """

    def __init__(self):
        super().__init__()
        self.trust_env = False
        self.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self._proxies: dict[tuple[str, str], dict[str, str]] = {}

    def request(self, method, url, **kwargs):
        if kwargs.get("proxies") is None:
            kwargs["proxies"] = self.proxies_for(url)
        return super().request(method, url, **kwargs)

    def proxies_for(self, url: str) -> dict[str, str]:
        parts = urlsplit(url)
        origin = (parts.scheme, parts.netloc)
        if origin not in self._proxies:
            self._proxies[origin] = requests.utils.get_environ_proxies(url)
        return self._proxies[origin]


_session: requests.Session | None = None


def session() -> requests.Session:
    """One pooled session per process (keep-alive to 1MSG)."""
    global _session
    if _session is None:
        _session = EnvironmentOnce()
    return _session


def e164(phone: str) -> str:
    """Validate a mobile number and return it as E.164; refuse anything else."""
    try:
        number = phonenumbers.parse(str(phone), None)
    except phonenumbers.NumberParseException as exc:
        raise SendRefused("invalid_phone", "The phone number cannot be read.") from exc
    mobile = {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in mobile:
        raise SendRefused("invalid_phone", "The phone number is not a valid mobile number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _nothing_sent(exc: requests.ConnectionError) -> bool:
    """Connection refused or DNS failure: the request never left us, so a retry is safe."""
    seen, cause = 0, exc
    while cause is not None and seen < 10:
        if isinstance(cause, NewConnectionError):
            return True
        cause = getattr(cause, "reason", None) or (cause.args[0] if cause.args else None)
        cause = cause if isinstance(cause, BaseException) else None
        seen += 1
    return isinstance(exc, requests.ConnectTimeout)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class WhatsAppBackend(ChannelBackend):
    channel = "whatsapp"
    provider = "1msg"

    def __init__(self, *, tenant_id) -> None:
        super().__init__(tenant_id=tenant_id)
        self._config: OneMsgConfig | None = None

    @property
    def config(self) -> OneMsgConfig:
        if self._config is None:
            self._config = channel_config(self.tenant_id)
        return self._config

    @classmethod
    def error_kind(cls, code: str) -> str:
        return errors.error_kind(code)

    # --- building -----------------------------------------------------------------------------
    def prepare(self, *, purpose: str, recipient: str, context: Mapping[str, Any]) -> Prepared:
        phone = e164(recipient)
        template = approved_template(self.tenant_id, purpose, str(context.get("locale", "")))
        rendered = render(template, context)
        payload = {
            "body": self.request_body(phone, template, rendered.params),
            "preview": {"text": rendered.text, "button": rendered.button_label},
            "template": {
                "id": str(template.pk) if template.version else "",
                "version": template.version,
            },
        }
        if template.quick_replies:
            payload["quick_replies"] = list(template.quick_replies)
            payload["preview"]["quick_replies"] = [r["text"] for r in template.quick_replies]
        return Prepared(recipient=phone, payload=payload)

    @staticmethod
    def request_body(phone: str, template, params: list[str]) -> dict[str, Any]:
        """The spec's body: body parameters only (a static URL button is fixed in the template)."""
        return {
            "phone": phone.lstrip("+"),
            "template": template.name,
            "namespace": template.namespace,
            "language": {"policy": "deterministic", "code": template.language},
            "params": [
                {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
            ],
        }

    # --- sending ------------------------------------------------------------------------------
    @staticmethod
    def send_body(message) -> dict[str, Any]:
        """The stored body, with the quick-reply payloads naming this message (its id exists
        only once the message row does)."""
        body = message.payload["body"]
        replies = message.payload.get("quick_replies") or []
        if not replies:
            return body
        return body | {"params": [*body["params"], *button_params(replies, message.pk)]}

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config.token}"}

    def send(self, message) -> SendOutcome:
        try:
            response = session().post(
                self.config.url("sendTemplate"),
                json=self.send_body(message),
                headers=self._headers(),
                timeout=TIMEOUT,
            )
        except requests.ConnectionError as exc:
            if _nothing_sent(exc):
                return SendOutcome.retry("connect_failed", type(exc).__name__)
            return SendOutcome.unknown("connection_lost", type(exc).__name__)
        except requests.Timeout as exc:
            return SendOutcome.unknown("timeout", type(exc).__name__)
        except requests.RequestException as exc:
            return SendOutcome.unknown("request_error", type(exc).__name__)
        outcome = self.classify(response)
        logger.info(
            "1MSG sendTemplate to %s: HTTP %s → %s",
            mask_phone(message.recipient),
            response.status_code,
            outcome.kind,
        )
        return outcome

    def classify(self, response: requests.Response) -> SendOutcome:
        """One typed outcome per row of the spec's answer table."""
        data = _json(response)
        data = data if isinstance(data, dict) else {}
        raw = {"http_status": response.status_code, "answer": self._safe(data)}
        code = response.status_code
        if 200 <= code < 300:
            return self._classify_ok(data, raw)
        if code == 429:
            return SendOutcome.retry(
                "http_429", "Rate limited", after=_retry_after(response), **raw
            )
        if 400 <= code < 500:
            text = self.config.redact(str(data.get("message") or data.get("error") or ""))
            if code == 400 and "template is not defined" in text.lower():
                logger.error("1MSG: template/namespace/language missing (configuration error)")
                return SendOutcome.failed("template_not_defined", text, **raw)
            return SendOutcome.failed(f"http_{code}", text or f"HTTP {code}", **raw)
        return SendOutcome.unknown(f"http_{code}", f"HTTP {code}", **raw)

    def _classify_ok(self, data: dict, raw: dict) -> SendOutcome:
        if data.get("sent") is True:
            provider_id = data.get("id")
            if isinstance(provider_id, str) and 0 < len(provider_id) <= MAX_ID_LENGTH:
                return SendOutcome.accepted(provider_id, **raw)
            return SendOutcome.unknown("no_id", "Accepted without a usable message id", **raw)
        if data.get("sent") is False and data.get("jobId"):
            return SendOutcome.pending(job_id=str(data["jobId"])[:MAX_ID_LENGTH], **raw)
        if data.get("sent") is False:
            return self._refusal(self.config.redact(str(data.get("message") or "")), raw)
        return SendOutcome.unknown("unexpected_answer", "2xx without a sent flag", **raw)

    def _refusal(self, text: str, raw: dict) -> SendOutcome:
        code = errors.code_for(text)
        delay = errors.retry_delay(code)
        if code in errors.ALERT:
            logger.error("1MSG refused with Meta code %s: needs attention", code)
        if delay is None:
            return SendOutcome.failed(code or "refused", text or "Refused by 1MSG", **raw)
        return SendOutcome.retry(code, text, after=delay or None, **raw)

    def _safe(self, data: Any) -> Any:
        """The answer for the timeline, with any echoed token removed."""
        if isinstance(data, dict):
            return {k: self._safe(v) for k, v in list(data.items())[:20]}
        return self.config.redact(data) if isinstance(data, str) else data

    # --- polling ------------------------------------------------------------------------------
    def poll(self, message) -> list[StatusEvent]:
        try:
            response = session().get(
                self.config.url("hookInfo"),
                params={"messageId": message.provider_message_id},
                headers=self._headers(),
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            logger.warning("1MSG hookInfo failed: %s", type(exc).__name__)
            return []
        data = _json(response) if response.ok else None
        hooks = data.get("hooks") if isinstance(data, dict) else None
        from notifications.channels.whatsapp.webhooks import meta_status

        events = [meta_status(h) for h in hooks or [] if isinstance(h, dict)]
        return [e for e in events if e is not None and e.provider_message_id]

    def is_opt_out(self, text: str) -> bool:
        return text.strip().strip(".!").casefold() in self.config.opt_out_words

    @classmethod
    def parse_webhook(cls, data):
        from notifications.channels.whatsapp.webhooks import parse

        return parse(data)

    # --- webhook registration ------------------------------------------------------------------
    def webhook_urls(self) -> list[str]:
        """The URLs 1MSG currently posts to (its answer is a string, a list, or 'a,b')."""
        response = session().get(
            self.config.url("webhook"), headers=self._headers(), timeout=TIMEOUT
        )
        response.raise_for_status()
        value = (_json(response) or {}).get("webhookUrl") or []
        if isinstance(value, str):
            value = value.split(",")
        return [u.strip() for u in value if isinstance(u, str) and u.strip()]

    def set_webhook_urls(self, urls: list[str]) -> dict:
        """Replace the whole list (1MSG semantics): callers merge first."""
        body = {"webhookUrl": urls[0] if len(urls) == 1 else urls}
        response = session().post(
            self.config.url("webhook"), json=body, headers=self._headers(), timeout=TIMEOUT
        )
        response.raise_for_status()
        return _json(response) or {}
