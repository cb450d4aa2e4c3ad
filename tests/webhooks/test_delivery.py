"""Delivery against a real HTTP receiver on 127.0.0.1, with a controllable clock."""

import base64
import hashlib
import hmac
import json
import socket
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from billing.models import Membership, Role
from billing.webhooks import delivery, transport
from billing.webhooks.events import event_raise
from billing.webhooks.models import WebhookDelivery, WebhookEndpoint
from billing.webhooks.signing import signature
from tests.factories import OrganizationFactory
from tests.webhooks.support import endpoint

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


def test_known_answer_vector_of_the_reference_library():
    # The Standard Webhooks specification's own test vector.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    when = datetime.fromtimestamp(1614265330, tz=UTC)
    signed = signature(
        [secret], msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=when, body='{"test": 2432232314}'
    )
    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def raise_test_event(target: WebhookEndpoint):
    with transaction.atomic():
        event = event_raise(organization=target.organization, type="webhook.test")
    return WebhookDelivery.objects.get(event=event, endpoint=target)


def hand_hmac(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def test_a_delivery_verifies_with_the_library_and_by_hand(receiver):
    target = endpoint(OrganizationFactory(), url=receiver.url)
    sent = raise_test_event(target)
    assert delivery.attempt(sent.pk) == Status.DELIVERED

    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    body = Webhook(target.secret).verify(request.body, headers)
    assert (body["id"], body["type"], body["event"]) == (
        sent.event_id,
        "webhook.test",
        "webhook.test",
    )
    assert headers["webhook-id"] == sent.event_id
    assert headers["webhook-signature"] == hand_hmac(
        target.secret, sent.event_id, headers["webhook-timestamp"], request.body
    )
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "Duebell-Webhooks/0.1.0"
    assert request.body == sent.event.body.encode()
    [logged] = sent.log.all()
    assert (logged.number, logged.status_code, logged.error, logged.response_excerpt) == (
        1,
        200,
        "",
        "ok",
    )


def test_during_a_rotation_both_secrets_verify(receiver):
    target = endpoint(OrganizationFactory(), url=receiver.url)
    old = target.secret
    target.previous_secret, target.secret = old, "whsec_" + base64.b64encode(b"n" * 32).decode()
    target.previous_secret_expires_at = timezone.now() + timedelta(hours=24)
    target.save()
    assert delivery.attempt(raise_test_event(target).pk) == Status.DELIVERED

    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, target.secret):
        assert Webhook(secret).verify(request.body, headers)["type"] == "webhook.test"


def sig_parts(request) -> tuple:
    h = {k.lower(): v for k, v in request.headers.items()}
    return h["webhook-id"], h["webhook-timestamp"], h["webhook-signature"]


def test_500s_follow_the_schedule_with_one_id_new_timestamps_then_fail(receiver, monkeypatch):
    monkeypatch.setattr(delivery.random, "uniform", lambda a, b: 1.0)  # jitter checked below
    receiver.default = (500, {}, 0.0)
    target = endpoint(OrganizationFactory(), url=receiver.url)
    sent = raise_test_event(target)
    now = timezone.now()
    waits = []
    for number in range(1, 11):
        assert delivery.attempt(sent.pk, now=now - timedelta(seconds=1)) is None  # not due yet
        status = delivery.attempt(sent.pk, now=now)
        sent.refresh_from_db()
        waits.append((sent.next_attempt_at - now).total_seconds())
        assert status == (Status.PENDING if number < 10 else Status.FAILED)
        now = sent.next_attempt_at if number < 10 else now

    assert waits[:9] == [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
    assert (sent.status, sent.attempts, sent.log.count()) == (Status.FAILED, 10, 10)
    assert list(sent.log.values_list("status_code", flat=True)) == [500] * 10
    parts = [sig_parts(r) for r in receiver.requests]
    assert {p[0] for p in parts} == {sent.event_id}
    assert len({p[1] for p in parts}) == 10 and len({p[2] for p in parts}) == 10


def test_jitter_stays_within_ten_percent():
    delays = [delivery.next_delay(2) for _ in range(200)]
    assert min(delays) >= 270 and max(delays) <= 330 and len(set(delays)) > 1
    assert delivery.next_delay(10) is None


def test_retry_after_is_honoured_up_to_the_next_step(receiver):
    receiver.script = [(503, {"Retry-After": "2"}, 0.0), (429, {"Retry-After": "3600"}, 0.0)]
    target = endpoint(OrganizationFactory(), url=receiver.url)
    sent = raise_test_event(target)
    now = timezone.now()
    assert delivery.attempt(sent.pk, now=now) == Status.PENDING
    sent.refresh_from_db()
    assert sent.next_attempt_at == now + timedelta(seconds=2)
    later = sent.next_attempt_at
    assert delivery.attempt(sent.pk, now=later) == Status.PENDING
    sent.refresh_from_db()
    assert sent.next_attempt_at == later + timedelta(seconds=300)


def test_a_timeout_is_an_error_and_a_retry(receiver, monkeypatch):
    monkeypatch.setattr(transport, "TIMEOUT_SECONDS", 0.3)
    receiver.script = [(200, {}, 1.5)]
    sent = raise_test_event(endpoint(OrganizationFactory(), url=receiver.url))
    assert delivery.attempt(sent.pk) == Status.PENDING
    [logged] = sent.log.all()
    assert (logged.status_code, logged.error) == (None, "timed out")


def test_a_redirect_is_not_followed(receiver):
    receiver.script = [(302, {"Location": "http://127.0.0.1:9/elsewhere"}, 0.0)]
    sent = raise_test_event(endpoint(OrganizationFactory(), url=receiver.url))
    assert delivery.attempt(sent.pk) == Status.PENDING
    assert len(receiver.requests) == 1
    assert list(sent.log.values_list("status_code", flat=True)) == [302]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_endpoint_that_is_down_is_retried():
    sent = raise_test_event(
        endpoint(OrganizationFactory(), url=f"http://127.0.0.1:{closed_port()}/x")
    )
    assert delivery.attempt(sent.pk) == Status.PENDING
    [logged] = sent.log.all()
    assert (logged.status_code, logged.error) == (None, "connection refused or unreachable")


def test_410_disables_the_endpoint_at_once_and_later_events_skip_it(receiver):
    receiver.script = [(410, {}, 0.0)]
    target = endpoint(OrganizationFactory(), url=receiver.url)
    sent = raise_test_event(target)
    assert delivery.attempt(sent.pk) == Status.FAILED
    target.refresh_from_db()
    assert (target.enabled, target.disabled_reason) == (False, "gone")
    with transaction.atomic():
        later = event_raise(organization=target.organization, type="webhook.test")
    assert later.deliveries.count() == 0


def test_five_days_of_failure_disable_and_mail_the_admins(
    receiver, mailoutbox, django_user_model, django_capture_on_commit_callbacks
):
    org = OrganizationFactory()
    boss = django_user_model.objects.create_user("owner", "owner@example.com", "pw")
    clerk = django_user_model.objects.create_user("clerk", "clerk@example.com", "pw")
    Membership.objects.create(user=boss, organization=org, role=Role.ADMIN)
    Membership.objects.create(user=clerk, organization=org, role=Role.CLERK)
    receiver.default = (500, {}, 0.0)
    target = endpoint(org, url=receiver.url)
    first = raise_test_event(target)
    start = timezone.now()
    assert delivery.attempt(first.pk, now=start) == Status.PENDING
    target.refresh_from_db()
    assert (target.enabled, target.failing_since) == (True, start)

    second = raise_test_event(target)
    with django_capture_on_commit_callbacks(execute=True):
        delivery.attempt(second.pk, now=start + timedelta(days=5))
    target.refresh_from_db()
    assert (target.enabled, target.disabled_reason) == (False, "failing")
    [mail] = mailoutbox
    assert (mail.to, mail.subject) == (["owner@example.com"], "Webhook endpoint disabled")
    # the pending retry of the first delivery is not sent to a disabled endpoint
    count = len(receiver.requests)
    assert delivery.attempt(first.pk, now=start + timedelta(days=6)) == Status.FAILED
    assert len(receiver.requests) == count


def test_a_success_ends_the_failure_streak(receiver):
    receiver.script = [(500, {}, 0.0)]
    target = endpoint(OrganizationFactory(), url=receiver.url)
    sent = raise_test_event(target)
    now = timezone.now()
    delivery.attempt(sent.pk, now=now)
    assert delivery.attempt(sent.pk, now=now + timedelta(seconds=10)) == Status.DELIVERED
    target.refresh_from_db()
    assert target.failing_since is None
    assert json.loads(sent.event.body)["type"] == "webhook.test"
