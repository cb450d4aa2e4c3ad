"""Credit-note endpoints under an invoice: issue, list, retrieve, PDF."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from billing.api.serializers import credit_notes as s
from billing.api.serializers.messages import InvoiceSendAnswerSerializer
from billing.api.views.base import COMMON_ERRORS, IDEMPOTENCY_HEADER, WRITE_ERRORS, error
from billing.api.views.email import template_errors
from billing.api.views.invoices import NOT_FOUND, InvoiceView
from billing.credit_note_pdf import credit_note_filename, render_credit_note_pdf
from billing.models import CreditNote, Invoice
from billing.money import MoneyError, to_minor
from billing.services.credit_note_email import credit_note_send_email
from billing.services.credit_notes import credit_lines_from_ids, credit_note_issue


def credit_notes_of(invoice: Invoice):
    return (
        CreditNote.objects.filter(invoice=invoice)
        .select_related("invoice", "invoice__customer", "invoice__organization")
        .prefetch_related("lines", "lines__credit_note")
    )


def _minor(data: dict, name: str, currency: str) -> int | None:
    if name not in data:
        return None
    try:
        return to_minor(data[name], currency)
    except MoneyError as exc:
        raise ValidationError({name: [str(exc)]}) from exc


class CreditNotesView(InvoiceView):
    @extend_schema(
        operation_id="invoices_credit_notes_list",
        tags=["credit notes"],
        responses={
            200: inline_serializer(
                name="CreditNoteList", fields={"data": s.CreditNoteSerializer(many=True)}
            ),
            **COMMON_ERRORS,
            **NOT_FOUND,
        },
    )
    def get(self, request, pk):
        notes = credit_notes_of(self.get_invoice(pk))
        return Response({"data": s.CreditNoteSerializer(notes, many=True).data})

    @extend_schema(
        operation_id="invoices_credit_notes_create",
        tags=["credit notes"],
        request=s.CreditNoteInputSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.CreditNoteSerializer, **WRITE_ERRORS, **NOT_FOUND},
        description="Correct an OPEN or PAID invoice: the credit lowers the amount due first; "
        "the rest is refunded (`refund_amount`) or left as customer credit.",
    )
    def post(self, request, pk):
        data = self.validated(s.CreditNoteInputSerializer, request.data)
        invoice = self.get_invoice(pk)
        lines = None
        if "lines" in data:
            pairs = [(line["item_id"], line["quantity"]) for line in data["lines"]]
            lines = credit_lines_from_ids(invoice=invoice, lines=pairs)
        note = credit_note_issue(
            invoice=invoice,
            reason=data["reason"],
            lines=lines,
            amount=_minor(data, "amount", invoice.currency),
            refund_amount=_minor(data, "refund_amount", invoice.currency) or 0,
            memo=data.get("memo", ""),
            actor=self.actor,
        )
        fresh = credit_notes_of(invoice).get(pk=note.pk)
        return Response(s.CreditNoteSerializer(fresh).data, status=status.HTTP_201_CREATED)


class OneCreditNoteView(InvoiceView):
    """A view about one credit note of one invoice of the caller's organization."""

    def get_note(self, pk, note_id) -> CreditNote:
        note = credit_notes_of(self.get_invoice(pk)).filter(pk=note_id).first()
        if note is None:
            raise NotFound("Credit note not found")
        return note


class CreditNoteView(OneCreditNoteView):
    @extend_schema(
        operation_id="invoices_credit_notes_retrieve",
        tags=["credit notes"],
        responses={200: s.CreditNoteSerializer, **COMMON_ERRORS, 404: error("Not found")},
    )
    def get(self, request, pk, note_id):
        return Response(s.CreditNoteSerializer(self.get_note(pk, note_id)).data)


class CreditNotePdfView(OneCreditNoteView):
    @extend_schema(
        operation_id="invoices_credit_notes_pdf",
        tags=["credit notes"],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF"),
            **COMMON_ERRORS,
            404: error("Not found"),
        },
    )
    def get(self, request, pk, note_id):
        note = self.get_note(pk, note_id)
        response = HttpResponse(render_credit_note_pdf(note), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{credit_note_filename(note)}"'
        return response


class CreditNoteSendView(OneCreditNoteView):
    @extend_schema(
        operation_id="invoices_credit_notes_send",
        tags=["credit notes"],
        request=s.CreditNoteSendSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={202: InvoiceSendAnswerSerializer, **WRITE_ERRORS, 404: error("Not found")},
        description="E-mail the credit note, its PDF attached, to the invoice's addresses (the "
        "invoice's, the customer's and its contacts). It is sent once: asking again answers "
        "with the same message. A customer without an e-mail address is a 400.",
    )
    def post(self, request, pk, note_id):
        self.validated(s.CreditNoteSendSerializer, request.data)
        note = self.get_note(pk, note_id)
        sent = template_errors(lambda: credit_note_send_email(note=note, actor=self.actor))
        message = sent.message
        answer = [{"id": str(message.pk), "channel": message.channel, "status": message.status}]
        return Response({"messages": answer}, status=status.HTTP_202_ACCEPTED)
