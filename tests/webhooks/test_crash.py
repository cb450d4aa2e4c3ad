"""A real queue worker is killed after the receiver got the request, before the attempt was
saved: the event is delivered again under the same id, never lost (invariant N7)."""

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from django_q.conf import Conf

from billing.webhooks import tasks
from billing.webhooks.events import event_raise
from billing.webhooks.models import WebhookDelivery
from tests.api.server import database_url
from tests.factories import OrganizationFactory
from tests.notifications.test_whatsapp_sandbox import wait_for
from tests.webhooks.support import endpoint

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def start_cluster() -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url()}
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def test_killed_worker_mid_attempt_then_the_sweeper_delivers_it_again(receiver, monkeypatch):
    receiver.script = [(200, {}, 60.0)]  # got the request, never answers in time
    target = endpoint(OrganizationFactory(), url=receiver.url)
    monkeypatch.setattr(Conf, "SYNC", False)
    with transaction.atomic():  # enqueued on commit, on the real broker
        event = event_raise(organization=target.organization, type="webhook.test")
    cluster = start_cluster()
    try:
        assert wait_for(lambda: len(receiver.requests) == 1, seconds=30)
    finally:
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait(timeout=10)
    sent = WebhookDelivery.objects.get(event=event)
    assert (sent.status, sent.attempts, sent.log.count()) == ("sending", 1, 0)

    WebhookDelivery.objects.filter(pk=sent.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    monkeypatch.setattr(Conf, "SYNC", True)
    assert tasks.sweep() == 1

    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == ("delivered", 2)
    assert list(sent.log.values_list("number", "status_code", "error")) == [
        (1, None, "outcome lost: the worker stopped mid-attempt"),
        (2, 200, ""),
    ]
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert ids == [event.id, event.id]
    assert tasks.sweep() == 0
