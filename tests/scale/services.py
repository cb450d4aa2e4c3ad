"""What the harness runs: a private PostgreSQL cluster and Redis server (restarted as faults,
never the shared ones), and supervised processes that can be killed -9 and started again."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PG_VERSION_DIR = Path("/usr/lib/postgresql")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def wait_port(address: str, port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((address, port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {address}:{port} after {seconds} s")


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


class Postgres:
    """A PostgreSQL cluster of our own (``pg_createcluster <version> scale -p 5439``), listening
    on the infrastructure address: restarting it breaks nobody else's connections. Without
    root or the Debian cluster tools: a throwaway database on ``DATABASE_URL``'s server, which
    the harness then does not restart."""

    def __init__(self, listen: str, subnet: str, port: int = 5439):
        self.listen, self.subnet, self.port = listen, subnet, port
        self.name = "scale" if port == 5439 else f"scale_{port}"  # two runs side by side
        versions = sorted(PG_VERSION_DIR.glob("*"), key=lambda p: int(p.name)) or [None]
        self.version = versions[-1].name if versions[-1] else ""
        self.private = bool(self.version and os.geteuid() == 0 and shutil.which("pg_createcluster"))
        self.database = f"duebell_scale_{os.getpid()}"

    def start(self) -> str:
        """Create and start; the database URL every process gets."""
        if not self.private:
            return self._shared_database()
        self._drop_cluster()  # a leftover of an interrupted run
        command = ["pg_createcluster", self.version, self.name, "-p", str(self.port)]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
        config = Path(f"/etc/postgresql/{self.version}/{self.name}")
        (config / "conf.d" / "harness.conf").write_text(
            f"listen_addresses = '{self.listen}'\nmax_connections = 200\n"
            "fsync = off\nsynchronous_commit = off\n"  # a throwaway cluster: speed over safety
        )
        with (config / "pg_hba.conf").open("a") as rules:
            rules.write(f"host all all {self.subnet} scram-sha-256\n")
        self.ctl("start")
        self._psql("CREATE ROLE duebell LOGIN SUPERUSER PASSWORD 'duebell'")
        self._psql(f'CREATE DATABASE "{self.database}" OWNER duebell')
        return f"postgres://duebell:duebell@{self.listen}:{self.port}/{self.database}"

    def _shared_database(self) -> str:
        import psycopg

        configured = os.environ.get("DATABASE_URL", "")
        if not configured.startswith("postgres"):
            raise RuntimeError("the scale harness needs root + pg_createcluster or DATABASE_URL")
        with psycopg.connect(configured, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.shared = configured
        return urlsplit(configured)._replace(path=f"/{self.database}").geturl()

    def ctl(self, action: str) -> None:
        done = subprocess.run(
            ["pg_ctlcluster", self.version, self.name, action],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"pg_ctlcluster {action}: {done.stderr.strip()[-500:]}")

    def restart(self) -> float:
        """Restart (every connection of every process breaks); seconds it took."""
        started = time.monotonic()
        self.ctl("restart")
        wait_port(self.listen, self.port)
        return time.monotonic() - started

    def cpu_seconds(self) -> float | None:
        """The private cluster's CPU (postmaster and backends); None on a shared server."""
        if not self.private:
            return None
        pid_file = Path(f"/var/lib/postgresql/{self.version}/{self.name}/postmaster.pid")
        try:
            return tree_cpu_seconds(int(pid_file.read_text().split()[0]))
        except (OSError, ValueError, IndexError):
            return None

    def _psql(self, sql: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", "psql", "-q", "-p", str(self.port), "-c", sql],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def _drop_cluster(self) -> None:
        subprocess.run(
            ["pg_dropcluster", "--stop", self.version, self.name],
            capture_output=True,
            timeout=120,
        )

    def stop(self) -> None:
        if self.private:
            self._drop_cluster()
            return
        import psycopg

        with psycopg.connect(self.shared, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


class Redis:
    """A private redis-server with the broker's persistence (append-only file, fsync every
    second), restarted as a fault: what it held survives, as on a production broker."""

    def __init__(self, listen: str, port: int):
        self.listen, self.port = listen, port
        self.directory = tempfile.mkdtemp(prefix="duebell-scale-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.listen}:{self.port}/0"

    def start(self) -> str:
        command = [
            "redis-server", "--port", str(self.port), "--bind", self.listen,
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
            "--dir", self.directory, "--protected-mode", "no",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        wait_port(self.listen, self.port)
        return self.url

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid) if self.process is not None else 0.0

    def restart(self) -> float:
        started = time.monotonic()
        self.stop(keep_files=True)
        self.start()
        return time.monotonic() - started

    def stop(self, keep_files: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis flushes its append-only file and exits
            self.process.wait(timeout=30)
        if not keep_files:
            shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class Proc:
    """A supervised process in a process group of its own (so ``kill -9`` takes its workers
    too), its output in ``log``; ``restart()`` starts it again as systemd would."""

    name: str
    command: list[str]
    env: dict
    log: Path
    cwd: Path
    popen: subprocess.Popen | None = None
    cpu_of_dead: float = 0.0  # CPU seconds of incarnations that were killed
    kills: list[float] = field(default_factory=list)

    def start(self) -> "Proc":
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def kill9(self) -> None:
        self.cpu_of_dead += self.cpu_seconds()
        self.kills.append(time.time())
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)

    def restart(self) -> None:
        self.start()

    def stop(self, grace: float = 20) -> None:
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=grace)
        with contextlib.suppress(ProcessLookupError):  # leftovers of the group
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)

    def cpu_seconds(self) -> float:
        """User + system CPU of every live process of the group (master and workers) and of
        the children they reaped."""
        if self.popen is None:
            return 0.0
        return group_cpu_seconds(self.popen.pid)


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[2]) == pgid:
                pids.append(int(entry.name))
    return pids


def talks_to(pgid: int, port: int) -> bool:
    """Whether a process of the group holds an established TCP connection to ``port`` (read
    from /proc in the process's own network namespace): a queue worker mid-send."""
    for pid in group_pids(pgid):
        try:
            inodes = {
                os.readlink(fd)[8:-1]
                for fd in Path(f"/proc/{pid}/fd").iterdir()
                if os.readlink(fd).startswith("socket:[")
            }
            table = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
        except OSError:
            continue  # gone meanwhile
        for row in table:
            fields = row.split()
            remote_port, state, inode = int(fields[2].split(":")[1], 16), fields[3], fields[9]
            if remote_port == port and state == "01" and inode in inodes:
                return True
    return False


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat from field 3 (state) on: fields[0] is field 3."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None  # gone meanwhile
    return stat[stat.rindex(")") + 2 :].split()


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a server and its children (PostgreSQL's backends, forked per connection):
    its own utime + stime, what its exited children used (cutime + cstime: the postmaster reaps
    every backend), and the live children's own."""
    own = _stat_fields(pid)
    if own is None:
        return 0.0
    ticks = sum(int(own[n]) for n in (11, 12, 13, 14))
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == pid:  # field 4: ppid
                ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


def group_cpu_seconds(pgid: int) -> float:
    """From /proc/<pid>/stat: utime + stime of each process whose group is ``pgid``."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15, and cutime 16,
        # cstime 17: what its exited children used. django-q2 recycles a worker after 500
        # tasks and gunicorn replaces a worker that died; without these their CPU vanished.
        if int(fields[2]) == pgid:
            ticks += sum(int(fields[n]) for n in (11, 12, 13, 14))
    return ticks / CLOCK_TICKS
