"""Middleware: a database busy past its timeout is a 503, never a 500; per-area security headers."""

import secrets

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


# Where config.urls mounts the hosted invoice page and the admin.
PAY_PREFIX = "/pay/"
ADMIN_PREFIX = "/admin/"
# The pay page loads nothing but its own nonce'd <style>; a payment link's page must not be
# framed, and its one form posts to itself.
PAY_POLICY = (
    "default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# The admin: scripts only from our static files or with the request's nonce. Styles may be
# inline: the admin's widgets and the message previews (e-mail HTML in a sandboxed frame, which
# inherits this policy) use style attributes, and a nonce would turn 'unsafe-inline' off.
ADMIN_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'"
)


class SecurityHeadersMiddleware:
    """A Content-Security-Policy for the pay page and the admin, and the pay page's privacy
    headers, on every answer under them: error pages too (a 404 is no view's answer).

    ``request.csp_nonce`` is the nonce an inline ``<script>`` or ``<style>`` must carry.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        path = request.path_info
        if path.startswith(PAY_PREFIX):
            response["Content-Security-Policy"] = PAY_POLICY.format(nonce=request.csp_nonce)
            response["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
            response["X-Robots-Tag"] = "noindex, nofollow"
        elif path.startswith(ADMIN_PREFIX):
            response["Content-Security-Policy"] = ADMIN_POLICY.format(nonce=request.csp_nonce)
        return response
