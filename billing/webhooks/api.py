"""``/api/v0/webhooks`` and ``/api/v0/events`` (spec/integrator-webhooks.md § Endpoints).

Thin views: validate, call one service, represent. Every query is filtered by the caller's
organization, so another tenant's endpoint or event is a 404.
"""

import json
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from billing.api.serializers.base import PageQuerySerializer, StrictSerializer, paged
from billing.api.views.base import COMMON_ERRORS, IDEMPOTENCY_HEADER, WRITE_ERRORS, ApiView, error
from billing.webhooks import services
from billing.webhooks.events import EVENT_TYPES
from billing.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookEvent

EVENTS_KEPT = timedelta(days=30)
NOT_FOUND = {404: error("No such webhook endpoint in your organization")}


class EndpointSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    description = serializers.CharField()
    enabled = serializers.BooleanField()
    disabled_reason = serializers.CharField(allow_null=True, source="disabled_reason_or_none")
    created_at = serializers.DateTimeField()


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="whsec_…: shown only in this answer")


class EndpointListSerializer(serializers.Serializer):
    data = EndpointSerializer(many=True)
    total = serializers.IntegerField()


@extend_schema_field({"type": "string", "maxLength": 1000, "pattern": r"^https?://[^/?#\s]+"})
class EndpointUrl(serializers.CharField):
    """An http(s) URL naming a host; the SSRF rules are checked by the service."""


@extend_schema_field({"type": "string", "enum": ["*", *services.SUBSCRIBABLE]})
class EventTypeText(serializers.CharField):
    """An event type the endpoint subscribes to, or ``*`` for all (the service names unknown
    ones)."""


@extend_schema_field(
    {"type": "array", "items": {"type": "string", "enum": ["*", *services.SUBSCRIBABLE]},
     "minItems": 1, "maxItems": 50}
)  # fmt: skip
class EventList(serializers.ListField):
    """Non-empty; the service says so in its own sentence ("events should not be empty")."""


class EndpointCreateSerializer(StrictSerializer):
    url = EndpointUrl(max_length=1000)
    events = EventList(child=EventTypeText(max_length=40), max_length=50)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


class EndpointUpdateSerializer(StrictSerializer):
    url = EndpointUrl(max_length=1000, required=False)
    events = EventList(child=EventTypeText(max_length=40), max_length=50, required=False)
    enabled = serializers.BooleanField(required=False)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


class AttemptSerializer(serializers.Serializer):
    event_id = serializers.CharField(source="delivery.event_id")
    type = serializers.CharField(source="delivery.event.type")
    attempt = serializers.IntegerField(source="number")
    time = serializers.DateTimeField(source="started_at")
    http_status = serializers.IntegerField(source="status_code", allow_null=True)
    duration_ms = serializers.IntegerField()
    error = serializers.CharField()


class AttemptListSerializer(serializers.Serializer):
    data = AttemptSerializer(many=True)
    total = serializers.IntegerField()


class EventSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    invoice_id = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()
    payload = serializers.SerializerMethodField()

    def get_payload(self, event) -> dict:
        return json.loads(event.body)


class EventListSerializer(serializers.Serializer):
    data = EventSerializer(many=True)
    total = serializers.IntegerField()


class EventQuerySerializer(PageQuerySerializer):
    type = serializers.ChoiceField(
        choices=list(EVENT_TYPES),
        required=False,
        error_messages={"invalid_choice": "must be a known event type"},
    )
    after = serializers.DateTimeField(required=False, help_text="only events after this time")


class QueuedSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="the event id (the webhook-id header)")
    deliveries = serializers.IntegerField()


def endpoint_data(endpoint: WebhookEndpoint, *, secret: bool = False) -> dict:
    endpoint.disabled_reason_or_none = endpoint.disabled_reason or None
    serializer = EndpointWithSecretSerializer if secret else EndpointSerializer
    return serializer(endpoint).data


class WebhookView(ApiView):
    def endpoints(self):
        return WebhookEndpoint.objects.filter(organization=self.organization)

    def get_endpoint(self, pk) -> WebhookEndpoint:
        endpoint = self.endpoints().filter(pk=pk).first()
        if endpoint is None:
            raise NotFound("Webhook not found")
        return endpoint


class WebhookListView(WebhookView):
    @extend_schema(
        operation_id="webhooks_list",
        tags=["webhooks"],
        parameters=[PageQuerySerializer],
        responses={200: EndpointListSerializer, 400: error("Invalid query"), **COMMON_ERRORS},
    )
    def get(self, request):
        query = self.validated(PageQuerySerializer, request.query_params)
        rows = self.endpoints()
        page = rows[query["skip"] : query["skip"] + query["take"]]
        return Response({"data": [endpoint_data(e) for e in page], "total": rows.count()})

    @extend_schema(
        operation_id="webhooks_create",
        tags=["webhooks"],
        request=EndpointCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: EndpointWithSecretSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        data = self.validated(EndpointCreateSerializer, request.data)
        endpoint = services.endpoint_create(organization=self.organization, **data)
        return Response(endpoint_data(endpoint, secret=True), status=status.HTTP_201_CREATED)


class WebhookDetailView(WebhookView):
    @extend_schema(
        operation_id="webhooks_retrieve",
        tags=["webhooks"],
        responses={200: EndpointSerializer, **COMMON_ERRORS, **NOT_FOUND},
    )
    def get(self, request, pk):
        return Response(endpoint_data(self.get_endpoint(pk)))

    @extend_schema(
        operation_id="webhooks_partial_update",
        tags=["webhooks"],
        request=EndpointUpdateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: EndpointSerializer, **WRITE_ERRORS, **NOT_FOUND},
    )
    def patch(self, request, pk):
        endpoint = self.get_endpoint(pk)
        data = self.validated(EndpointUpdateSerializer, request.data)
        return Response(endpoint_data(services.endpoint_update(endpoint=endpoint, **data)))

    @extend_schema(
        operation_id="webhooks_destroy",
        tags=["webhooks"],
        parameters=[IDEMPOTENCY_HEADER],
        responses={204: None, **WRITE_ERRORS, **NOT_FOUND},
    )
    def delete(self, request, pk):
        services.endpoint_delete(endpoint=self.get_endpoint(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateView(WebhookView):
    @extend_schema(
        operation_id="webhooks_rotate_secret",
        tags=["webhooks"],
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: EndpointWithSecretSerializer, **WRITE_ERRORS, **NOT_FOUND},
    )
    def post(self, request, pk):
        endpoint = services.endpoint_rotate_secret(endpoint=self.get_endpoint(pk))
        return Response(endpoint_data(endpoint, secret=True))


class WebhookTestView(WebhookView):
    @extend_schema(
        operation_id="webhooks_test",
        tags=["webhooks"],
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={202: QueuedSerializer, **WRITE_ERRORS, **NOT_FOUND},
    )
    def post(self, request, pk):
        event = services.endpoint_send_test(endpoint=self.get_endpoint(pk))
        body = {"id": event.id, "deliveries": event.deliveries.count()}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveriesView(WebhookView):
    @extend_schema(
        operation_id="webhooks_deliveries",
        tags=["webhooks"],
        parameters=[PageQuerySerializer],
        responses={200: AttemptListSerializer, **COMMON_ERRORS, **NOT_FOUND},
    )
    def get(self, request, pk):
        endpoint = self.get_endpoint(pk)
        query = self.validated(PageQuerySerializer, request.query_params)
        attempts = (
            WebhookAttempt.objects.filter(delivery__endpoint=endpoint)
            .select_related("delivery__event")
            .order_by("-started_at", "-id")
        )
        return Response(paged(attempts, query, AttemptSerializer))


class EventListView(ApiView):
    @extend_schema(
        operation_id="events_list",
        tags=["webhooks"],
        parameters=[EventQuerySerializer],
        responses={200: EventListSerializer, 400: error("Invalid query"), **COMMON_ERRORS},
    )
    def get(self, request):
        query = self.validated(EventQuerySerializer, request.query_params)
        events = WebhookEvent.objects.filter(
            organization=self.organization, created_at__gte=timezone.now() - EVENTS_KEPT
        )
        if "type" in query:
            events = events.filter(type=query["type"])
        if "after" in query:
            events = events.filter(created_at__gt=query["after"])
        return Response(paged(events, query, EventSerializer))


class EventRedeliverView(ApiView):
    @extend_schema(
        operation_id="events_redeliver",
        tags=["webhooks"],
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            202: QueuedSerializer,
            **WRITE_ERRORS,
            404: error("No such event in your organization"),
        },
    )
    def post(self, request, pk):
        event = WebhookEvent.objects.filter(organization=self.organization, pk=pk).first()
        if event is None:
            raise NotFound("Event not found")
        count = services.event_redeliver(event=event)
        return Response({"id": event.id, "deliveries": count}, status=status.HTTP_202_ACCEPTED)
