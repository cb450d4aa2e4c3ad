from billing.admin import (
    adopted,
    approvals,
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
