from billing.admin import (
    adopted,
    approvals,
    catalog,
    collections,
    customers,
    email,
    invoices,
    organizations,
    webhooks,
)

__all__ = [
    "adopted",
    "approvals",
    "catalog",
    "collections",
    "customers",
    "email",
    "invoices",
    "organizations",
    "webhooks",
]
