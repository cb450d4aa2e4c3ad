"""``x-client-key`` + ``x-client-secret`` authentication.

Unknown key and wrong secret take the same path (a hash comparison against a dummy when the key
is unknown) and raise the same 401, so neither the answer nor its timing says which it was.

Failed attempts are counted per client address and per key (``AUTH_FAILURE_LIMIT``) in the rate
limiter's store, which every process shares. Once either is used up, every attempt from that
address or for that key is a 429 until the window ends, the right secret included: otherwise a
guess past the limit would still tell a hit from a miss. Successful requests are not counted.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from billing.api import ratelimit
from billing.api.errors import AuthenticationThrottled
from billing.models import ApiCredential, Organization
from billing.models.organizations import hash_secret
from config.client_ip import client_address

DUMMY_HASH = hash_secret(secrets.token_urlsafe(32))
# "Last used" is for people auditing keys: a minute's precision spares a write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


def note_use(credential: ApiCredential) -> None:
    now = timezone.now()
    if credential.last_used_at is None or now - credential.last_used_at >= LAST_USED_PRECISION:
        ApiCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
        credential.last_used_at = now


def failure_identities(request, key: str) -> list[str]:
    """Who a failed attempt is counted against: the client address, and the key if one was sent.

    The key is hashed: any header text may arrive here, and the counters need not store it.
    """
    identities = [f"auth-failures:address:{client_address(request)}"]
    if key:
        identities.append(f"auth-failures:key:{hashlib.sha256(key.encode()).hexdigest()[:40]}")
    return identities


def refuse_if_throttled(identities: list[str]) -> None:
    limit = ratelimit.parse_limit(settings.AUTH_FAILURE_LIMIT, "AUTH_FAILURE_LIMIT")
    used_up = [u for u in (ratelimit.peek(i, limit) for i in identities) if u.exceeded]
    if used_up:
        raise AuthenticationThrottled(max(u.reset for u in used_up))


def count_failure(identities: list[str]) -> None:
    limit = ratelimit.parse_limit(settings.AUTH_FAILURE_LIMIT, "AUTH_FAILURE_LIMIT")
    for identity in identities:
        ratelimit.hit(identity, limit)


@dataclass(frozen=True)
class ApiClient:
    """``request.user`` for API requests: the credential and its organization."""

    credential: ApiCredential

    is_authenticated = True

    @property
    def organization(self) -> Organization:
        return self.credential.organization

    @property
    def client_key(self) -> str:
        return self.credential.client_key


class ClientKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        key = request.headers.get("x-client-key", "")
        secret = request.headers.get("x-client-secret", "")
        identities = failure_identities(request, key)
        refuse_if_throttled(identities)
        credential = None
        if key and secret and len(key) <= 40:
            # At most one row (the key is unique): no ORDER BY/LIMIT for ``first()`` to compile.
            found = ApiCredential.objects.select_related("organization").filter(
                client_key=key, revoked_at__isnull=True
            )
            credential = next(iter(found), None)
        expected = credential.secret_hash if credential else DUMMY_HASH
        if not secrets.compare_digest(expected, hash_secret(secret)) or credential is None:
            count_failure(identities)
            raise AuthenticationFailed()
        note_use(credential)
        client = ApiClient(credential)
        return client, client

    def authenticate_header(self, request) -> str:
        return "x-client-key"


class ClientKeyScheme(OpenApiAuthenticationExtension):
    target_class = ClientKeyAuthentication
    name = ["clientKey", "clientSecret"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "x-client-key"},
            {"type": "apiKey", "in": "header", "name": "x-client-secret"},
        ]
