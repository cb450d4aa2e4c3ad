from billing.admin import (
    adopted,
    approvals,
    bulk,
    catalog,
    collections,
    customers,
    email,
    invoices,
    members,
    organizations,
    recurring,
    webhooks,
)

__all__ = [
    "adopted",
    "approvals",
    "bulk",
    "catalog",
    "collections",
    "customers",
    "email",
    "invoices",
    "members",
    "organizations",
    "recurring",
    "webhooks",
]
