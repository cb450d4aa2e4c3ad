from billing.admin import (
    adopted,
    approvals,
    catalog,
    customers,
    email,
    invoices,
    members,
    organizations,
    webhooks,
)

__all__ = [
    "adopted",
    "approvals",
    "catalog",
    "customers",
    "email",
    "invoices",
    "members",
    "organizations",
    "webhooks",
]
