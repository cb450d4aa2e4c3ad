"""Schemas of the collections endpoints (the policy is validated by its service, which names
every wrong field; these serializers document it)."""

from drf_spectacular.utils import OpenApiExample, extend_schema_field
from rest_framework import serializers

from billing.api.serializers.base import StrictSerializer, Timestamp
from billing.collections.policy import DAY_LIMIT, MAX_HOLIDAYS


class SendWindowSerializer(StrictSerializer):
    start = serializers.RegexField(
        r"^([01][0-9]|2[0-3]):[0-5][0-9]$", help_text="HH:MM, local time of the recipient"
    )
    end = serializers.RegexField(
        r"^(00:0[1-9]|00:[1-5][0-9]|(0[1-9]|1[0-9]|2[0-3]):[0-5][0-9]|24:00)$",
        help_text="HH:MM after 00:00; 24:00 is the end of the day",
    )


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "enum": ["preferred"]},
            {
                "type": "array",
                "items": {"type": "string", "enum": ["whatsapp", "email"]},
                "minItems": 1,
                "uniqueItems": True,
            },
        ],
        "description": '"preferred" or a list such as ["whatsapp","email"]',
    }
)
class ChannelsField(serializers.JSONField):
    """The policy's channel order (its service validates it)."""


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 1, "maximum": 7},
        "minItems": 1,
        "maxItems": 7,
        "uniqueItems": True,
    }
)
class WeekdaysField(serializers.ListField):
    """Distinct ISO weekdays (its service validates them)."""


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "format": "date"},
        "maxItems": MAX_HOLIDAYS,
        "uniqueItems": True,
    }
)
class HolidaysField(serializers.ListField):
    """Distinct dates (its service validates them)."""


class ReminderPolicySerializer(StrictSerializer):
    enabled = serializers.BooleanField()
    steps = serializers.ListField(
        child=serializers.IntegerField(min_value=-60, max_value=365), min_length=1, max_length=10
    )
    channels = ChannelsField()
    send_window = SendWindowSerializer()
    business_days = WeekdaysField(child=serializers.IntegerField(min_value=1, max_value=7))
    holidays = HolidaysField(child=serializers.DateField())
    min_gap_hours = serializers.IntegerField(min_value=0, max_value=720)
    fallback_after_hours = serializers.IntegerField(min_value=0, max_value=720)
    pause_on_reply_days = serializers.IntegerField(min_value=0, max_value=DAY_LIMIT)


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
