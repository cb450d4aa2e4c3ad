"""Run the local stack in the foreground: web server, queue cluster and the 1MSG sandbox.

``python -m config.local`` (what ``make run`` ends with). Every process binds to 127.0.0.1;
Ctrl-C stops them all, and if one dies the others are stopped too.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

from django.conf import settings

WEB_PORT = int(os.environ.get("PORT", "8000"))


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


def register_webhook() -> None:
    """Point the sandbox's acks at this runner once it listens (bounded wait, never fatal)."""
    address = urlsplit(settings.ONEMSG_BASE_URL)
    for _ in range(150):  # up to ~30 s: the sandbox starts Django first
        try:
            socket.create_connection((address.hostname, address.port or 80), 0.2).close()
        except OSError:
            time.sleep(0.2)
            continue
        subprocess.run([sys.executable, "manage.py", "onemsg_register_webhook"], check=False)
        return
    print("  1MSG sandbox did not start: webhook not registered", flush=True)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Links in e-mails and webhook registrations must point where this runner really listens.
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{WEB_PORT}")
    import django

    django.setup()
    running = {name: subprocess.Popen(cmd) for name, cmd in processes().items()}  # noqa: S603
    if "sandbox" in running:
        register_webhook()
    from billing.demo import demo_logins

    print(f"\n  Duebell admin: {settings.SITE_URL}/admin/")
    print(f"  Demo logins:   {demo_logins()}")
    print(f"  API docs:      {settings.SITE_URL}/api/v0/docs/\n", flush=True)

    def stop(*_):
        for proc in running.values():
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(proc.poll() is None for proc in running.values()):
            time.sleep(0.5)
    finally:
        stop()
        for proc in running.values():
            proc.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
