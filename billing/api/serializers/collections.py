"""Schemas of the collections endpoints (the policy is validated by its service, which names
every wrong field; these serializers document it)."""

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers


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
