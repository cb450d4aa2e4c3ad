"""The delivery log's changelist at two sizes: the default view, each filter and each kind of
search.

Like ``bench_reports``: ``load_volume`` fills one organization with 1,000 invoices and 5,000
messages and another with 100,000 and 500,000 (``BENCH_INVOICES``/``BENCH_MESSAGES``), then each
page is requested as a superuser working in each organization: p50 over ``RUNS`` requests after
a warm-up, and the queries of one request. Goals: every page at the large size within 2x its
time at the small size, with the same number of queries.
"""

import json
import os
import subprocess
import sys

from tests.bench.bench_api import ROOT, Database
from tests.bench.bench_reports import LARGE, SMALL, manage

RUNS = 9

MEASURE = """
import django, json, statistics, sys, time
from datetime import timedelta
django.setup()
from django.utils import timezone
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from billing.admin.scoping import SESSION_KEY
from billing.models import Customer, Invoice, Organization

setup_test_environment()
runs = int(sys.argv[1])
User = get_user_model()
user = User.objects.filter(username="bench").first() or User.objects.create_superuser(
    "bench", "bench@example.com", "pw-bench-123")
client = Client()
client.force_login(user)
LOG = "/admin/notifications/message/"


def pages(org):
    today = timezone.localdate()
    customer = Customer.objects.filter(organization=org).order_by("name")[7]
    invoice = Invoice.objects.filter(organization=org, sequence=500).get()
    return {
        "default": {},
        "delivery problems": {"problems": "yes"},
        "channel": {"channel": "whatsapp"},
        "purpose": {"purpose": "reminder"},
        "status": {"status": "failed"},
        "error": {"error_kind": "unreachable"},
        "invoice": {"subject": str(invoice.pk)},
        "customer": {"recipient": str(customer.pk)},
        "created in the last 7 days": {
            "created_at__gte": str(today - timedelta(days=7)),
            "created_at__lt": str(today + timedelta(days=1)),
        },
        "search invoice number": {"q": invoice.number},
        "search customer name": {"q": customer.name},
        "search part of many names": {"q": "customer 7"},
        "search phone suffix": {"q": "…4567"},
        "search error text": {"q": "undeliverable"},
        "search without a match": {"q": "nothing like this"},
    }


result = {}
for slug in ("small", "large"):
    org = Organization.objects.get(slug=slug)
    session = client.session
    session[SESSION_KEY] = str(org.pk)
    session.save()
    for name, query in pages(org).items():
        assert client.get(LOG, query).status_code == 200, (slug, name)
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            client.get(LOG, query)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(LOG, query)
            times.append(time.perf_counter() - start)
        times.sort()
        result[f"{slug} {name}"] = {
            "p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1),
            "queries": len(captured.captured_queries),
        }
print(json.dumps(result))
"""

NAMES = (
    "default",
    "delivery problems",
    "channel",
    "purpose",
    "status",
    "error",
    "invoice",
    "customer",
    "created in the last 7 days",
    "search invoice number",
    "search customer name",
    "search part of many names",
    "search phone suffix",
    "search error text",
    "search without a match",
)


def measure(env: dict) -> dict:
    """Every page's figures in the loaded database ``env`` points at (both organizations)."""
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, str(RUNS)],
        cwd=ROOT, env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        check=True, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    return json.loads(measured.stdout.strip().splitlines()[-1])


def report(figures: dict, kind: str) -> dict:
    goals = {}
    for name in NAMES:
        small, large = figures[f"small {name}"], figures[f"large {name}"]
        ratio = large["p50_ms"] / small["p50_ms"]
        print(
            f"message changelist, {name}: small p50 {small['p50_ms']} ms p95 {small['p95_ms']} ms "
            f"({small['queries']} queries); large p50 {large['p50_ms']} ms p95 "
            f"{large['p95_ms']} ms ({large['queries']} queries); ratio {ratio:.2f}"
        )
        goals[f"messages {name} within 2x ({kind})"] = ratio <= 2.0
        goals[f"messages {name} same query count ({kind})"] = small["queries"] == large["queries"]
    return goals


def main() -> dict:
    db = Database()
    env = {"DATABASE_URL": db.url, "DEBUG": "true"}
    try:
        manage(env, "manage.py", "migrate", "--no-input")
        for slug, (invoices, messages) in (("small", SMALL), ("large", LARGE)):
            out = manage(
                env, "manage.py", "load_volume", "--org", slug,
                "--invoices", str(invoices), "--messages", str(messages),
            )  # fmt: skip
            print(f"loaded {out.strip()} on {db.kind}", flush=True)
        figures = measure(env)
    finally:
        db.drop()
    return report(figures, db.kind)
