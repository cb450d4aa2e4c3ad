"""Invoice e-mails: rendering (HTML + text), the PDF, and 1,000 sends through 2 queue workers.

Rendering and the PDF: median of 50 after a warm-up, in a process of the configured database
kind. Sending: 1,000 invoice e-mails (PDF attached) requested, then a django-q2 cluster with 2
workers delivers them to an aiosmtpd sink on a free loopback port; the clock runs from the
cluster's start until every message is ``sent`` (bounded wait).
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.bench_api import Database, manage
from tests.notifications.smtp_sink import SmtpSink

COUNT = int(os.environ.get("BENCH_EMAIL_COUNT", "1000"))
WORKERS = 2
SEND_TIMEOUT = 240.0
LOG = Path(__file__).resolve().parents[2] / "var" / "bench_email_qcluster.log"
GOALS = {"render_ms": 20.0, "pdf_ms": 500.0, "send_s": 60.0}

SETUP = """
import django, json, os, statistics, time
django.setup()
from decimal import Decimal
from datetime import timedelta
from django.utils import timezone
from billing.models import Customer, Product, Wallet
from billing.pdf import render_invoice_pdf
from billing.services.actors import Actor
from billing.services.invoice_email import SendInvoiceEmail, email_context, invoice_send_email
from billing.services.invoices import ItemInput, invoice_create
from billing.services.organizations import organization_create
from notifications.channels import get_backend
from notifications.templating.registry import resolve
from notifications.templating.render import prepare, render_email

actor = Actor(label="bench")
org = organization_create(name="Bench")
org.payment_instructions = {"BANK_TRANSFER": "IBAN XX00 1234"}
org.attach_pdf = os.environ.get("BENCH_EMAIL_PDF", "1") == "1"
org.save()
wallet = Wallet.objects.create(organization=org, address="0xbench")
products = [Product.objects.create(organization=org, name=f"Service {n}", code=f"S{n}",
            unit_price=1250 * n, currency="USD") for n in (1, 2, 3)]

def make(n):
    customer = Customer.objects.create(organization=org, name=f"Customer {n}",
                                       email=f"c{n}@example.com")
    return invoice_create(organization=org, customer=customer, wallet=wallet, status="OPEN",
        items=[ItemInput(p, Decimal(i + 1)) for i, p in enumerate(products)],
        due_date=timezone.localdate() + timedelta(days=30), delivery="MANUALLY",
        payment_methods=["BANK_TRANSFER", "CRYPTO"], actor=actor)

def median_ms(func, runs=50):
    for _ in range(5):
        func()
    times = []
    for _ in range(runs):
        start = time.perf_counter(); func(); times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000

invoice = make(0)
backend = get_backend("email", org.pk)
version = resolve("invoice")
_, context = email_context(invoice, SendInvoiceEmail(), actor=actor)
resolved = prepare(version, context["data"])
figures = {
    "render_ms": median_ms(lambda: render_email(version, resolved)),
    "prepare_ms": median_ms(lambda: backend.prepare(purpose="x", recipient="c0@example.com",
        context=email_context(invoice, SendInvoiceEmail(), actor=actor)[1])),
    "pdf_ms": median_ms(lambda: render_invoice_pdf(invoice)),
}
start = time.perf_counter()
for n in range(1, COUNT + 1):
    invoice_send_email(invoice=make(n), actor=actor)
figures["request_s"] = time.perf_counter() - start
print(json.dumps(figures))
"""

WAIT = """
import django, time; django.setup()
from notifications.models import Message
deadline = time.monotonic() + {timeout}
while True:
    sent = Message.objects.filter(status="sent").count()
    other = Message.objects.exclude(status__in=["queued", "sending", "sent"]).count()
    if sent + other >= {count} or time.monotonic() > deadline:
        break
    time.sleep(0.1)
print(sent, other)
"""


def python(env: dict, code: str) -> str:
    return manage(env, "-c", code)


def stop(cluster: subprocess.Popen) -> None:
    os.killpg(cluster.pid, signal.SIGTERM)
    try:
        cluster.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait(timeout=15)


def main() -> dict[str, bool]:
    database = Database()
    with SmtpSink() as sink:
        env = {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database.url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
            "REDIS_URL": "",
        }
        try:
            manage(env, "manage.py", "migrate", "--noinput")
            manage(env, "manage.py", "createcachetable")
            figures = json.loads(python(env, f"COUNT = {COUNT}\n" + SETUP).strip().splitlines()[-1])
            log = open(LOG, "w")  # noqa: SIM115 - closed after the cluster stops
            cluster = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            started = time.monotonic()
            try:
                waited = python(env, WAIT.format(timeout=SEND_TIMEOUT, count=COUNT))
                sent, other = (int(x) for x in waited.split()[-2:])
                figures["send_s"] = time.monotonic() - started
            finally:
                stop(cluster)
                log.close()
        finally:
            database.drop()
    figures.update(sent=sent, not_sent=other, smtp_received=len(sink.received))
    print(
        f"render (HTML+text) median {figures['render_ms']:.2f} ms; with context from the "
        f"database {figures['prepare_ms']:.2f} ms; PDF median {figures['pdf_ms']:.1f} ms\n"
        f"{COUNT} e-mails requested in {figures['request_s']:.1f} s; delivered by {WORKERS} "
        f"workers in {figures['send_s']:.1f} s ({sent} sent, {other} other, "
        f"{figures['smtp_received']} received by the SMTP sink)"
    )
    return {
        f"render one invoice e-mail < {GOALS['render_ms']:.0f} ms": figures["prepare_ms"]
        < GOALS["render_ms"],
        f"render one invoice PDF < {GOALS['pdf_ms']:.0f} ms": figures["pdf_ms"] < GOALS["pdf_ms"],
        f"send {COUNT} invoice e-mails with {WORKERS} workers < {GOALS['send_s']:.0f} s": sent
        == COUNT
        and figures["send_s"] < GOALS["send_s"],
    }
