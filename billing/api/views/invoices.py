"""Invoice endpoints. Each validates its input and calls one service."""

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from billing.api.errors import envelope, flatten
from billing.api.serializers import invoices as s
from billing.api.serializers.base import quantity_json
from billing.api.views.base import (
    COMMON_ERRORS,
    IDEMPOTENCY_HEADER,
    WRITE_ERRORS,
    ApiView,
    error,
)
from billing.errors import BillingError
from billing.models import Invoice
from billing.money import MoneyError, to_major, to_minor
from billing.selectors import past_due_q
from billing.services import invoices as lifecycle
from billing.services.invoice_requests import (
    InvoiceRequest,
    invoice_prepare,
    invoice_preview,
    invoice_replace,
    invoice_submit_many,
)
from billing.services.invoices import NewInvoice, invoice_store
from billing.services.payments import payment_record

Status = Invoice.Status
NOT_FOUND = {404: error("Invoice not found in your organization")}
CREATE_ERRORS = {
    **WRITE_ERRORS,
    404: error(
        "Customer, wallet or tax not found (`Customer not found`, `Wallet could not be found`)"
    ),
}


def invoice_queryset(organization):
    return (
        Invoice.objects.filter(organization=organization)
        .select_related("organization", "customer", "wallet", "tax")
        .prefetch_related("items", "payments__reversal")
    )


def display_status_q(value: str) -> Q:
    """Filter on the status the API shows (PASTDUE and PARTIALLYPAID are computed)."""
    past_due = past_due_q()
    if value == Invoice.PASTDUE:
        return past_due
    if value == Invoice.PARTIALLYPAID:
        return Q(status=Status.OPEN, amount_paid__gt=0) & ~past_due
    if value == Status.OPEN:
        return Q(status=Status.OPEN, amount_paid=0) & ~past_due
    return Q(status=value)


def list_filtered(invoices, query: dict):
    """The list's filters (also the export's): shown status, customer, creation dates."""
    if "status" in query:
        invoices = invoices.filter(display_status_q(query["status"]))
    if "customer" in query:
        invoices = invoices.filter(customer_id=query["customer"])
    if "from_date" in query:
        invoices = invoices.filter(created_at__date__gte=query["from_date"])
    if "to_date" in query:
        invoices = invoices.filter(created_at__date__lte=query["to_date"])
    return invoices


class InvoiceView(ApiView):
    def get_invoice(self, pk) -> Invoice:
        invoice = invoice_queryset(self.organization).filter(pk=pk).first()
        if invoice is None:
            raise NotFound("Invoice not found")
        return invoice

    def represent(self, invoice: Invoice, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = invoice_queryset(self.organization).get(pk=invoice.pk)
        return Response(s.invoice_data(fresh), status=status_code)

    def created(self, invoice: Invoice) -> Response:
        """A just-created invoice answers from memory: the service hands it over complete."""
        return Response(s.invoice_data(invoice), status=status.HTTP_201_CREATED)

    def invoice_request(self, data) -> InvoiceRequest:
        return InvoiceRequest.from_body(self.validated(s.InvoiceCreateSerializer, data))


class InvoiceListView(InvoiceView):
    @extend_schema(
        operation_id="invoices_list",
        tags=["invoices"],
        parameters=[s.InvoiceListQuerySerializer],
        responses={200: s.InvoiceListSerializer, **COMMON_ERRORS},
    )
    def get(self, request):
        query = self.validated(s.InvoiceListQuerySerializer, request.query_params)
        invoices = list_filtered(invoice_queryset(self.organization), query)
        invoices = invoices.order_by("-created_at", "-pk")
        total = invoices.count()
        page = invoices[query["skip"] : query["skip"] + query["take"]]
        return Response({"data": [s.invoice_data(invoice) for invoice in page], "total": total})

    @extend_schema(
        operation_id="invoices_create",
        tags=["invoices"],
        request=s.InvoiceCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.InvoiceSerializer, **CREATE_ERRORS},
    )
    def post(self, request, prepared: NewInvoice):
        invoice = invoice_store(organization=self.organization, prepared=prepared, actor=self.actor)
        return self.created(invoice)

    def prepare_post(self, request) -> NewInvoice:
        return invoice_prepare(
            organization=self.organization,
            request=self.invoice_request(request.data),
            actor=self.actor,
        )


class InvoiceDetailView(InvoiceView):
    @extend_schema(
        operation_id="invoices_retrieve",
        tags=["invoices"],
        responses={200: s.InvoiceSerializer, **COMMON_ERRORS, **NOT_FOUND},
    )
    def get(self, request, pk):
        return Response(s.invoice_data(self.get_invoice(pk)))

    @extend_schema(
        operation_id="invoices_update",
        tags=["invoices"],
        request=s.InvoiceCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: s.InvoiceSerializer, **CREATE_ERRORS},
        description="Full replacement of a DRAFT invoice; any other status answers 409.",
    )
    def put(self, request, pk):
        invoice = self.get_invoice(pk)
        replaced = invoice_replace(
            invoice=invoice, request=self.invoice_request(request.data), actor=self.actor
        )
        return self.represent(replaced)

    @extend_schema(
        operation_id="invoices_destroy",
        tags=["invoices"],
        parameters=[IDEMPOTENCY_HEADER],
        responses={204: None, **WRITE_ERRORS, **NOT_FOUND},
        description="Deletes a DRAFT invoice; any other status answers 409.",
    )
    def delete(self, request, pk):
        lifecycle.invoice_delete_draft(invoice=self.get_invoice(pk), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvoiceTransitionView(InvoiceView):
    """POST-only lifecycle moves; an illegal move answers 409 with the reason."""

    service = None
    # The service hands the invoice over complete: answer with it instead of reading it back.
    answers_from_service = False

    def post(self, request, pk):
        self.validated(s.EmptySerializer, request.data)
        invoice = type(self).service(invoice=self.get_invoice(pk), actor=self.actor)
        if self.answers_from_service:
            return Response(s.invoice_data(invoice))
        return self.represent(invoice)


def transition_schema(name: str, description: str):
    return extend_schema(
        operation_id=f"invoices_{name}",
        tags=["invoices"],
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: s.InvoiceSerializer, **WRITE_ERRORS, **NOT_FOUND},
        description=description,
    )


class InvoiceFinalizeView(InvoiceTransitionView):
    service = lifecycle.invoice_finalize
    # Reading it back would hold the organization's counter row locked for four more queries.
    answers_from_service = True

    @transition_schema("finalize", "DRAFT → OPEN: takes the next invoice number.")
    def post(self, request, pk):
        return super().post(request, pk)


class InvoiceVoidView(InvoiceTransitionView):
    service = lifecycle.invoice_void

    @transition_schema("void", "OPEN or UNCOLLECTIBLE → VOID; the number stays taken.")
    def post(self, request, pk):
        return super().post(request, pk)


class InvoiceMarkUncollectibleView(InvoiceTransitionView):
    service = lifecycle.invoice_mark_uncollectible

    @transition_schema("mark_uncollectible", "OPEN → UNCOLLECTIBLE.")
    def post(self, request, pk):
        return super().post(request, pk)


class InvoicePaymentsView(InvoiceView):
    @extend_schema(
        operation_id="invoices_payments_create",
        tags=["invoices"],
        request=s.PaymentInputSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.InvoiceSerializer, **WRITE_ERRORS, **NOT_FOUND},
        description="Record money received; answers the invoice with its transactions.",
    )
    def post(self, request, pk):
        data = self.validated(s.PaymentInputSerializer, request.data)
        invoice = self.get_invoice(pk)
        try:
            amount = to_minor(data.pop("amount"), invoice.currency)
        except MoneyError as exc:
            raise ValidationError({"amount": [str(exc)]}) from exc
        payment_record(invoice=invoice, amount=amount, actor=self.actor, **data)
        return self.represent(invoice, status.HTTP_201_CREATED)


class InvoicePreviewView(InvoiceView):
    # Stores nothing, and answers every invalid body (NUL included) with 200 + isValid false.
    checks_text = False

    @extend_schema(
        operation_id="invoices_preview",
        tags=["invoices"],
        request=s.InvoiceCreateSerializer,
        responses={200: s.PreviewSerializer, **WRITE_ERRORS},
        description="Validates a create body and computes its totals without creating anything. "
        "An invalid body answers 200 with `isValid: false` and the sentences a 400 would carry.",
    )
    def post(self, request):
        try:
            body = self.validated(s.InvoiceCreateSerializer, request.data)
            preview = invoice_preview(
                organization=self.organization, request=InvoiceRequest.from_body(body)
            )
        except ValidationError as exc:
            return Response({"preview": None, "validation": invalid(flatten(exc.detail))})
        except BillingError as exc:
            return Response({"preview": None, "validation": invalid(exc.messages)})
        return Response({"preview": preview_body(preview, body), "validation": invalid([])})


def invalid(errors: list[str]) -> dict:
    return {"isValid": not errors, "errors": errors}


def preview_body(preview, body: dict) -> dict:
    currency = preview.currency
    return {
        "subtotal": to_major(preview.subtotal, currency),
        "taxAmount": to_major(preview.tax_amount, currency),
        "total": to_major(preview.total, currency),
        "currency": currency,
        "items": [
            {
                "product": line.product.name,
                "quantity": quantity_json(line.quantity),
                "unitPrice": to_major(line.unit_price, currency),
                "lineTotal": to_major(line.line_total, currency),
            }
            for line in preview.lines
        ],
        "dueDate": body["due_date"],
        "paymentMethods": body["payment_methods"],
    }


class InvoiceBulkView(InvoiceView):
    # 1,000 invoices do not fit in 64 KB; this is the global upload cap instead.
    max_body_bytes = 2_621_440

    @extend_schema(
        operation_id="invoices_bulk",
        tags=["invoices"],
        request=s.BulkInvoiceInputSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: s.BulkResultSerializer, **WRITE_ERRORS},
        description="Up to 1,000 invoices, each validated and created on its own; one request "
        "counts once against the rate limit.",
    )
    def post(self, request):
        bodies = self.validated(s.BulkInvoiceInputSerializer, request.data)["invoices"]
        requests, failed = {}, []
        for index, body in enumerate(bodies):
            try:
                requests[index] = self.invoice_request(body)
            except ValidationError as exc:
                failed.append({"index": index, **envelope(400, flatten(exc.detail))})
        results = invoice_submit_many(
            organization=self.organization, requests=list(requests.values()), actor=self.actor
        )
        created = []
        for index, result in zip(requests, results, strict=True):
            if isinstance(result, BillingError):
                failed.append({"index": index, **envelope(result.status_code, result.message)})
            else:
                created.append((index, result))
        failed.sort(key=lambda failure: failure["index"])
        return Response(self.bulk_result(created, failed, len(bodies)))

    def bulk_result(self, created: list, failed: list, total: int) -> dict:
        return {
            "successful": [
                {"index": index, "invoice": s.invoice_data(invoice)} for index, invoice in created
            ],
            "failed": failed,
            "summary": {"total": total, "successful": len(created), "failed": len(failed)},
        }
