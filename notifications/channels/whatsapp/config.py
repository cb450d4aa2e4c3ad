"""Where a tenant's 1MSG channel settings come from: its own row, else the ONEMSG_* settings."""

import secrets
import time
from dataclasses import dataclass

from django.conf import settings

DEFAULT_OPT_OUT_WORDS = ("stop", "unsubscribe", "стоп", "отписаться")


@dataclass(frozen=True)
class OneMsgConfig:
    base_url: str
    channel_id: str
    token: str
    opt_out_words: tuple[str, ...] = DEFAULT_OPT_OUT_WORDS

    def url(self, method: str) -> str:
        return f"{self.base_url.rstrip('/')}/{self.channel_id}/{method}"

    def redact(self, text: str) -> str:
        """1MSG echoes a wrong token back in its error text: never store or log it."""
        return text.replace(self.token, "***") if self.token else text


def _words(extra: str) -> tuple[str, ...]:
    words = [w.strip().casefold() for w in extra.split(",") if w.strip()]
    return (*DEFAULT_OPT_OUT_WORDS, *words)


CACHE_SECONDS = 30.0  # an edited channel takes effect in every worker within this time
_cache: dict[tuple, tuple[float, OneMsgConfig]] = {}


def channel_config(tenant_id) -> OneMsgConfig:
    """The tenant's settings, cached briefly per process (one query less per send)."""
    key = (
        str(tenant_id),
        settings.ONEMSG_BASE_URL,
        settings.ONEMSG_CHANNEL_ID,
        settings.ONEMSG_TOKEN,
    )
    cached = _cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    config = _load(tenant_id)
    _cache[key] = (time.monotonic() + CACHE_SECONDS, config)
    return config


def _load(tenant_id) -> OneMsgConfig:
    from notifications.models import WhatsAppChannel

    row = WhatsAppChannel.objects.filter(tenant_id=tenant_id).first() if tenant_id else None
    if row is None:
        return OneMsgConfig(
            settings.ONEMSG_BASE_URL, settings.ONEMSG_CHANNEL_ID, settings.ONEMSG_TOKEN
        )
    own_channel = bool(row.channel_id)
    return OneMsgConfig(
        base_url=row.base_url or settings.ONEMSG_BASE_URL,
        channel_id=row.channel_id if own_channel else settings.ONEMSG_CHANNEL_ID,
        token=row.token if own_channel else settings.ONEMSG_TOKEN,
        opt_out_words=_words(row.opt_out_words),
    )


def _matches(candidates, token: str):
    """The key of the candidate equal to ``token``; every candidate is compared in constant
    time, and all of them are compared, so timing says nothing about which one matched."""
    found = None
    for key, secret in candidates:
        if secret and secrets.compare_digest(secret.encode(), token.encode()) and found is None:
            found = key
    return found


def match_webhook_token(token: str) -> str | None:
    """The channel key ('' = default channel, else the tenant id) whose secret is ``token``."""
    from notifications.models import WhatsAppChannel

    default = [("", settings.ONEMSG_WEBHOOK_TOKEN), ("", settings.ONEMSG_PREVIOUS_WEBHOOK_TOKEN)]
    if _matches(default, token) is not None:
        return ""  # the common case needs no query
    rows = WhatsAppChannel.objects.exclude(webhook_token="").values_list(
        "tenant_id", "webhook_token", "previous_webhook_token"
    )
    own = [(str(t), secret) for t, current, previous in rows for secret in (current, previous)]
    return _matches(own, token)


def opt_out_words(channel_key: str) -> tuple[str, ...]:
    return channel_config(channel_key or None).opt_out_words
