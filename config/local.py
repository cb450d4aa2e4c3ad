"""Run the local stack in the foreground: web server, queue cluster and the 1MSG sandbox.

``python -m config.local`` (what ``make run`` ends with). Every process binds to 127.0.0.1;
Ctrl-C stops them all, and if one dies the others are stopped too.
"""

import os
import signal
import subprocess
import sys
import time

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
        ],
        "queue": [python, "manage.py", "qcluster"],
    }


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Links in e-mails and webhook registrations must point where this runner really listens.
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{WEB_PORT}")
    import django

    django.setup()
    running = {name: subprocess.Popen(cmd) for name, cmd in processes().items()}  # noqa: S603
    print(f"\n  Duebell admin: {settings.SITE_URL}/admin/   (demo login: admin / duebell-demo)")
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
