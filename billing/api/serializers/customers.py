import zoneinfo

from drf_spectacular.utils import extend_schema_field
from phonenumbers import NumberParseException, PhoneNumberFormat, format_number, is_valid_number
from phonenumbers import parse as parse_number
from rest_framework import serializers

from billing.api.serializers.base import (
    PageQuerySerializer,
    StrictSerializer,
    Timestamp,
    choice_field,
)
from billing.models import Customer
from billing.models.choices import Channel

NAME_LENGTH = 200
PART_LENGTH = (NAME_LENGTH - 1) // 2  # first_name, a space and last_name fit in the name


@extend_schema_field({"type": "array", "items": {"type": "string", "format": "email"}})
class ContactsField(serializers.ListField):
    """Extra e-mail addresses, read from the customer's contact rows."""

    def get_attribute(self, instance):
        return [contact.email for contact in instance.contacts.all()]


@extend_schema_field({"type": "string", "maxLength": 20, "pattern": r"^\+[0-9 ().-]{1,19}$"})
class PhoneText(serializers.CharField):
    """International format with its leading ``+`` (spaces, dots, dashes and brackets are
    allowed and dropped); the number must also exist in its country's numbering plan."""


class CustomerSerializer(StrictSerializer):
    """``name``, or Devdraft's ``first_name`` + ``last_name`` (joined when ``name`` is absent)."""

    # A new customer needs a name or a part of one (joined, the parts fit in ``name``).
    complete_schema_rules = (
        {"anyOf": [{"required": [key]} for key in ("name", "first_name", "last_name")]},
    )

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=NAME_LENGTH, required=False)
    first_name = serializers.CharField(max_length=PART_LENGTH, required=False, write_only=True)
    last_name = serializers.CharField(max_length=PART_LENGTH, required=False, write_only=True)
    customer_type = choice_field(Customer.Type.choices, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone_number = PhoneText(source="phone", max_length=20, required=False, allow_blank=True)
    locale = serializers.RegexField(
        r"^[a-z]{2,3}([-_][A-Za-z]{2,4})?$",
        max_length=16,
        required=False,
        error_messages={"invalid": "must be a language tag such as en or ru-RU"},
    )
    address = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    status = choice_field(Customer.Status.choices, required=False)
    preferred_channels = serializers.ListField(
        child=choice_field(Channel.choices), required=False, max_length=10
    )
    whatsapp_opted_in_at = Timestamp(required=False, allow_null=True)
    whatsapp_consent_source = serializers.CharField(
        max_length=200, required=False, allow_blank=True
    )
    whatsapp_consent_wording = serializers.CharField(
        max_length=2000, required=False, allow_blank=True
    )
    whatsapp_opted_out_at = Timestamp(required=False, allow_null=True)
    time_zone = serializers.ChoiceField(
        choices=sorted(zoneinfo.available_timezones()),
        required=False,
        allow_null=True,
        help_text="IANA name; null: the organization's",
        error_messages={"invalid_choice": "must be an IANA time zone such as Europe/Berlin"},
    )
    contacts = ContactsField(child=serializers.EmailField(), required=False, max_length=20)
    date_created = Timestamp(source="created_at", read_only=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["phone_number"] = str(instance.phone) if instance.phone else ""
        data["time_zone"] = instance.time_zone or None
        return data

    def validate_phone_number(self, value: str) -> str:
        if not value:
            return ""
        try:
            number = parse_number(value, None)
        except NumberParseException:
            number = None
        if number is None or not is_valid_number(number):
            raise serializers.ValidationError("must be a phone number in E.164, e.g. +79001234567")
        return format_number(number, PhoneNumberFormat.E164)

    def validate(self, attrs):
        parts = [attrs.pop(key, "").strip() for key in ("first_name", "last_name")]
        if "name" not in attrs and any(parts):
            attrs["name"] = " ".join(part for part in parts if part)
        if not self.partial and not attrs.get("name"):
            raise serializers.ValidationError({"name": "should not be empty"})
        return attrs

    def validate_time_zone(self, value: str | None) -> str:
        return value or ""

    def validate_preferred_channels(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class CustomerQuerySerializer(PageQuerySerializer):
    """The list filters Devdraft's SDKs send: exact status, name contains, e-mail equals."""

    status = choice_field(Customer.Status.choices, required=False)
    name = serializers.CharField(max_length=100, required=False)
    email = serializers.CharField(max_length=255, required=False)
