"""Turn a database that stays busy past its timeout into 503 + Retry-After, never a 500."""

from django.db import OperationalError
from django.http import JsonResponse

BUSY_MARKERS = ("database is locked", "database table is locked", "lock timeout")


def is_database_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and any(m in str(exc).lower() for m in BUSY_MARKERS)


def busy_response() -> JsonResponse:
    response = JsonResponse(
        {
            "statusCode": 503,
            "message": "The service is busy, please retry shortly.",
            "error": "Service Unavailable",
        },
        status=503,
    )
    response["Retry-After"] = "1"
    return response


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_busy(exception):
            return busy_response()
        return None
