"""The bare DRF endpoint the API is measured against: validate a similar body, insert one row."""

from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from tests.bench.probe.models import ProbeRow


class ItemSerializer(serializers.Serializer):
    product_id = serializers.CharField(max_length=100)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)


class ProbeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField()
    customer_id = serializers.UUIDField()
    walletId = serializers.UUIDField()
    items = ItemSerializer(many=True)
    due_date = serializers.DateField()
    delivery = serializers.ChoiceField(["EMAIL", "MANUALLY"])
    payment_link = serializers.BooleanField()
    payment_methods = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(["DRAFT", "OPEN"])
    partial_payment = serializers.BooleanField()
    taxId = serializers.UUIDField(required=False)


class ProbeView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def post(self, request):
        serializer = ProbeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row = ProbeRow.objects.create(
            name=data["name"],
            email=data["email"],
            customer_id=data["customer_id"],
            due_date=data["due_date"],
            body=request.data,
        )
        return Response({"id": row.pk}, status=status.HTTP_201_CREATED)
