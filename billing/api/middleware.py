"""Every answer under /api/v0/ that is an error leaves in the Devdraft envelope.

DRF views already answer through ``billing.api.errors.exception_handler``. What reaches this
middleware as a non-JSON error is Django's own answer: an unknown path (HTML 404), a method a
non-DRF view refuses, or an HTML page rendered for a 4xx/5xx. The status is kept, the body becomes
the envelope, so a client never has to parse HTML.
"""

from http import HTTPStatus

from django.http import JsonResponse

from billing.api.errors import envelope

API_ROOT = "/api/v0"


def is_api_path(path: str) -> bool:
    return path == API_ROOT or path.startswith(API_ROOT + "/")


def _message(request, status: int) -> str:
    if status == HTTPStatus.NOT_FOUND:
        return "Not found"
    if status == HTTPStatus.METHOD_NOT_ALLOWED:
        return f'Method "{request.method}" not allowed.'
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return "Internal server error"
    return HTTPStatus(status).phrase


class ApiEnvelopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_api_path(request.path) or response.status_code < HTTPStatus.BAD_REQUEST:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        answer = JsonResponse(envelope(status, _message(request, status)), status=status)
        for header in ("Allow", "Retry-After"):
            if header in response:
                answer[header] = response[header]
        return answer
