"""Inbound provider webhooks: receive (store raw, then answer) and process (in a queued task).

The view only authenticates, caps, stores and answers; everything that could be slow or fail on
a strange body happens in ``process``, where each element is applied on its own and anything we
cannot apply is quarantined in the webhook row's ``result``, never dropped.
"""

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from config.json_depth import MAX_DEPTH, too_deep
from config.text import REPLACEMENT, UNSTORABLE
from notifications.channels import backend_class, get_backend
from notifications.hooks import recipient_opted_out
from notifications.logs import mask_phone
from notifications.models import InboundWebhook
from notifications.queue import enqueue_webhook
from notifications.replies import record_reply
from notifications.status_events import apply_event

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
KEPT_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR")
# A stored webhook is applied within milliseconds of its task starting: one still ``received``
# after a minute lost its task (a broker restart, a killed queue host's prefetched tasks) and
# runs again at the next sweep; running twice is harmless (the claim is conditional). One left
# ``processing`` may still be running, so it waits longer before it is taken back.
LOST_TASK_AFTER = timedelta(minutes=1)
DIED_AFTER = timedelta(minutes=5)
Stored = InboundWebhook.State


def headers_of(meta) -> dict[str, str]:
    """Headers worth keeping; never cookies or credentials."""
    kept = {k: str(v)[:500] for k, v in meta.items() if k in KEPT_HEADERS}
    kept["REMOTE_ADDR"] = str(meta.get("REMOTE_ADDR", ""))
    return kept


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")  # NaN/Infinity could not be stored back as JSON


class NestedTooDeeply(ValueError):
    """Valid JSON perhaps, but nested beyond ``MAX_DEPTH``: refused before decoding."""


def parse_json(body: bytes):
    """The decoded body, or raise ``ValueError`` (``NestedTooDeeply`` past the depth limit).

    NUL characters and lone UTF-16 surrogates in keys and strings become U+FFFD: PostgreSQL
    cannot hold NUL and no database can encode a lone surrogate, so an event detail or a result
    carrying one would fail to save and leave the webhook unprocessed. The raw body stays
    byte-exact in its row.
    """
    if too_deep(body):
        raise NestedTooDeeply(f"body nests deeper than {MAX_DEPTH} levels")
    return _storable(json.loads(body, parse_constant=_no_constants))


def _storable(value):
    if isinstance(value, str):
        return UNSTORABLE.sub(REPLACEMENT, value)
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    return value


def channel_for_provider(provider: str) -> str:
    for channel in settings.NOTIFICATIONS_CHANNELS:
        if backend_class(channel).provider == provider:
            return channel
    raise LookupError(provider)


def process(webhook_id) -> dict:
    """Apply every element of a stored webhook; safe to run twice (the claim is conditional)."""
    claimed = InboundWebhook.objects.filter(pk=webhook_id, state=Stored.RECEIVED).update(
        state=Stored.PROCESSING
    )
    if not claimed:
        return {}
    webhook = InboundWebhook.objects.get(pk=webhook_id)
    try:
        data = parse_json(bytes(webhook.body))
    except ValueError:
        return _finish(webhook, Stored.INVALID, {"error": "not JSON"})
    channel = channel_for_provider(webhook.provider)
    batch = backend_class(channel).parse_webhook(data)
    result = {
        "applied": 0,
        "recorded": 0,
        "adopted": 0,
        "orphan": 0,
        "opt_outs": 0,
        "replies": 0,
    }
    quarantined = []
    backend = get_backend(channel, webhook.channel_key or None)
    # One commit for the whole body, together with its "processed" mark: a crash midway rolls it
    # all back and the sweeper's re-run cannot record an event twice. Each element still applies
    # in its own savepoint, so one bad element is quarantined without losing the others.
    with transaction.atomic():
        _apply_all(webhook, batch, result, quarantined)
        for text in batch.inbound:
            if backend.is_opt_out(text.text):
                _opt_out(channel, webhook.channel_key, text)
                result["opt_outs"] += 1
            elif record_reply(
                provider=webhook.provider, reply=text, tenant_id=webhook.channel_key or None
            ):
                result["replies"] += 1
        result |= {"quarantined": quarantined, "unparsed": batch.unparsed[:50]}
        return _finish(webhook, Stored.PROCESSED, result)


def _apply_all(webhook, batch, result: dict, quarantined: list) -> None:
    for event in batch.statuses:
        try:
            with transaction.atomic():
                outcome = apply_event(
                    webhook.provider, event, source="webhook", webhook_id=webhook.pk
                )
        except DatabaseError as exc:
            quarantined.append(
                {"id": event.provider_message_id, "status": event.status, "error": str(exc)[:300]}
            )
        else:
            result[outcome] += 1


def _opt_out(channel: str, channel_key: str, text) -> None:
    logger.info("Opt-out received on %s from %s", channel, mask_phone(text.sender))
    recipient_opted_out.send(
        sender=InboundWebhook,
        channel=channel,
        recipient=text.sender,
        tenant_id=channel_key or None,
        occurred_at=text.occurred_at or timezone.now(),
    )


def _finish(webhook: InboundWebhook, state: str, result: dict) -> dict:
    webhook.state, webhook.result, webhook.processed_at = state, result, timezone.now()
    webhook.save(update_fields=["state", "result", "processed_at"])
    return result


def requeue_stuck_webhooks(now) -> int:
    """Webhooks whose task was lost (received) or died midway (processing) get another run."""
    stuck = InboundWebhook.objects.filter(
        Q(state=Stored.RECEIVED, received_at__lt=now - LOST_TASK_AFTER)
        | Q(state=Stored.PROCESSING, received_at__lt=now - DIED_AFTER)
    )
    ids = list(stuck.values_list("pk", flat=True)[:500])
    InboundWebhook.objects.filter(pk__in=ids, state=Stored.PROCESSING).update(state=Stored.RECEIVED)
    for webhook_id in ids:
        enqueue_webhook(webhook_id)
    return len(ids)
