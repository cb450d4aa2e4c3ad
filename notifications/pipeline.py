"""The send pipeline, the same for every channel (see ``notifications.channels.base``).

1. ``request_send`` inserts the message in the caller's transaction (one active message per
   subject, purpose and channel: a unique index) and enqueues it on commit.
2. ``deliver`` (the queue task) claims it with a conditional ``queued → sending`` that also bumps
   ``attempts`` and sets a lease, commits, and only then calls the provider once.
3. ``apply_outcome`` writes the typed outcome, only if the message is still this attempt's.
4. ``sweep`` (every minute) re-enqueues due messages whose task was lost and turns expired
   leases into ``unknown`` — never into a resend.
"""

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from notifications import status as st
from notifications.channels import backend_class, get_backend
from notifications.channels.base import Outcome, SendOutcome, SendRefused
from notifications.models import Message, MessageEvent
from notifications.queue import enqueue_poll, enqueue_send

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # longer than connect + read timeouts of any backend
MAX_TRIES = 5
BASE_DELAY, MAX_DELAY = 30.0, 3600.0
PHONE_GAP = timedelta(seconds=6)  # WhatsApp: one message per 6 s to the same user
FIRST_POLL = timedelta(minutes=5)
LOST_TASK_AFTER = timedelta(seconds=30)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class SendRequested:
    message: Message
    created: bool  # False: an active message already existed (double click, job run twice)


@dataclass(frozen=True)
class SubjectRef:
    """What a message is about, by reference: the recipient policy reads only what it needs
    (billing reads the invoice's customer in one query instead of the invoice, then the
    customer)."""

    model: type
    pk: str

    @classmethod
    def of(cls, subject) -> "SubjectRef | None":
        return None if subject is None else cls(type(subject), str(subject.pk))

    @classmethod
    def of_message(cls, message: Message) -> "SubjectRef | None":
        if message.subject_type_id is None:
            return None
        model = ContentType.objects.get_for_id(message.subject_type_id).model_class()
        return cls(model, message.subject_id)


@dataclass(frozen=True)
class Labels:
    """What the sender tells the delivery log about a message, for its columns, filters and
    search: the subject in words (an invoice number) and whom it is for (a customer)."""

    subject: str = ""
    recipient_ref: str = ""
    recipient_name: str = ""

    def fields(self) -> dict[str, str]:
        return {
            "subject_label": self.subject[:64],
            "recipient_ref": self.recipient_ref[:64],
            "recipient_name": self.recipient_name[:200],
        }


def check_recipient(*, channel: str, tenant_id, recipient: str, subject: SubjectRef | None) -> None:
    """Ask the configured policy (billing: consent, opt-out); it raises ``SendRefused``."""
    path = getattr(settings, "NOTIFICATIONS_RECIPIENT_POLICY", "")
    if path:
        import_string(path)(
            channel=channel, tenant_id=tenant_id, recipient=recipient, subject=subject
        )


def labels_for(subject) -> Labels:
    """Ask the configured namer (billing: the invoice's number and customer) about a subject."""
    path = getattr(settings, "NOTIFICATIONS_SUBJECT_LABELS", "")
    if subject is None or not path:
        return Labels()
    return import_string(path)(subject) or Labels()


def _subject_fields(subject) -> dict[str, Any]:
    if subject is None:
        return {}
    return {
        "subject_type": ContentType.objects.get_for_model(subject),
        "subject_id": str(subject.pk),
    }


def active_message(subject, purpose: str, channel: str, key: str = "") -> Message | None:
    return Message.objects.filter(
        **_subject_fields(subject), purpose=purpose, channel=channel, key=key, is_active=True
    ).first()


def request_send(
    *,
    tenant_id,
    subject,
    purpose: str,
    channel: str,
    recipient: str,
    context,
    created_by: str = "",
    key: str = "",
    fallback_of: Message | None = None,
    fallback_reason: str = "",
    labels: Labels | None = None,
) -> SendRequested:
    """Create the message (or return the active one) and enqueue it once the caller commits.

    ``key`` tells apart several sends of one purpose about one subject (a reminder's step): the
    unique index is on subject, purpose, channel and key. ``fallback_of`` is the message on
    another channel this one follows up, once (a unique column), with ``fallback_reason`` in
    its first event. ``labels`` name the subject and the recipient in the delivery log.

    A refusal (consent, invalid number, unusable template) still creates the message, as
    ``rejected`` with its reason, so the log says why nothing was sent.
    """
    backend = get_backend(channel, tenant_id)
    refusal, payload = None, {}
    try:
        check_recipient(
            channel=channel,
            tenant_id=tenant_id,
            recipient=recipient,
            subject=SubjectRef.of(subject),
        )
        prepared = backend.prepare(purpose=purpose, recipient=recipient, context=context)
        recipient, payload = prepared.recipient, prepared.payload
    except SendRefused as exc:
        refusal = exc
    with transaction.atomic():
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    tenant_id=tenant_id,
                    **_subject_fields(subject),
                    purpose=purpose,
                    channel=channel,
                    key=key,
                    recipient=recipient,
                    payload=payload,
                    provider=backend.provider,
                    created_by=created_by[:100],
                    fallback_of=fallback_of,
                    **(labels or labels_for(subject)).fields(),
                )
        except IntegrityError:
            existing = active_message(subject, purpose, channel, key)
            if existing is None and fallback_of is not None:
                existing = Message.objects.filter(fallback_of=fallback_of).first()
            return SendRequested(existing, created=False)
        if fallback_of is not None:
            MessageEvent.objects.create(
                message=message,
                status=st.QUEUED,
                source="system",
                applied=False,
                detail={"fallback_of": str(fallback_of.pk), "reason": fallback_reason},
            )
        if refusal is not None:
            _reject(message.pk, refusal)
        else:
            transaction.on_commit(lambda: enqueue_send(message.pk))
    message.refresh_from_db()
    return SendRequested(message, created=True)


def _reject(message_id, refusal: SendRefused) -> None:
    st.transition(
        message_id,
        st.REJECTED,
        source="system",
        detail={"code": refusal.code, "reason": refusal.text},
        fields={"last_error_code": refusal.code, "last_error_message": refusal.text},
    )


# --- delivering ------------------------------------------------------------------------------
def claim(message_id) -> Message | None:
    """``queued → sending`` for this worker only; committed before any provider call."""
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    try:
        claimed = st.transition(
            message_id,
            st.SENDING,
            source="system",
            where=due & Q(is_active=True),
            fields={
                "attempts": F("attempts") + 1,
                "lease_until": now + LEASE,
                "last_attempt_at": now,
                "next_attempt_at": None,
            },
            record_unapplied=False,
        )
    except IntegrityError:
        # Another message to this phone has an open outcome: wait instead of racing it.
        Message.objects.filter(pk=message_id, status=st.QUEUED).update(
            next_attempt_at=now + PHONE_GAP
        )
        return None
    return Message.objects.get(pk=message_id) if claimed else None


def deliver(message_id) -> str:
    """The queue task's service: claim, re-check the recipient, one provider call, outcome."""
    message = claim(message_id)
    if message is None:
        return "not claimed"
    try:
        check_recipient(
            channel=message.channel,
            tenant_id=message.tenant_id,
            recipient=message.recipient,
            subject=SubjectRef.of_message(message),
        )
    except SendRefused as exc:
        outcome = SendOutcome.rejected(exc.code, exc.text)
    else:
        outcome = get_backend(message.channel, message.tenant_id).send(message)
    return apply_outcome(message, outcome)


def backoff(attempt: int, retry_after: float | None = None) -> float:
    """30 s x 2^n with ±20 % jitter, capped at an hour; never sooner than the provider asked."""
    delay = min(MAX_DELAY, BASE_DELAY * 2 ** max(0, attempt - 1)) * random.uniform(0.8, 1.2)
    return max(delay, retry_after or 0.0)


def _error(outcome: SendOutcome) -> dict[str, Any]:
    return {"last_error_code": outcome.code[:60], "last_error_message": outcome.text[:2000]}


def apply_outcome(message: Message, outcome: SendOutcome) -> str:
    """Record what the provider call amounted to; a stale worker's outcome changes nothing."""
    now = timezone.now()
    detail = {"attempt": message.attempts, "code": outcome.code, "text": outcome.text}
    detail.update(outcome.detail)
    fields: dict[str, Any] = {"lease_until": None}
    to = outcome.kind.value
    if outcome.kind == Outcome.ACCEPTED:
        backend = backend_class(message.channel)
        to = backend.accepted_status
        fields |= {
            "provider_message_id": outcome.provider_message_id,
            "next_attempt_at": now + FIRST_POLL if backend.polls else None,
            "last_error_code": "",
            "last_error_message": "",
        }
    elif outcome.kind == Outcome.RETRY and message.attempts >= MAX_TRIES:
        logger.error("Message %s: %s tries without success, giving up", message.pk, MAX_TRIES)
        to, fields = st.FAILED, fields | _error(outcome) | {"last_error_code": "retries_exhausted"}
    elif outcome.kind == Outcome.RETRY:
        delay = backoff(message.attempts, outcome.retry_after)
        to = st.QUEUED
        fields |= _error(outcome) | {"next_attempt_at": now + timedelta(seconds=delay)}
        detail["retry_in_seconds"] = round(delay, 1)
    elif outcome.kind != Outcome.PENDING:
        fields |= _error(outcome)
    source = "system" if outcome.kind == Outcome.REJECTED else "send"
    mine = Q(attempts=message.attempts)
    applied = st.transition(message.pk, to, source=source, detail=detail, where=mine, fields=fields)
    if applied and outcome.kind == Outcome.ACCEPTED:
        from notifications.status_events import adopt_orphans

        adopt_orphans(message.pk, message.provider, outcome.provider_message_id)
    return to if applied else f"{to} (stale)"


# --- resends (audited, by a person) ----------------------------------------------------------
class NotResendable(Exception):
    """The message is not in a state a person may retry or resend from."""


RETRYABLE_BY_HAND = {"retry": frozenset({st.FAILED}), "resend": frozenset({st.UNKNOWN})}


@transaction.atomic
def message_resend(*, message_id, action: str, actor: str, reason: str = "") -> Message:
    """Supersede a failed (``retry``) or unknown (``resend``) message with a fresh copy.

    The old message stays in the log, inactive, with an audit event naming who and why.
    """
    old = Message.objects.select_for_update().get(pk=message_id)
    if not old.is_active or old.status not in RETRYABLE_BY_HAND[action]:
        raise NotResendable(f"A {old.status} message cannot be sent again with {action!r}.")
    check_recipient(
        channel=old.channel,
        tenant_id=old.tenant_id,
        recipient=old.recipient,
        subject=SubjectRef.of_message(old),
    )
    Message.objects.filter(pk=old.pk).update(is_active=False, updated_at=timezone.now())
    new = Message.objects.create(
        tenant_id=old.tenant_id,
        subject_type=old.subject_type,
        subject_id=old.subject_id,
        purpose=old.purpose,
        channel=old.channel,
        key=old.key,
        recipient=old.recipient,
        payload=old.payload,
        provider=old.provider,
        created_by=actor[:100],
        subject_label=old.subject_label,
        recipient_ref=old.recipient_ref,
        recipient_name=old.recipient_name,
    )
    audit = {"action": action, "by": actor, "reason": reason}
    MessageEvent.objects.create(
        message=old,
        status=old.status,
        source="system",
        applied=False,
        detail=audit | {"superseded_by": str(new.pk)},
    )
    MessageEvent.objects.create(
        message=new,
        status=st.QUEUED,
        source="system",
        applied=True,
        detail=audit | {"supersedes": str(old.pk)},
    )
    transaction.on_commit(lambda: enqueue_send(new.pk))
    return new


# --- the sweeper -----------------------------------------------------------------------------
def sweep() -> dict[str, int]:
    """Every minute: expired leases → unknown; lost or due sends and polls → re-enqueued."""
    from notifications.inbound import requeue_stuck_webhooks
    from notifications.polling import due_polls

    now = timezone.now()
    report = {"unknown": _expire_leases(now), "requeued": 0, "polls": 0}
    lost = Q(next_attempt_at__isnull=True, created_at__lt=now - LOST_TASK_AFTER) | Q(
        next_attempt_at__lte=now
    )
    due = Message.objects.filter(lost, status=st.QUEUED, is_active=True)
    for message_id in due.values_list("pk", flat=True)[:SWEEP_BATCH]:
        enqueue_send(message_id)
        report["requeued"] += 1
    for message_id in due_polls(now)[:SWEEP_BATCH]:
        enqueue_poll(message_id)
        report["polls"] += 1
    report["webhooks"] = requeue_stuck_webhooks(now)
    return report


def _expire_leases(now) -> int:
    expired = Message.objects.filter(status=st.SENDING, lease_until__lt=now)
    count = 0
    for message_id in expired.values_list("pk", flat=True)[:SWEEP_BATCH]:
        count += st.transition(
            message_id,
            st.UNKNOWN,
            source="system",
            detail={"reason": "the worker's lease expired before an outcome was saved"},
            where=Q(lease_until__lt=now),
            fields={"lease_until": None, "last_error_code": "lease_expired"},
            record_unapplied=False,
        )
    return count
