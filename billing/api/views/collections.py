"""Collections endpoints: the reminder policy and the reminder plans; each calls one service."""

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from billing.api.serializers import collections as s
from billing.api.views.base import COMMON_ERRORS, IDEMPOTENCY_HEADER, WRITE_ERRORS, ApiView, error
from billing.api.views.invoices import NOT_FOUND, InvoiceView
from billing.collections.pauses import (
    customer_reminders_pause,
    customer_reminders_resume,
    invoice_reminders_pause,
    invoice_reminders_resume,
)
from billing.collections.policy import policy_as_json, policy_for, reminder_policy_replace
from billing.collections.selectors import invoice_reminders, outbox
from billing.errors import NotFound
from billing.models import Customer


class ReminderPolicyView(ApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="reminder_policy_get",
        tags=["reminders"],
        responses={200: s.ReminderPolicySerializer, **COMMON_ERRORS},
        examples=[s.POLICY_EXAMPLE],
    )
    def get(self, request):
        return Response(policy_as_json(policy_for(self.organization)))

    @extend_schema(
        operation_id="reminder_policy_put",
        tags=["reminders"],
        parameters=[IDEMPOTENCY_HEADER],
        request=s.ReminderPolicySerializer,
        responses={200: s.ReminderPolicySerializer, **WRITE_ERRORS},
        examples=[s.POLICY_EXAMPLE],
        description="Replaces the whole policy; every open invoice's unsent steps are re-planned.",
    )
    def put(self, request):
        policy = reminder_policy_replace(organization=self.organization, data=request.data)
        return Response(policy_as_json(policy))


def paused_until(flag: bool, until) -> str | None:
    if not flag:
        return None
    return until.isoformat() if until else "indefinitely"


class InvoiceRemindersView(InvoiceView):
    @extend_schema(
        operation_id="invoices_reminders",
        tags=["reminders"],
        responses={200: s.ReminderListSerializer, **COMMON_ERRORS, **NOT_FOUND},
    )
    def get(self, request, pk):
        rows = invoice_reminders(self.get_invoice(pk))
        return Response({"data": s.ReminderSerializer(rows, many=True).data, "total": len(rows)})


class OutboxView(ApiView):
    @extend_schema(
        operation_id="reminders_outbox",
        tags=["reminders"],
        parameters=[s.OutboxQuerySerializer],
        responses={200: s.OutboxSerializer, 400: error("Invalid query"), **COMMON_ERRORS},
    )
    def get(self, request):
        query = self.validated(s.OutboxQuerySerializer, request.query_params)
        rows = outbox(organization=self.organization, day=query["date"])
        return Response({"data": s.OutboxEntrySerializer(rows, many=True).data, "total": len(rows)})


PAUSE_DOC = {
    "tags": ["reminders"],
    "parameters": [IDEMPOTENCY_HEADER],
    "responses": {200: s.PausedSerializer, **WRITE_ERRORS, **NOT_FOUND},
}


class InvoicePauseView(InvoiceView):
    @extend_schema(operation_id="invoices_reminders_pause", request=s.PauseSerializer, **PAUSE_DOC)
    def post(self, request, pk):
        until = self.validated(s.PauseSerializer, request.data).get("until")
        invoice = invoice_reminders_pause(
            invoice=self.get_invoice(pk), until=until, actor_label=self.actor.label
        )
        return Response(
            {"reminders_paused_until": paused_until(True, invoice.reminders_paused_until)}
        )


class InvoiceResumeView(InvoiceView):
    @extend_schema(operation_id="invoices_reminders_resume", request=None, **PAUSE_DOC)
    def post(self, request, pk):
        invoice_reminders_resume(invoice=self.get_invoice(pk), actor_label=self.actor.label)
        return Response({"reminders_paused_until": None})


class CustomerMixin:
    def get_customer(self, pk) -> Customer:
        customer = Customer.objects.filter(organization=self.organization, pk=pk).first()
        if customer is None:
            raise NotFound("Customer not found")
        return customer


class CustomerPauseView(CustomerMixin, ApiView):
    @extend_schema(operation_id="customers_reminders_pause", request=s.PauseSerializer, **PAUSE_DOC)
    def post(self, request, pk):
        until = self.validated(s.PauseSerializer, request.data).get("until")
        customer = customer_reminders_pause(
            customer=self.get_customer(pk), until=until, actor_label=self.actor.label
        )
        return Response(
            {"reminders_paused_until": paused_until(True, customer.reminders_paused_until)}
        )


class CustomerResumeView(CustomerMixin, ApiView):
    @extend_schema(operation_id="customers_reminders_resume", request=None, **PAUSE_DOC)
    def post(self, request, pk):
        customer_reminders_resume(customer=self.get_customer(pk), actor_label=self.actor.label)
        return Response({"reminders_paused_until": None})
