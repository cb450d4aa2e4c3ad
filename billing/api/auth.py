"""``x-client-key`` + ``x-client-secret`` authentication.

Unknown key and wrong secret take the same path (a hash comparison against a dummy when the key
is unknown) and raise the same 401, so neither the answer nor its timing says which it was.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from billing.models import ApiCredential, Organization
from billing.models.organizations import hash_secret

DUMMY_HASH = hash_secret(secrets.token_urlsafe(32))
# "Last used" is for people auditing keys: a minute's precision spares a write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


def note_use(credential: ApiCredential) -> None:
    now = timezone.now()
    if credential.last_used_at is None or now - credential.last_used_at >= LAST_USED_PRECISION:
        ApiCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
        credential.last_used_at = now


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
        credential = None
        if key and secret and len(key) <= 40:
            # At most one row (the key is unique): no ORDER BY/LIMIT for ``first()`` to compile.
            found = ApiCredential.objects.select_related("organization").filter(
                client_key=key, revoked_at__isnull=True
            )
            credential = next(iter(found), None)
        expected = credential.secret_hash if credential else DUMMY_HASH
        if not secrets.compare_digest(expected, hash_secret(secret)) or credential is None:
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
