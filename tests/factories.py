from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from billing.models import (
    ApiCredential,
    Customer,
    InvoiceSequence,
    Organization,
    Product,
    Tax,
    TaxComponent,
    Wallet,
)
from billing.models.organizations import hash_secret
from billing.services.actors import Actor
from billing.services.invoices import ItemInput, invoice_create


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    default_currency = "USD"

    @factory.post_generation
    def counter(self, create, extracted, **kwargs):
        if create:
            InvoiceSequence.objects.get_or_create(organization=self)


class ApiCredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiCredential

    organization = factory.SubFactory(OrganizationFactory)
    secret_hash = factory.LazyFunction(lambda: hash_secret("secret"))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    locale = "en"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    code = factory.Sequence(lambda n: f"P-{n}")
    unit_price = 10000
    currency = "USD"


class TaxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tax

    organization = factory.SubFactory(OrganizationFactory)
    name = "VAT"
    rate = Decimal(20)


class TaxComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxComponent

    tax = factory.SubFactory(TaxFactory)
    name = "Part"
    rate = Decimal(5)


class WalletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wallet

    organization = factory.SubFactory(OrganizationFactory)
    address = factory.Sequence(lambda n: f"0x{n:040x}")


def make_invoice(organization=None, *, status="DRAFT", lines=((10000, 1),), tax=None, **fields):
    """An invoice built through the service, with products priced per ``lines``."""
    org = organization or OrganizationFactory()
    currency = fields.pop("currency", org.default_currency)
    customer = fields.pop("customer", None) or CustomerFactory(organization=org)
    items = [
        ItemInput(
            ProductFactory(organization=org, unit_price=price, currency=currency), Decimal(qty)
        )
        for price, qty in lines
    ]
    fields.setdefault("due_date", timezone.localdate() + timedelta(days=30))
    return invoice_create(
        organization=org,
        customer=customer,
        items=items,
        status=status,
        tax=tax,
        currency=currency,
        actor=Actor(label="test"),
        **fields,
    )
