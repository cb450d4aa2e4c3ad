"""The client's address for throttles and lockouts, behind ``TRUSTED_PROXY_COUNT`` proxies.

Each proxy appends the address it was connected from to ``X-Forwarded-For``; with n trusted
proxies the client is the n-th entry from the right (entries further left are whatever the
client sent and are never believed). Without proxies, or when the header is shorter than the
proxies promise, the connection's own address is the client.
"""

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [h for h in forwarded if h]
    return forwarded[-hops] if len(forwarded) >= hops else remote
