"""The faults a run injects, each ``(seconds into the load, action(run, started))``.

Killed processes come back after ``RESTART_AFTER`` seconds, as ``Restart=always`` in the
systemd units brings them back.
"""

import threading
import time

import requests

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


def kill_queue(name: str = "queue1"):
    def fault(run, started):
        proc = run.procs[name]
        # The sends this cluster holds at the moment it dies (the other cluster's finish
        # within milliseconds; these wait for their lease and the sweeper).
        sending = _sending_ids()
        proc.kill9()
        run.faults.queue_kill = {"at": time.time(), "sending": sending, "name": name}
        run.faults.add(started, f"kill -9 {name}", f"{len(sending)} messages were sending")

        def back():
            proc.restart()
            run.faults.add(started, f"{name} restarted")

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


def standard(load_seconds: float) -> list:
    """Every fault of the issue, spread over the load (scaled to its length)."""
    s = load_seconds / 60
    return [
        (5 * s, kill_queue("queue1")),
        (14 * s, kill_web("web1")),
        (22 * s, provider_outage(seconds=4, status=500)),
        (30 * s, provider_outage(seconds=3, hang=25)),
        (38 * s, restart_postgres),
        (48 * s, restart_redis),
    ]
