"""Run the local stack in the foreground: web server, queue cluster and the 1MSG sandbox.

``python -m config.local`` (what ``make run`` ends with). Every process binds to 127.0.0.1;
Ctrl-C or SIGTERM (to the runner or to its process group) stops them all within a few seconds
(``STOP_GRACE``, then what is left of a child's process group is killed), and if one dies the
others are stopped too.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings

WEB_PORT = int(os.environ.get("PORT", "8000"))
STOP_GRACE = 7  # seconds each child has to stop by itself before its group is killed


def processes() -> dict[str, list[str]]:
    python = sys.executable
    gunicorn = os.path.join(os.path.dirname(python), "gunicorn")
    return {
        "web": [
            gunicorn,
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{WEB_PORT}",
            "--workers",
            "3",
            "--access-logfile",
            "-",
            "--logger-class",
            "notifications.logs.RedactingGunicornLogger",
        ],
        "queue": [python, "manage.py", "qcluster"],
        **sandbox_process(python),
    }


def sandbox_process(python: str) -> dict[str, list[str]]:
    """The local 1MSG sandbox, when ONEMSG_BASE_URL points at this machine (the default)."""
    if urlsplit(settings.ONEMSG_BASE_URL).hostname not in ("127.0.0.1", "localhost"):
        return {}
    return {"sandbox": [python, "manage.py", "onemsg_sandbox"]}


def register_webhook(stopping: threading.Event) -> None:
    """Point the sandbox's acks at this runner once it listens (bounded wait, never fatal)."""
    address = urlsplit(settings.ONEMSG_BASE_URL)
    for _ in range(150):  # up to ~30 s: the sandbox starts Django first
        if stopping.is_set():
            return
        try:
            socket.create_connection((address.hostname, address.port or 80), 0.2).close()
        except OSError:
            time.sleep(0.2)
            continue
        command = [sys.executable, "manage.py", "onemsg_register_webhook"]
        subprocess.run(command, check=False, start_new_session=True)  # noqa: S603 (like start())
        return
    print("  1MSG sandbox did not start: webhook not registered", flush=True)


def print_banner() -> None:
    from billing.demo import demo_logins

    print(f"\n  Duebell admin: {settings.SITE_URL}/admin/")
    print(f"  Demo logins:   {demo_logins()}")
    print(f"  API docs:      {settings.SITE_URL}/api/v0/docs/\n", flush=True)


def start(command: list[str]) -> subprocess.Popen:
    """A child in a process group of its own: only this runner decides how it is stopped.

    Sharing the terminal's group, Ctrl-C reached every worker at once, in the middle of each
    child's own shutdown; the queue's workers outlived their cluster.
    """
    return subprocess.Popen(command, start_new_session=True)  # noqa: S603


def stop_all(running: dict[str, subprocess.Popen]) -> None:
    """SIGTERM to each child, SIGKILL to its whole group once it exits or the grace ends."""
    for proc in running.values():
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for proc in running.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    for proc in running.values():
        with contextlib.suppress(ProcessLookupError):  # the group is empty already
            os.killpg(proc.pid, signal.SIGKILL)  # leftovers: grandchildren, a stuck child
        proc.wait()


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A local run: debug pages and per-checkout secrets, for this runner and every child.
    os.environ.setdefault("DEBUG", "true")
    # Links in e-mails and webhook registrations must point where this runner really listens.
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{WEB_PORT}")
    import django

    django.setup()
    stopping = threading.Event()
    # Installed before the children start: a signal is only ever a request to stop.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    running = {name: start(cmd) for name, cmd in processes().items()}
    try:
        if "sandbox" in running:
            register_webhook(stopping)
        if not stopping.is_set():
            print_banner()
        while not stopping.is_set() and all(p.poll() is None for p in running.values()):
            stopping.wait(0.5)
    finally:
        stop_all(running)
    return 0


if __name__ == "__main__":
    sys.exit(main())
