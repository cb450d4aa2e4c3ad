"""Integrator webhook benchmarks, each a ratio measured in the same run.

1. Delivery throughput: 1,000 events to a local receiver answering in 50 ms, delivered by a real
   qcluster with W = 2 workers, against the ideal W / 0.05 deliveries/s (goal ≥ 80 %).
2. ``POST /api/v0/invoices`` for an organization with one subscribed endpoint against one with
   none, interleaved rounds under the same gunicorn (goal ≥ 85 %).
"""

import json
import time

from tests.bench.bench_api import served_database
from tests.bench.bench_whatsapp import cluster, django_code, stop
from tests.bench.tenants import TENANT, create_rates
from tests.webhooks.receiver import Receiver, start_receiver

N = 1000
LATENCY = 0.05
WORKERS = 2

SETUP_EVENTS = """
from django.db import transaction
from django_q.models import Schedule
from billing.services.organizations import organization_create
from billing.webhooks.events import EventSpec, events_raise
from billing.webhooks.models import WebhookEndpoint

Schedule.objects.all().delete()  # measure the delivery path only
org = organization_create(name="Webhook bench")
WebhookEndpoint.objects.create(organization=org, url="%(url)s", events=["*"])
for start in range(0, %(n)s, 100):
    with transaction.atomic():  # each event's delivery is enqueued on commit, as in production
        for i in range(start, min(start + 100, %(n)s)):
            events_raise(organization=org, specs=[EventSpec("webhook.test", None, {"n": i})])
"""

SETUP_ORGS = (
    TENANT
    + """
from billing.webhooks.models import WebhookEndpoint

def subscribe(org):
    WebhookEndpoint.objects.create(organization=org, url="http://127.0.0.1:9/x", events=["*"])

print(json.dumps({"none": tenant("No endpoint"), "one": tenant("One endpoint", subscribe)}))
"""
)


def delivery_throughput(env: dict, kind: str) -> dict[str, bool]:
    receiver = Receiver(default=(200, {}, LATENCY))
    server = start_receiver(receiver)
    try:
        django_code(env, SETUP_EVENTS % {"url": receiver.url, "n": N})
        process = cluster(env, WORKERS)
        deadline = time.monotonic() + 40 * N / (WORKERS / LATENCY)
        try:
            while len(receiver.requests) < N and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            stop(process)
    finally:
        server.shutdown()
        server.server_close()
    arrivals = sorted(r.at for r in receiver.requests)
    ideal = WORKERS / LATENCY
    if len(arrivals) < N:
        print(f"  only {len(arrivals)} of {N} delivered before the deadline")
        rate = 0.0
    else:
        rate = N / (arrivals[-1] - arrivals[0] + LATENCY)
    ids = {json.loads(r.body)["id"] for r in receiver.requests}
    print(
        f"deliveries, W={WORKERS}: {rate:7.1f}/s = {rate / ideal:.0%} of ideal {ideal:.0f}/s "
        f"({len(receiver.requests)} requests, {len(ids)} distinct events)"
    )
    return {f"webhooks [{kind}]: delivery throughput W=2 ≥ 80 % of ideal": rate >= 0.8 * ideal}


def create_overhead(env: dict, kind: str) -> dict[str, bool]:
    tenants = json.loads(django_code(env, SETUP_ORGS))
    bare, real = create_rates(env, tenants["none"], tenants["one"])
    ratio = real["rps"] / bare["rps"] if bare["rps"] else 0.0
    print(f"POST /api/v0/invoices, no endpoint: {bare['rps']:7.1f} req/s")
    print(
        f"POST /api/v0/invoices, one endpoint: {real['rps']:7.1f} req/s  "
        f"failures {real['failures']}"
    )
    print(f"ratio one endpoint/none: {ratio:.0%} (goal ≥ 85 %)")
    return {f"webhooks [{kind}]: invoice create with one endpoint ≥ 85 % of none": ratio >= 0.85}


def main() -> dict[str, bool]:
    with served_database(
        API_RATE_LIMIT="100000000/min",
        WEBHOOK_ALLOW_PRIVATE_URLS="true",  # the receiver is on 127.0.0.1
    ) as (env, kind):
        results = delivery_throughput(env, kind)
        results |= create_overhead(env, kind)
        return results


if __name__ == "__main__":
    main()
