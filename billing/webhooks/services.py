"""Endpoint management, test events and redelivery: what the API and the admin call."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from billing.webhooks import ssrf
from billing.webhooks.errors import InvalidEndpoint
from billing.webhooks.events import EVENT_TYPES, EventSpec, deliveries_create, events_raise
from billing.webhooks.models import WebhookEndpoint, WebhookEvent, new_secret

ROTATION_GRACE = timedelta(hours=24)
MAX_URL_LENGTH = 1000
SUBSCRIBABLE = tuple(t for t in EVENT_TYPES if t != "webhook.test")


def event_filter_problems(events) -> list[str]:
    if not isinstance(events, list) or not events:
        return ["events should not be empty"]
    unknown = [e for e in events if e != "*" and e not in SUBSCRIBABLE]
    if unknown:
        return [f"events has unknown event types: {', '.join(map(str, unknown))}"]
    return []


def validate_endpoint(*, url: str | None = None, events=None) -> None:
    """Raise ``InvalidEndpoint`` listing every problem of a URL and/or event filter."""
    problems = []
    if url is not None:
        if len(url) > MAX_URL_LENGTH:
            problems.append(f"url must be at most {MAX_URL_LENGTH} characters")
        else:
            try:
                ssrf.check_registration(url)
            except InvalidEndpoint as exc:
                problems += exc.messages
    if events is not None:
        problems += event_filter_problems(events)
    if problems:
        raise InvalidEndpoint(problems)


def endpoint_create(*, organization, url: str, events: list[str], description: str = ""):
    validate_endpoint(url=url, events=events)
    return WebhookEndpoint.objects.create(
        organization=organization,
        url=url,
        events=list(dict.fromkeys(events)),
        description=description,
    )


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, **fields) -> WebhookEndpoint:
    """PATCH: ``url``, ``events``, ``enabled``, ``description``. Enabling again clears the
    reason and the failure streak; events raised while disabled stay undelivered."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    validate_endpoint(url=fields.get("url"), events=fields.get("events"))
    changed = [name for name in ("url", "description") if name in fields]
    for name in changed:
        setattr(endpoint, name, fields[name])
    if "events" in fields:
        endpoint.events = list(dict.fromkeys(fields["events"]))
        changed.append("events")
    if "enabled" in fields and fields["enabled"] != endpoint.enabled:
        changed += _set_enabled(endpoint, fields["enabled"])
    endpoint.save(update_fields=[*changed, "updated_at"])
    return endpoint


def _set_enabled(endpoint: WebhookEndpoint, enabled: bool) -> list[str]:
    endpoint.enabled = enabled
    if enabled:
        endpoint.disabled_reason, endpoint.disabled_at, endpoint.failing_since = "", None, None
    else:
        endpoint.disabled_reason = WebhookEndpoint.DisabledReason.MANUAL
        endpoint.disabled_at = timezone.now()
    return ["enabled", "disabled_reason", "disabled_at", "failing_since"]


def endpoint_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return endpoint_update(endpoint=endpoint, enabled=True)


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, now: datetime | None = None
) -> WebhookEndpoint:
    """A new secret; the one it replaces keeps signing (alongside) for 24 hours."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret, endpoint.secret = endpoint.secret, new_secret()
    endpoint.previous_secret_expires_at = (now or timezone.now()) + ROTATION_GRACE
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    return endpoint


@transaction.atomic
def endpoint_send_test(*, endpoint: WebhookEndpoint) -> WebhookEvent:
    """A ``webhook.test`` event for this endpoint only, sent by the queue right after commit."""
    [event] = events_raise(
        organization=endpoint.organization,
        specs=[EventSpec("webhook.test", None, {"endpoint": {"id": str(endpoint.pk)}})],
        endpoints=[endpoint] if endpoint.enabled else [],
    )
    return event


@transaction.atomic
def event_redeliver(*, event: WebhookEvent) -> int:
    """Queue the event again (same id) for every enabled endpoint that matches it now,
    including those disabled when it was raised; returns the number of deliveries."""
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(organization_id=event.organization_id, enabled=True)
        if e.subscribes(event.type)
    ]
    deliveries_create([event], endpoints, now=timezone.now())
    return len(endpoints)
