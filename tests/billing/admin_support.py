"""Two organizations with one row of every tenant model each, and members to look at them."""

from django.contrib.auth.models import Permission

from billing.models import CustomerContact, Membership, TaxComponent
from billing.services.actors import Actor
from billing.services.payments import payment_record
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
    WalletFactory(organization=org, address=f"0x{marker}wallet")
    ApiCredentialFactory(organization=org, name=f"{marker} key")
    make_invoice(org, customer=customer)
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
    return org


def make_member(django_user_model, org, *, username: str, role: str = "admin"):
    """A staff member of ``org`` with every model permission of the two apps (the widest view)."""
    user = django_user_model.objects.create_user(username, f"{username}@example.com", "pw-12345")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    perms = Permission.objects.filter(content_type__app_label__in=["billing", "notifications"])
    user.user_permissions.set(perms)
    Membership.objects.create(user=user, organization=org, role=role)
    return user
