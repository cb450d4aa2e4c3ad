"""Delivery log endpoints and ``POST /invoices/{id}/send``; each calls one selector or service."""

from django.contrib.contenttypes.models import ContentType
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from billing.api.serializers import messages as s
from billing.api.serializers.base import paged
from billing.api.views.base import COMMON_ERRORS, IDEMPOTENCY_HEADER, WRITE_ERRORS
from billing.api.views.email import MessageTemplateSendView, send_invoice_email
from billing.api.views.invoices import NOT_FOUND, InvoiceView
from billing.models import Invoice
from billing.services.delivery import channels_to_send
from billing.services.whatsapp import invoice_send_whatsapp
from notifications.models import Message


def messages_of(organization):
    return (
        Message.objects.filter(tenant_id=organization.pk)
        .prefetch_related("events")
        .order_by("-created_at", "-pk")
    )


def invoice_q(invoice_ids):
    return {
        "subject_type": ContentType.objects.get_for_model(Invoice),
        "subject_id__in": [str(i) for i in invoice_ids],
    }


def page(messages, query) -> Response:
    return Response(paged(messages, query, s.MessageSerializer))


class InvoiceMessagesView(InvoiceView):
    @extend_schema(
        operation_id="invoices_messages",
        tags=["messages"],
        parameters=[s.MessageListQuerySerializer],
        responses={200: s.MessageListSerializer, **COMMON_ERRORS, **NOT_FOUND},
    )
    def get(self, request, pk):
        invoice = self.get_invoice(pk)
        query = self.validated(s.MessageListQuerySerializer, request.query_params)
        return page(messages_of(self.organization).filter(**invoice_q([invoice.pk])), query)


class MessagesView(MessageTemplateSendView):
    """``GET /messages``: the delivery log (``POST`` is the e-mail template send)."""

    @extend_schema(
        operation_id="messages_list",
        tags=["messages"],
        parameters=[s.MessageListQuerySerializer],
        responses={200: s.MessageListSerializer, **COMMON_ERRORS},
    )
    def get(self, request):
        query = self.validated(s.MessageListQuerySerializer, request.query_params)
        messages = messages_of(self.organization)
        if "invoice" in query:
            messages = messages.filter(**invoice_q([query["invoice"]]))
        if "customer" in query:
            invoices = Invoice.objects.filter(
                organization=self.organization, customer_id=query["customer"]
            ).values_list("pk", flat=True)
            messages = messages.filter(**invoice_q(invoices))
        for name in ("channel", "status"):
            if name in query:
                messages = messages.filter(**{name: query[name]})
        return page(messages, query)


class InvoiceSendView(InvoiceView):
    @extend_schema(
        operation_id="invoices_send",
        tags=["invoices"],
        request=s.InvoiceSendSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={202: s.InvoiceSendAnswerSerializer, **WRITE_ERRORS, **NOT_FOUND},
        description=(
            "Send now on the given channels (default: the invoice's delivery channel; for AUTO "
            "and MANUALLY the customer's first usable preference, else e-mail). WhatsApp is "
            "sent once per invoice: asking again returns the existing message. A channel the "
            "invoice cannot be sent on (WhatsApp: open invoices only; drafts: none) is a 409."
        ),
    )
    def post(self, request, pk):
        invoice = self.get_invoice(pk)
        body = self.validated(s.InvoiceSendSerializer, request.data)
        sent = []
        for channel in channels_to_send(invoice, body.get("channels")):
            if channel == "whatsapp":
                sent.append(invoice_send_whatsapp(invoice=invoice, actor=self.actor).message)
            else:
                sent.append(send_invoice_email(self, invoice, body.get("email")).message)
        answer = [{"id": str(m.pk), "channel": m.channel, "status": m.status} for m in sent]
        return Response({"messages": answer}, status=status.HTTP_202_ACCEPTED)
