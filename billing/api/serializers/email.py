"""Input of the e-mail endpoints: template sends and SendInvoice's ``email`` part."""

from rest_framework import serializers

from billing.api.serializers.base import StrictSerializer
from billing.services.invoice_email import SendInvoiceEmail

EMAIL_ERRORS = {"invalid": "must be a valid e-mail address"}


class TemplateSendSerializer(StrictSerializer):
    templateId = serializers.SlugField(max_length=60)
    version = serializers.RegexField(r"^v[1-9][0-9]{0,3}$", required=False)
    to = serializers.EmailField(error_messages=EMAIL_ERRORS)
    data = serializers.DictField()


class TemplateProblemSerializer(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.CharField()
    message = serializers.CharField()


class TemplateAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField(default="accepted")


class EmailHeadersSerializer(StrictSerializer):
    fromUserId = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    toEmailAddresses = serializers.ListField(
        child=serializers.EmailField(error_messages=EMAIL_ERRORS),
        required=False,
        allow_null=True,
        max_length=50,
    )
    ccMe = serializers.BooleanField(required=False, default=False)
    subject = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class EmailContentSerializer(StrictSerializer):
    body = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, trim_whitespace=False
    )


class SendInvoiceEmailSerializer(StrictSerializer):
    """SendInvoice's ``headers`` + ``content``; both may be empty objects."""

    headers = EmailHeadersSerializer(required=False)
    content = EmailContentSerializer(required=False)

    @staticmethod
    def to_request(validated: dict) -> SendInvoiceEmail:
        headers, content = validated.get("headers") or {}, validated.get("content") or {}
        return SendInvoiceEmail(
            from_user_id=headers.get("fromUserId") or None,
            to_email_addresses=headers.get("toEmailAddresses") or None,
            cc_me=headers.get("ccMe", False),
            subject=headers.get("subject") or None,
            body=content.get("body") or None,
        )
