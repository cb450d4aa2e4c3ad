"""Run the project under gunicorn on a loopback socket we bound ourselves (port 0: never fixed)."""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database the tests use right now (the test file / test database)."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def gunicorn(
    *,
    workers: int,
    env: dict,
    extra_args: tuple[str, ...] = (),
    log=None,
    ready_path: str = "/api/v0/schema/",
    ready_timeout: float = 120.0,
):
    """Yield the port of a gunicorn serving config.wsgi; the socket is bound before it starts.

    ``env`` is laid over this process's environment; a ``None`` value removes the variable.
    It is ready when ``ready_path`` answers 200 (``/healthz`` for a server whose database is
    meant to be down).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"fd://{sock.fileno()}", "--workers", str(workers),
        "--worker-class", "sync", "--timeout", "180", *extra_args,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={k: v for k, v in {**os.environ, **env}.items() if v is not None},
        pass_fds=[sock.fileno()],
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
    )
    sock.close()  # gunicorn holds its own copy
    try:
        wait_ready(port, process, timeout=ready_timeout, path=ready_path)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(
    port: int, process: subprocess.Popen, timeout: float = 120, path: str = "/api/v0/schema/"
) -> None:
    # Generous: the default probe builds the whole OpenAPI schema, slow on a loaded machine.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        with contextlib.suppress(OSError):  # not listening yet
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready")


def request(port: int, method: str, path: str, body: bytes = b"", headers=None, timeout=30):
    """One request on a fresh connection (so the server may hand it to any worker)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(
            method, path, body=body or None, headers={"Connection": "close", **(headers or {})}
        )
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()
