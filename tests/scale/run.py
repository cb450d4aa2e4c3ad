"""One harness run: infrastructure, hosts, seeded tenants, load, faults, drain, checks.

The harness process itself talks to the database through the ORM (seeding and checking only);
everything under test runs in processes started exactly as README § Scale-out and ``deploy/``
start them: ``gunicorn config.wsgi …`` per web host, ``manage.py qcluster`` per queue host.
"""

import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.notifications.smtp_sink import SmtpSink
from tests.scale.faults import duplicate_wakeups
from tests.scale.hosts import Network
from tests.scale.load import Load, Mix, Tenant
from tests.scale.receiver import Integrator, serve
from tests.scale.services import Postgres, Proc, Redis, free_port, wait_port

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
WEB_PORT = 8000
SANDBOX_TOKEN = "sandbox-token"  # the sandbox's published demo token
CUSTOMERS = 1500  # per tenant: each invoice gets a customer (and a phone) of its own


def web_command(address: str, port: int, workers: int) -> list[str]:
    """README § Scale-out / deploy/duebell-web.service, bound to this host's address."""
    return [
        GUNICORN, "config.wsgi", "--workers", str(workers), "--bind", f"{address}:{port}",
        "--logger-class", "notifications.logs.RedactingGunicornLogger",
        "--access-logfile", "-", "--graceful-timeout", "30",
    ]  # fmt: skip


def queue_command() -> list[str]:
    return [PYTHON, "manage.py", "qcluster"]


@dataclass
class Topology:
    webs: int = 2
    queues: int = 2
    web_workers: int = 3
    broker: str = "redis"  # or "orm"
    isolate: bool = True  # network namespaces when possible
    sandbox_latency: float = 0.05
    pg_port: int = 5439  # the private cluster's; another port names another cluster
    # 1MSG pushes each ack to every web host, so one host down loses none (N5); False: to the
    # first only, as to one address behind a balancer, so 2 + 2 works through as many as 1 + 1.
    acks_to_every_web: bool = True


@dataclass
class FaultLog:
    entries: list = field(default_factory=list)  # (seconds into the load, what, detail)
    queue_kill: dict = field(default_factory=dict)  # at, sending ids at that moment

    def add(self, started: float, what: str, detail: str = "") -> None:
        self.entries.append((round(time.time() - started, 1), what, detail))


class ScaleRun:
    def __init__(self, topology: Topology | None = None, *, label: str = "scale"):
        self.topology = topology or Topology()
        self.label = label
        self.workdir = Path(tempfile.mkdtemp(prefix=f"duebell-{label}-"))
        self.procs: dict[str, Proc] = {}
        self.faults = FaultLog()
        self.integrator = Integrator()
        self.secrets: list[str] = []  # what no log may contain (N8)
        self.tenants: list[Tenant] = []
        self.network = None
        self.postgres = self.redis = self.receiver = self.smtp = None
        self.timings: dict[str, float] = {}

    # --- bring-up ---------------------------------------------------------------------------
    def start(self) -> "ScaleRun":
        t = self.topology
        names = [f"web{n}" for n in range(1, t.webs + 1)] + [
            f"queue{n}" for n in range(1, t.queues + 1)
        ]
        self.network = Network.create(names, isolate=t.isolate)
        infra = self.network.infra
        subnet = f"{infra.rsplit('.', 1)[0]}.0/24" if self.network.isolated else "127.0.0.1/32"
        self.postgres = Postgres(infra, subnet, port=t.pg_port)
        database_url = self.postgres.start()
        redis_url = ""
        if t.broker == "redis":
            self.redis = Redis(infra, free_port(infra))
            redis_url = self.redis.start()
        self.sandbox_port = free_port(infra)
        self.smtp = SmtpSink(host=infra).__enter__()
        self.env = self._environment(database_url, redis_url)
        self._step("migrate, createcachetable, collectstatic", self._prepare_database)
        self._django()
        self._step("seed tenants", self._seed)
        self._step("start processes", self._start_processes)
        self._register_webhooks()
        return self

    def _step(self, name: str, action) -> None:
        started = time.monotonic()
        action()
        self.timings[name] = time.monotonic() - started

    def _environment(self, database_url: str, redis_url: str) -> dict:
        secret_key, hook_token = secrets.token_urlsafe(50), secrets.token_urlsafe(32)
        self.secrets += [secret_key, hook_token]
        self.hook_token = hook_token
        first_web = self.web_address("web1")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": secret_key,
            "ONEMSG_WEBHOOK_TOKEN": hook_token,
            "ALLOWED_HOSTS": "*",
            "SITE_URL": f"http://{first_web[0]}:{first_web[1]}",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_URL": "",
            "ONEMSG_BASE_URL": f"http://{self.network.infra}:{self.sandbox_port}",
            "API_RATE_LIMIT": "10000000/min",
            "AUTH_FAILURE_LIMIT": "10000000/min",
            "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
            "EMAIL_URL": f"smtp://{self.network.infra}:{self.smtp.port}",  # the fallback e-mails
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("PYTHONPYCACHEPREFIX", None)  # performance.md: it recompiles Django per start
        return env

    def web_address(self, name: str) -> tuple[str, int]:
        host = self.network.hosts[name]
        if self.network.isolated:
            return host.address, WEB_PORT
        if not hasattr(self, "_ports"):
            self._ports = {}
        return host.address, self._ports.setdefault(name, free_port())

    def _manage(self, *args: str) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        return done.stdout

    def _prepare_database(self) -> None:
        """What a deploy runs once (README § Scale-out): migrate, cache table, static files."""
        self._manage("migrate", "--noinput")
        self._manage("createcachetable")
        self._manage("collectstatic", "--noinput")  # the admin's files, with DEBUG off

    def _django(self) -> None:
        import logging

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd narrates every mail
        logging.getLogger("django-q").setLevel(logging.WARNING)  # and django-q2 every enqueue
        for name in ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "ONEMSG_WEBHOOK_TOKEN",
                     "DATABASE_URL", "REDIS_URL", "CACHE_URL", "ALLOWED_HOSTS", "SITE_URL",
                     "ONEMSG_BASE_URL", "WEBHOOK_ALLOW_PRIVATE_URLS"):  # fmt: skip
            os.environ[name] = self.env[name]
        import django

        django.setup()

    def _seed(self) -> None:
        from tests.scale.seed import seed_admin, seed_tenant

        for number, slug in enumerate(("alpha", "beta"), 1):
            tenant = seed_tenant(slug=slug, number=number, customers=CUSTOMERS)
            self.secrets.append(tenant.secret)
            self.tenants.append(tenant)
        self.admin_password = seed_admin()
        self.secrets.append(self.admin_password)
        from django.db import connection

        connection.close()

    def _start_processes(self) -> None:
        infra, t = self.network.infra, self.topology
        self.procs["sandbox"] = Proc(
            "sandbox",
            [PYTHON, "manage.py", "onemsg_sandbox", "--host", infra,
             "--port", str(self.sandbox_port), "--latency", str(t.sandbox_latency),
             "--ack-delay", "0.2", "--hang", "25", "--push-retries", "9"],
            self.env, self.workdir / "sandbox.log", ROOT,
        ).start()  # fmt: skip
        for name, host in self.network.hosts.items():
            if name.startswith("web"):
                address, port = self.web_address(name)
                command = host.wrap(web_command(address, port, t.web_workers))
            else:
                command = host.wrap(queue_command())
            self.procs[name] = Proc(name, command, self.env, self.workdir / f"{name}.log", ROOT)
            self.procs[name].start()
        wait_port(infra, self.sandbox_port, seconds=60)
        for name in self.web_names:
            wait_port(*self.web_address(name), seconds=60)

    @property
    def web_names(self) -> list[str]:
        return [n for n in self.network.hosts if n.startswith("web")]

    @property
    def queue_names(self) -> list[str]:
        return [n for n in self.network.hosts if n.startswith("queue")]

    @property
    def sandbox_url(self) -> str:
        return f"http://{self.network.infra}:{self.sandbox_port}"

    def _register_webhooks(self) -> None:
        """1MSG pushes acks to every web host (one host down: the other stores them; both up:
        each ack is stored twice and applied once), or to the first only (the topology says).
        Each tenant subscribes its integrator."""
        targets = self.web_names if self.topology.acks_to_every_web else self.web_names[:1]
        hooks = [
            f"http://{a}:{p}/hooks/1msg/{self.hook_token}/"
            for a, p in map(self.web_address, targets)
        ]
        requests.post(
            f"{self.sandbox_url}/sandbox/webhook",
            json={"webhookUrl": hooks},
            headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
            timeout=10,
        ).raise_for_status()
        self.receiver = serve(self.integrator, self.network.infra)
        port = self.receiver.server_address[1]
        address, web_port = self.web_address("web1")
        for tenant in self.tenants:
            path = f"/hooks/{tenant.slug}"
            answer = requests.post(
                f"http://{address}:{web_port}/api/v0/webhooks",
                json={"url": f"http://{self.network.infra}:{port}{path}", "events": ["*"]},
                headers={"x-client-key": tenant.key, "x-client-secret": tenant.secret},
                timeout=30,
            )
            answer.raise_for_status()
            self.integrator.secrets[path] = answer.json()["secret"]
            self.secrets.append(answer.json()["secret"])

    # --- load and faults --------------------------------------------------------------------
    def drive(
        self,
        seconds: float,
        *,
        threads: int = 8,
        faults=(),
        mix: Mix | None = None,
        wakeups: bool = True,
    ):
        self.load = Load([self.web_address(n) for n in self.web_names], self.tenants, mix)
        cpu_before = self.cpu_snapshot()
        started = time.time()
        self.load_started = started
        injector = threading.Thread(target=self._inject, args=(faults, started), daemon=True)
        injector.start()
        if wakeups:
            duplicates = threading.Thread(
                target=duplicate_wakeups, args=(self, started, started + seconds), daemon=True
            )
            duplicates.start()
        self.load_seconds = self.load.run(seconds, threads)
        injector.join()
        if wakeups:
            duplicates.join()
        self.cpu = self.cpu_used_since(cpu_before)
        return self.load

    def cpu_snapshot(self) -> dict[str, float]:
        """CPU seconds so far of every process of the run: the hosts and the sandbox (killed
        incarnations included), the private PostgreSQL cluster and Redis, and this process,
        which drives the load."""
        seconds = {name: proc.cpu_seconds() + proc.cpu_of_dead for name, proc in self.procs.items()}
        for name, server in (("postgres", self.postgres), ("redis", self.redis)):
            used = server.cpu_seconds() if server is not None else None
            if used is not None:
                seconds[name] = used
        usage = resource.getrusage(resource.RUSAGE_SELF)
        seconds["load driver"] = usage.ru_utime + usage.ru_stime
        return seconds

    def cpu_used_since(self, before: dict[str, float]) -> dict[str, float]:
        """Per process, CPU seconds since ``before`` (a restarted server counts from zero)."""
        now = self.cpu_snapshot()
        return {name: max(0.0, now[name] - before.get(name, 0.0)) for name in now}

    def _inject(self, faults, started: float) -> None:
        for at, fault in faults:
            delay = started + at - time.time()
            if delay > 0:
                time.sleep(delay)
            fault(self, started)

    # --- the end ------------------------------------------------------------------------------
    def drain(self, timeout: float) -> float:
        """Wait until nothing is in flight (queued or sending messages, pending deliveries,
        unprocessed webhooks); returns the seconds it took."""
        from tests.scale.invariants import in_flight

        started = time.monotonic()
        quiet_since = None
        while time.monotonic() - started < timeout:
            busy = in_flight()
            if not any(busy.values()):
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > 3:  # late acks still on their way
                    break
            else:
                quiet_since = None
            time.sleep(1)
        self.in_flight_at_end = in_flight()
        return time.monotonic() - started

    def connections_per_host(self) -> str:
        """Open PostgreSQL connections by host (by client address; on loopback all share one)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT host(client_addr), count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1"
            )
            rows = cursor.fetchall()
        connection.close()
        names = {h.address: h.name for h in self.network.hosts.values()}
        if not self.network.isolated:
            return f"{sum(n for _, n in rows)} in all (loopback: not split by host)"
        infra = self.network.infra
        parts = [f"{names.get(a, 'sandbox/harness' if a == infra else a)} {n}" for a, n in rows]
        return ", ".join(sorted(parts)) + f" ({sum(n for _, n in rows)} in all)"

    def sandbox_record(self) -> tuple[list, dict]:
        sends = requests.get(f"{self.sandbox_url}/_sandbox/sends", timeout=30).json()["sends"]
        hooks = requests.get(f"{self.sandbox_url}/_sandbox/hooks", timeout=30).json()["hooks"]
        return sends, hooks

    def logs(self) -> dict[str, str]:
        return {
            p.name: p.log.read_text(errors="replace") for p in self.procs.values() if p.log.exists()
        }

    def close(self) -> None:
        """Stop everything that was started, each step even when one before it failed."""
        steps = [proc.stop for proc in self.procs.values()]
        if self.receiver is not None:
            steps.append(self.receiver.shutdown)
        if self.smtp is not None:
            steps.append(lambda: self.smtp.__exit__(None, None, None))
        steps.append(self._close_connections)
        steps += [s.stop for s in (self.redis, self.postgres) if s is not None]
        steps += [self.network.close] if self.network is not None else []
        failures = []
        for step in steps:
            try:
                step()
            except Exception as exc:  # clean up the rest, then report the first
                failures.append(exc)
        if failures:
            raise failures[0]

    @staticmethod
    def _close_connections() -> None:
        from django.apps import apps

        if apps.ready:
            from django.db import connections

            connections.close_all()

    def keep_logs(self, target: Path) -> None:
        target.mkdir(parents=True, exist_ok=True)
        for proc in self.procs.values():
            if proc.log.exists():
                (target / proc.log.name).write_bytes(proc.log.read_bytes())
        (target / "faults.json").write_text(json.dumps(self.faults.entries, indent=1))
