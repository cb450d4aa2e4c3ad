"""The run's tenants: an organization, an API credential, one product and wallet, and customers
who each consented to WhatsApp, with phones the sandbox scripts by their last two digits."""

import secrets

from django.contrib.auth import get_user_model
from django.utils import timezone

from billing.models import Customer, Product, Wallet
from billing.services.organizations import api_credential_create, organization_create
from tests.scale.load import Tenant

# Per 20 customers: one whose ack says failed, one with every ack twice, one with acks out of
# order, one answered 500 although sent (unknown, then adopted by its ack), one sent:false.
SCRIPTED = {0: "01", 1: "03", 2: "04", 3: "06", 4: "09"}


def phone(number: int, n: int) -> str:
    ending = SCRIPTED.get(n % 20, f"{10 + n % 90:02d}")
    return f"+7900{number}{n:04d}{ending}"


def seed_tenant(*, slug: str, number: int, customers: int) -> Tenant:
    org = organization_create(name=f"Scale {slug.title()}", slug=slug)
    credential, secret = api_credential_create(organization=org, name="scale load")
    product = Product.objects.create(organization=org, name="Plan", unit_price=1000, currency="USD")
    wallet = Wallet.objects.create(organization=org, address=f"0xscale{slug}")
    now = timezone.now()
    rows = Customer.objects.bulk_create(
        Customer(
            organization=org,
            name=f"Customer {n}",
            email=f"customer{n}@{slug}.example.com",
            phone=phone(number, n),
            locale="en",
            preferred_channels=["whatsapp"],
            whatsapp_opted_in_at=now,
            whatsapp_consent_source="scale harness",
        )
        for n in range(customers)
    )
    return Tenant(
        slug=slug,
        key=credential.client_key,
        secret=secret,
        product=str(product.pk),
        wallet=str(wallet.pk),
        customers=[str(c.pk) for c in rows],
    )


def seed_admin() -> str:
    password = secrets.token_urlsafe(16)
    get_user_model().objects.create_superuser("scale-admin", "ops@scale.example.com", password)
    return password
