"""Event production: the one way an event row (and its deliveries) comes to exist.

Producers call ``event_raise`` inside the transaction of the change they report, so the event
commits or rolls back with it; delivery is queued only after commit.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.money import dumps
from billing.webhooks.models import ONCE_ONLY_TYPES, WebhookDelivery, WebhookEndpoint, WebhookEvent

EVENT_TYPES = (
    "invoice.created",
    "invoice.updated",
    "invoice.deleted",
    "invoice.finalized",
    "invoice.sent",
    "invoice.delivery_failed",
    "invoice.payment_recorded",
    "invoice.paid",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "invoice.overdue",
    "invoice.reminder_sent",
    "invoice.disputed",
    "message.status_changed",
    "customer.opted_out",
    "webhook.test",
)
STATUS_EVENTS = {
    "OPEN": "invoice.finalized",
    "PAID": "invoice.paid",
    "VOID": "invoice.voided",
    "UNCOLLECTIBLE": "invoice.marked_uncollectible",
}

# The contract's bound on a payload (JSON, UTF-8): larger ones are trimmed, see ``_trimmed``.
MAX_BODY_BYTES = 64 * 1024


@dataclass
class EventSpec:
    """What happened: its type, the invoice it is about (if any) and the other objects."""

    type: str
    invoice: object = None
    objects: Mapping[str, object] = field(default_factory=dict)


def timestamp_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _body(event: WebhookEvent, spec: EventSpec) -> str:
    from billing.api.serializers.invoices import invoice_data

    payload = {
        "id": event.id,
        "type": spec.type,
        "event": spec.type,
        "timestamp": timestamp_text(event.created_at),
    }
    if spec.invoice is not None:
        payload["invoice"] = invoice_data(spec.invoice)
    payload.update(spec.objects)
    body = _encode(payload)
    if len(body.encode()) >= MAX_BODY_BYTES:
        body = _encode(_trimmed(payload))
    return body


def _encode(payload: dict) -> str:
    return dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _trimmed(payload: dict) -> dict:
    """A payload that would reach 64 KB loses its invoice's items and all but the last event
    of its message's timeline, and says so with ``truncated``: the receiver fetches the full
    objects from the API (``GET /api/v0/invoices/{id}`` and ``…/messages``)."""
    trimmed = {**payload, "truncated": True}
    if "invoice" in trimmed:
        trimmed["invoice"] = {**trimmed["invoice"], "items": []}
    message = trimmed.get("message")
    if isinstance(message, dict) and message.get("events"):
        trimmed["message"] = {**message, "events": message["events"][-1:]}
    return trimmed


def _new_event(organization, spec: EventSpec, now: datetime) -> WebhookEvent:
    event = WebhookEvent(
        organization=organization,
        type=spec.type,
        invoice_id=spec.invoice.pk if spec.invoice is not None else None,
        created_at=now,
    )
    event.body = _body(event, spec)
    return event


def subscribed_endpoints(organization) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(organization=organization, enabled=True))


def events_raise(
    *,
    organization,
    specs: Sequence[EventSpec],
    fresh: bool = False,
    now: datetime | None = None,
    endpoints: Sequence[WebhookEndpoint] | None = None,
) -> list[WebhookEvent]:
    """Write the events and one delivery per matching enabled endpoint, in the caller's
    transaction; their delivery is queued on commit.

    A once-only event already raised for its invoice is skipped (the database's unique
    constraint decides, inside a savepoint). ``fresh`` says the invoices were created in this
    very transaction: nothing can collide, so the events go in one statement. ``endpoints``
    narrows delivery to those (a test event is for one endpoint).
    """
    if not specs:
        return []
    now = now or timezone.now()
    events = [_new_event(organization, spec, now) for spec in specs]
    if fresh:
        WebhookEvent.objects.bulk_create(events)
    else:
        events = [event for event in events if _insert_once(event)]
    if endpoints is None:
        endpoints = subscribed_endpoints(organization) if events else []
    deliveries_create(events, endpoints, now=now)
    return events


def event_raise(
    *, organization, type: str, invoice=None, now=None, **objects
) -> WebhookEvent | None:
    """One event (see ``events_raise``); None when a once-only event was raised already."""
    raised = events_raise(
        organization=organization, specs=[EventSpec(type, invoice, objects)], now=now
    )
    return raised[0] if raised else None


def _insert_once(event: WebhookEvent) -> bool:
    if event.type not in ONCE_ONLY_TYPES:
        event.save(force_insert=True)
        return True
    try:
        with transaction.atomic():
            event.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def deliveries_create(
    events: Sequence[WebhookEvent], endpoints: Sequence[WebhookEndpoint], *, now: datetime
) -> None:
    """One delivery per event and enabled endpoint subscribed to it, queued on commit."""
    deliveries = [
        WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now)
        for event in events
        for endpoint in endpoints
        if endpoint.enabled and (endpoint.subscribes(event.type) or event.type == "webhook.test")
    ]
    if deliveries:
        WebhookDelivery.objects.bulk_create(deliveries)
        queue_deliveries([d.pk for d in deliveries])


def queue_deliveries(delivery_ids: Sequence) -> None:
    """Wake the queue for these deliveries, never before they are committed.

    With the ORM broker on the same database the task row is inserted in the very transaction:
    it becomes visible with the deliveries, and the request pays no second write transaction
    (on SQLite a second one costs a quarter of invoice-creation throughput). Otherwise (Redis,
    or the synchronous queue of the tests) the task is pushed on commit.
    """
    from notifications.queue import enqueue

    ids = [str(pk) for pk in delivery_ids]

    def wake():
        # One task per delivery: the workers share a bulk's deliveries, and one slow receiver
        # (15 s per attempt) cannot push a task past the cluster's timeout.
        for pk in ids:
            enqueue("billing.webhooks.tasks.deliver", pk)

    if _broker_commits_with_us():
        wake()
    else:
        transaction.on_commit(wake)


def _broker_commits_with_us() -> bool:
    from django_q.conf import Conf

    connection = transaction.get_connection()
    return (
        not Conf.SYNC
        and not getattr(Conf, "REDIS", None)
        and connection.alias == Conf.ORM
        and connection.in_atomic_block
    )
