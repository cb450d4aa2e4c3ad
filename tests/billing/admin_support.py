"""Two organizations with one row of every tenant model each, and members to look at them."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from billing.approvals.services import invoice_finalize_or_request
from billing.bulk.services import bulk_job_create
from billing.models import CustomerContact, Invoice, TaxComponent
from billing.services.actors import Actor
from billing.services.payments import payment_record
from billing.services.recurring import recurring_create
from billing.services.roles import staff_user_set
from billing.webhooks.models import WebhookEndpoint
from notifications.models import DefaultEmailTemplate, Message, WhatsAppChannel, WhatsAppTemplate
from tests.factories import (
    ApiCredentialFactory,
    CustomerFactory,
    OrganizationFactory,
    ProductFactory,
    TaxFactory,
    WalletFactory,
    make_invoice,
)


def build_tenant(marker: str):
    """An organization whose every visible text carries ``marker``."""
    org = OrganizationFactory(name=f"{marker} Org", slug=marker.lower())
    customer = CustomerFactory(organization=org, name=f"{marker} customer")
    CustomerContact.objects.create(customer=customer, email=f"{marker.lower()}@example.com")
    ProductFactory(organization=org, name=f"{marker} product")
    tax = TaxFactory(organization=org, name=f"{marker} tax")
    TaxComponent.objects.create(tax=tax, name=f"{marker} part", rate=5)
    wallet = WalletFactory(organization=org, address=f"0x{marker}wallet")
    ApiCredentialFactory(organization=org, name=f"{marker} key")
    # Before the invoices: their events make deliveries to it.
    WebhookEndpoint.objects.create(
        organization=org, url=f"http://127.0.0.1:9/{marker.lower()}", events=["*"]
    )
    draft = make_invoice(org, customer=customer)
    paid = make_invoice(org, customer=customer, status="OPEN", partial_payment=True)
    payment_record(
        invoice=paid, amount=100, method="CASH", reference=f"{marker} ref", actor=Actor()
    )
    DefaultEmailTemplate.objects.create(tenant_id=org.pk, subject=f"{marker} subject", body="Hi")
    WhatsAppChannel.objects.create(tenant_id=org.pk, channel_id=f"{marker}-channel")
    WhatsAppTemplate.objects.create(
        tenant_id=org.pk, name=f"{marker}_template", namespace="ns", body="Hi {{1}}"
    )
    Message.objects.create(
        tenant_id=org.pk,
        purpose="test",
        channel="email",
        recipient=f"{marker.lower()}@example.com",
        created_by=f"{marker} sender",
    )
    maker = staff_user_set(
        username=f"{marker.lower()}-maker", password="pw-12345", organization=org, role="clerk"
    )
    approval_for(draft, maker.user)
    bulk_job_create(
        organization=org,
        kind="finalize",
        invoices=Invoice.objects.filter(pk=draft.pk),
        selection={"ids": [str(draft.pk)]},
        actor=Actor.for_user(maker.user),
    )
    monthly_schedule(
        org,
        name=f"{marker} recurring",
        customer=customer,
        wallet=wallet,
        product_id=draft.items.get().product_id,
    )
    return org


def approval_for(invoice, user):
    """A pending approval request of ``invoice``, as a clerk of its organization asks for it."""
    org = invoice.organization
    org.approval_amount = Decimal(0)
    org.save(update_fields=["approval_amount"])
    return invoice_finalize_or_request(invoice=invoice, actor=Actor.for_user(user))


def make_member(django_user_model, org, *, username: str, role: str = "admin"):
    """A staff member of ``org`` through its role's group, like any login."""
    staff_user_set(username=username, password="pw-12345", organization=org, role=role)
    return django_user_model.objects.get(username=username)


def work_in(client, org) -> None:
    """Choose ``org`` as the client's workspace (a superuser's invoices are created in one)."""
    response = client.post("/admin/workspace/", {"organization": str(org.pk)})
    assert response.status_code == 302


def monthly_schedule(org, *, name: str, customer, wallet, product_id):
    """A recurring schedule of three monthly invoices, starting in two months."""
    return recurring_create(
        organization=org,
        template={
            "name": name,
            "email": customer.email or "r@example.com",
            "customer_id": str(customer.pk),
            "walletId": str(wallet.pk),
            "items": [{"product_id": str(product_id), "quantity": "1"}],
            "delivery": "EMAIL",
            "payment_link": True,
            "payment_methods": ["BANK_TRANSFER"],
            "status": "OPEN",
            "partial_payment": False,
            "taxId": None,
        },
        frequency="MONTHLY",
        count=3,
        start_date=timezone.localdate() + timedelta(days=60),
    )
