"""One decision of which channels an invoice goes out on: finalize, the send endpoint, admin."""

import pytest
from django.utils import timezone

from billing.models import Invoice
from billing.services.actors import Actor
from billing.services.delivery import invoice_channels
from billing.services.payments import payment_record
from notifications.models import Message
from tests.api.conftest import Api
from tests.factories import CustomerFactory, OrganizationFactory, make_invoice

BOTH = ("whatsapp", "email")


def unsaved(*, status="OPEN", delivery="AUTO", preferred=BOTH, consent=True) -> Invoice:
    customer = CustomerFactory.build(
        phone="+79001234567",
        preferred_channels=list(preferred),
        whatsapp_opted_in_at=timezone.now() if consent else None,
    )
    return Invoice(status=status, delivery=delivery, customer=customer)


@pytest.mark.parametrize(
    ("delivery", "preferred", "consent", "automatic", "default"),
    [
        ("AUTO", BOTH, True, ("whatsapp",), ("whatsapp",)),
        ("AUTO", BOTH, False, ("email",), ("email",)),
        ("AUTO", ("whatsapp",), False, (), ("email",)),
        ("AUTO", (), False, ("email",), ("email",)),
        ("MANUALLY", BOTH, True, (), ("whatsapp",)),
        ("EMAIL", ("whatsapp",), True, ("email",), ("email",)),
        ("WHATSAPP", ("email",), False, ("whatsapp",), ("whatsapp",)),
    ],
)
def test_an_open_invoice_goes_out_by_its_delivery_setting(
    delivery, preferred, consent, automatic, default
):
    choice = invoice_channels(unsaved(delivery=delivery, preferred=preferred, consent=consent))
    assert (choice.automatic, choice.default, choice.available) == (automatic, default, BOTH)


@pytest.mark.parametrize("status", ["PAID", "VOID", "UNCOLLECTIBLE"])
def test_only_open_invoices_go_out_on_whatsapp(status):
    choice = invoice_channels(unsaved(status=status, delivery="WHATSAPP"))
    assert (choice.automatic, choice.default, choice.available) == ((), ("email",), ("email",))


def test_a_draft_goes_out_on_nothing():
    choice = invoice_channels(unsaved(status="DRAFT", delivery="EMAIL"))
    assert (choice.automatic, choice.default, choice.available) == ((), (), ())


@pytest.fixture
def api(db):
    return Api(OrganizationFactory(name="Acme Ltd", time_zone="UTC"))


def consenting(org):
    return CustomerFactory(
        organization=org,
        phone="+79001234567",
        email="jane@example.com",
        preferred_channels=list(BOTH),
        whatsapp_opted_in_at=timezone.now(),
    )


@pytest.mark.usefixtures("stub_channel")
def test_send_without_channels_follows_the_delivery_setting_not_every_preference(api):
    invoice = make_invoice(api.org, status="OPEN", delivery="EMAIL", customer=consenting(api.org))
    Message.objects.all().delete()  # the automatic e-mail of finalize, not the point here
    response = api.post(f"invoices/{invoice.pk}/send", {})
    message = Message.objects.get()
    assert response.status_code == 202
    assert response.json() == {
        "messages": [{"id": str(message.pk), "channel": "email", "status": "queued"}]
    }


@pytest.mark.usefixtures("stub_channel")
def test_a_paid_invoice_is_not_sent_on_whatsapp_and_nothing_else_goes_either(api):
    who = consenting(api.org)
    invoice = make_invoice(api.org, status="OPEN", delivery="MANUALLY", customer=who)
    payment_record(invoice=invoice, amount=invoice.total, method="CASH", actor=Actor(label="t"))
    response = api.post(f"invoices/{invoice.pk}/send", {"channels": ["email", "whatsapp"]})
    assert (response.status_code, response.json()) == (
        409,
        {
            "statusCode": 409,
            "message": f"Invoice {invoice.number} is paid: it cannot be sent on WhatsApp",
            "error": "Conflict",
        },
    )
    assert Message.objects.count() == 0


@pytest.mark.usefixtures("stub_channel")
def test_a_draft_is_sent_on_no_channel(api):
    draft = make_invoice(api.org, customer=consenting(api.org))
    response = api.post(f"invoices/{draft.pk}/send", {"channels": ["whatsapp"]})
    assert (response.status_code, response.json()["message"]) == (
        409,
        "Draft invoices cannot be sent: finalize the invoice first",
    )
    assert Message.objects.count() == 0
