"""Timestamps in answers are UTC with milliseconds and Z, as the contract's examples write them."""

from datetime import UTC, datetime

from billing.models import Customer, Invoice, Payment, Product, RecurringInvoice, Tax, Wallet
from notifications.models import Message, MessageEvent
from tests.api.test_recurring import schedule_body

WHEN = datetime(2026, 1, 1, 10, 30, 0, 123_456, tzinfo=UTC)
SHOWN = "2026-01-01T10:30:00.123Z"  # milliseconds, truncated like the clock that wrote them


def test_invoice_and_payment_timestamps(api):
    invoice = api.post("invoices", api.invoice_body(partial_payment=True)).json()
    api.post(f"invoices/{invoice['id']}/payments", {"amount": 100, "method": "CASH"})
    Invoice.objects.update(created_at=WHEN)
    Payment.objects.update(paid_at=WHEN)
    body = api.get(f"invoices/{invoice['id']}").json()
    assert (
        body["date_created"],
        body["transactions"][0]["paid_at"],
        body["paymentMetadata"]["paid_at"],
    ) == (SHOWN, SHOWN, SHOWN)
    assert api.get("invoices").json()["data"][0]["date_created"] == SHOWN


def test_a_whole_second_still_shows_its_milliseconds(api):
    invoice = api.post("invoices", api.invoice_body(status="DRAFT")).json()
    Invoice.objects.update(created_at=WHEN.replace(microsecond=0))
    assert api.get(f"invoices/{invoice['id']}").json()["date_created"] == "2026-01-01T10:30:00.000Z"


def test_resource_timestamps(api):
    schedule = api.post("recurring-invoices", schedule_body(api)).json()
    for model in (Customer, Product, Tax, Wallet, RecurringInvoice):
        model.objects.update(created_at=WHEN)
    Customer.objects.update(whatsapp_opted_in_at=WHEN)
    customer = api.get(f"customers/{api.customer.pk}").json()
    assert (customer["date_created"], customer["whatsapp_opted_in_at"]) == (SHOWN, SHOWN)
    for path, pk in (
        ("products", api.product.pk),
        ("taxes", api.tax.pk),
        ("wallets", api.wallet.pk),
    ):
        assert api.get(f"{path}/{pk}").json()["date_created"] == SHOWN
    assert api.get(f"recurring-invoices/{schedule['id']}").json()["date_created"] == SHOWN


def test_message_timestamps(api):
    invoice = api.post("invoices", api.invoice_body()).json()  # EMAIL + OPEN: sent at once
    message = Message.objects.get()
    MessageEvent.objects.create(message=message, status="sent", source="webhook", applied=True)
    Message.objects.update(created_at=WHEN, updated_at=WHEN)
    MessageEvent.objects.update(occurred_at=WHEN, received_at=WHEN)
    log = api.get(f"invoices/{invoice['id']}/messages").json()
    message = log["data"][0]
    assert (message["created_at"], message["updated_at"]) == (SHOWN, SHOWN)
    assert [(e["occurred_at"], e["received_at"]) for e in message["events"]] == [(SHOWN, SHOWN)]
    assert api.get("messages").json()["data"][0]["created_at"] == SHOWN
