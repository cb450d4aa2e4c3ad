"""How the delivery log shows a message, so that no two parts of its page contradict each other.

* The status badge's colour follows the status itself: a rejected message is never green.
* "Problem" is the current problem only (``error_kind`` set by the status door); an error the
  message got past (an HTTP 500 before the acks arrived) is listed under "Earlier problems".
* A final status has no next attempt; a waiting retry shows "Next attempt", a message the
  provider took shows when we ask about it next.
* Times carry seconds; phone numbers in payloads and events are masked like the recipient.
"""

import re
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from notifications import problems
from notifications import status as st
from notifications.logs import mask_phone
from notifications.models import Message, MessageEvent

DELIVERED = frozenset({st.SENT, st.DELIVERED, st.READ, st.OPENED, st.CLICKED})
ON_ITS_WAY = frozenset({st.QUEUED, st.SENDING, st.ACCEPTED, st.PENDING})
STATUS_WORDS = {
    st.QUEUED: "Queued",
    st.SENDING: "Sending",
    st.ACCEPTED: "Accepted by the provider",
    st.PENDING: "Queued at the provider",
    st.UNKNOWN: "Outcome unknown",
    st.SENT: "Sent",
    st.DELIVERED: "Delivered",
    st.READ: "Read",
    st.OPENED: "Opened",
    st.CLICKED: "Link clicked",
    st.FAILED: "Failed",
    st.REJECTED: "Not sent",
    st.BOUNCED: "Bounced",
    st.UNDELIVERED: "Never delivered",
}
# Keys whose values are phone numbers or chat ids in provider payloads.
PHONE_KEYS = frozenset({"phone", "chatid", "to", "from", "recipient", "wa_id", "recipient_id"})
PHONE_TEXT = re.compile(r"\+?\d{7,15}")


def tone(status: str) -> str:
    if status in DELIVERED:
        return "good"
    return "waiting" if status in ON_ITS_WAY else "problem"


def status_badge(status: str) -> str:
    return format_html(
        '<span class="message-status tone-{}" data-status="{}">{}</span>',
        tone(status),
        status,
        STATUS_WORDS.get(status, status),
    )


def timestamp(moment) -> str:
    if moment is None:
        return "—"
    return date_format(timezone.localtime(moment), "Y-m-d H:i:s")


def error_text(message: Message) -> str:
    return message.last_error_message or message.last_error_code


def current_problem(message: Message) -> str:
    """The kind in words and the provider's text, or '' when nothing is wrong now."""
    kind = problems.describe(message.error_kind)
    if kind is None:
        return ""
    text = error_text(message)
    return f"{kind.label}: {text}" if text else kind.label


def earlier_problems(message: Message, events: list[MessageEvent]) -> list[str]:
    """Errors of the message's past that it got beyond (empty while one is current)."""
    lines = []
    for event in events:
        code, text = _event_error(event)
        if code or text:
            lines.append(f"{timestamp(event.received_at)} · {event.status} · {text or code}")
    if message.error_kind and lines:
        lines.pop()  # the newest error is the current one, shown as the problem
    return lines


def _event_error(event: MessageEvent) -> tuple[str, str]:
    detail = event.detail if isinstance(event.detail, dict) else {}
    error = detail.get("error") if isinstance(detail.get("error"), dict) else {}
    if event.status not in problems.PROBLEM_STATUSES and event.status != st.QUEUED:
        return "", ""
    code = str(detail.get("code") or error.get("code") or "")
    text = str(detail.get("text") or detail.get("reason") or error.get("text") or "")
    return code, text


def next_attempt(message: Message) -> tuple[str, str] | None:
    """(label, time) of what the system will do next, or None: nothing is planned."""
    if message.status in st.FINAL or message.next_attempt_at is None:
        return None
    label = "Next attempt" if message.status == st.QUEUED else "Next check with the provider"
    return label, timestamp(message.next_attempt_at)


def masked(value: Any, recipient: str = "") -> Any:
    """``value`` with every phone number masked like the recipient field (``+*******4567``)."""
    if isinstance(value, dict):
        return {
            k: _mask_text(v) if str(k).casefold() in PHONE_KEYS else masked(v, recipient)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [masked(v, recipient) for v in value]
    if isinstance(value, str):
        digits = "".join(c for c in recipient if c.isdigit())
        if len(digits) > 4 and digits in value:
            return _mask_text(value)
    return value


def _mask_text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return PHONE_TEXT.sub(lambda m: mask_phone(m.group(0)), value)
