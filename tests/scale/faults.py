"""The faults a run injects, each ``(seconds into the load, action(run, started))``.

Killed processes come back after ``RESTART_AFTER`` seconds, as ``Restart=always`` in the
systemd units brings them back.
"""

import threading
import time
from datetime import timedelta

import requests
from redis.exceptions import RedisError

from tests.scale.services import talks_to

RESTART_AFTER = 5.0


def _sending_ids() -> list[str]:
    from django.db import connection

    from notifications.models import Message

    try:
        sending = Message.objects.filter(status="sending").values_list("pk", flat=True)
        return [str(pk) for pk in sending]
    finally:
        connection.close()


def _later(seconds: float, action) -> None:
    threading.Timer(seconds, action).start()


def kill_queue(name: str = "queue1", *, wait: float = 15.0):
    """Kill -9 a queue host while it is mid-send (a worker holding a connection to the
    provider), waiting up to ``wait`` seconds for one; the first queue host found so."""

    def fault(run, started):
        names = [n for n in run.queue_names if n != name]
        deadline = time.time() + wait
        while time.time() < deadline:
            busy = [n for n in [name, *names] if talks_to(run.procs[n].popen.pid, run.sandbox_port)]
            if busy:
                break
            time.sleep(0.05)
        target = busy[0] if busy else name
        proc = run.procs[target]
        # The sends `sending` at the moment it dies: its own wait for their lease and the
        # sweeper; the other cluster's, if any, finish within seconds.
        sending = _sending_ids()
        proc.kill9()
        run.faults.queue_kill = {"at": time.time(), "sending": sending, "name": target}
        held = "mid-send" if busy else "not mid-send (no send in flight)"
        run.faults.add(
            started, f"kill -9 {target}", f"{held}; {len(sending)} messages were sending"
        )

        def back():
            proc.restart()
            run.faults.add(started, f"{target} restarted")

        _later(RESTART_AFTER, back)

    return fault


def kill_web(name: str = "web1"):
    def fault(run, started):
        proc = run.procs[name]
        proc.kill9()
        run.faults.add(started, f"kill -9 {name}", "gunicorn master and workers")

        def back():
            proc.restart()
            run.faults.add(started, f"{name} restarted")

        _later(RESTART_AFTER, back)

    return fault


def restart_postgres(run, started):
    if not run.postgres.private:
        run.faults.add(started, "PostgreSQL restart skipped", "shared server: not ours")
        return
    seconds = run.postgres.restart()
    run.faults.add(started, "PostgreSQL restarted", f"{seconds:.1f} s")


def restart_redis(run, started):
    if run.redis is None:
        run.faults.add(started, "Redis restart skipped", "ORM broker")
        return
    seconds = run.redis.restart()
    run.faults.add(started, "Redis restarted", f"{seconds:.1f} s")


def provider_outage(*, seconds: float, status: int | None = None, hang: float | None = None):
    def fault(run, started):
        spec = {"seconds": seconds, "status": status, "hang": hang}
        requests.post(f"{run.sandbox_url}/_sandbox/faults", json=spec, timeout=10)
        kind = f"HTTP {status}" if status else f"no answer for {hang:.0f} s (timeouts)"
        run.faults.add(started, f"1MSG outage: {kind}", f"{seconds:.0f} s")

    return fault


def duplicate_wakeups(run, started: float, until: float, every: float = 1.5) -> None:
    """A second wake-up for every recent WhatsApp message, as a broker that runs a task twice
    (django-q2's ORM broker may) or a sweeper racing a slow queue would: some land while the
    first is still queued, some while another cluster sends it. Only the conditional claim
    keeps each to one provider call."""
    from django.db import DatabaseError, connection
    from django.utils import timezone

    from notifications.models import Message
    from notifications.queue import enqueue_send

    sent = 0
    while time.time() < until:
        try:
            recent = Message.objects.filter(
                channel="whatsapp", created_at__gte=timezone.now() - timedelta(seconds=8)
            ).values_list("pk", flat=True)
            for message_id in recent:
                enqueue_send(message_id)
                sent += 1
        except (DatabaseError, OSError, RedisError):  # a restart in progress: next round
            pass
        finally:
            connection.close()
        time.sleep(every)
    run.faults.add(started, "duplicate wake-ups", f"{sent} extra send tasks enqueued")


def standard(load_seconds: float) -> list:
    """Every fault of the issue, spread over the load (scaled to its length). The queue host
    dies while sends hang at the provider, so it certainly holds claimed messages."""
    s = load_seconds / 60
    return [
        (4 * s, provider_outage(seconds=8, hang=6)),
        (4.5 * s, kill_queue("queue1")),
        (14 * s, kill_web("web1")),
        (22 * s, provider_outage(seconds=4, status=500)),
        (30 * s, provider_outage(seconds=3, hang=25)),
        (38 * s, restart_postgres),
        (48 * s, restart_redis),
    ]
