from billing.admin import (
    adopted,
    approvals,
    catalog,
    customers,
    email,
    invoices,
    organizations,
)

__all__ = ["adopted", "approvals", "catalog", "customers", "email", "invoices", "organizations"]
