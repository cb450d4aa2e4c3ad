"""Reminder benchmarks, each a ratio (or a bound) measured in the same run.

1. A job cycle that finds nothing due, p50 over ``RUNS`` cycles, with 1,000 open invoices
   (5,000 planned reminders) and then with ``BENCH_REMINDER_INVOICES`` (default 100,000:
   500,000 planned rows) in the same database (goal: within 2x; it reads indexes only).
2. A policy change re-planning those invoices, the queue job's service timed (goal < 60 s).
3. ``POST /api/v0/invoices`` (created OPEN: finalized, so planned) for an organization with
   reminders on against one with them off, interleaved rounds (goal ≥ 85 %).
4. 1,000 due reminders sent by one job run through the sandbox answering in 50 ms, by a real
   qcluster with W = 2 workers: sends per second from the job's first claim to the last call
   the sandbox saw, against the ideal W / 0.05 messages/s (goal ≥ 80 %), the harness of the
   first sends in ``bench_whatsapp``; with how long the job took to make the messages.
"""

import json
import os
import time

from notifications.sandbox import Sandbox, SandboxConfig
from tests.bench.bench_api import manage, served_database
from tests.bench.bench_whatsapp import LATENCY, N, cluster, django_code, stop
from tests.bench.tenants import TENANT, create_rates

SMALL = 1_000
LARGE = int(os.environ.get("BENCH_REMINDER_INVOICES", "100000"))
RUNS = 30
CHUNK = 11_000
WORKERS = 2

SETUP_ORGS = (
    TENANT
    + """
from billing.collections.models import ReminderPolicy

def reminders_off(org):
    ReminderPolicy.objects.create(organization=org, enabled=False)

print(json.dumps({"off": tenant("Reminders off", reminders_off), "on": tenant("Reminders on")}))
"""
)

SETUP_SENDS = """
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task
from billing.collections.models import Reminder, ReminderPolicy
from billing.models import Customer, Product
from billing.services.actors import Actor
from billing.services.invoices import ItemInput, invoice_create
from billing.services.organizations import organization_create

Schedule.objects.all().delete()  # one run of the reminder job, enqueued below
org = organization_create(name="Reminder sends")
ReminderPolicy.objects.create(organization=org, steps=[0], window_start=0, window_end=1440,
                              business_days=[1, 2, 3, 4, 5, 6, 7], min_gap_hours=0)
product = Product.objects.create(organization=org, name="Plan", unit_price=4990000, currency="RUB")
now = timezone.now()
customers = Customer.objects.bulk_create(
    Customer(organization=org, name=f"Customer {i}", phone=f"+79007{i:04d}00",
             whatsapp_opted_in_at=now, preferred_channels=["whatsapp"])
    for i in range(%(n)s)
)
for customer in customers:
    invoice_create(organization=org, customer=customer, items=[ItemInput(product, Decimal(1))],
                   due_date=(now + timedelta(days=2)).date(), status="OPEN", currency="RUB",
                   delivery="MANUALLY", actor=Actor(label="bench"))
due = Reminder.objects.filter(invoice__organization=org, status="planned").update(
    planned_at=now - timedelta(minutes=1))
assert due == %(n)s, due
async_task("billing.collections.tasks.send_due_reminders")
"""


def in_django(env: dict, call: str, timeout: float = 300) -> dict:
    code = f"from tests.bench import collections_volume as v\nprint(json.dumps(v.{call}))"
    out = manage(env, "-c", f"import json, django; django.setup()\n{code}", timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


def job_cycle(env: dict, kind: str) -> dict[str, bool]:
    loaded = in_django(env, f"load_open(slug='reminders', invoices={SMALL})")
    print(f"loaded {loaded['invoices']} open invoices, {loaded['planned']} planned reminders")
    small = in_django(env, f"cycle(runs={RUNS})")
    for start in range(SMALL, LARGE, CHUNK):  # a process per chunk: each well within its timeout
        loaded = in_django(
            env, f"load_open(slug='reminders', invoices={min(CHUNK, LARGE - start)})"
        )
    print(f"loaded {loaded['invoices']} open invoices, {loaded['planned']} planned reminders")
    large = in_django(env, f"cycle(runs={RUNS})")
    ratio = large["p50_ms"] / small["p50_ms"]
    for figures in (small, large):
        print(
            f"job cycle, nothing due, {figures['rows']} reminders: p50 {figures['p50_ms']} ms "
            f"p95 {figures['p95_ms']} ms"
        )
    print(f"ratio large/small: {ratio:.2f} (goal ≤ 2)")
    return {f"collections [{kind}]: idle job cycle at {LARGE:,} invoices ≤ 2x 1,000": ratio <= 2}


def replan(env: dict, kind: str) -> dict[str, bool]:
    result = in_django(env, "replan(slug='reminders')", timeout=1200)  # reported, however long
    complete = result["moved"] == result["replanned"] == result["events"] == 5 * result["invoices"]
    print(
        f"policy change: {result['invoices']} invoices, {result['moved']} reminders re-planned "
        f"in {result['seconds']} s ({result['events']} timeline events; all moved: {complete})"
    )
    return {
        f"collections [{kind}]: re-plan of {result['invoices']:,} invoices < 60 s": complete
        and result["seconds"] < 60
    }


def planning_overhead(env: dict, kind: str) -> dict[str, bool]:
    tenants = json.loads(django_code(env, SETUP_ORGS))
    off, on = create_rates(env, tenants["off"], tenants["on"])
    ratio = on["rps"] / off["rps"] if off["rps"] else 0.0
    print(f"POST /api/v0/invoices (OPEN), reminders off: {off['rps']:7.1f} req/s")
    print(
        f"POST /api/v0/invoices (OPEN), reminders on (5 steps planned): {on['rps']:7.1f} req/s  "
        f"p99 {on['p99'] * 1000:6.1f} ms  failures {on['failures']}"
    )
    print(f"ratio on/off: {ratio:.0%} (goal ≥ 85 %: planning adds at most 15 %)")
    return {f"collections [{kind}]: invoice create with planning ≥ 85 % of without": ratio >= 0.85}


SPANS = """
from django.db.models import Max, Min
from billing.collections.models import ReminderEvent
from notifications.models import Message
org = {"invoice__organization__name": "Reminder sends"}
claimed = ReminderEvent.objects.filter(to_status="sending", **org).aggregate(at=Min("created_at"))
made = Message.objects.filter(purpose="reminder")
span = made.aggregate(first=Min("created_at"), last=Max("created_at"))
print(json.dumps({"claimed": claimed["at"].timestamp(), "messages": made.count(),
                  "made": [span["first"].timestamp(), span["last"].timestamp()]}))
"""


def send_throughput(env: dict, kind: str) -> dict[str, bool]:
    """The reminder job run once by a qcluster of ``WORKERS``: sends from the first claim to
    the last call the sandbox saw, and how long the job took to make the messages."""
    sandbox = Sandbox(SandboxConfig(latency=LATENCY)).start()
    round_env = {**env, "ONEMSG_BASE_URL": sandbox.url}
    try:
        django_code(round_env, SETUP_SENDS % {"n": N})
        process = cluster(round_env, WORKERS)
        deadline = time.monotonic() + 40 * N / (WORKERS / LATENCY)
        try:
            while len(sandbox.sends) < N and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            stop(process)
        last = max((s["at"] for s in sandbox.sends), default=0.0)
        sent = len(sandbox.sends)
    finally:
        sandbox.stop()
    spans = json.loads(django_code(env, SPANS).strip().splitlines()[-1])
    ideal = WORKERS / LATENCY
    rate = N / (last - spans["claimed"]) if sent >= N else 0.0
    made = spans["made"][1] - spans["made"][0]
    print(
        f"reminder sends, W={WORKERS}: {sent} sent, {rate:7.1f} msg/s from the first claim to "
        f"the last send = {rate / ideal:.0%} of ideal {ideal:.0f}/s (the job made the "
        f"{spans['messages']} messages in {made:.1f} s)"
    )
    return {f"collections [{kind}]: reminder sends W=2 ≥ 80 % of ideal": rate >= 0.8 * ideal}


def main() -> dict[str, bool]:
    with served_database(API_RATE_LIMIT="100000000/min") as (env, kind):
        results = job_cycle(env, kind)
        results |= replan(env, kind)
        results |= planning_overhead(env, kind)
        results |= send_throughput(env, kind)
        return results


if __name__ == "__main__":
    main()
