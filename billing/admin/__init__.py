from billing.admin import catalog, customers, invoices, organizations

__all__ = ["catalog", "customers", "invoices", "organizations"]
