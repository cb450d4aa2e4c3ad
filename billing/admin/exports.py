"""Downloads of a changelist as CSV or XLSX: exactly the rows its filters and search select.

``/admin/exports/<table>.<format>?<the changelist's query string>`` builds the changelist of the
table's model as the admin would (its ModelAdmin's queryset, filters, search and ordering, so
whatever scoping that ModelAdmin applies applies here too) and writes its rows with
``billing.reports``. Viewing the changelist is the permission an export needs.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpResponseBadRequest
from django.urls import path

from billing.models import Invoice, Payment
from billing.reports import exports, tables
from notifications.models import Message


@dataclass(frozen=True)
class Export:
    model: type[Model]
    label: str
    build: Callable


EXPORTS = {
    "invoices": Export(Invoice, "Invoices", tables.invoices_table),
    "invoice-lines": Export(Invoice, "Lines for Xero", tables.xero_table),
    "payments": Export(Payment, "Payments", tables.payments_table),
    "delivery-ledger": Export(Message, "Delivery ledger", tables.ledger_table),
}


def exports_for(model: type[Model]) -> list[tuple[str, str]]:
    """(table, label) of the exports a model's changelist offers."""
    return [(slug, export.label) for slug, export in EXPORTS.items() if export.model is model]


def changelist_queryset(request, model: type[Model]):
    model_admin = admin.site._registry[model]
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    changelist = model_admin.get_changelist_instance(request)
    return changelist.get_queryset(request)


def export_view(request, table: str, file_format: str):
    export = EXPORTS.get(table)
    if export is None or file_format not in exports.FORMATS:
        raise Http404("No such export")
    try:
        rows = changelist_queryset(request, export.model)
    except IncorrectLookupParameters:
        return HttpResponseBadRequest("The changelist's filters are not valid.")
    return exports.response(export.build(rows), file_format, table)


urlpatterns = [
    path(
        "<slug:table>.<slug:file_format>",
        admin.site.admin_view(export_view),
        name="admin-export",
    ),
]
