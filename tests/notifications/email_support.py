"""Shared set-up for the e-mail tests: an issued invoice with hostile names, a synchronous queue."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from billing.models import CustomerContact
from billing.services.actors import Actor
from billing.services.invoices import ItemInput, invoice_create
from tests.factories import CustomerFactory, OrganizationFactory, ProductFactory, WalletFactory
from tests.notifications.smtp_sink import SmtpSink, free_port

__all__ = ["SmtpSink", "free_port"]

# The seed's example data for template "invoice" v1, as the seed prints it.
SEED_EXAMPLE_DATA = {
    "invoice": {
        "items": [
            {
                "quantity": "Quantity",
                "code": "Code",
                "description": "Description",
                "amount": "GBP 20.00",
            }
        ],
        "totals": {"subtotal": "GBP 20.00", "tax": "Tax", "total": "GBP 20.00"},
    },
    "invoiceNumber": "Invoice Number",
}


EVIL = '<script>alert("x")</script>'


def issued_invoice(*, delivery="MANUALLY", locale="en", customer_name="Jane Doe", **fields):
    org = fields.pop("organization", None) or OrganizationFactory(
        name="Acme Ltd",
        payment_instructions={"BANK_TRANSFER": "IBAN DE89 3704 0044 0532 0130 00"},
    )
    customer = CustomerFactory(
        organization=org, name=customer_name, email="jane@example.com", locale=locale
    )
    CustomerContact.objects.create(customer=customer, email="ap@example.com")
    items = [
        ItemInput(
            ProductFactory(organization=org, name="Consulting", code="CONS", unit_price=125000),
            Decimal(2),
        ),
        ItemInput(
            ProductFactory(organization=org, name="Hosting", code="HOST", unit_price=4999),
            Decimal(1),
        ),
    ]
    fields.setdefault("due_date", timezone.localdate() + timedelta(days=14))
    fields.setdefault("payment_methods", ["BANK_TRANSFER", "CRYPTO"])
    return invoice_create(
        organization=org,
        customer=customer,
        items=items,
        status="OPEN",
        wallet=WalletFactory(organization=org, address="0xabc123"),
        delivery=delivery,
        actor=Actor(label="test"),
        **fields,
    )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def sync_queue(monkeypatch):
    """django-q2 runs tasks in-process (STYLE rule 3); use with on-commit capture."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def later(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def smtp_settings(settings, port: int, timeout: float = 5) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = timeout
