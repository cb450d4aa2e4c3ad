"""Idempotent writes, in the order the reliability rules give.

1. ``claim``: insert the key row ``in_progress`` and commit, before any work. UNIQUE(org, key)
   decides races: the loser finds the row and answers 409 (still running), 422 (other body) or
   the stored response.
2. The view runs its work and ``complete`` stores the rendered response in the same transaction.
3. If the work raises, its transaction rolled back and ``release`` deletes the claim, so a retry
   runs again. Errors are raised, so only responses the work returned normally are ever stored.
"""

import hashlib
import json
import re
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from billing.api.errors import IdempotencyConflict, IdempotencyMismatch
from billing.api.formats import ApiJSONRenderer
from billing.models import IdempotencyKey, Organization
from config.db import single_write

HEADERS = ("x-idempotency-key", "Idempotency-Key")
KEY_PATTERN = "^[ -~]{1,255}$"  # printable ASCII, as the schema publishes it
KEY_SYNTAX = re.compile(KEY_PATTERN)
LOCK_SECONDS = 90
KEEP = timedelta(hours=24)
REPLAYED_HEADER = "Idempotent-Replayed"
State = IdempotencyKey.State


def key_from(request) -> str | None:
    for header in HEADERS:
        value = request.headers.get(header)
        if value is not None:
            if not KEY_SYNTAX.fullmatch(value):
                raise ValidationError({header: ["must be 1 to 255 printable ASCII characters"]})
            return value
    return None


def fingerprint(method: str, path: str, body) -> str:
    """Equal bodies give equal fingerprints however they were serialised (keys sorted)."""
    canonical = json.dumps(
        {"method": method, "path": path, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=_canonical,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value) -> str:
    """``10.0`` and ``10.00`` are the same number (JSON numbers arrive as ``Decimal``)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def claim(
    *, organization: Organization, key: str, method: str, path: str, body
) -> IdempotencyKey | HttpResponse:
    """The committed claim to run the work, or the stored response to replay."""
    now = timezone.now()
    digest = fingerprint(method, path, body)
    record = IdempotencyKey(
        organization=organization,
        key=key,
        method=method,
        path=path,
        fingerprint=digest,
        locked_at=now,
    )
    try:
        _insert(record)
        return record
    except IntegrityError:
        record = IdempotencyKey.objects.filter(organization=organization, key=key).first()
        if record is None:  # released between our insert and our read: the key is free again
            raise IdempotencyConflict(
                "A request with this idempotency key is still in progress"
            ) from None
    if (record.fingerprint, record.method, record.path) != (digest, method, path):
        raise IdempotencyMismatch("Idempotency key reused with different parameters")
    if record.state == State.COMPLETED:
        return replay(record)
    if record.locked_at > now - timedelta(seconds=LOCK_SECONDS):
        raise IdempotencyConflict("A request with this idempotency key is still in progress")
    # The first attempt died without releasing its claim (killed worker): take it over, once.
    taken = IdempotencyKey.objects.filter(
        pk=record.pk, state=State.IN_PROGRESS, locked_at=record.locked_at
    ).update(locked_at=now)
    if not taken:
        raise IdempotencyConflict("A request with this idempotency key is still in progress")
    return record


def _insert(record: IdempotencyKey) -> None:
    """One INSERT that commits by itself: a new key, the common case, costs one statement."""
    with single_write():
        record.save(force_insert=True)


def render(response: Response) -> HttpResponse:
    """The bytes both the first answer and every replay carry."""
    content = ApiJSONRenderer().render(response.data)
    return HttpResponse(content, status=response.status_code, content_type="application/json")


def complete(record: IdempotencyKey, response: HttpResponse) -> None:
    """Store the response; must run inside the work's transaction."""
    IdempotencyKey.objects.filter(pk=record.pk).update(
        state=State.COMPLETED,
        response_status=response.status_code,
        response_body=response.content.decode(),
        completed_at=timezone.now(),
    )


def release(record: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=record.pk, state=State.IN_PROGRESS).delete()


def replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        record.response_body, status=record.response_status, content_type="application/json"
    )
    response[REPLAYED_HEADER] = "true"
    return response


def prune(*, older_than: timedelta = KEEP) -> int:
    """Delete keys older than ``older_than`` (the scheduled reaper; never below 24 h)."""
    cutoff = timezone.now() - max(older_than, KEEP)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
