"""The harness's CPU figures: a process group's CPU keeps what its exited children used (a
recycled django-q2 worker, a replaced gunicorn worker), and a server's tree counts its
forked children (PostgreSQL's backends)."""

import os
import signal
import subprocess
import sys
import time

from tests.scale.services import group_cpu_seconds, tree_cpu_seconds

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass"
# A parent that forks a child burning 0.4 s of CPU, reaps it, then idles until killed.
PARENT = f"import subprocess, sys, time\nsubprocess.run([sys.executable, '-c', {BURN!r}])\n" + (
    "print('reaped', flush=True)\ntime.sleep(60)"
)


def test_a_group_keeps_the_cpu_of_a_child_that_exited():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert parent.stdout.readline().strip() == "reaped"
        assert group_cpu_seconds(parent.pid) >= 0.4
        assert tree_cpu_seconds(parent.pid) >= 0.4
    finally:
        parent.kill()
        parent.wait(timeout=10)


def test_a_tree_counts_a_live_child():
    child_code = f"{BURN}\nimport time\nprint('burnt', flush=True)\ntime.sleep(60)"
    code = (
        "import subprocess, sys, time\n"
        f"child = subprocess.Popen([sys.executable, '-c', {child_code!r}])\n"
        "time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while tree_cpu_seconds(parent.pid) < 0.4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert tree_cpu_seconds(parent.pid) >= 0.4
    finally:
        os.killpg(parent.pid, signal.SIGKILL)  # the child too: the group is theirs alone
        parent.wait(timeout=10)
