from billing.models.catalog import Product, Tax, TaxComponent, Wallet
from billing.models.customers import Customer, CustomerContact
from billing.models.invoices import Invoice, InvoiceEvent, InvoiceItem, Payment
from billing.models.organizations import ApiCredential, InvoiceSequence, Organization

__all__ = [
    "ApiCredential",
    "Customer",
    "CustomerContact",
    "Invoice",
    "InvoiceEvent",
    "InvoiceItem",
    "InvoiceSequence",
    "Organization",
    "Payment",
    "Product",
    "Tax",
    "TaxComponent",
    "Wallet",
]
