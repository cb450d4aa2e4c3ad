"""The reports API's answers (amounts in major units, per currency) and the funnel's query."""

from rest_framework import serializers

from billing.api.serializers.base import MajorAmount, StrictSerializer, date_field


class SummarySerializer(serializers.Serializer):
    currency = serializers.CharField()
    outstanding = MajorAmount(help_text="Amount due of OPEN invoices, disputed included.")
    overdue = MajorAmount(help_text="Amount due of OPEN invoices past due, disputed excluded.")
    overdue_count = serializers.IntegerField()
    collected_30d = MajorAmount(help_text="Payments dated in the last 30 days.")
    issued_month = MajorAmount(help_text="Totals of invoices opened this calendar month.")


class AgingSerializer(serializers.Serializer):
    currency = serializers.CharField()
    not_due = MajorAmount()
    d1_30 = MajorAmount()
    d31_60 = MajorAmount()
    d61_90 = MajorAmount()
    d91_120 = MajorAmount()
    over_120 = MajorAmount()


class FunnelSerializer(serializers.Serializer):
    channel = serializers.CharField()
    issued = serializers.IntegerField()
    accepted = serializers.IntegerField()
    delivered = serializers.IntegerField()
    read = serializers.IntegerField()
    opened = serializers.IntegerField(help_text="Invoices whose pay page was opened.")
    paid = serializers.IntegerField()


class FunnelQuerySerializer(StrictSerializer):
    """``from`` and ``to`` (inclusive, the organization's calendar days); Python keywords, so the
    fields are named here rather than declared as attributes."""

    def get_fields(self):
        return {
            "from": date_field(required=False, help_text="Default: 29 days before `to`."),
            "to": date_field(required=False, help_text="Default: today."),
        }
