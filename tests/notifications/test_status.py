import uuid

import pytest
from django.db.models import Q
from hypothesis import given, settings
from hypothesis import strategies as st_

from notifications import status as st
from notifications.hooks import message_status_changed
from notifications.models import Message

pytestmark = pytest.mark.django_db


def make_message(**fields) -> Message:
    fields.setdefault("tenant_id", uuid.uuid4())
    return Message.objects.create(
        purpose="invoice_issued", channel="whatsapp", recipient="+79001234567", **fields
    )


def move(message, to, **kwargs):
    kwargs.setdefault("source", "webhook")
    applied = st.transition(message.pk, to, **kwargs)
    message.refresh_from_db()
    return applied


def test_claim_then_accept_then_progress():
    message = make_message()
    assert move(message, st.SENDING, source="system", fields={"attempts": 1})
    assert move(message, st.ACCEPTED, source="send", fields={"provider_message_id": "wamid.1"})
    assert move(message, st.SENT)
    assert move(message, st.READ)
    assert (message.status, message.rank, message.provider_message_id) == ("read", 4, "wamid.1")
    assert list(message.events.values_list("status", "applied")) == [
        ("sending", True),
        ("accepted", True),
        ("sent", True),
        ("read", True),
    ]


def test_never_backwards_but_always_recorded():
    message = make_message()
    move(message, st.SENDING, source="system")
    move(message, st.ACCEPTED, source="send")
    move(message, st.DELIVERED)
    assert not move(message, st.SENT)
    assert not move(message, st.FAILED)  # failed may not replace delivered
    assert message.status == st.DELIVERED
    assert list(message.events.values_list("status", "applied"))[-2:] == [
        ("sent", False),
        ("failed", False),
    ]


def test_failure_replaces_statuses_below_delivered_and_is_final():
    message = make_message()
    move(message, st.SENDING, source="system")
    move(message, st.UNKNOWN, source="system")
    assert move(message, st.FAILED, detail={"error": "User's number is part of an experiment"})
    assert not move(message, st.READ)
    assert message.status == st.FAILED


def test_where_guards_a_workers_own_attempt():
    message = make_message()
    move(message, st.SENDING, source="system", fields={"attempts": 2})
    assert not move(message, st.ACCEPTED, source="send", where=Q(attempts=1))
    assert move(message, st.ACCEPTED, source="send", where=Q(attempts=2))


def test_claim_needs_queued_and_records_nothing_when_lost():
    message = make_message()
    assert move(message, st.SENDING, source="system", record_unapplied=False)
    assert not move(message, st.SENDING, source="system", record_unapplied=False)
    assert message.events.count() == 1


def test_hook_fires_after_commit_only_for_applied_changes(django_capture_on_commit_callbacks):
    seen = []

    def receiver(sender, message_id, status, **kwargs):
        seen.append(status)

    message_status_changed.connect(receiver)
    try:
        message = make_message()
        with django_capture_on_commit_callbacks(execute=True):
            move(message, st.SENDING, source="system")
            move(message, st.QUEUED, source="system")
            move(message, st.DELIVERED)  # not allowed from queued
    finally:
        message_status_changed.disconnect(receiver)
    assert seen == ["sending", "queued"]


def test_one_active_message_per_subject_purpose_channel():
    from django.contrib.contenttypes.models import ContentType
    from django.db import IntegrityError, transaction

    ct = ContentType.objects.get_for_model(Message)
    make_message(subject_type=ct, subject_id="abc")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_message(subject_type=ct, subject_id="abc")
    make_message(subject_type=ct, subject_id="abc", is_active=False)


PROVIDER_STATUSES = [st.SENT, st.DELIVERED, st.READ, st.FAILED]


@settings(max_examples=60, deadline=None)
@given(stream=st_.lists(st_.sampled_from(PROVIDER_STATUSES), min_size=1, max_size=12))
def test_any_stream_ends_at_its_best_status(stream):
    message = make_message()
    move(message, st.SENDING, source="system")
    move(message, st.ACCEPTED, source="send")
    for status in stream:
        move(message, status)
    first_fail = next((i for i, s in enumerate(stream) if s == st.FAILED), None)
    good = {st.DELIVERED, st.READ}
    first_good = next((i for i, s in enumerate(stream) if s in good), None)
    if first_fail is not None and (first_good is None or first_fail < first_good):
        assert message.status == st.FAILED
    else:
        best = max((s for s in stream if s != st.FAILED), key=st.RANK.__getitem__)
        assert message.status == best
    assert message.events.count() == 2 + len(stream)
