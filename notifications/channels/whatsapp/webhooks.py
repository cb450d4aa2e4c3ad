"""Reading what 1MSG posts to us: normalized ``ack[]`` / ``messages[]``, ``hooks[]`` (statuses in
the ``hookInfo`` shape, as the vendor's webhook documentation names them), or raw Meta ``entry[]``.

Shapes we do not recognise are returned as ``unparsed`` (kept, never an error): the body is
provider-controlled and anything in it may be missing or of the wrong type.
"""

from datetime import UTC, datetime
from typing import Any

from notifications.channels.base import InboundText, StatusEvent, WebhookBatch
from notifications.channels.whatsapp import errors
from notifications.channels.whatsapp.backend import MAX_ID_LENGTH, STATUS_WORDS
from notifications.channels.whatsapp.templates import parse_payload


def _phone(value: Any) -> str:
    digits = "".join(ch for ch in str(value or "").split("@")[0] if ch.isdigit())
    return f"+{digits}" if digits else ""


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _id(value: Any) -> str:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH else ""


def ack_status(ack: dict) -> StatusEvent | None:
    status, provider_id = STATUS_WORDS.get(str(ack.get("status"))), _id(ack.get("id"))
    if status is None or not provider_id:
        return None
    text = str(ack.get("error") or "") if status == "failed" else ""
    return StatusEvent(
        provider_message_id=provider_id,
        status=status,
        recipient=_phone(ack.get("phone") or ack.get("chatId")),
        error_code=errors.code_for(text) if text else "",
        error_text=text[:1000],
        detail={"ack": ack},
    )


def meta_status(hook: dict) -> StatusEvent | None:
    """A Meta-format status (raw webhooks and ``hookInfo`` answers)."""
    status, provider_id = STATUS_WORDS.get(str(hook.get("status"))), _id(hook.get("id"))
    if status is None or not provider_id:
        return None
    failures = hook.get("errors") if isinstance(hook.get("errors"), list) else []
    first = failures[0] if failures and isinstance(failures[0], dict) else {}
    return StatusEvent(
        provider_message_id=provider_id,
        status=status,
        recipient=_phone(hook.get("recipient_id")),
        occurred_at=_when(hook.get("timestamp")),
        error_code=str(first.get("code") or ""),
        error_text=str(first.get("title") or first.get("message") or "")[:1000],
        detail={"meta": hook},
    )


def hook_status(hook: dict) -> StatusEvent | None:
    """A ``hooks[]`` element: Meta-shaped as in ``hookInfo``, or ack-shaped (``phone``)."""
    return ack_status(hook) if "phone" in hook or "chatId" in hook else meta_status(hook)


def _button(item: dict) -> tuple[str, str]:
    """(text, payload) of a tapped quick-reply button, in 1MSG's or Meta's shape."""
    button = item.get("button") if isinstance(item.get("button"), dict) else {}
    payload = item.get("payload") or button.get("payload") or ""
    text = button.get("text") or item.get("body") or ""
    return (text if isinstance(text, str) else ""), (payload if isinstance(payload, str) else "")


def inbound_text(item: dict) -> InboundText | None:
    if item.get("fromMe") is True:
        return None  # an echo of our own outbound message
    body = item.get("body")
    if isinstance(body, dict):  # Meta shape: {"text": {"body": …}}
        body = body.get("body")
    text = item.get("text")
    text = text.get("body") if isinstance(text, dict) else None
    sender = _phone(item.get("author") or item.get("chatId") or item.get("from"))
    is_button = item.get("type") == "button"
    payload = ""
    if is_button:
        body, payload = _button(item)
    content = body if isinstance(body, str) and body else text
    if not sender or not isinstance(content, str):
        return None
    context = item.get("context") if isinstance(item.get("context"), dict) else {}
    action, message_ref = parse_payload(payload)
    return InboundText(
        sender=sender,
        text=content[:1000],
        occurred_at=_when(item.get("time") or item.get("timestamp")),
        reply_id=_id(item.get("id")),
        quoted_id=_id(item.get("quotedMsgId") or context.get("id")),
        is_button=is_button,
        action=action,
        message_ref=message_ref,
    )


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _meta_values(data: dict) -> list[dict]:
    values = []
    for entry in _dicts(data.get("entry")):
        values += [c.get("value") for c in _dicts(entry.get("changes"))]
    return [v for v in values if isinstance(v, dict)]


def parse(data: Any) -> WebhookBatch:
    batch = WebhookBatch()
    if not isinstance(data, dict):
        batch.unparsed.append(data)
        return batch
    for ack in _dicts(data.get("ack")):
        _keep(batch.statuses, batch, ack_status(ack), ack)
    for hook in _dicts(data.get("hooks")):
        _keep(batch.statuses, batch, hook_status(hook), hook)
    for item in _dicts(data.get("messages")):
        if item.get("fromMe") is not True:
            _keep(batch.inbound, batch, inbound_text(item), item)
    for value in _meta_values(data):
        for hook in _dicts(value.get("statuses")):
            _keep(batch.statuses, batch, meta_status(hook), hook)
        for item in _dicts(value.get("messages")):
            _keep(batch.inbound, batch, inbound_text(item), item)
    if not (batch.statuses or batch.inbound or batch.unparsed) and not _known_empty(data):
        batch.unparsed.append(data)
    return batch


def _keep(into: list, batch: WebhookBatch, parsed, raw) -> None:
    (into if parsed is not None else batch.unparsed).append(parsed if parsed is not None else raw)


def _known_empty(data: dict) -> bool:
    return any(key in data for key in ("ack", "hooks", "messages", "entry"))
