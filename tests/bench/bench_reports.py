"""The overview, the invoice and message changelists, the funnel report and the delivery log's
filters and searches at two sizes, and a 100,000-row CSV export.

``load_volume`` fills one organization with 1,000 invoices and 5,000 messages and another with
100,000 and 500,000, in a throwaway database of the configured kind. Each page is then requested
as a superuser working in each organization (Django's test client, in one process): p50/p95
over ``RUNS`` requests after a warm-up, and the queries of one request. Goals: each page at the
large size within 2x its time at the small size, with the same number of queries; the CSV
export of the large organization's invoices at 5,000 rows/s or more. The delivery log's pages
(``bench_messages``) are measured in the same database, after these.
"""

import json
import os
import subprocess
import sys
import time

from tests.bench.bench_api import ROOT, Database

LOAD_TIMEOUT = 1800  # 100,000 invoices and 500,000 messages take minutes on two cores

SMALL = (1_000, 5_000)
LARGE = (
    int(os.environ.get("BENCH_INVOICES", "100000")),
    int(os.environ.get("BENCH_MESSAGES", "500000")),
)
RUNS = 15
PAGES = {
    "overview": "/admin/",
    "invoice changelist": "/admin/billing/invoice/",
    "message changelist": "/admin/notifications/message/",
}
MEASURED = (*PAGES, "funnel report")  # the funnel: GET /api/v0/reports/funnel, its 30 days

MEASURE = """
import django, json, statistics, sys, time
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from billing.admin.scoping import SESSION_KEY
from billing.models import Organization
from billing.services.organizations import api_credential_create
from rest_framework.test import APIClient

setup_test_environment()  # the test client's host name, outgoing mail kept in memory
pages, runs = json.loads(sys.argv[1]), int(sys.argv[2])
User = get_user_model()
user = User.objects.filter(username="bench").first() or User.objects.create_superuser(
    "bench", "bench@example.com", "pw-bench-123")
client = Client()
client.force_login(user)

def work_in(slug):
    session = client.session
    session[SESSION_KEY] = str(Organization.objects.get(slug=slug).pk)
    session.save()

def timed(get, path):
    assert get(path).status_code == 200, path
    connection.queries_log.clear()  # DEBUG keeps a log; the capture counts from its end
    with CaptureQueriesContext(connection) as captured:
        get(path)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        get(path)
        times.append(time.perf_counter() - start)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1),
        "queries": len(captured.captured_queries),
    }

result = {}
for slug in ("small", "large"):
    work_in(slug)
    for name, path in pages.items():
        result[f"{slug} {name}"] = timed(client.get, path)
    org = Organization.objects.get(slug=slug)
    _credential, secret = api_credential_create(organization=org)
    api = APIClient()
    api.credentials(HTTP_X_CLIENT_KEY=_credential.client_key, HTTP_X_CLIENT_SECRET=secret)
    result[f"{slug} funnel report"] = timed(api.get, "/api/v0/reports/funnel")
work_in("large")
start = time.perf_counter()
response = client.get("/admin/exports/invoices.csv")
rows = sum(chunk.count(b"\\n") for chunk in response.streaming_content) - 1
elapsed = time.perf_counter() - start
result["csv"] = {"rows": rows, "seconds": round(elapsed, 2), "rows_per_s": round(rows / elapsed)}
print(json.dumps(result))
"""


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**os.environ, **env}, check=True,
        capture_output=True, text=True, timeout=LOAD_TIMEOUT,
    )  # fmt: skip
    return result.stdout


def main() -> dict:
    from tests.bench import bench_messages  # it reads this module's sizes

    db = Database()
    env = {"DATABASE_URL": db.url, "DEBUG": "true"}
    try:
        manage(env, "manage.py", "migrate", "--no-input")
        for slug, (invoices, messages) in (("small", SMALL), ("large", LARGE)):
            started = time.perf_counter()
            out = manage(
                env, "manage.py", "load_volume", "--org", slug,
                "--invoices", str(invoices), "--messages", str(messages),
            )  # fmt: skip
            took = time.perf_counter() - started
            print(f"loaded {out.strip()} on {db.kind} in {took:.0f} s", flush=True)
        measured = subprocess.run(
            [sys.executable, "-c", MEASURE, json.dumps(PAGES), str(RUNS)],
            cwd=ROOT, env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
            check=True, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        searches = bench_messages.measure(env)
    finally:
        db.drop()
    figures = json.loads(measured.stdout.strip().splitlines()[-1])
    goals = {}
    for name in MEASURED:
        small, large = figures[f"small {name}"], figures[f"large {name}"]
        ratio = large["p50_ms"] / small["p50_ms"]
        print(
            f"{name}: small p50 {small['p50_ms']} ms p95 {small['p95_ms']} ms "
            f"({small['queries']} queries); large p50 {large['p50_ms']} ms p95 "
            f"{large['p95_ms']} ms ({large['queries']} queries); ratio {ratio:.2f}"
        )
        goals[f"{name} at scale within 2x ({db.kind})"] = ratio <= 2.0
        goals[f"{name} same query count ({db.kind})"] = small["queries"] == large["queries"]
    csv = figures["csv"]
    print(f"CSV export: {csv['rows']} rows in {csv['seconds']} s = {csv['rows_per_s']} rows/s")
    goals[f"CSV export at 5,000+ rows/s ({db.kind})"] = csv["rows_per_s"] >= 5000
    goals.update(bench_messages.report(searches, db.kind))
    return goals
