"""Two processes run the reminder job at the same moment against one database (file SQLite, or
PostgreSQL with DATABASE_URL): each step reaches the provider exactly once."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from billing.collections.models import Reminder, ReminderPolicy
from notifications.models import Message
from tests.api.server import database_url
from tests.factories import CustomerFactory, make_invoice

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

INVOICES = 12
# Runs the job until nothing is due; the queue is synchronous there, so the provider call
# happens inside the job (a real cluster only adds a hop). Both start at the same instant.
JOB = """
import time, django
django.setup()
from django.db import OperationalError
from django_q.conf import Conf
from billing.collections.sending import send_due
Conf.SYNC = True
start = float({start!r})
time.sleep(max(0.0, start - time.time()))
deadline = time.time() + 40
while time.time() < deadline:
    try:
        if not send_due():
            break
    except OperationalError:
        time.sleep(0.05)
"""


def spawn(sandbox_url: str, start: float) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "ONEMSG_BASE_URL": sandbox_url,
        "ONEMSG_CHANNEL_ID": "sandbox",
        "ONEMSG_TOKEN": "sandbox-token",
        "ONEMSG_TEMPLATE_NAMESPACE": "sandbox_namespace",
    }
    return subprocess.Popen(
        [sys.executable, "-c", JOB.format(start=start)],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_two_processes_running_the_job_send_each_step_once(org, sandbox):
    ReminderPolicy.objects.create(
        organization=org,
        steps=[0],
        window_start=0,
        window_end=1440,
        business_days=[1, 2, 3, 4, 5, 6, 7],
        min_gap_hours=0,
    )
    for n in range(INVOICES):
        customer = CustomerFactory(
            organization=org,
            phone=f"+790012345{n + 10}",
            preferred_channels=["whatsapp"],
            whatsapp_opted_in_at=timezone.now(),
        )
        make_invoice(
            org,
            status="OPEN",
            customer=customer,
            delivery="MANUALLY",
            due_date=timezone.localdate() + timedelta(days=2),
        )
    Reminder.objects.update(planned_at=timezone.now() - timedelta(minutes=1))

    start = time.time() + 3
    workers = [spawn(sandbox.url, start) for _ in range(2)]
    errors = [worker.communicate(timeout=90)[1].decode() for worker in workers]

    assert [w.returncode for w in workers] == [0, 0], errors
    assert Reminder.objects.filter(status="sent").count() == INVOICES
    assert len(sandbox.sends) == INVOICES
    assert len({send["body"]["phone"] for send in sandbox.sends}) == INVOICES
    assert Message.objects.filter(purpose="reminder").count() == INVOICES
