"""POST /api/v0/invoices against a bare DRF probe (validate + one INSERT), same server, same run.

gunicorn (sync workers, 2 x cores + 1) on a loopback socket bound to port 0, a fresh database
(an SQLite file, or a PostgreSQL database when DATABASE_URL points at one), a Python load
generator with 8 threads for a bounded time. Prints req/s, the ratio, p99 and the bulk time.
"""

import json
import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from tests.api.server import ROOT, gunicorn, request

CONCURRENCY = 8
SECONDS = 10.0
WARMUP = 2.0
SETUP = """
import json
from billing.models import Customer, Product, Tax, Wallet
from billing.services.organizations import api_credential_create, organization_create
org = organization_create(name="Bench")
credential, secret = api_credential_create(organization=org)
customer = Customer.objects.create(organization=org, name="Bench customer", email="b@example.com")
wallet = Wallet.objects.create(organization=org, address="0xbench")
tax = Tax.objects.create(organization=org, name="VAT", rate=20)
products = [
    Product.objects.create(organization=org, name=f"P{n}", unit_price=1000 * n, currency="USD")
    for n in (1, 2, 3)
]
print(json.dumps({
    "key": credential.client_key, "secret": secret, "customer": str(customer.pk),
    "wallet": str(wallet.pk), "tax": str(tax.pk), "products": [str(p.pk) for p in products],
}))
"""


class Database:
    """A throwaway database of the configured kind."""

    def __init__(self):
        self.configured = os.environ.get("DATABASE_URL", "")
        self.name = f"duebell_bench_{os.getpid()}"
        if self.configured.startswith("postgres"):
            self._admin(f'CREATE DATABASE "{self.name}"')
            self.url = urlsplit(self.configured)._replace(path=f"/{self.name}").geturl()
            self.kind = "PostgreSQL"
        else:
            self.path = ROOT / "var" / f"{self.name}.sqlite3"
            self.url = f"sqlite:///{self.path}"
            self.kind = "SQLite (WAL)"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.configured, autocommit=True) as conn:
            conn.execute(sql)

    def drop(self) -> None:
        if self.configured.startswith("postgres"):
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)


@contextmanager
def served_database(**overrides: str):
    """A migrated throwaway database and the production-like environment of a bench's
    processes (``overrides`` laid over it); yields ``(env, kind)`` and drops it afterwards."""
    database = Database()
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.bench.whatsapp_settings",
        "DATABASE_URL": database.url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ONEMSG_WEBHOOK_TOKEN": secrets.token_urlsafe(32),
        "SITE_URL": "http://127.0.0.1",
        **overrides,
    }
    print(f"database: {database.kind}; broker: {'Redis' if os.environ.get('REDIS_URL') else 'ORM'}")
    try:
        manage(env, "manage.py", "migrate", "--noinput")
        manage(env, "manage.py", "createcachetable")
        yield env, database.kind
    finally:
        database.drop()


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**os.environ, **env}, check=True,
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    return result.stdout


def invoice_body(ids: dict, **overrides) -> dict:
    body = {
        "name": "Bench invoice",
        "email": "b@example.com",
        "customer_id": ids["customer"],
        "walletId": ids["wallet"],
        "items": [{"product_id": pid, "quantity": n} for n, pid in enumerate(ids["products"], 1)],
        "due_date": (date.today() + timedelta(days=30)).isoformat(),
        "delivery": "MANUALLY",
        "payment_link": True,
        "payment_methods": ["CRYPTO", "BANK_TRANSFER"],
        "status": "OPEN",
        "partial_payment": False,
        "taxId": ids["tax"],
    }
    body.update(overrides)
    return body


def load(port: int, path: str, make_request, seconds: float) -> dict:
    """CONCURRENCY threads sending for ``seconds``; latencies of the 2xx answers."""
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def worker():
        while time.monotonic() < stop:
            body, headers = make_request()
            started = time.perf_counter()
            try:
                status, _, _ = request(port, "POST", path, body, headers)
            except OSError:  # a timeout or reset counts as a failure, not a crash
                status = 0
            elapsed = time.perf_counter() - started
            with lock:
                if 200 <= status < 300:
                    latencies.append(elapsed)
                else:
                    failures[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("inf")
    return {"rps": len(latencies) / seconds, "p99": p99, "failures": failures[0]}


def main() -> dict[str, bool]:
    database = Database()
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
        "DATABASE_URL": database.url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ONEMSG_WEBHOOK_TOKEN": secrets.token_urlsafe(32),
        "API_RATE_LIMIT": "100000000/min",
    }
    try:
        manage(env, "manage.py", "migrate", "--noinput")
        manage(env, "manage.py", "createcachetable")
        ids = json.loads(manage(env, "-c", f"import django; django.setup()\n{SETUP}"))
        return run(env, ids, database.kind)
    finally:
        database.drop()


def run(env: dict, ids: dict, kind: str) -> dict[str, bool]:
    auth = {
        "x-client-key": ids["key"],
        "x-client-secret": ids["secret"],
        "Content-Type": "application/json",
    }
    probe_body = json.dumps(invoice_body(ids)).encode()
    api_body = probe_body

    def probe():
        return probe_body, {"Content-Type": "application/json"}

    def create():
        return api_body, {**auth, "x-idempotency-key": str(uuid.uuid4())}

    workers = 2 * (os.cpu_count() or 1) + 1
    with gunicorn(workers=workers, env=env) as port:
        load(port, "/bench/probe", probe, WARMUP)
        load(port, "/api/v0/invoices", create, WARMUP)
        bare = load(port, "/bench/probe", probe, SECONDS)
        api = load(port, "/api/v0/invoices", create, SECONDS)
        bulk_body = json.dumps({"invoices": [invoice_body(ids)] * 1000}).encode()
        started = time.perf_counter()
        try:
            status, _, content = request(
                port, "POST", "/api/v0/invoices/bulk", bulk_body, auth, timeout=170
            )
            bulk_ok = status == 200 and json.loads(content)["summary"]["successful"] == 1000
        except OSError:
            bulk_ok = False
        bulk_seconds = time.perf_counter() - started

    ratio = api["rps"] / bare["rps"] if bare["rps"] else 0.0
    print(f"database: {kind}; gunicorn sync workers: {workers}; concurrency {CONCURRENCY}")
    print(
        f"bare DRF probe (validate + INSERT): {bare['rps']:8.1f} req/s  "
        f"p99 {bare['p99'] * 1000:6.1f} ms"
    )
    print(
        f"POST /api/v0/invoices (3 items, tax, key, OPEN): {api['rps']:8.1f} req/s  "
        f"p99 {api['p99'] * 1000:6.1f} ms  failures {api['failures']}"
    )
    print(f"ratio invoice/probe: {ratio:.0%} (goal ≥ 40 %)")
    print(f"bulk 1,000 invoices: {bulk_seconds:.2f} s (goal < 5 s), all created: {bulk_ok}")
    return {
        f"api [{kind}]: invoice create ≥ 40 % of bare probe": ratio >= 0.40,
        f"api [{kind}]: invoice create p99 < 100 ms at concurrency 8": api["p99"] < 0.100,
        f"api [{kind}]: bulk of 1,000 invoices < 5 s": bulk_ok and bulk_seconds < 5.0,
    }


if __name__ == "__main__":
    main()
