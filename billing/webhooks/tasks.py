"""Queue tasks: each takes ids, loads the rows and calls one service."""

from django.utils import timezone

from billing.webhooks import delivery
from billing.webhooks.events import queue_deliveries

SWEEP_BATCH = 500


def deliver(*delivery_ids: str) -> None:
    for delivery_id in delivery_ids:
        delivery.attempt(delivery_id)


def sweep() -> int:
    """Every minute: wake the deliveries that are due (retries, and attempts whose worker
    died). Claims are conditional, so a delivery woken twice is attempted once."""
    ids = list(delivery.due(timezone.now()).values_list("pk", flat=True)[:SWEEP_BATCH])
    for pk in ids:
        queue_deliveries([pk])  # one task each: the workers share them
    return len(ids)
