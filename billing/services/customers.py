"""Customers and their extra contact addresses."""

from collections.abc import Sequence

from django.db import transaction

from billing.errors import InUse
from billing.models import Customer, CustomerContact, Organization


def _replace_contacts(customer: Customer, contacts: Sequence[str]) -> None:
    customer.contacts.all().delete()
    CustomerContact.objects.bulk_create(
        CustomerContact(customer=customer, email=email) for email in dict.fromkeys(contacts)
    )


@transaction.atomic
def customer_create(
    *, organization: Organization, name: str, contacts: Sequence[str] = (), **fields
) -> Customer:
    customer = Customer.objects.create(organization=organization, name=name, **fields)
    _replace_contacts(customer, contacts)
    return customer


@transaction.atomic
def customer_update(
    *, customer: Customer, contacts: Sequence[str] | None = None, **fields
) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    for name, value in fields.items():
        setattr(customer, name, value)
    if fields:
        customer.save(update_fields=[*fields])
    if contacts is not None:
        _replace_contacts(customer, contacts)
    return customer


@transaction.atomic
def customer_delete(*, customer: Customer) -> None:
    if customer.invoices.exists():
        raise InUse("Customer has invoices; set status to INACTIVE instead")
    customer.delete()
