"""Scoped changelists answer in a constant number of queries: 1 row or 50, same count."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.admin.scoping import PLATFORM, SHARED
from billing.bulk.models import BulkJob
from billing.bulk.services import bulk_job_create
from billing.models import (
    ApiCredential,
    ApprovalRequest,
    Customer,
    Invoice,
    InvoiceEvent,
    InvoiceSequence,
    Membership,
    Organization,
    Payment,
    Product,
    Tax,
    Wallet,
)
from billing.models.recurring import RecurringInvoice
from billing.services.actors import Actor
from billing.services.payments import payment_record
from billing.services.roles import staff_user_set
from billing.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from notifications.models import DefaultEmailTemplate, Message, WhatsAppChannel, WhatsAppTemplate
from tests.billing.admin_support import approval_for, make_member, monthly_schedule
from tests.factories import (
    ApiCredentialFactory,
    CustomerFactory,
    OrganizationFactory,
    ProductFactory,
    TaxFactory,
    WalletFactory,
    make_invoice,
)

pytestmark = pytest.mark.django_db


def paid_invoice(org, i):
    invoice = make_invoice(org, status="OPEN")
    payment_record(invoice=invoice, amount=invoice.amount_due, method="CASH", actor=Actor())


def message(org, i):
    Message.objects.create(
        tenant_id=org.pk, purpose="test", channel="email", recipient=f"r{i}@example.com"
    )


def whatsapp_template(org, i):
    WhatsAppTemplate.objects.create(
        tenant_id=org.pk, name="invoice", namespace="ns", body="Hi {{1}}", version=i + 1
    )


def webhook_endpoint(org, i):
    return WebhookEndpoint.objects.create(
        organization=org, url=f"http://127.0.0.1:9/{i}", events=["*"]
    )


def webhook_delivery(org, i):
    event = WebhookEvent.objects.create(organization=org, type="webhook.test", body="{}")
    WebhookDelivery.objects.create(event=event, endpoint=webhook_endpoint(org, i))


def approval(org, i):
    maker = staff_user_set(
        username=f"maker-{org.slug}-{i}", password="pw-12345", organization=org, role="clerk"
    )
    approval_for(make_invoice(org), maker.user)


def bulk_job(org, i):
    draft = make_invoice(org)
    clerk = staff_user_set(
        username=f"bulk-{org.slug}-{i}", password="pw-12345", organization=org, role="clerk"
    )
    bulk_job_create(
        organization=org,
        kind="finalize",
        invoices=Invoice.objects.filter(pk=draft.pk),
        selection={"ids": [str(draft.pk)]},
        actor=Actor.for_user(clerk.user),
    )


def recurring(org, i):
    draft = make_invoice(org)
    monthly_schedule(
        org,
        name=f"Schedule {i}",
        customer=draft.customer,
        wallet=WalletFactory(organization=org),
        product_id=draft.items.get().product_id,
    )


# model → one more row of it in ``org`` (the i-th)
ROWS = {
    ApprovalRequest: approval,
    ApiCredential: lambda org, i: ApiCredentialFactory(organization=org),
    Customer: lambda org, i: CustomerFactory(organization=org),
    Invoice: lambda org, i: make_invoice(org, status="OPEN", partial_payment=bool(i % 2)),
    InvoiceEvent: lambda org, i: make_invoice(org, status="OPEN"),
    Payment: paid_invoice,
    Product: lambda org, i: ProductFactory(organization=org),
    Tax: lambda org, i: TaxFactory(organization=org),
    Wallet: lambda org, i: WalletFactory(organization=org),
    Message: message,
    WhatsAppTemplate: whatsapp_template,
    WebhookEndpoint: webhook_endpoint,
    WebhookDelivery: webhook_delivery,
    BulkJob: bulk_job,
    RecurringInvoice: recurring,
    Membership: lambda org, i: staff_user_set(
        username=f"member-{i}", password="pw-12345", organization=org, role="viewer"
    ),
}
# one row per organization: counted on the operator's "all organizations" view
PER_ORGANIZATION = {
    Organization: lambda org: None,
    InvoiceSequence: lambda org: None,
    DefaultEmailTemplate: lambda org: DefaultEmailTemplate.objects.create(
        tenant_id=org.pk, subject="Invoice", body="Hi"
    ),
    WhatsAppChannel: lambda org: WhatsAppChannel.objects.create(tenant_id=org.pk),
}


def changelist_queries(client, model) -> tuple[int, int]:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.context["cl"].result_count


def test_every_tenant_model_is_counted():
    tenant_models = {
        model
        for model, model_admin in admin.site._registry.items()
        if model_admin.get_tenant_path() not in (SHARED, PLATFORM)
    }
    assert tenant_models == set(ROWS) | set(PER_ORGANIZATION)


@pytest.mark.parametrize("model", list(ROWS), ids=lambda m: m._meta.label)
def test_a_members_changelist_runs_the_same_queries_for_1_or_50_rows(
    client, django_user_model, model
):
    org = OrganizationFactory()
    client.force_login(make_member(django_user_model, org, username="clerk"))
    ROWS[model](org, 0)
    few, shown = changelist_queries(client, model)
    assert shown >= 1
    for i in range(1, 50):
        ROWS[model](org, i)
    many, shown = changelist_queries(client, model)
    assert shown >= 50
    assert many == few


@pytest.mark.parametrize("model", list(PER_ORGANIZATION), ids=lambda m: m._meta.label)
def test_the_operators_changelist_runs_the_same_queries_for_1_or_50_organizations(
    admin_user, model
):
    client = Client()
    client.force_login(admin_user)
    PER_ORGANIZATION[model](OrganizationFactory())
    few, shown = changelist_queries(client, model)
    assert shown == 1
    for _ in range(49):
        PER_ORGANIZATION[model](OrganizationFactory())
    many, shown = changelist_queries(client, model)
    assert (many, shown) == (few, 50)
