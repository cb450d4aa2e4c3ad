"""Scale-out throughput, each figure a ratio measured in the same run (tests/scale's harness,
no faults): the mixed API load on 1 web + 1 queue host against 2 + 2, with the CPU each
process used (from /proc) so the scaling can be projected beyond this machine's cores; send
throughput with the Redis broker against the ORM broker (PostgreSQL); and the time from
``kill -9`` of a queue cluster holding claimed sends to the last of them leaving ``sending``.
"""

import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import requests
from django.utils import timezone

from tests.scale.run import ROOT, ScaleRun, Topology
from tests.scale.services import Postgres, talks_to

MIXED_SECONDS = 30.0
THREADS = 8
BURST = 400  # messages enqueued at once for the broker comparison
LATENCY = 0.05  # the sandbox's answer time (Topology.sandbox_latency)
HELD = datetime(2100, 1, 1, tzinfo=UTC)  # a burst's messages wait for it


def work_done() -> dict[str, int]:
    """Counts of what the queue and the web hosts work through besides the API calls."""
    from billing.models import WebhookAttempt
    from notifications.models import InboundWebhook, Message

    return {
        "messages": Message.objects.count(),
        "1MSG webhooks stored": InboundWebhook.objects.count(),
        "integrator deliveries": WebhookAttempt.objects.count(),
    }


def since(before: dict[str, int]) -> dict[str, int]:
    return {name: count - before[name] for name, count in work_done().items()}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def mixed(run: ScaleRun) -> dict:
    before = work_done()
    run.drive(MIXED_SECONDS, threads=THREADS, wakeups=False)
    seconds = run.load_seconds
    latencies = run.load.record.latencies
    return {
        "rate": run.load.completed / seconds,
        "cpu": {name: used / seconds for name, used in run.cpu.items()},
        "seconds": seconds,
        "requests": len(latencies),
        "p50": percentile(latencies, 0.5),
        "p90": percentile(latencies, 0.9),
        "work": since(before),
    }


def burst_messages(run: ScaleRun, n: int, tag: str) -> list:
    """``n`` WhatsApp messages ready to go, created without waking the queue."""
    from billing.models import Customer, Organization, Product
    from billing.services.actors import Actor
    from billing.services.invoices import ItemInput, invoice_create
    from billing.services.whatsapp import invoice_send_whatsapp
    from notifications import pipeline
    from notifications.models import Message

    org = Organization.objects.get(slug=run.tenants[0].slug)
    product = Product.objects.filter(organization=org).first()
    customers = Customer.objects.bulk_create(
        Customer(organization=org, name=f"Burst {i}", phone=f"+7901{tag}{i:06d}",
                 preferred_channels=["whatsapp"], whatsapp_opted_in_at=timezone.now())
        for i in range(n)
    )  # fmt: skip
    actor, ids = Actor(label="bench"), []
    enqueue, pipeline.enqueue_send = pipeline.enqueue_send, lambda message_id: None
    try:
        for customer in customers:
            invoice = invoice_create(
                organization=org, customer=customer, items=[ItemInput(product, Decimal(1))],
                due_date=date(2030, 7, 15), status="OPEN", currency="USD", delivery="MANUALLY",
                actor=actor,
            )  # fmt: skip
            ids.append(invoice_send_whatsapp(invoice=invoice, actor=actor).message.pk)
    finally:
        pipeline.enqueue_send = enqueue
    # Not due until the burst releases them: the every-minute sweeper re-enqueues a queued
    # message older than 30 s, and would send these while the rest are still being made.
    Message.objects.filter(pk__in=ids).update(next_attempt_at=HELD)
    return ids


def release(ids: list) -> None:
    from notifications.models import Message

    Message.objects.filter(pk__in=ids).update(next_attempt_at=None)


def deliveries_settled(timeout: float) -> None:
    from tests.scale.invariants import in_flight

    deadline = time.monotonic() + timeout
    while in_flight()["integrator deliveries pending"] and time.monotonic() < deadline:
        time.sleep(0.5)


def send_rate(run: ScaleRun, tag: str) -> dict:
    """Messages per second from the first to the last sendTemplate call of a burst, and the
    CPU every process spent on the burst: until that last call, and until the acks the
    sandbox pushed back and the integrator events they raised were worked through too."""
    from notifications.queue import enqueue_send

    ids = burst_messages(run, BURST, tag)
    deliveries_settled(120)  # the integrator events of creating their invoices: not the burst's
    before = len(run.sandbox_record()[0])
    counts, cpu_before, started = work_done(), run.cpu_snapshot(), time.monotonic()
    release(ids)
    for message_id in ids:
        enqueue_send(message_id)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        sends = run.sandbox_record()[0][before:]
        if len(sends) >= BURST:
            break
        time.sleep(1)
    window, cpu_window = time.monotonic() - started, run.cpu_used_since(cpu_before)
    ats = sorted(s["at"] for s in sends)
    if len(ats) < BURST:
        print(f"  only {len(ats)} of {BURST} sent in 300 s")
        return {"rate": 0.0, "cpu": cpu_window, "work": {}, "window": 0, "sent": len(ats)}
    run.drain(180)
    return {
        "rate": BURST / (ats[-1] - ats[0] + LATENCY),
        "window": window,
        "cpu": cpu_window,
        "cpu_all": run.cpu_used_since(cpu_before),
        "work": since(counts),
    }


def kill_recovery(run: ScaleRun) -> tuple[float, int]:
    """Sends hang at the provider, queue1 is killed holding some: seconds until the last
    message that was ``sending`` at the kill has left it (lease, then the sweeper)."""
    from notifications.models import Message, MessageEvent
    from notifications.queue import enqueue_send

    requests.post(f"{run.sandbox_url}/_sandbox/faults", json={"hang": 8, "seconds": 20}, timeout=5)
    held = burst_messages(run, 12, "9")
    release(held)
    for message_id in held:
        enqueue_send(message_id)
    deadline, busy = time.monotonic() + 30, None
    while busy is None and time.monotonic() < deadline:
        busy = next(
            (n for n in run.queue_names if talks_to(run.procs[n].popen.pid, run.sandbox_port)),
            None,
        )
        time.sleep(0.05)
    sending = list(Message.objects.filter(status="sending").values_list("pk", flat=True))
    run.procs[busy or "queue1"].kill9()
    killed = time.time()
    if not sending:
        return float("nan"), 0
    while time.time() - killed < 300:
        left = MessageEvent.objects.filter(message_id__in=sending, applied=True).exclude(
            status="sending"
        )
        if left.values("message_id").distinct().count() == len(sending):
            last = max(e.received_at.timestamp() for e in left)
            return last - killed, len(sending)
        time.sleep(2)
    return float("inf"), len(sending)


def part(webs: int, queues: int, broker: str, pg_port: int) -> dict:
    """One topology in this process (Django is set up once per process, for one database)."""
    # Each ack pushed once, as to a balancer's address: 2 + 2 has no more work than 1 + 1.
    topology = Topology(
        webs=webs, queues=queues, broker=broker, pg_port=pg_port, acks_to_every_web=False
    )
    run = ScaleRun(topology, label="bench-scale")
    figures = {}
    try:
        run.start()
        figures["hosts"] = run.network.describe()
        if broker == "redis":
            figures["mixed"] = mixed(run)
            run.drain(120)  # the mixed load's last sends must not count in the burst
        if webs == 2:
            figures["send_rate"] = send_rate(run, "1")
        if webs == 2 and broker == "redis":
            figures["kill"] = kill_recovery(run)
    finally:
        run.close()
    return figures


def shares(cpu: dict[str, float]) -> str:
    return ", ".join(f"{name} {share:.0%}" for name, share in cpu.items())


def run_part(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_scale", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-3000:])
        raise RuntimeError(f"bench_scale {' '.join(args)} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> dict[str, bool]:
    if not Postgres("127.0.0.1", "127.0.0.1/32").private and not os.environ.get(
        "DATABASE_URL", ""
    ).startswith("postgres"):
        print("skipped: needs root and pg_createcluster, or DATABASE_URL on PostgreSQL")
        return {}
    one = run_part("1", "1", "redis", "5443")
    two = run_part("2", "2", "redis", "5444")
    orm = run_part("2", "2", "orm", "5445")
    print(f"hosts: {two['hosts']}")
    cores = os.cpu_count() or 1
    print(f"this machine: {cores} cores, load average {os.getloadavg()[0]:.1f} at the end")
    for label, f in (("1 web + 1 queue", one["mixed"]), ("2 web + 2 queue", two["mixed"])):
        print(
            f"mixed load {label}: {f['rate']:.2f} invoices/s "
            f"(create, finalize or not, send, some paid) over {f['seconds']:.0f} s; "
            f"{f['requests']} API requests, p50 {f['p50'] * 1000:.0f} ms, "
            f"p90 {f['p90'] * 1000:.0f} ms"
        )
        print("  meanwhile: " + ", ".join(f"{n} {c}" for n, c in f["work"].items()))
        print(f"  CPU per process (share of one core): {shares(f['cpu'])}")
        used = sum(f["cpu"].values())
        ours = sum(v for n, v in f["cpu"].items() if n.startswith(("web", "queue")))
        print(
            f"  {used:.2f} of {cores} cores in all ({ours:.2f} in web and queue hosts): "
            f"{used / f['rate']:.3f} core-seconds per invoice, "
            f"{f['rate'] / used:.1f} invoices per core-second"
        )
    ratio = two["mixed"]["rate"] / one["mixed"]["rate"] if one["mixed"]["rate"] else 0.0
    print(f"ratio 2+2 / 1+1: {ratio:.2f} (every process shares this machine's cores)")
    redis, orm_rate = two["send_rate"]["rate"], orm["send_rate"]["rate"]
    ideal = 4 / LATENCY
    print(
        f"{BURST} sends to 2 queue hosts x 2 workers, provider answering in "
        f"{LATENCY * 1000:.0f} ms: Redis broker {redis:.1f}/s, ORM broker (PostgreSQL) "
        f"{orm_rate:.1f}/s, 4 workers / {LATENCY * 1000:.0f} ms = {ideal:.0f}/s; Redis / ORM "
        f"{redis / orm_rate if orm_rate else 0:.2f}"
    )
    for name, f in (("Redis", two["send_rate"]), ("ORM", orm["send_rate"])):
        if not f["rate"]:
            print(f"  {name}: only {f['sent']} of {BURST} sent in 300 s")
            continue
        window, total = sum(f["cpu"].values()), sum(f["cpu_all"].values())
        per_send = total / BURST
        print(
            f"  {name}: {window / f['window']:.2f} cores busy while sending; CPU per process "
            f"until the last send: {shares({n: v / f['window'] for n, v in f['cpu'].items()})}"
        )
        print(
            "  each send brought back: "
            + ", ".join(f"{v / BURST:.1f} {n}" for n, v in f["work"].items() if n != "messages")
        )
        print(
            f"  {per_send * 1000:.0f} ms of CPU per send with its acks and events "
            f"({1 / per_send:.1f} sends per core-second): {cores} cores cap it at "
            f"{cores / per_send:.0f}/s, the 4 workers at {ideal:.0f}/s"
        )
    seconds, held = two["kill"]
    print(
        f"kill -9 of a queue cluster holding sends: the last of {held} messages that were "
        f"`sending` left it after {seconds:.1f} s (lease 60 s + sweeper cycle)"
    )
    return {
        "scale: 2 web + 2 queue hosts serve at least the mixed load of 1 + 1": ratio >= 1.0,
        "scale: a killed cluster's sends leave `sending` within lease + sweep (150 s)": (
            seconds <= 150
        ),
    }


if __name__ == "__main__":
    if len(sys.argv) == 5:
        webs, queues, broker, port = sys.argv[1:]
        print(json.dumps(part(int(webs), int(queues), broker, int(port))))
    else:
        main()
