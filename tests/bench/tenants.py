"""Invoice creation of two API tenants against each other: the same gunicorn, interleaved
rounds (a noisy neighbour hits both alike), the median round of each."""

import json
import os
import uuid

from tests.api.server import gunicorn
from tests.bench.bench_api import WARMUP, invoice_body, load
from tests.bench.bench_whatsapp import median

SECONDS = 9.0
ROUNDS = 3

# Django code defining ``tenant(name, prepare)``: an organization with an API credential, a
# customer, a wallet, a tax and three products; ``prepare(org)`` adds what the benchmark varies.
TENANT = """
import json
from billing.models import Customer, Product, Tax, Wallet
from billing.services.organizations import api_credential_create, organization_create

def tenant(name, prepare=lambda org: None):
    org = organization_create(name=name)
    credential, secret = api_credential_create(organization=org)
    customer = Customer.objects.create(organization=org, name="Bench", email="b@example.com")
    wallet = Wallet.objects.create(organization=org, address="0xbench")
    tax = Tax.objects.create(organization=org, name="VAT", rate=20)
    products = [
        Product.objects.create(organization=org, name=f"P{n}", unit_price=1000 * n, currency="USD")
        for n in (1, 2, 3)
    ]
    prepare(org)
    return {"key": credential.client_key, "secret": secret, "customer": str(customer.pk),
            "wallet": str(wallet.pk), "tax": str(tax.pk), "products": [str(p.pk) for p in products]}
"""


def creator(ids: dict):
    body = json.dumps(invoice_body(ids)).encode()
    auth = {"x-client-key": ids["key"], "x-client-secret": ids["secret"]}

    def make():
        headers = {**auth, "Content-Type": "application/json"}
        return body, {**headers, "x-idempotency-key": str(uuid.uuid4())}

    return make


def create_rates(env: dict, first: dict, second: dict) -> tuple[dict, dict]:
    """``POST /api/v0/invoices`` as ``first`` and as ``second``: the median round of each."""
    one, other = creator(first), creator(second)
    workers = 2 * (os.cpu_count() or 1) + 1
    with gunicorn(workers=workers, env=env, ready_timeout=120) as port:
        load(port, "/api/v0/invoices", one, WARMUP)
        load(port, "/api/v0/invoices", other, WARMUP)
        firsts, seconds = [], []
        for _ in range(ROUNDS):
            firsts.append(load(port, "/api/v0/invoices", one, SECONDS / ROUNDS))
            seconds.append(load(port, "/api/v0/invoices", other, SECONDS / ROUNDS))
    return median(firsts), median(seconds)
