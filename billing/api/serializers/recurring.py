import json

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework import serializers

from billing.api.serializers.base import StrictSerializer, Timestamp, choice_field, date_field
from billing.api.serializers.invoices import InvoiceTemplateSerializer
from billing.models import RecurringInvoice
from billing.services.recurring import next_due_date


class TemplateField(InvoiceTemplateSerializer):
    """Stored as the JSON the client sent (normalised), so it reads back the same way.

    A template is always replaced whole, in a PATCH too: DRF would validate a nested
    serializer of a partial update partially, and store a template without its items."""

    def to_internal_value(self, data):
        whole = InvoiceTemplateSerializer(data=data)
        whole.is_valid(raise_exception=True)
        return json.loads(json.dumps(whole.validated_data, cls=DjangoJSONEncoder))

    def to_representation(self, instance):
        return instance


class RecurringInvoiceSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    template = TemplateField()
    frequency = choice_field(RecurringInvoice.Frequency.choices)
    count = serializers.IntegerField(min_value=1, max_value=120)
    start_date = date_field()
    send_days_before_due = serializers.IntegerField(min_value=0, max_value=365, required=False)
    active = serializers.BooleanField(required=False)
    next_due_date = serializers.SerializerMethodField()
    created_invoices = serializers.SerializerMethodField()
    last_error = serializers.CharField(read_only=True)
    date_created = Timestamp(source="created_at", read_only=True)

    def get_next_due_date(self, schedule: RecurringInvoice) -> str | None:
        upcoming = next_due_date(schedule, len(schedule.occurrences.all()))
        return upcoming.isoformat() if upcoming else None

    def get_created_invoices(self, schedule: RecurringInvoice) -> list[str]:
        return [str(occurrence.invoice_id) for occurrence in schedule.occurrences.all()]
