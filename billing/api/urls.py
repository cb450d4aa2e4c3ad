"""REST API v0, mounted at /api/v0/. Paths have no trailing slash, as in the Devdraft contract."""

from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.renderers import OpenApiYamlRenderer, OpenApiYamlRenderer2
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from billing.api.errors import envelope
from billing.api.formats import SchemaJSONRenderer, SchemaJSONRenderer2
from billing.api.views import (
    catalog,
    collections,
    credit_notes,
    email,
    exports,
    invoices,
    messages,
    reports,
)
from billing.webhooks import api as webhooks


@csrf_exempt  # an API path: no cookies, so CSRF must not answer first with an HTML 403
def not_found(request, rest: str = ""):
    """Unknown paths under /api/v0/ answer in the envelope too, not with an HTML page."""
    return JsonResponse(envelope(404, "Not found"), status=404)


# The schema's examples carry amounts too: its JSON is written as exactly as the API's answers.
SCHEMA_RENDERERS = [
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
    SchemaJSONRenderer,
    SchemaJSONRenderer2,
]

urlpatterns = [
    path(
        "schema/", SpectacularAPIView.as_view(renderer_classes=SCHEMA_RENDERERS), name="api-schema"
    ),
    path(
        "docs/",
        # An HTML page: OPTIONS would render DRF's metadata through a template that has none.
        SpectacularSwaggerView.as_view(url_name="api-schema", http_method_names=["get", "head"]),
        name="api-docs",
    ),
    path("invoices", invoices.InvoiceListView.as_view(), name="api-invoices"),
    path("invoices/preview", invoices.InvoicePreviewView.as_view(), name="api-invoice-preview"),
    path("invoices/export", exports.InvoiceExportView.as_view(), name="api-invoice-export"),
    path("invoices/bulk", invoices.InvoiceBulkView.as_view(), name="api-invoice-bulk"),
    path("invoices/<uuid:pk>", invoices.InvoiceDetailView.as_view(), name="api-invoice"),
    path(
        "invoices/<uuid:pk>/finalize",
        invoices.InvoiceFinalizeView.as_view(),
        name="api-invoice-finalize",
    ),
    path("invoices/<uuid:pk>/void", invoices.InvoiceVoidView.as_view(), name="api-invoice-void"),
    path(
        "invoices/<uuid:pk>/mark-uncollectible",
        invoices.InvoiceMarkUncollectibleView.as_view(),
        name="api-invoice-mark-uncollectible",
    ),
    path(
        "invoices/<uuid:pk>/payments",
        invoices.InvoicePaymentsView.as_view(),
        name="api-invoice-payments",
    ),
    path("invoices/<uuid:pk>/pdf", email.InvoicePdfView.as_view(), name="api-invoice-pdf"),
    path(
        "invoices/<uuid:pk>/credit-notes",
        credit_notes.CreditNotesView.as_view(),
        name="api-invoice-credit-notes",
    ),
    path(
        "invoices/<uuid:pk>/credit-notes/<uuid:note_id>",
        credit_notes.CreditNoteView.as_view(),
        name="api-invoice-credit-note",
    ),
    path(
        "invoices/<uuid:pk>/credit-notes/<uuid:note_id>/pdf",
        credit_notes.CreditNotePdfView.as_view(),
        name="api-invoice-credit-note-pdf",
    ),
    path(
        "invoices/<uuid:pk>/credit-notes/<uuid:note_id>/send",
        credit_notes.CreditNoteSendView.as_view(),
        name="api-invoice-credit-note-send",
    ),
    path("messages", messages.MessagesView.as_view(), name="api-messages"),
    path("invoices/<uuid:pk>/send", messages.InvoiceSendView.as_view(), name="api-invoice-send"),
    path(
        "invoices/<uuid:pk>/messages",
        messages.InvoiceMessagesView.as_view(),
        name="api-invoice-messages",
    ),
    path("reports/summary", reports.SummaryView.as_view(), name="api-reports-summary"),
    path("reports/aging", reports.AgingView.as_view(), name="api-reports-aging"),
    path("reports/funnel", reports.FunnelView.as_view(), name="api-reports-funnel"),
    path("reminder-policy", collections.ReminderPolicyView.as_view(), name="api-reminder-policy"),
    path("reminders", collections.OutboxView.as_view(), name="api-reminders"),
    path(
        "invoices/<uuid:pk>/reminders",
        collections.InvoiceRemindersView.as_view(),
        name="api-invoice-reminders",
    ),
    path(
        "invoices/<uuid:pk>/reminders/pause",
        collections.InvoicePauseView.as_view(),
        name="api-invoice-reminders-pause",
    ),
    path(
        "invoices/<uuid:pk>/reminders/resume",
        collections.InvoiceResumeView.as_view(),
        name="api-invoice-reminders-resume",
    ),
    path(
        "customers/<uuid:pk>/reminders/pause",
        collections.CustomerPauseView.as_view(),
        name="api-customer-reminders-pause",
    ),
    path(
        "customers/<uuid:pk>/reminders/resume",
        collections.CustomerResumeView.as_view(),
        name="api-customer-reminders-resume",
    ),
    path("customers", catalog.CustomerListView.as_view(), name="api-customers"),
    path("customers/<uuid:pk>", catalog.CustomerDetailView.as_view(), name="api-customer"),
    path("products", catalog.ProductListView.as_view(), name="api-products"),
    path("products/<uuid:pk>", catalog.ProductDetailView.as_view(), name="api-product"),
    path("taxes", catalog.TaxListView.as_view(), name="api-taxes"),
    path("taxes/<uuid:pk>", catalog.TaxDetailView.as_view(), name="api-tax"),
    path("wallets", catalog.WalletListView.as_view(), name="api-wallets"),
    path("wallets/<uuid:pk>", catalog.WalletDetailView.as_view(), name="api-wallet"),
    path("webhooks", webhooks.WebhookListView.as_view(), name="api-webhooks"),
    path("webhooks/<uuid:pk>", webhooks.WebhookDetailView.as_view(), name="api-webhook"),
    path(
        "webhooks/<uuid:pk>/rotate-secret",
        webhooks.WebhookRotateView.as_view(),
        name="api-webhook-rotate-secret",
    ),
    path("webhooks/<uuid:pk>/test", webhooks.WebhookTestView.as_view(), name="api-webhook-test"),
    path(
        "webhooks/<uuid:pk>/deliveries",
        webhooks.WebhookDeliveriesView.as_view(),
        name="api-webhook-deliveries",
    ),
    path("events", webhooks.EventListView.as_view(), name="api-events"),
    path(
        "events/<str:pk>/redeliver",
        webhooks.EventRedeliverView.as_view(),
        name="api-event-redeliver",
    ),
    path(
        "recurring-invoices",
        catalog.RecurringListView.as_view(),
        name="api-recurring-invoices",
    ),
    path(
        "recurring-invoices/<uuid:pk>",
        catalog.RecurringDetailView.as_view(),
        name="api-recurring-invoice",
    ),
]
# Keep last: unknown paths under this file's own resources answer in the envelope. Limited to
# these prefixes so it never shadows endpoints other apps mount elsewhere under /api/v0/.
urlpatterns.append(
    re_path(
        r"^(?P<rest>(invoices|customers|products|taxes|wallets|recurring-invoices|reports"
        r"|reminder-policy|reminders|webhooks|events)(/[\s\S]*)?)$",
        not_found,
    )
)
