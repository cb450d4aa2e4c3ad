"""Helpers for the webhook tests (the receiver itself is in ``tests.webhooks.receiver``)."""

from billing.webhooks.models import WebhookEndpoint, WebhookEvent


def event_types(organization, **filters) -> list[str]:
    rows = WebhookEvent.objects.filter(organization=organization, **filters)
    return list(rows.order_by("created_at", "id").values_list("type", flat=True))


def endpoint(organization, url="http://127.0.0.1:9/hooks", events=("*",), **fields):
    return WebhookEndpoint.objects.create(
        organization=organization, url=url, events=list(events), **fields
    )
