"""Bulk jobs: what a job adds to the single action's service, and asking for "all N matching".

In a throwaway database of the configured kind, in one process: ``DRAFTS`` drafts finalized one
by one through ``invoice_finalize_or_request`` (the single action's service: the probe), then
as many drafts finalized by a bulk job's task (``bulk_job_run`` chunk after chunk). Goal: the
job within 1.5x the probe's time (a row adds a locked read, two updates and two savepoints to
the action's ~19 statements). Then a job asked for over an organization loaded with
``load_volume`` (``BENCH_BULK_ROWS``, default 100,000 invoices): the seconds to fix its rows.
"""

import json
import os
import subprocess
import sys

from tests.bench.bench_api import ROOT, Database, manage

DRAFTS = 400
LARGE = int(os.environ.get("BENCH_BULK_ROWS", "100000"))

MEASURE = """
import django, json, sys, time
django.setup()
from datetime import timedelta
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from billing.approvals.services import invoice_finalize_or_request
from billing.bulk.services import bulk_job_create, bulk_job_run
from billing.models import Customer, Invoice, Organization, Product
from billing.services.actors import Actor
from billing.services.invoices import ItemInput, invoice_build, invoices_insert
from billing.services.organizations import organization_create
from billing.services.roles import membership_set

drafts, large_slug = int(sys.argv[1]), sys.argv[2]
user = get_user_model().objects.create_user("bench", "bench@example.com", "pw-bench-123")
actor = Actor.for_user(user)

def drafts_of(slug):
    org = organization_create(name=slug, slug=slug)
    membership_set(user=user, organization=org, role="approver")
    customer = Customer.objects.create(organization=org, name="Bench", email="b@example.com")
    product = Product.objects.create(organization=org, name="P", unit_price=1000, currency="USD")
    due = timezone.localdate() + timedelta(days=30)
    items = [ItemInput(product, Decimal(1))]
    built = [invoice_build(organization=org, customer=customer, items=items, due_date=due,
                           delivery="MANUALLY", actor=actor) for _ in range(drafts)]
    with transaction.atomic():
        invoices_insert(org, built, actor=actor)
    return org

probe_org, job_org = drafts_of("probe"), drafts_of("job")
start = time.perf_counter()
probe_drafts = Invoice.objects.filter(organization=probe_org)
for invoice in probe_drafts.select_related("organization", "customer"):
    invoice_finalize_or_request(invoice=invoice, actor=actor)
probe = time.perf_counter() - start

start = time.perf_counter()
job = bulk_job_create(organization=job_org, kind="finalize", invoices=Invoice.objects.all(),
                      selection={"filter": ""}, actor=actor)
while bulk_job_run(job_id=job.pk):
    pass
bulk = time.perf_counter() - start
job.refresh_from_db()
numbers = sorted(Invoice.objects.filter(organization=job_org).values_list("sequence", flat=True))

large = Organization.objects.get(slug=large_slug)
membership_set(user=user, organization=large, role="approver")
start = time.perf_counter()
big = bulk_job_create(organization=large, kind="send", channel="email",
                      invoices=Invoice.objects.filter(organization=large), selection={"filter": ""},
                      actor=actor)
asked = time.perf_counter() - start
print(json.dumps({"probe_s": probe, "job_s": bulk, "done": job.done, "status": job.status,
                  "consecutive": numbers == list(range(1, drafts + 1)),
                  "large_rows": big.total, "large_ask_s": asked}))
"""


def main() -> dict:
    db = Database()
    env = {"DATABASE_URL": db.url, "DEBUG": "true"}
    try:
        manage(env, "manage.py", "migrate", "--no-input")
        manage(env, "manage.py", "load_volume", "--org", "large", "--invoices", str(LARGE),
               "--messages", "0")  # fmt: skip
        measured = subprocess.run(
            [sys.executable, "-c", MEASURE, str(DRAFTS), "large"],
            cwd=ROOT, env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
            check=True, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
    finally:
        db.drop()
    figures = json.loads(measured.stdout.strip().splitlines()[-1])
    ratio = figures["job_s"] / figures["probe_s"]
    print(
        f"{DRAFTS} drafts: single service {figures['probe_s']:.2f} s "
        f"({DRAFTS / figures['probe_s']:.0f}/s), bulk job {figures['job_s']:.2f} s "
        f"({DRAFTS / figures['job_s']:.0f}/s), ratio {ratio:.2f}; job {figures['status']}, "
        f"{figures['done']} done, numbers consecutive: {figures['consecutive']}"
    )
    print(
        f"asking for a job over all {figures['large_rows']} invoices: "
        f"{figures['large_ask_s']:.2f} s"
    )
    return {
        f"bulk job within 1.5x the single service ({db.kind})": ratio <= 1.5
        and figures["consecutive"],
    }
