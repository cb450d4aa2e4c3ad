from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from notifications.models import InboundWebhook
from tests.bench.urls import urlpatterns as bench_urlpatterns


@csrf_exempt
def store_one_row(request):
    """The bare baseline for webhook ingestion: store the body as one row, answer 200."""
    InboundWebhook.objects.create(provider="probe", body=request.body, headers={})
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/store-one-row", store_one_row), *bench_urlpatterns]
