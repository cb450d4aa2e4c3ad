"""Schemas of the collections endpoints (the policy is validated by its service, which names
every wrong field; these serializers document it)."""

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from billing.api.serializers.base import StrictSerializer, Timestamp


class SendWindowSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="HH:MM, local time of the recipient")
    end = serializers.CharField(help_text="HH:MM; 24:00 is the end of the day")


class ReminderPolicySerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    steps = serializers.ListField(child=serializers.IntegerField(min_value=-60, max_value=365))
    channels = serializers.JSONField(help_text='"preferred" or a list such as ["whatsapp","email"]')
    send_window = SendWindowSerializer()
    business_days = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=7))
    holidays = serializers.ListField(child=serializers.DateField())
    min_gap_hours = serializers.IntegerField(min_value=0)
    fallback_after_hours = serializers.IntegerField(min_value=0)
    pause_on_reply_days = serializers.IntegerField(min_value=0)


POLICY_EXAMPLE = OpenApiExample(
    "Default policy with a holiday",
    value={
        "enabled": True,
        "steps": [-3, 0, 3, 7, 14],
        "channels": "preferred",
        "send_window": {"start": "09:00", "end": "18:00"},
        "business_days": [1, 2, 3, 4, 5],
        "holidays": ["2026-12-25"],
        "min_gap_hours": 48,
        "fallback_after_hours": 24,
        "pause_on_reply_days": 7,
    },
)


class ReminderSerializer(serializers.Serializer):
    step = serializers.IntegerField()
    offset_days = serializers.IntegerField()
    planned_at = Timestamp(help_text="UTC")
    local_time = serializers.CharField(help_text="ISO 8601 with the recipient's offset")
    channel = serializers.ChoiceField(choices=["whatsapp", "email"])
    status = serializers.ChoiceField(
        choices=["planned", "sending", "sent", "skipped", "cancelled", "paused"]
    )
    reason = serializers.CharField(allow_null=True)
    paused_until = serializers.DateField(allow_null=True)
    message_ids = serializers.ListField(child=serializers.UUIDField())


class ReminderListSerializer(serializers.Serializer):
    data = ReminderSerializer(many=True)
    total = serializers.IntegerField()


class OutboxEntrySerializer(serializers.Serializer):
    invoice_id = serializers.UUIDField()
    invoice_number = serializers.CharField()
    customer_id = serializers.UUIDField()
    customer_name = serializers.CharField()
    step = serializers.IntegerField()
    planned_at = Timestamp()
    local_time = serializers.CharField()
    channel = serializers.CharField()
    amount_due = serializers.DecimalField(max_digits=30, decimal_places=6, coerce_to_string=False)
    currency = serializers.CharField()
    status = serializers.CharField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["amount_due"] = instance["amount_due"]  # exact, with the currency's decimals
        return data


class OutboxSerializer(serializers.Serializer):
    data = OutboxEntrySerializer(many=True)
    total = serializers.IntegerField()


class OutboxQuerySerializer(StrictSerializer):
    date = serializers.DateField(help_text="The local date, YYYY-MM-DD")


class PauseSerializer(StrictSerializer):
    until = serializers.DateField(required=False, allow_null=True, help_text="Empty: indefinitely")


class PausedSerializer(serializers.Serializer):
    reminders_paused_until = serializers.CharField(
        allow_null=True, help_text='A date, "indefinitely", or null when not paused'
    )
