"""Delivery attempts: the one door of the webhook delivery state machine.

``_move`` is the only code that assigns ``WebhookDelivery.status``: a conditional UPDATE from
the states ``MOVES`` allows. A worker claims a delivery (``pending → sending``, attempt + 1,
lease) and commits before the HTTP call; it writes the outcome only while it still holds that
attempt. A worker that dies in between leaves the lease to expire: the sweeper claims the
delivery again, logs the lost attempt, and the event goes out again under the same id
(receivers dedupe on ``webhook-id``) — delivered at least once, never lost (invariant N7).
"""

import logging
import random
from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billing.models import Membership, Role
from billing.webhooks import signing, ssrf, transport
from billing.webhooks.errors import DeliveryError
from billing.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
Status = WebhookDelivery.Status

# Seconds to wait before each attempt (reliability.md § Integrator webhooks), ±10 % jitter.
SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
JITTER = 0.10
LEASE = timedelta(seconds=transport.TIMEOUT_SECONDS * 2 + 30)
DISABLE_AFTER = timedelta(days=5)

MOVES: dict[str, frozenset[str]] = {
    Status.SENDING: frozenset({Status.PENDING, Status.SENDING}),  # claim, or reclaim a lost one
    Status.PENDING: frozenset({Status.SENDING}),  # retry later
    Status.DELIVERED: frozenset({Status.SENDING}),
    Status.FAILED: frozenset({Status.PENDING, Status.SENDING}),
}


def _move(delivery_id, to: str, *, where: Q, now: datetime, **fields) -> bool:
    """The only place that assigns ``WebhookDelivery.status``."""
    rows = WebhookDelivery.objects.filter(where, pk=delivery_id, status__in=MOVES[to])
    return bool(rows.update(status=to, updated_at=now, **fields))


def next_delay(attempt: int, *, retry_after: float | None = None) -> float | None:
    """Seconds before the attempt after ``attempt`` (1-based), None when none is left.

    ``Retry-After`` is honoured up to the schedule's next step (a receiver cannot push a
    retry past it); otherwise the step with ±10 % jitter.
    """
    if attempt >= len(SCHEDULE):
        return None
    step = SCHEDULE[attempt]
    if retry_after is not None:
        return min(retry_after, step)
    return step * random.uniform(1 - JITTER, 1 + JITTER)


def due(now: datetime):
    """Deliveries a worker should try now: pending and due, or sending with a lapsed lease."""
    return WebhookDelivery.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Status.SENDING, lease_until__lt=now)
    )


def claim(delivery_id, *, now: datetime) -> WebhookDelivery | None:
    """Take the next attempt of a due delivery; None when it is not due or another worker has
    it. A lapsed attempt is logged as lost before the new one starts."""
    with transaction.atomic():
        found = due(now).filter(pk=delivery_id).select_related("event", "endpoint").first()
        if found is None:
            return None
        held, lapsed = Q(attempts=found.attempts), found.status == Status.SENDING
        found.attempts, found.lease_until = found.attempts + 1, now + LEASE
        fields = {"attempts": found.attempts, "lease_until": found.lease_until}
        if not _move(delivery_id, Status.SENDING, where=held, now=now, **fields):
            return None
        if lapsed:
            _log_lost(delivery_id, found.attempts - 1, now)
    found.status = Status.SENDING
    return found


def _log_lost(delivery_id, number: int, now: datetime) -> None:
    WebhookAttempt.objects.get_or_create(
        delivery_id=delivery_id,
        number=number,
        defaults={"started_at": now, "error": "outcome lost: the worker stopped mid-attempt"},
    )


def attempt(delivery_id, *, now: datetime | None = None) -> str | None:
    """Claim, send and record one attempt of a delivery; returns the status it ended in (None
    when there was nothing to do)."""
    now = now or timezone.now()
    delivery = claim(delivery_id, now=now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        _finish(delivery, Status.FAILED, now=now, error="endpoint disabled")
        return Status.FAILED
    try:
        answer = _send(delivery, now)
    except DeliveryError as exc:
        return _failed(delivery, now=now, error=str(exc)[:300])
    if 200 <= answer.status < 300:
        _finish(delivery, Status.DELIVERED, now=now, answer=answer)
        if endpoint.failing_since is not None:  # the streak ends (no write when there is none)
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        return Status.DELIVERED
    if answer.status == 410:
        _finish(delivery, Status.FAILED, now=now, answer=answer)
        endpoint_disable(endpoint=endpoint, reason=WebhookEndpoint.DisabledReason.GONE, now=now)
        return Status.FAILED
    return _failed(delivery, now=now, answer=answer, retry_after=answer.retry_after)


def _send(delivery: WebhookDelivery, now: datetime) -> transport.Answer:
    target = ssrf.vet(delivery.endpoint.url)
    body = delivery.event.body
    headers = signing.headers(
        delivery.endpoint.signing_secrets(now),
        msg_id=delivery.event_id,
        timestamp=now,  # the attempt's clock: a new timestamp and signature per attempt
        body=body,
    )
    return transport.post(target, body=body.encode(), headers=headers)


def _failed(delivery, *, now, error="", answer=None, retry_after=None) -> str:
    delay = next_delay(delivery.attempts, retry_after=retry_after)
    if delay is None:
        _finish(delivery, Status.FAILED, now=now, error=error, answer=answer)
        status = Status.FAILED
    else:
        _finish(delivery, Status.PENDING, now=now, error=error, answer=answer, delay=delay)
        status = Status.PENDING
    _note_failure(delivery.endpoint, now)
    return status


def _finish(delivery, to: str, *, now, error="", answer=None, delay: float = 0.0) -> None:
    """Write the attempt and the move together, only while this worker holds the attempt."""
    fields = {"lease_until": None}
    if to == Status.PENDING:
        fields["next_attempt_at"] = now + timedelta(seconds=delay)
    with transaction.atomic():
        held = Q(status=Status.SENDING, attempts=delivery.attempts)
        if not _move(delivery.pk, to, where=held, now=now, **fields):
            return  # the lease lapsed and another worker took over (it logs this attempt)
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=now,
            status_code=answer.status if answer else None,
            duration_ms=answer.duration_ms if answer else 0,
            error=error,
            response_excerpt=answer.excerpt if answer else "",
        )


def _note_failure(endpoint: WebhookEndpoint, now: datetime) -> None:
    """Start the endpoint's failure streak; five days of it disable the endpoint."""
    rows = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    rows.filter(failing_since__isnull=True).update(failing_since=now)
    if rows.filter(failing_since__lte=now - DISABLE_AFTER, enabled=True).exists():
        endpoint_disable(endpoint=endpoint, reason=WebhookEndpoint.DisabledReason.FAILING, now=now)


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str, now: datetime) -> bool:
    """Disable an endpoint once (the first caller wins); a failing one e-mails the admins."""
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
            enabled=False, disabled_reason=reason, disabled_at=now, updated_at=now
        )
        if changed and reason == WebhookEndpoint.DisabledReason.FAILING:
            transaction.on_commit(lambda: _mail_admins(endpoint))
    if changed:
        log.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)
    return bool(changed)


def _mail_admins(endpoint: WebhookEndpoint) -> None:
    recipients = list(
        Membership.objects.filter(organization_id=endpoint.organization_id, role=Role.ADMIN)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if recipients:
        send_mail(
            "Webhook endpoint disabled",
            f"The webhook endpoint {endpoint.url} failed every delivery for 5 days and was "
            "disabled. Fix the receiver, then re-enable it in the admin or with PATCH "
            f"/api/v0/webhooks/{endpoint.pk} (enabled: true).",
            None,
            recipients,
        )
