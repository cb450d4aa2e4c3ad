"""The channel interface: what every delivery channel (WhatsApp, e-mail, …) implements.

How a channel plugs in
----------------------
1. Subclass :class:`ChannelBackend` in ``notifications/channels/<name>.py`` and set ``channel``
   (the ``Message.channel`` value) and ``provider`` (stored on the message; with the provider
   message id it is the key status events are matched on).
2. Implement ``prepare`` (render + validate what will be sent, raise :class:`SendRefused` for
   anything that must never reach the provider) and ``send`` (one provider call for one claimed
   message, answered by a typed :class:`SendOutcome`; never raise for a provider answer).
   ``poll`` and ``parse_webhook`` are optional.
3. Register it in ``settings.NOTIFICATIONS_CHANNELS`` (channel name → import string), the way
   DRF and anymail select backends. ``notifications.channels.get_backend`` instantiates it per
   organization (``tenant_id``), so a backend reads that organization's credentials.

The pipeline (``notifications.pipeline``) owns everything else — the message row, claiming,
retries, backoff, leases, statuses — and is the same for every channel. Backends never assign a
status: they describe what the provider answered and the pipeline decides.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from notifications.models import Message


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"  # the provider took it and gave us its id
    PENDING = "pending"  # the provider queued it without an id: never resend
    FAILED = "failed"  # final answer from the provider: do not retry
    RETRY = "retry"  # definitely not sent (rate limit, connection refused): back off, try again
    UNKNOWN = "unknown"  # may or may not have been sent (timeout, 5xx): never resend blindly
    REJECTED = "rejected"  # refused before any provider call


@dataclass(frozen=True)
class SendOutcome:
    """What one provider call amounted to. ``detail`` goes to the timeline as is (no secrets)."""

    kind: Outcome
    provider_message_id: str = ""
    code: str = ""
    text: str = ""
    retry_after: float | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def accepted(cls, provider_message_id: str, **detail: Any) -> SendOutcome:
        return cls(Outcome.ACCEPTED, provider_message_id=provider_message_id, detail=detail)

    @classmethod
    def pending(cls, **detail: Any) -> SendOutcome:
        return cls(Outcome.PENDING, detail=detail)

    @classmethod
    def failed(cls, code: str, text: str, **detail: Any) -> SendOutcome:
        return cls(Outcome.FAILED, code=code, text=text, detail=detail)

    @classmethod
    def retry(cls, code: str, text: str, after: float | None = None, **detail: Any) -> SendOutcome:
        return cls(Outcome.RETRY, code=code, text=text, retry_after=after, detail=detail)

    @classmethod
    def unknown(cls, code: str, text: str, **detail: Any) -> SendOutcome:
        return cls(Outcome.UNKNOWN, code=code, text=text, detail=detail)

    @classmethod
    def rejected(cls, code: str, text: str, **detail: Any) -> SendOutcome:
        return cls(Outcome.REJECTED, code=code, text=text, detail=detail)


class SendRefused(Exception):
    """Raised by ``prepare``: the message must not be sent (invalid recipient, bad template…)."""

    def __init__(self, code: str, text: str):
        super().__init__(text)
        self.code, self.text = code, text


@dataclass(frozen=True)
class StatusEvent:
    """A provider's news about one message, in our status words (``notifications.status``)."""

    provider_message_id: str
    status: str
    recipient: str = ""  # E.164 when the provider tells us (used to adopt orphans)
    occurred_at: datetime | None = None
    error_code: str = ""
    error_text: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundText:
    """A message a recipient sent us: typed text or a quick-reply tap (``action`` and the id of
    our message it names, from the button's payload, when the provider passed one)."""

    sender: str  # E.164
    text: str
    occurred_at: datetime | None = None
    reply_id: str = ""  # the provider's id of this reply (deduplication)
    quoted_id: str = ""  # the provider's id of our message it answers
    is_button: bool = False
    action: str = ""
    message_ref: str = ""  # our message id, from the payload


@dataclass(frozen=True)
class WebhookBatch:
    """Everything one provider webhook body carried, normalized; ``unparsed`` elements are kept."""

    statuses: list[StatusEvent] = field(default_factory=list)
    inbound: list[InboundText] = field(default_factory=list)
    unparsed: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Prepared:
    """What ``prepare`` produced: the normalized recipient and the exact payload to store."""

    recipient: str
    payload: dict[str, Any]


class ChannelBackend(abc.ABC):
    """Base class of every channel backend; see the module docstring."""

    channel: ClassVar[str] = ""
    provider: ClassVar[str] = ""
    # What the provider taking a message means on this channel (e-mail: the mail server took it
    # = "sent"), and whether the provider can be asked about it later.
    accepted_status: ClassVar[str] = "accepted"
    polls: ClassVar[bool] = True

    def __init__(self, *, tenant_id) -> None:
        self.tenant_id = tenant_id

    @abc.abstractmethod
    def prepare(self, *, purpose: str, recipient: str, context: Mapping[str, Any]) -> Prepared:
        """Render and validate; raise ``SendRefused`` for what must not be sent."""

    @abc.abstractmethod
    def send(self, message: Message) -> SendOutcome:
        """One provider call for a claimed message. Answers, never raises, for provider errors."""

    def poll(self, message: Message) -> list[StatusEvent]:
        """Ask the provider what happened to a message (channels without polling: nothing)."""
        return []

    def is_opt_out(self, text: str) -> bool:
        """Whether an inbound text asks us to stop messaging its sender."""
        return text.strip().casefold() in ("stop", "unsubscribe")

    @classmethod
    def error_kind(cls, code: str) -> str:
        """The ``notifications.problems`` kind of one of this channel's error codes, or ''."""
        return ""

    @classmethod
    def parse_webhook(cls, data: Any) -> WebhookBatch:
        """Normalize a provider webhook body (channels without webhooks: everything unparsed)."""
        return WebhookBatch(unparsed=[data])
