from billing.admin import adopted, catalog, customers, email, invoices, organizations

__all__ = ["adopted", "catalog", "customers", "email", "invoices", "organizations"]
