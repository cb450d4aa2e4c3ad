"""A real queue worker is killed after the sandbox accepted a message, before the answer was saved.

No second sendTemplate may follow; the lease expires into ``unknown``; the later ack adopts it.
"""

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_q.conf import Conf

from billing.services.actors import Actor
from billing.services.whatsapp import invoice_send_whatsapp
from notifications import pipeline
from notifications import status as st
from notifications.models import Message
from notifications.queue import enqueue_send
from tests.api.server import database_url
from tests.notifications.test_whatsapp_sandbox import wait_for
from tests.notifications.whatsapp_support import seed_invoice

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def start_cluster(sandbox_url: str) -> subprocess.Popen:
    # Same broker as this process (ORM, or Redis when REDIS_URL is set): the task enqueued
    # here must reach the cluster started here.
    env = {**os.environ, "DATABASE_URL": database_url(), "ONEMSG_BASE_URL": sandbox_url}
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: killed together below
    )


def test_killed_worker_leaves_unknown_then_the_ack_adopts_it(
    sandbox, live_server, monkeypatch, settings
):
    sandbox.config.hang = 60  # phone ending 07: recorded (accepted), then no answer
    sandbox.config.ack_delay = 2.0
    monkeypatch.setattr(pipeline, "enqueue_send", lambda message_id: None)
    invoice = seed_invoice(phone="+79001234507")
    message = invoice_send_whatsapp(invoice=invoice, actor=Actor(label="test")).message
    monkeypatch.setattr(Conf, "SYNC", False)
    enqueue_send(message.pk)  # on the real broker, for the real cluster
    cluster = start_cluster(sandbox.url)
    try:
        assert wait_for(lambda: len(sandbox.sends) == 1, seconds=30)
    finally:
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait(timeout=10)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider_message_id) == (st.SENDING, 1, None)

    Message.objects.filter(pk=message.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    monkeypatch.setattr(Conf, "SYNC", True)
    assert pipeline.sweep()["unknown"] == 1
    assert Message.objects.get(pk=message.pk).status == st.UNKNOWN

    settings.ONEMSG_WEBHOOK_TOKEN = "crash-" + "k" * 40
    sandbox.webhook_urls = [f"{live_server.url}/hooks/1msg/{settings.ONEMSG_WEBHOOK_TOKEN}/"]
    assert wait_for(lambda: Message.objects.get(pk=message.pk).status == st.READ, seconds=15)
    pipeline.sweep()
    message.refresh_from_db()
    assert message.provider_message_id == sandbox.sends[0]["answer"]["id"]
    assert len(sandbox.sends) == 1  # never a second sendTemplate
    assert list(message.events.values_list("status", "source")) == [
        ("sending", "system"),
        ("unknown", "system"),
        ("sent", "webhook"),
        ("delivered", "webhook"),
        ("read", "webhook"),
    ]
