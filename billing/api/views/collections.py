"""Collections endpoints: the reminder policy and the reminder plans; each calls one service."""

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from billing.api.serializers import collections as s
from billing.api.views.base import COMMON_ERRORS, IDEMPOTENCY_HEADER, WRITE_ERRORS, ApiView
from billing.collections.policy import policy_as_json, policy_for, reminder_policy_replace


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
