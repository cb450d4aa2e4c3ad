from billing.admin import catalog, customers, email, invoices, organizations

__all__ = ["catalog", "customers", "email", "invoices", "organizations"]
