"""E-mail endpoints: template sends (``POST /messages``) and the invoice PDF."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from billing.api.serializers import email as s
from billing.api.views.base import COMMON_ERRORS, IDEMPOTENCY_HEADER, WRITE_ERRORS, ApiView, error
from billing.api.views.invoices import InvoiceView
from billing.errors import IllegalTransition
from billing.pdf import pdf_filename, render_invoice_pdf
from billing.services.invoice_email import invoice_send_email
from notifications.template_send import send_template
from notifications.templating.errors import InvalidTemplateData, TemplateNotFound


class TemplateDataInvalid(ValidationError):
    """400 with one sentence per problem plus the problems' codes (``errors``)."""

    def __init__(self, exc: InvalidTemplateData):
        super().__init__(exc.messages)
        self.envelope_extra = {"errors": [p.as_dict() for p in exc.problems]}


def template_errors(call):
    """Run ``call``; template problems become the 400 of the contract."""
    try:
        return call()
    except InvalidTemplateData as exc:
        raise TemplateDataInvalid(exc) from exc
    except TemplateNotFound as exc:
        raise ValidationError([str(exc)]) from exc


class MessageTemplateSendView(ApiView):
    # Template data is free-form and stored as JSON as given: it carries no amounts to keep exact.
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="messages_send_template",
        tags=["messages"],
        request=s.TemplateSendSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            202: s.TemplateAcceptedSerializer,
            **WRITE_ERRORS,
            400: error("Invalid body or template data: `errors` lists `{code, field, message}`"),
        },
    )
    def post(self, request):
        body = self.validated(s.TemplateSendSerializer, request.data)
        result = template_errors(
            lambda: send_template(
                tenant_id=self.organization.pk,
                template_id=body["templateId"],
                version=body.get("version"),
                to=body["to"],
                data=body["data"],
                created_by=self.actor.label,
            )
        )
        return Response(
            {"id": str(result.message.pk), "status": "accepted"}, status.HTTP_202_ACCEPTED
        )


def send_invoice_email(view: InvoiceView, invoice, email_body: dict | None):
    """The ``email`` part of ``POST /invoices/{id}/send`` (SendInvoice semantics)."""
    validated = view.validated(s.SendInvoiceEmailSerializer, email_body or {})
    request = s.SendInvoiceEmailSerializer.to_request(validated)
    return template_errors(
        lambda: invoice_send_email(invoice=invoice, actor=view.actor, request=request)
    )


class InvoicePdfView(InvoiceView):
    @extend_schema(
        operation_id="invoices_pdf",
        tags=["invoices"],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF"),
            **COMMON_ERRORS,
            404: error("Invoice not found in your organization"),
            409: error("Draft invoices have no PDF"),
        },
    )
    def get(self, request, pk):
        invoice = self.get_invoice(pk)
        if invoice.status == invoice.Status.DRAFT:
            raise IllegalTransition("Draft invoices have no PDF: finalize the invoice first")
        response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pdf_filename(invoice)}"'
        return response
