"""The Devdraft seed's ``handleInvoiceWebhook`` (``const { event, invoice } = webhookData`` and a
switch on ``event``) receives our deliveries unchanged: run in Node.js when it is installed,
else the same shape is checked in Python."""

import json
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from billing.collections.overdue import overdue_sweep
from billing.models import Invoice
from billing.services.actors import Actor
from billing.services.payments import payment_record
from billing.webhooks import delivery
from billing.webhooks.models import WebhookDelivery
from tests.factories import OrganizationFactory, make_invoice
from tests.webhooks.support import endpoint

pytestmark = pytest.mark.django_db

# The seed's handler shape, with its three cases recording what they saw.
HANDLER = """
const seen = [];
const handleInvoiceWebhook = (webhookData) => {
  const { event, invoice } = webhookData;
  switch (event) {
    case 'invoice.created': seen.push(['created', invoice.invoice_number, invoice.status]); break;
    case 'invoice.paid': seen.push(['paid', invoice.invoice_number, invoice.status]); break;
    case 'invoice.overdue': seen.push(['overdue', invoice.invoice_number, invoice.status]); break;
  }
};
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  JSON.parse(input).forEach((body) => handleInvoiceWebhook(JSON.parse(body)));
  console.log(JSON.stringify(seen));
});
"""


def handled_in_python(bodies: list[str]) -> list[list]:
    seen = []
    for body in bodies:
        data = json.loads(body)
        event, invoice = data["event"], data["invoice"]
        if event in ("invoice.created", "invoice.paid", "invoice.overdue"):
            seen.append([event.split(".")[1], invoice["invoice_number"], invoice["status"]])
    return seen


def delivered_bodies(receiver) -> list[str]:
    org = OrganizationFactory()
    endpoint(org, url=receiver.url, events=["invoice.created", "invoice.paid", "invoice.overdue"])
    with transaction.atomic():
        paid = make_invoice(org, status="OPEN")
        late = make_invoice(org, status="OPEN")
    payment_record(invoice=paid, amount=paid.total, method="CASH", actor=Actor(label="test"))
    Invoice.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    overdue_sweep(now=timezone.now())
    for pk in WebhookDelivery.objects.order_by("created_at").values_list("pk", flat=True):
        assert delivery.attempt(pk) == "delivered"
    return [r.body.decode() for r in receiver.requests]


def test_the_seed_handler_receives_created_paid_and_overdue(receiver):
    bodies = delivered_bodies(receiver)
    node = shutil.which("node")
    if node:
        run = subprocess.run(
            [node, "-e", HANDLER],
            input=json.dumps(bodies),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert run.returncode == 0, run.stderr
        seen = json.loads(run.stdout)
    else:
        seen = handled_in_python(bodies)
    assert sorted(seen) == sorted(
        [
            ["created", "INV-000001", "OPEN"],
            ["created", "INV-000002", "OPEN"],
            ["paid", "INV-000001", "PAID"],
            ["overdue", "INV-000002", "PASTDUE"],
        ]
    )
    assert handled_in_python(bodies) == seen
