"""Reports for BI tools: the overview's figures, from the same selectors (``billing.reports``)."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from billing.api.serializers import reports as s
from billing.api.views.base import COMMON_ERRORS, ApiView, error
from billing.reports import selectors
from billing.reports.periods import local_today

FUNNEL_DAYS = 30


class SummaryView(ApiView):
    @extend_schema(
        operation_id="reports_summary",
        tags=["reports"],
        responses={200: s.SummarySerializer(many=True), **COMMON_ERRORS},
        description="Per currency, never converted; amounts in major units.",
    )
    def get(self, request):
        rows = selectors.summary(organization=self.organization)
        return Response(s.SummarySerializer(rows, many=True).data)


class AgingView(ApiView):
    @extend_schema(
        operation_id="reports_aging",
        tags=["reports"],
        responses={200: s.AgingSerializer(many=True), **COMMON_ERRORS},
        description="Remaining balances of OPEN invoices per currency by calendar days past due "
        "in the organization's time zone.",
    )
    def get(self, request):
        rows = selectors.aging(organization=self.organization)
        return Response(s.AgingSerializer(rows, many=True).data)


class FunnelView(ApiView):
    @extend_schema(
        operation_id="reports_funnel",
        tags=["reports"],
        parameters=[s.FunnelQuerySerializer],
        responses={
            200: s.FunnelSerializer(many=True),
            400: error("Invalid query"),
            **COMMON_ERRORS,
        },
        description="Invoices issued in the period, per channel they were sent on.",
    )
    def get(self, request):
        query = self.validated(s.FunnelQuerySerializer, request.query_params)
        end = query.get("to") or local_today(self.organization, timezone.now())
        start = query.get("from") or end - timedelta(days=FUNNEL_DAYS - 1)
        if start > end:
            raise ValidationError({"from": ["must not be after to"]})
        rows = selectors.funnel(organization=self.organization, start=start, end=end)
        return Response(s.FunnelSerializer(rows, many=True).data)
