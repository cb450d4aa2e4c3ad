"""Inbound 1MSG webhooks: receive safely, apply every element, adopt orphans, honour STOP."""

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from billing.models import Customer
from billing.services.actors import Actor
from billing.services.whatsapp import invoice_send_whatsapp
from notifications import pipeline
from notifications import status as st
from notifications.channels.whatsapp.webhooks import parse
from notifications.models import InboundWebhook, Message, OrphanEvent
from notifications.status_events import apply_event
from tests.faults import database_refuses_inserts
from tests.notifications.whatsapp_support import seed_invoice

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "test-webhook-token-" + "x" * 30
HYPOTHESIS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(autouse=True)
def tokens(settings):
    settings.ONEMSG_WEBHOOK_TOKEN = TOKEN
    settings.ONEMSG_PREVIOUS_WEBHOOK_TOKEN = "old-token-" + "y" * 30


def post(client, body, token=TOKEN, **extra):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(f"/hooks/1msg/{token}/", data=data, content_type="application/json", **extra)


def accepted(provider_id="wamid.1", **fields) -> Message:
    message = invoice_send_whatsapp(invoice=seed_invoice(**fields), actor=Actor(label="t")).message
    pipeline.claim(message.pk)
    st.transition(
        message.pk, st.ACCEPTED, source="send", fields={"provider_message_id": provider_id}
    )
    return Message.objects.get(pk=message.pk)


def ack(status, provider_id="wamid.1", phone="79001234567", **extra):
    return {"id": provider_id, "status": status, "phone": phone, "chatId": f"{phone}@c.us", **extra}


# --- receiving -------------------------------------------------------------------------------
def test_a_webhook_is_stored_raw_then_applied(client):
    message = accepted()
    body = {"instanceId": "VID1", "ack": [ack("sent"), ack("delivered")]}
    response = post(client, body)
    assert (response.status_code, response.json()) == (200, {"ok": True})
    stored = InboundWebhook.objects.get()
    assert json.loads(bytes(stored.body)) == body
    assert stored.state == "processed"
    assert stored.result["applied"] == 2
    message.refresh_from_db()
    assert message.status == st.DELIVERED


@pytest.mark.parametrize("token", ["wrong", TOKEN[:-1], TOKEN + "x"])
def test_a_wrong_token_is_404_and_nothing_is_stored(client, token):
    assert post(client, {"ack": []}, token=token).status_code == 404
    assert not InboundWebhook.objects.exists()


def test_the_previous_token_still_works_during_rotation(client):
    assert post(client, {"ack": []}, token="old-token-" + "y" * 30).status_code == 200


def test_an_oversized_body_is_413(client):
    body = b'{"ack": [], "pad": "' + b"x" * (256 * 1024) + b'"}'
    assert post(client, body).status_code == 413
    assert not InboundWebhook.objects.exists()


def test_bad_json_is_400_with_the_raw_body_kept(client):
    assert post(client, b"{not json").status_code == 400
    stored = InboundWebhook.objects.get()
    assert (bytes(stored.body), stored.state) == (b"{not json", "invalid")


def test_infinity_is_not_json(client):
    assert (
        post(client, b'{"ack": [{"id": "x", "status": "sent", "n": Infinity}]}').status_code == 400
    )


def test_deep_nesting_is_a_400_not_a_crash(client):
    assert post(client, b"[" * 100_000 + b"]" * 100_000).status_code == 400


def test_950_levels_are_refused_with_the_raw_body_kept(client):
    body = b"[" * 950 + b"]" * 950
    response = post(client, body)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "body nests deeper than 64 levels"},
    )
    stored = InboundWebhook.objects.get()
    assert (bytes(stored.body), stored.state) == (body, "invalid")


def test_the_depth_limit_is_64_levels(client):
    message = accepted()
    # Three levels of envelope ({"ack": [{…}]}) plus the extra list.
    within = {"ack": [ack("delivered", extra=json.loads("[" * 61 + "]" * 61))]}
    assert post(client, within).status_code == 200
    beyond = {"ack": [ack("read", extra=json.loads("[" * 62 + "]" * 62))]}
    assert post(client, beyond).status_code == 400
    message.refresh_from_db()
    assert message.status == st.DELIVERED
    assert list(InboundWebhook.objects.order_by("pk").values_list("state", flat=True)) == [
        "processed",
        "invalid",
    ]


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: nothing to poison
def test_storage_failure_answers_503(client):
    with database_refuses_inserts("notifications_inboundwebhook"):
        assert post(client, {"ack": []}).status_code == 503


def test_only_post_is_accepted(client):
    assert client.get(f"/hooks/1msg/{TOKEN}/").status_code == 405


# Every code point, NUL and lone surrogates included: JSON can carry them, databases cannot.
ANY_TEXT = hs.text(hs.characters(codec=None, exclude_categories=()), max_size=20)
JSON = hs.recursive(
    hs.none() | hs.booleans() | hs.integers() | hs.floats(allow_nan=False) | ANY_TEXT,
    lambda children: (
        hs.lists(children, max_size=4)
        | hs.dictionaries(
            hs.sampled_from(
                [
                    "ack",
                    "messages",
                    "entry",
                    "id",
                    "status",
                    "changes",
                    "value",
                    "statuses",
                    "body",
                    "phone",
                    "x",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


def test_nul_characters_are_replaced_so_the_webhook_is_still_processed(client):
    """PostgreSQL cannot store NUL in text or jsonb; hypothesis found the stuck webhook."""
    message = accepted(provider_id="wamid.nul")
    body = {
        "ack": [ack("delivered", provider_id="wamid.nul", note="a\x00b"), {"id": "x\x00"}],
        "\x00": "y",
    }
    response = post(client, body)
    stored = InboundWebhook.objects.latest("pk")
    assert (response.status_code, stored.state) == (200, "processed")
    assert bytes(stored.body) == json.dumps(body).encode()  # the raw body is kept exactly
    assert stored.result["unparsed"] == [{"id": "x\ufffd"}]
    assert Message.objects.get(pk=message.pk).status == st.DELIVERED


def test_lone_surrogates_are_replaced_so_the_webhook_is_still_processed(client):
    message = accepted(provider_id="wamid.surrogate")
    raw = (
        b'{"ack": [{"id": "wamid.surrogate", "status": "read"},'
        b' {"id": "wamid.\\ud800", "status": "sent", "phone": "79001230000"}]}'
    )
    response = post(client, raw)
    stored = InboundWebhook.objects.latest("pk")
    assert (response.status_code, stored.state, bytes(stored.body)) == (200, "processed", raw)
    assert Message.objects.get(pk=message.pk).status == st.READ
    assert OrphanEvent.objects.get().provider_message_id == "wamid.\ufffd"


@HYPOTHESIS
@given(body=JSON)
def test_malformed_bodies_never_produce_a_5xx(client, body):
    response = post(client, body)
    stored = InboundWebhook.objects.latest("pk")
    assert (response.status_code, stored.state) in ((200, "processed"), (400, "invalid"))
    assert bytes(stored.body) == json.dumps(body).encode()


# --- applying --------------------------------------------------------------------------------
EVENTS = hs.lists(
    hs.tuples(
        hs.sampled_from(["sent", "delivered", "read", "viewed"]),
        hs.sampled_from(["webhook", "poll"]),
    ),
    min_size=1,
    max_size=12,
)
RANK = {"sent": 2, "delivered": 3, "read": 4, "viewed": 4}


@HYPOTHESIS
@given(stream=EVENTS)
def test_any_stream_ends_at_its_highest_status_with_every_event_kept(client, stream):
    message = accepted(provider_id=f"wamid.{hs_counter()}")
    for word, source in stream:
        if source == "webhook":
            post(client, {"ack": [ack(word, message.provider_message_id)]})
        else:
            apply_event(
                "1msg",
                parse(
                    {
                        "entry": [
                            {
                                "changes": [
                                    {
                                        "value": {
                                            "statuses": [
                                                {
                                                    "id": message.provider_message_id,
                                                    "status": word,
                                                    "timestamp": "1750263773",
                                                }
                                            ]
                                        }
                                    }
                                ]
                            }
                        ]
                    }
                ).statuses[0],
                source="poll",
            )
    message.refresh_from_db()
    best = max(stream, key=lambda e: RANK[e[0]])[0]
    assert message.status == {"viewed": "read"}.get(best, best)
    events = list(
        message.events.exclude(source__in=["system", "send"]).values_list("source", "status")
    )
    assert events == [(source, {"viewed": "read"}.get(word, word)) for word, source in stream]
    applied = message.events.filter(applied=True, source__in=["webhook", "poll"]).count()
    assert applied == rises(stream)


_seq = iter(range(10**9))


def hs_counter() -> int:
    return next(_seq)


def rises(stream) -> int:
    """How many events raise the best rank seen so far: exactly those apply."""
    best, count = 1, 0
    for word, _ in stream:
        if RANK[word] > best:
            best, count = RANK[word], count + 1
    return count


def test_a_failed_ack_records_the_meta_error(client):
    message = accepted("gBEGVzMAESMlAgkYJgmRYw9AUHk", phone="+573001112233")
    post(client, json.loads((FIXTURES / "onemsg_ack_failed.json").read_text()))
    message.refresh_from_db()
    assert (message.status, message.last_error_code, message.last_error_message) == (
        st.FAILED,
        "130472",
        "User's number is part of an experiment",
    )


def test_raw_meta_statuses_are_applied_with_their_time(client):
    message = accepted("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA")
    post(client, json.loads((FIXTURES / "meta_statuses.json").read_text()))
    message.refresh_from_db()
    assert message.status == st.DELIVERED  # failed may not replace delivered
    hooks = list(
        message.events.filter(source="webhook").values_list("status", "applied", "occurred_at")
    )
    assert [(s, a) for s, a, _ in hooks] == [("delivered", True), ("failed", False)]
    assert hooks[0][2].timestamp() == 1750263773


def test_a_top_level_hooks_array_is_applied(client):
    message = accepted("wamid.HOOKS1")
    body = {
        "hooks": [
            {"id": "wamid.HOOKS1", "type": "message", "status": "sent", "timestamp": "1750263700"},
            {
                "id": "wamid.HOOKS1",
                "type": "message",
                "status": "delivered",
                "timestamp": "1750263773",
                "recipient_id": "79001234567",
            },
        ]
    }
    post(client, body)
    message.refresh_from_db()
    assert message.status == st.DELIVERED
    hooks = list(
        message.events.filter(source="webhook").values_list("status", "applied", "occurred_at")
    )
    assert [(s, a, o.timestamp()) for s, a, o in hooks] == [
        ("sent", True, 1750263700),
        ("delivered", True, 1750263773),
    ]
    assert InboundWebhook.objects.get().result["applied"] == 2


# --- orphans ---------------------------------------------------------------------------------
def test_an_orphan_is_adopted_when_its_id_appears(client):
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=Actor(label="t")).message
    pipeline.claim(message.pk)
    # Webhook arrives before the worker saved the answer, from another phone: kept as orphan.
    post(client, {"ack": [ack("delivered", "wamid.early", phone="79001112233")]})
    assert OrphanEvent.objects.get().adopted_by is None
    from notifications.channels.base import SendOutcome

    pipeline.apply_outcome(Message.objects.get(pk=message.pk), SendOutcome.accepted("wamid.early"))
    message.refresh_from_db()
    assert (message.status, OrphanEvent.objects.get().adopted_by_id) == (st.DELIVERED, message.pk)


def test_an_unknown_message_adopts_the_single_ack_to_its_phone(client):
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=Actor(label="t")).message
    pipeline.claim(message.pk)
    st.transition(message.pk, st.UNKNOWN, source="send", where=Q(status=st.SENDING))
    post(client, {"ack": [ack("sent", "wamid.mystery")]})
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == (st.SENT, "wamid.mystery")
    post(client, {"ack": [ack("read", "wamid.mystery")]})
    message.refresh_from_db()
    assert message.status == st.READ


def test_an_old_unknown_message_does_not_adopt(client):
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=Actor(label="t")).message
    pipeline.claim(message.pk)
    st.transition(message.pk, st.UNKNOWN, source="send")
    Message.objects.filter(pk=message.pk).update(
        last_attempt_at=timezone.now() - timedelta(hours=1)
    )
    post(client, {"ack": [ack("sent", "wamid.mystery")]})
    assert Message.objects.get().status == st.UNKNOWN
    assert OrphanEvent.objects.get().adopted_by is None


# --- opt-out ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["STOP", " stop! ", "Стоп"])
def test_stop_opts_the_customer_out(client, text):
    invoice = seed_invoice()
    post(
        client,
        {"messages": [{"id": "in1", "body": text, "fromMe": False, "author": "79001234567@c.us"}]},
    )
    customer = Customer.objects.get(pk=invoice.customer_id)
    assert timezone.now() - customer.whatsapp_opted_out_at < timedelta(seconds=30)
    assert customer.whatsapp_consent is False


def test_our_own_echo_and_other_texts_change_nothing(client):
    invoice = seed_invoice()
    post(
        client,
        {
            "messages": [
                {"id": "o1", "body": "STOP", "fromMe": True, "chatId": "79001234567@c.us"},
                {"id": "i1", "body": "Thanks, paid", "fromMe": False, "author": "79001234567@c.us"},
            ]
        },
    )
    assert Customer.objects.get(pk=invoice.customer_id).whatsapp_consent is True


def test_logs_never_carry_the_token_or_a_full_phone(client, caplog):
    caplog.set_level(logging.INFO)
    accepted()
    post(client, {"messages": [{"body": "STOP", "author": "79001234567@c.us"}]})
    post(client, {"ack": []}, token="not-the-token")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "+*******4567" in text
    assert "9001234567" not in text
    assert "not-the-token" not in text and TOKEN not in text


def test_the_sweeper_runs_a_webhook_whose_task_was_lost_after_a_minute():
    message = accepted()
    body = json.dumps({"instanceId": "VID1", "ack": [ack("delivered")]}).encode()
    now = timezone.now()

    def stored(state, age):
        webhook = InboundWebhook.objects.create(provider="1msg", body=body, state=state)
        InboundWebhook.objects.filter(pk=webhook.pk).update(received_at=now - age)
        return webhook.pk

    lost = stored("received", timedelta(seconds=61))
    young = stored("received", timedelta(seconds=50))
    running = stored("processing", timedelta(minutes=4))
    died = stored("processing", timedelta(minutes=6))

    assert pipeline.sweep()["webhooks"] == 2  # the queue runs synchronously in tests
    states = dict(InboundWebhook.objects.values_list("pk", "state"))
    assert [states[pk] for pk in (lost, young, running, died)] == [
        "processed",
        "received",
        "processing",
        "processed",
    ]
    message.refresh_from_db()
    assert message.status == st.DELIVERED
