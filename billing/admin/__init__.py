from billing.admin import (
    adopted,
    approvals,
    catalog,
    customers,
    email,
    invoices,
    organizations,
    recurring,
    webhooks,
)

__all__ = [
    "adopted",
    "approvals",
    "catalog",
    "customers",
    "email",
    "invoices",
    "organizations",
    "recurring",
    "webhooks",
]
