"""WhatsApp benchmarks, each a ratio measured in the same run.

1. Send throughput: 1,000 invoices notified through the sandbox answering in a fixed 50 ms, by a
   real qcluster with W = 2 and W = 8 workers, against the ideal W / 0.05 messages/s (goal ≥ 80 %).
2. Webhook ingestion under gunicorn against a bare endpoint storing one row (goal ≥ 50 %).
3. Status events applied per second by the queue (goal ≥ 500/s on PostgreSQL).
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import time

from notifications.sandbox import Sandbox, SandboxConfig
from tests.api.server import ROOT, gunicorn
from tests.bench.bench_api import WARMUP, load, manage, served_database

N = 1000
LATENCY = 0.05
EVENTS_MESSAGES = 1000  # x 3 statuses, 10 per webhook
SECONDS = 9.0
ROUNDS = 3
WEBHOOK_TOKEN = "bench-" + secrets.token_urlsafe(32)

SETUP_SENDS = """
import sys
from datetime import date
from decimal import Decimal
from django.utils import timezone
from django_q.models import Schedule
from billing.models import Customer, Product
from billing.services.actors import Actor
from billing.services.invoices import ItemInput, invoice_create
from billing.services.organizations import organization_create
from billing.services.whatsapp import invoice_send_whatsapp
from notifications import pipeline
from notifications.queue import enqueue_send

Schedule.objects.all().delete()  # measure the send path only
pipeline.enqueue_send = lambda message_id: None
org = organization_create(name="Bench %(round)s")
product = Product.objects.create(organization=org, name="Plan", unit_price=4990000, currency="RUB")
now = timezone.now()
customers = Customer.objects.bulk_create(
    Customer(organization=org, name=f"Customer {i}", phone=f"+79003{i:04d}%(round)s",
             whatsapp_opted_in_at=now, preferred_channels=["whatsapp"])
    for i in range(%(n)s)
)
ids = []
for customer in customers:
    invoice = invoice_create(organization=org, customer=customer,
        items=[ItemInput(product, Decimal(1))], due_date=date(2030, 7, 15), status="OPEN",
        currency="RUB", delivery="MANUALLY",
        actor=Actor(label="bench"))
    ids.append(invoice_send_whatsapp(invoice=invoice, actor=Actor(label="bench")).message.pk)
for message_id in ids:
    enqueue_send(message_id)
"""

SETUP_EVENTS = """
from django.utils import timezone
from django_q.brokers import get_broker
from notifications.models import InboundWebhook, Message
from notifications.queue import enqueue_webhook

get_broker().purge_queue()
InboundWebhook.objects.update(state="processed")
tenant = "00000000-0000-0000-0000-000000000001"
Message.objects.bulk_create(
    Message(tenant_id=tenant, purpose="invoice_issued", channel="whatsapp", provider="1msg",
            recipient=f"+7900555{i:04d}", status="accepted", rank=1,
            provider_message_id=f"wamid.bench{i}")
    for i in range(%(n)s)
)
acks = [{"id": f"wamid.bench{i}", "status": s, "phone": f"7900555{i:04d}"}
        for s in ("sent", "delivered", "read") for i in range(%(n)s)]
rows = [InboundWebhook(provider="1msg", headers={},
                       body=json.dumps({"ack": acks[j:j + 10]}).encode())
        for j in range(0, len(acks), 10)]
for row in InboundWebhook.objects.bulk_create(rows):
    enqueue_webhook(row.pk)
print(len(rows))
"""

COUNT_PROCESSED = """
from notifications.models import InboundWebhook
from django.db.models import Max, Min
done = InboundWebhook.objects.filter(
    provider="1msg", state="processed", processed_at__isnull=False, result__has_key="applied"
)
span = done.aggregate(a=Min("processed_at"), b=Max("processed_at"))
pending = InboundWebhook.objects.filter(provider="1msg").exclude(state="processed").count()
print(json.dumps({"pending": pending, "first": span["a"].timestamp() if span["a"] else 0,
                  "last": span["b"].timestamp() if span["b"] else 0}))
"""


def median(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]


def django_code(env: dict, code: str) -> str:
    return manage(env, "-c", f"import json, django; django.setup()\n{code}")


def cluster(env: dict, workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**os.environ, **env, "BENCH_Q_WORKERS": str(workers)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def sandbox_rate(env: dict, setup: str, workers: int, n: int = N) -> float:
    """Run ``setup`` against a sandbox answering in ``LATENCY``, then a qcluster of ``workers``
    until the sandbox saw ``n`` sends: messages per second from the first send to the last."""
    sandbox = Sandbox(SandboxConfig(latency=LATENCY)).start()
    round_env = {**env, "ONEMSG_BASE_URL": sandbox.url}
    try:
        django_code(round_env, setup)
        process = cluster(round_env, workers)
        deadline = time.monotonic() + 40 * n / (workers / LATENCY)
        try:
            while len(sandbox.sends) < n and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            stop(process)
        sends = sorted(s["at"] for s in sandbox.sends)
    finally:
        sandbox.stop()
    if len(sends) < n:
        print(f"  W={workers}: only {len(sends)} of {n} sent before the deadline")
        return 0.0
    return n / (sends[-1] - sends[0] + LATENCY)


def send_round(env: dict, workers: int, round_tag: str) -> float:
    return sandbox_rate(env, SETUP_SENDS % {"round": round_tag, "n": N}, workers)


def send_throughput(env: dict, kind: str) -> dict[str, bool]:
    goals = {}
    for workers, tag in ((2, "20"), (8, "80")):
        rate = send_round(env, workers, tag)
        ideal = workers / LATENCY
        print(f"sends, W={workers}: {rate:7.1f} msg/s = {rate / ideal:.0%} of ideal {ideal:.0f}/s")
        goals[f"whatsapp [{kind}]: send throughput W={workers} ≥ 80 % of ideal"] = (
            rate >= 0.8 * ideal
        )
    return goals


def webhook_ingestion(env: dict, kind: str) -> dict[str, bool]:
    body = json.dumps(
        {
            "instanceId": "bench",
            "ack": [{"id": "wamid.none", "status": "delivered", "phone": "79001234567"}],
        }
    ).encode()

    def make():
        return body, {"Content-Type": "application/json"}

    workers = 2 * (os.cpu_count() or 1) + 1
    hook = f"/hooks/1msg/{WEBHOOK_TOKEN}/"
    with gunicorn(workers=workers, env=env) as port:
        load(port, "/bench/store-one-row", make, WARMUP)
        load(port, hook, make, WARMUP)
        # Interleaved rounds, medians: a noisy neighbour hits both endpoints alike.
        bares, reals = [], []
        for _ in range(ROUNDS):
            bares.append(load(port, "/bench/store-one-row", make, SECONDS / ROUNDS))
            reals.append(load(port, hook, make, SECONDS / ROUNDS))
        bare, real = median(bares), median(reals)
    ratio = real["rps"] / bare["rps"] if bare["rps"] else 0.0
    print(f"bare store-one-row: {bare['rps']:7.1f} req/s  p99 {bare['p99'] * 1000:6.1f} ms")
    print(
        f"/hooks/1msg/ (auth, cap, store, enqueue): {real['rps']:7.1f} req/s  "
        f"p99 {real['p99'] * 1000:6.1f} ms  failures {real['failures']}"
    )
    print(f"ratio webhook/bare: {ratio:.0%} (goal ≥ 50 %)")
    return {f"whatsapp [{kind}]: webhook ingestion ≥ 50 % of bare": ratio >= 0.5}


def events_applied(env: dict, kind: str) -> dict[str, bool]:
    webhooks = int(django_code(env, SETUP_EVENTS % {"n": EVENTS_MESSAGES}).strip())
    process = cluster(env, 2)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            state = json.loads(django_code(env, COUNT_PROCESSED))
            if state["pending"] == 0:
                break
            time.sleep(1)
    finally:
        stop(process)
    events = webhooks * 10
    span = max(state["last"] - state["first"], 1e-6)
    rate = events / span if state["pending"] == 0 else 0.0
    print(f"status events applied by the queue (2 workers): {rate:7.1f} events/s ({events} events)")
    goal = kind == "PostgreSQL"
    label = "≥ 500/s" + ("" if goal else " (goal is for PostgreSQL; informative here)")
    print(f"  goal {label}")
    return {f"whatsapp [{kind}]: status events applied ≥ 500/s": rate >= 500} if goal else {}


def main() -> dict[str, bool]:
    with served_database(ONEMSG_WEBHOOK_TOKEN=WEBHOOK_TOKEN) as (env, kind):
        results = send_throughput(env, kind)
        results |= webhook_ingestion(env, kind)
        results |= events_applied(env, kind)
        return results


if __name__ == "__main__":
    main()
