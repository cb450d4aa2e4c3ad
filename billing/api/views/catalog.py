from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from billing.api.serializers.catalog import ProductSerializer, TaxSerializer, WalletSerializer
from billing.api.serializers.customers import CustomerQuerySerializer, CustomerSerializer
from billing.api.serializers.recurring import RecurringInvoiceSerializer
from billing.api.views.resources import ResourceDetailView, ResourceListView, document
from billing.models import Customer, Product, RecurringInvoice, Tax, Wallet
from billing.services import catalog, customers, recurring


class ProductMixin:
    """Devdraft's SDKs send products as ``multipart/form-data`` or urlencoded forms."""

    model, serializer_class, label = Product, ProductSerializer, "Product"
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.FILES:
            raise ValidationError({"images": "must be image URLs: file uploads are not stored"})


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
    CustomerSerializer, tag="customers", name="customer", query=CustomerQuerySerializer
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


@extend_schema_view(put=extend_schema(request=TaxSerializer(partial=True)))
@tax_detail_doc
class TaxDetailView(TaxMixin, ResourceDetailView):
    object_kwarg = "tax"
    update_service, delete_service = catalog.tax_update, catalog.tax_delete

    def put(self, request, pk):
        """Devdraft's SDKs PUT only the fields that change: a PUT on a tax is partial too."""
        return self._update(request, pk, partial=True)


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
    query_serializer = CustomerQuerySerializer

    def filtered(self, queryset, query: dict):
        if "status" in query:
            queryset = queryset.filter(status=query["status"])
        if "name" in query:
            queryset = queryset.filter(name__icontains=query["name"])
        if "email" in query:
            queryset = queryset.filter(email__iexact=query["email"])
        return queryset


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
