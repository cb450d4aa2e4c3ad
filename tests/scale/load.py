"""The mixed load: what integrators do, through the API, against every web host.

Each iteration is one invoice's life: create (an idempotency key, retried with the same key
and body on another host after a refused connection, a reset, a 5xx or a 409 "in progress"),
sometimes replayed on purpose, finalize when it was a draft, send on WhatsApp, sometimes pay.
Everything a client was told is recorded, for the invariants to hold it against the database.
"""

import http.client
import itertools
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

RETRY_BUDGET = 120.0  # seconds: longer than an abandoned key's 90 s lock
RETRYABLE = {409, 429, 500, 502, 503, 504}


@dataclass
class Tenant:
    """One organization of the run, as the harness seeded it."""

    slug: str
    key: str
    secret: str
    product: str
    wallet: str
    customers: list[str]  # ids, each used by one invoice only (one phone, one message)


@dataclass
class Outcome:
    status: int  # 0: no answer (refused, reset, timeout)
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    tries: int = 1


@dataclass
class Record:
    """What clients were told."""

    requests: Counter = field(default_factory=Counter)  # "2xx", "4xx", "5xx", "no answer"
    operations: Counter = field(default_factory=Counter)  # e.g. "create ok", "send gave up"
    created: dict = field(default_factory=dict)  # (tenant, key) -> (invoice id, answer body)
    gave_up: list = field(default_factory=list)  # (tenant, key) of creates never acknowledged
    replay_mismatches: int = 0
    sends: dict = field(default_factory=dict)  # message id -> invoice id
    unexpected: list = field(default_factory=list)  # (operation, status, body excerpt)
    five_hundreds: list = field(default_factory=list)  # (operation, body excerpt)
    latencies: list = field(default_factory=list)  # seconds per request, answered or not
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    """Fresh connection per request to the next host; a host that does not answer is skipped."""

    def __init__(self, hosts: list[tuple[str, int]], record: Record):
        self.hosts, self.record = hosts, record
        self._next = itertools.count()

    def call(self, method: str, path: str, body: dict | None, headers: dict) -> Outcome:
        host, port = self.hosts[next(self._next) % len(self.hosts)]
        payload = json.dumps(body).encode() if body is not None else None
        conn = http.client.HTTPConnection(host, port, timeout=30)
        started = time.monotonic()
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            outcome = Outcome(response.status, response.read(), dict(response.getheaders()))
        except (OSError, http.client.HTTPException):
            outcome = Outcome(0)
        finally:
            conn.close()
        took = time.monotonic() - started
        with self.record.lock:
            self.record.requests[_klass(outcome.status)] += 1
            self.record.latencies.append(took)
        return outcome

    def idempotent(self, operation: str, method: str, path: str, body: dict, auth: dict):
        """The same key and body until an answer that is not worth retrying, or the budget."""
        headers = {**auth, "Content-Type": "application/json", "x-idempotency-key": _key()}
        deadline = time.monotonic() + RETRY_BUDGET
        for tries in itertools.count(1):
            outcome = self.call(method, path, body, headers)
            outcome.tries = tries
            if outcome.status >= 500:
                with self.record.lock:
                    self.record.five_hundreds.append((operation, outcome.body[:200]))
            if not retryable(outcome):
                return headers["x-idempotency-key"], outcome
            if time.monotonic() > deadline:
                return headers["x-idempotency-key"], outcome
            time.sleep(min(2.0, 0.05 * 2**tries) * random.uniform(0.5, 1.0))
        raise AssertionError("unreachable")


def retryable(outcome: Outcome) -> bool:
    """No answer, a 5xx or 429, or a 409 that asks to retry (a key still in progress, a lost
    race); a 409 without ``Retry-After`` is a final refusal."""
    if outcome.status == 409:
        return "Retry-After" in outcome.headers
    return outcome.status == 0 or outcome.status in RETRYABLE


def _key() -> str:
    return str(uuid.uuid4())


def _klass(status: int) -> str:
    if status in (0, 409, 503):  # retried by the clients
        return {0: "no answer", 409: "409 retry", 503: "503 retry"}[status]
    return f"{status // 100}xx"


@dataclass
class Mix:
    draft_share: float = 0.5  # created as drafts, then finalized
    replay_share: float = 0.1  # the same create sent again on purpose
    pay_share: float = 0.3


class Load:
    """``run(seconds, threads)``: each thread takes the next unused customer of a tenant."""

    def __init__(self, hosts, tenants: list[Tenant], mix: Mix | None = None):
        self.record = Record()
        self.client = Client(hosts, self.record)
        self.tenants, self.mix = tenants, mix or Mix()
        # Tenants take turns: alpha's first customer, beta's first, alpha's second…
        rounds = zip(*(t.customers for t in tenants), strict=False)
        self._pool = [(t, c) for pair in rounds for t, c in zip(tenants, pair, strict=True)]
        self._pool.reverse()
        self._pool_lock = threading.Lock()
        self.completed = 0  # iterations done (for throughput)

    def run(self, seconds: float, threads: int) -> float:
        """Drive for ``seconds``; returns the wall time the threads really took."""
        stop = time.monotonic() + seconds
        started = time.monotonic()
        workers = [
            threading.Thread(target=self._worker, args=(stop,), name=f"load-{n}")
            for n in range(threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return time.monotonic() - started

    def _worker(self, stop: float) -> None:
        rng = random.Random()
        while time.monotonic() < stop:
            with self._pool_lock:
                if not self._pool:
                    return
                tenant, customer = self._pool.pop()
            self.iteration(tenant, customer, rng)
            with self.record.lock:
                self.completed += 1

    def _note(self, operation: str, outcome: Outcome) -> bool:
        ok = 200 <= outcome.status < 300
        with self.record.lock:
            self.record.operations[f"{operation} {'ok' if ok else 'refused'}"] += 1
            if not ok:
                self.record.unexpected.append((operation, outcome.status, outcome.body[:200]))
        return ok

    def iteration(self, tenant: Tenant, customer: str, rng: random.Random) -> None:
        auth = {"x-client-key": tenant.key, "x-client-secret": tenant.secret}
        draft = rng.random() < self.mix.draft_share
        body = invoice_body(tenant, customer, "DRAFT" if draft else "OPEN")
        key, created = self.client.idempotent("create", "POST", "/api/v0/invoices", body, auth)
        if retryable(created):
            with self.record.lock:
                self.record.gave_up.append((tenant.slug, key))
            return
        if not self._note("create", created):
            return
        invoice = json.loads(created.body)["id"]
        with self.record.lock:
            self.record.created[(tenant.slug, key)] = (invoice, created.body)
        if rng.random() < self.mix.replay_share:
            self._replay(body, key, created.body, auth)
        base = f"/api/v0/invoices/{invoice}"
        if draft:
            _, finalized = self.client.idempotent("finalize", "POST", f"{base}/finalize", {}, auth)
            if not self._note("finalize", finalized):
                return
        _, sent = self.client.idempotent(
            "send", "POST", f"{base}/send", {"channels": ["whatsapp"]}, auth
        )
        if self._note("send", sent):
            with self.record.lock:
                for message in json.loads(sent.body)["messages"]:
                    self.record.sends[message["id"]] = invoice
        if rng.random() < self.mix.pay_share:
            payment = {"amount": 10, "method": "CASH"}
            _, paid = self.client.idempotent("pay", "POST", f"{base}/payments", payment, auth)
            self._note("pay", paid)

    def _replay(self, body: dict, key: str, first: bytes, auth: dict) -> None:
        headers = {**auth, "Content-Type": "application/json", "x-idempotency-key": key}
        deadline = time.monotonic() + RETRY_BUDGET
        while True:
            again = self.client.call("POST", "/api/v0/invoices", body, headers)
            if not retryable(again):
                break
            if time.monotonic() > deadline:
                return
            time.sleep(0.2)
        replayed = again.headers.get("Idempotent-Replayed") == "true"
        with self.record.lock:
            self.record.operations["replay"] += 1
            if not (replayed and again.body == first):
                self.record.replay_mismatches += 1


def invoice_body(tenant: Tenant, customer: str, status: str) -> dict:
    return {
        "name": "Scale invoice",
        "email": "scale@example.com",
        "customer_id": customer,
        "walletId": tenant.wallet,
        "items": [{"product_id": tenant.product, "quantity": 1}],
        "due_date": (date.today() + timedelta(days=30)).isoformat(),
        "delivery": "MANUALLY",
        "payment_link": True,
        "payment_methods": ["BANK_TRANSFER"],
        "status": status,
        "partial_payment": False,
    }
