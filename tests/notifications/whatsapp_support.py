"""Shared set-up for the WhatsApp tests: the seed's example invoice and a running sandbox."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import InvoiceSequence
from billing.services.actors import Actor
from billing.services.invoices import ItemInput, invoice_create
from notifications.sandbox import Sandbox, SandboxConfig
from tests.factories import CustomerFactory, OrganizationFactory, ProductFactory

# The 1MSG channel of the ``stub_channel`` fixture, answered by ``responses`` stubs.
STUB_BASE_URL = "http://1msg.test"
STUB_SEND_URL = f"{STUB_BASE_URL}/sandbox/sendTemplate"


SEED_TEXT = (
    "Hello, Alexey! Invoice #INV-2024-0842 has been issued for 49,900.00 RUB. "
    "Payment due: July 15, 2026."
)
SEED_BODY = {
    "phone": "79001234567",
    "template": "invoice_issued",
    "namespace": "sandbox_namespace",
    "language": {"policy": "deterministic", "code": "en"},
    "params": [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Alexey"},
                {"type": "text", "text": "INV-2024-0842"},
                {"type": "text", "text": "49,900.00 RUB"},
                {"type": "text", "text": "July 15, 2026"},
            ],
        }
    ],
}


def seed_org():
    org = OrganizationFactory(
        name="Acme", default_currency="RUB", invoice_number_format="INV-2024-{seq:04d}"
    )
    InvoiceSequence.objects.filter(organization=org).update(last_value=841)
    return org


def customer(org, *, phone="+79001234567", consent=True, **fields):
    fields.setdefault("name", "Alexey")
    return CustomerFactory(
        organization=org,
        phone=phone,
        locale=fields.pop("locale", "en"),
        preferred_channels=["whatsapp", "email"],
        whatsapp_opted_in_at=timezone.now() if consent else None,
        whatsapp_consent_source="signup form" if consent else "",
        **fields,
    )


def seed_invoice(org=None, *, status="OPEN", delivery="MANUALLY", amount=4990000, **fields):
    """The seed's example: Alexey, INV-2024-0842, 49,900 RUB, due July 15, 2026."""
    org = org or seed_org()
    who = fields.pop("customer", None) or customer(org, **fields)
    product = ProductFactory(organization=org, unit_price=amount, currency="RUB")
    return invoice_create(
        organization=org,
        customer=who,
        items=[ItemInput(product, Decimal(1))],
        due_date=date(2026, 7, 15),
        status=status,
        currency="RUB",
        delivery=delivery,
        actor=Actor(label="test"),
    )


@pytest.fixture
def sandbox(settings):
    """A real sandbox on a free port, the default channel pointed at it."""
    box = Sandbox(SandboxConfig(ack_delay=0.05, hang=3)).start()
    settings.ONEMSG_BASE_URL = box.url
    settings.ONEMSG_CHANNEL_ID = box.config.channel_id
    settings.ONEMSG_TOKEN = box.config.token
    settings.ONEMSG_TEMPLATE_NAMESPACE = "sandbox_namespace"
    yield box
    box.stop()
