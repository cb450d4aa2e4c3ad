"""Scale-out throughput, each figure a ratio measured in the same run (tests/scale's harness,
no faults): the mixed API load on 1 web + 1 queue host against 2 + 2, with the CPU each
process used (from /proc) so the scaling can be projected beyond this machine's cores; send
throughput with the Redis broker against the ORM broker (PostgreSQL); and the time from
``kill -9`` of a queue cluster holding claimed sends to the last of them leaving ``sending``.
"""

import time
from datetime import date
from decimal import Decimal

import requests

from tests.scale.run import ScaleRun, Topology

MIXED_SECONDS = 30.0
THREADS = 8
BURST = 400  # messages enqueued at once for the broker comparison
LATENCY = 0.05  # the sandbox's answer time (Topology.sandbox_latency)


def mixed(run: ScaleRun) -> dict:
    run.drive(MIXED_SECONDS, threads=THREADS, wakeups=False)
    seconds = run.load_seconds
    cpu = {name: run.cpu[name] / seconds for name in run.procs}
    return {"rate": run.load.completed / seconds, "cpu": cpu, "seconds": seconds}


def burst_messages(run: ScaleRun, n: int, tag: str) -> list:
    """``n`` WhatsApp messages ready to go, created without waking the queue."""
    from billing.models import Customer, Organization, Product
    from billing.services.actors import Actor
    from billing.services.invoices import ItemInput, invoice_create
    from billing.services.whatsapp import invoice_send_whatsapp
    from notifications import pipeline

    org = Organization.objects.get(slug=run.tenants[0].slug)
    product = Product.objects.filter(organization=org).first()
    customers = Customer.objects.bulk_create(
        Customer(organization=org, name=f"Burst {i}", phone=f"+7901{tag}{i:05d}",
                 preferred_channels=["whatsapp"], whatsapp_opted_in_at=date(2026, 1, 1))
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
    return ids


def send_rate(run: ScaleRun, tag: str) -> float:
    """Messages per second from the first to the last sendTemplate call of a burst."""
    from notifications.queue import enqueue_send

    ids = burst_messages(run, BURST, tag)
    before = len(run.sandbox_record()[0])
    for message_id in ids:
        enqueue_send(message_id)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        sends = run.sandbox_record()[0][before:]
        if len(sends) >= BURST:
            break
        time.sleep(1)
    ats = sorted(s["at"] for s in sends)
    if len(ats) < BURST:
        print(f"  only {len(ats)} of {BURST} sent in 300 s")
        return 0.0
    return BURST / (ats[-1] - ats[0] + LATENCY)


def kill_recovery(run: ScaleRun) -> tuple[float, int]:
    """Sends hang at the provider, queue1 is killed holding some: seconds until the last
    message that was ``sending`` at the kill has left it (lease, then the sweeper)."""
    from notifications.models import Message, MessageEvent
    from notifications.queue import enqueue_send

    requests.post(f"{run.sandbox_url}/_sandbox/faults", json={"hang": 8, "seconds": 6}, timeout=5)
    for message_id in burst_messages(run, 12, "9"):
        enqueue_send(message_id)
    time.sleep(2.5)
    sending = list(Message.objects.filter(status="sending").values_list("pk", flat=True))
    run.procs["queue1"].kill9()
    killed = time.time()
    while time.time() - killed < 300:
        left = MessageEvent.objects.filter(message_id__in=sending, applied=True).exclude(
            status="sending"
        )
        if left.values("message_id").distinct().count() == len(sending):
            last = max(e.received_at.timestamp() for e in left)
            return last - killed, len(sending)
        time.sleep(2)
    return float("inf"), len(sending)


def topology_run(webs: int, queues: int, broker: str) -> ScaleRun:
    run = ScaleRun(Topology(webs=webs, queues=queues, broker=broker), label="bench-scale")
    run.start()
    return run


def main() -> dict[str, bool]:
    results, figures = {}, {}
    for shape in ((1, 1), (2, 2)):
        run = topology_run(*shape, "redis")
        try:
            figures[shape] = mixed(run)
            if shape == (2, 2):
                figures["redis"] = send_rate(run, "1")
                figures["kill"] = kill_recovery(run)
        finally:
            run.close()
    run = topology_run(2, 2, "orm")
    try:
        figures["orm"] = send_rate(run, "2")
    finally:
        run.close()
    one, two = figures[(1, 1)], figures[(2, 2)]
    ratio = two["rate"] / one["rate"] if one["rate"] else 0.0
    print(f"hosts: {run.network.describe()}")
    for shape in ((1, 1), (2, 2)):
        f = figures[shape]
        cpu = ", ".join(f"{name} {share:.0%}" for name, share in f["cpu"].items())
        print(
            f"mixed load {shape[0]} web + {shape[1]} queue: {f['rate']:.1f} invoices/s "
            f"(create, finalize or not, send, some paid) over {f['seconds']:.0f} s"
        )
        print(f"  CPU per process (share of one core): {cpu}")
    print(f"ratio 2+2 / 1+1: {ratio:.2f} (2 cores shared by every process here: see the CPU)")
    used = sum(two["cpu"].values())
    print(f"  2+2 used {used:.2f} cores in all; per invoice/s: "
          f"{used / two['rate']:.3f} cores" if two["rate"] else "")  # fmt: skip
    redis, orm = figures["redis"], figures["orm"]
    ideal = 4 / LATENCY
    print(f"sends, 2 queue hosts x 2 workers, provider answering in {LATENCY * 1000:.0f} ms: "
          f"Redis {redis:.1f}/s, ORM (PostgreSQL) {orm:.1f}/s, ideal {ideal:.0f}/s; "
          f"Redis / ORM {redis / orm if orm else 0:.2f}")  # fmt: skip
    seconds, held = figures["kill"]
    print(f"kill -9 of a queue cluster holding sends: the last of {held} messages that were "
          f"`sending` left it after {seconds:.1f} s (lease 60 s + sweeper cycle)")  # fmt: skip
    results["scale: 2 web + 2 queue hosts serve at least the mixed load of 1 + 1"] = ratio >= 1.0
    results["scale: killed cluster's sends leave `sending` within lease + sweep (150 s)"] = (
        seconds <= 150
    )
    return results


if __name__ == "__main__":
    main()
