"""``python -m config.local`` (``make run``) as a real process: a signal to its group stops all."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.api.server import database_url
from tests.notifications.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[1]
STOP_WITHIN = 10  # seconds, for the runner and every process it started


def descendants(pid: int) -> set[int]:
    """Every live (not zombie) process below ``pid``, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if state != "Z":
                children.setdefault(int(ppid), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def wait_started(runner: subprocess.Popen, log: Path) -> set[int]:
    """Wait for the banner and until the process tree stops growing (the queue's workers)."""
    deadline = time.monotonic() + 90
    seen: set[int] = set()
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        assert runner.poll() is None, log.read_text()
        now = descendants(runner.pid)
        if now != seen:
            seen, stable_since = now, time.monotonic()
        elif "Duebell admin:" in log.read_text() and time.monotonic() - stable_since > 3:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"the runner did not settle:\n{log.read_text()}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_the_process_group_stops_every_process_cleanly(signum, tmp_path):
    log = tmp_path / "runner.log"
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "ONEMSG_BASE_URL": f"http://127.0.0.1:{free_port()}",
        "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    # Started the way make run starts it: the runner turns DEBUG on itself.
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    for variable in ("SITE_URL", "DEBUG"):
        env.pop(variable, None)
    with log.open("w") as out:
        runner = subprocess.Popen(
            [sys.executable, "-m", "config.local"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal gives `make run`
        )
        try:
            started = wait_started(runner, log)
            os.killpg(runner.pid, signum)  # what Ctrl-C (SIGINT) or a supervisor (SIGTERM) does
            deadline = time.monotonic() + STOP_WITHIN
            while alive(started | {runner.pid}) and time.monotonic() < deadline:
                runner.poll()
                time.sleep(0.1)
            left = alive(started | {runner.pid})
        finally:
            for pid in alive(descendants(runner.pid) | {runner.pid}):
                os.kill(pid, signal.SIGKILL)
            runner.wait()

    output = log.read_text()
    assert left == set(), output
    assert len(started) >= 8, output  # web master + 3 workers, the cluster and its workers, sandbox
    assert runner.returncode == 0, output
    assert "Traceback" not in output
    assert "TimeoutExpired" not in output
