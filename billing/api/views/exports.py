"""GET /api/v0/invoices/export: the invoice list, filtered as the list is, as a CSV or XLSX file."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation

from billing.api.serializers import invoices as s
from billing.api.views.base import COMMON_ERRORS, ApiView, error
from billing.api.views.invoices import list_filtered
from billing.models import Invoice
from billing.reports import exports, tables

FILE = OpenApiResponse(OpenApiTypes.BINARY, description="The file, streamed")


class FormatIsAParameter(DefaultContentNegotiation):
    """``format`` picks the file, not a renderer: errors are still rendered as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class InvoiceExportView(ApiView):
    content_negotiation_class = FormatIsAParameter

    @extend_schema(
        operation_id="invoices_export",
        tags=["invoices"],
        parameters=[s.InvoiceExportQuerySerializer],
        responses={
            (200, exports.CONTENT_TYPES[exports.CSV]): FILE,
            (200, exports.CONTENT_TYPES[exports.XLSX]): FILE,
            400: error("Invalid query"),
            **COMMON_ERRORS,
        },
        description="One row per invoice (`table=invoices`) or per line in Xero's import layout "
        "(`table=lines`), with the list's filters. Amounts in major units with the currency in "
        "its own column, dates ISO; CSV cells that a spreadsheet would run as a formula start "
        "with `'`.",
    )
    def get(self, request):
        query = self.validated(s.InvoiceExportQuerySerializer, request.query_params)
        invoices = list_filtered(Invoice.objects.filter(organization=self.organization), query)
        invoices = invoices.order_by("-created_at", "-pk")  # the list's order
        if query["table"] == "lines":
            return exports.response(tables.xero_table(invoices), query["format"], "invoice-lines")
        return exports.response(tables.invoices_table(invoices), query["format"], "invoices")
