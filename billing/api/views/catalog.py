from billing.api.serializers.catalog import ProductSerializer, TaxSerializer, WalletSerializer
from billing.api.serializers.customers import CustomerSerializer
from billing.api.serializers.recurring import RecurringInvoiceSerializer
from billing.api.views.resources import ResourceDetailView, ResourceListView, document
from billing.models import Customer, Product, RecurringInvoice, Tax, Wallet
from billing.services import catalog, customers, recurring


class ProductMixin:
    model, serializer_class, label = Product, ProductSerializer, "Product"


class TaxMixin:
    model, serializer_class, label, prefetch = Tax, TaxSerializer, "Tax", ("components",)


class WalletMixin:
    model, serializer_class, label = Wallet, WalletSerializer, "Wallet"


class CustomerMixin:
    model, serializer_class, label = Customer, CustomerSerializer, "Customer"
    prefetch = ("contacts",)


class RecurringMixin:
    model, serializer_class = RecurringInvoice, RecurringInvoiceSerializer
    label, prefetch = "Recurring invoice", ("occurrences",)


product_list_doc, product_detail_doc = document(ProductSerializer, tag="products", name="product")
tax_list_doc, tax_detail_doc = document(TaxSerializer, tag="taxes", name="tax")
wallet_list_doc, wallet_detail_doc = document(WalletSerializer, tag="wallets", name="wallet")
customer_list_doc, customer_detail_doc = document(
    CustomerSerializer, tag="customers", name="customer"
)
recurring_list_doc, recurring_detail_doc = document(
    RecurringInvoiceSerializer, tag="recurring-invoices", name="recurring_invoice"
)


@product_list_doc
class ProductListView(ProductMixin, ResourceListView):
    create_service = catalog.product_create


@product_detail_doc
class ProductDetailView(ProductMixin, ResourceDetailView):
    object_kwarg = "product"
    update_service, delete_service = catalog.product_update, catalog.product_delete


@tax_list_doc
class TaxListView(TaxMixin, ResourceListView):
    create_service = catalog.tax_create


@tax_detail_doc
class TaxDetailView(TaxMixin, ResourceDetailView):
    object_kwarg = "tax"
    update_service, delete_service = catalog.tax_update, catalog.tax_delete


@wallet_list_doc
class WalletListView(WalletMixin, ResourceListView):
    create_service = catalog.wallet_create


@wallet_detail_doc
class WalletDetailView(WalletMixin, ResourceDetailView):
    object_kwarg = "wallet"
    update_service, delete_service = catalog.wallet_update, catalog.wallet_delete


@customer_list_doc
class CustomerListView(CustomerMixin, ResourceListView):
    create_service = customers.customer_create


@customer_detail_doc
class CustomerDetailView(CustomerMixin, ResourceDetailView):
    object_kwarg = "customer"
    update_service, delete_service = customers.customer_update, customers.customer_delete


@recurring_list_doc
class RecurringListView(RecurringMixin, ResourceListView):
    create_service = recurring.recurring_create


@recurring_detail_doc
class RecurringDetailView(RecurringMixin, ResourceDetailView):
    object_kwarg = "schedule"
    update_service, delete_service = recurring.recurring_update, recurring.recurring_delete
