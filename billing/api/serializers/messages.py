"""The delivery log as integrators see it (api-v0.md: messages), and the send request."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.serializers.base import (
    PageQuerySerializer,
    StrictSerializer,
    Timestamp,
    choice_field,
    uuid_field,
)
from billing.api.serializers.email import SendInvoiceEmailSerializer
from notifications import status as st
from notifications.logs import mask_email, mask_phone

CHANNELS = ("whatsapp", "email")


class MessageEventSerializer(serializers.Serializer):
    status = serializers.CharField()
    source = serializers.CharField()
    occurred_at = Timestamp(allow_null=True)
    received_at = Timestamp()
    detail = serializers.JSONField()


class MessageErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    channel = serializers.CharField()
    purpose = serializers.CharField()
    recipient = serializers.SerializerMethodField()
    status = serializers.CharField()
    provider_message_id = serializers.CharField(allow_null=True)
    error = serializers.SerializerMethodField()
    attempts = serializers.IntegerField()
    fallback_of = serializers.UUIDField(
        source="fallback_of_id", allow_null=True, help_text="The message this one follows up"
    )
    created_at = Timestamp()
    updated_at = Timestamp()
    events = MessageEventSerializer(many=True)

    def get_recipient(self, message) -> str:
        if message.channel == "whatsapp":
            return mask_phone(message.recipient)
        return mask_email(message.recipient)

    def get_error(self, message) -> dict | None:
        if not message.last_error_code:
            return None
        return {"code": message.last_error_code, "message": message.last_error_message}


class MessageListSerializer(serializers.Serializer):
    data = MessageSerializer(many=True)
    total = serializers.IntegerField()


class MessageListQuerySerializer(PageQuerySerializer):
    invoice = uuid_field(required=False)
    customer = uuid_field(required=False)
    channel = choice_field(CHANNELS, required=False)
    status = choice_field([s for s, _ in st.STATUS_CHOICES], required=False)


@extend_schema_field(SendInvoiceEmailSerializer)
class EmailOptionsField(serializers.DictField):
    """SendInvoice's ``headers`` + ``content``, validated by the send view."""


class InvoiceSendSerializer(StrictSerializer):
    channels = serializers.ListField(child=choice_field(CHANNELS), required=False, min_length=1)
    email = EmailOptionsField(required=False)


class SentMessageSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    channel = serializers.CharField()
    status = serializers.CharField()


class InvoiceSendAnswerSerializer(serializers.Serializer):
    messages = SentMessageSerializer(many=True)
