"""The 1MSG backend: the seed's request body, and every row of the spec's answer table."""

import json

import pytest
import requests
import responses
from urllib3.exceptions import NewConnectionError, ProtocolError

from billing.services.actors import Actor
from billing.services.whatsapp import invoice_send_whatsapp
from notifications import pipeline
from notifications import status as st
from notifications.channels.base import Outcome
from notifications.channels.whatsapp import WhatsAppBackend, backend
from notifications.models import Message
from notifications.sandbox import Sandbox, SandboxConfig
from tests.notifications.whatsapp_support import (
    SEED_BODY,
    SEED_TEXT,
    STUB_SEND_URL,
    seed_invoice,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stub_channel")]
URL = STUB_SEND_URL


def queued_message() -> Message:
    """The seed's invoice, its message requested but not yet sent (no commit in these tests)."""
    return invoice_send_whatsapp(invoice=seed_invoice(), actor=Actor(label="test")).message


def test_the_seed_example_is_rendered_and_sent_exactly_as_the_spec_shows():
    message = queued_message()
    assert message.payload["body"] == SEED_BODY
    assert message.payload["preview"] == {"text": SEED_TEXT, "button": "Pay invoice"}
    assert message.recipient == "+79001234567"
    with responses.RequestsMock() as stub:
        stub.post(URL, json={"sent": True, "id": "wamid.1", "message": "ok", "description": "x"})
        assert pipeline.deliver(message.pk) == st.ACCEPTED
        call = stub.calls[0].request
    assert json.loads(call.body) == SEED_BODY
    assert call.headers["Authorization"] == "Bearer secret-channel-token"
    assert "token=" not in call.url


def test_minor_units_show_only_when_not_zero():
    invoice = seed_invoice(amount=4990050)
    message = invoice_send_whatsapp(invoice=invoice, actor=Actor(label="test")).message
    assert message.payload["body"]["params"][0]["parameters"][2] == {
        "type": "text",
        "text": "49,900.50 RUB",
    }


def test_other_locales_use_their_own_conventions():
    invoice = seed_invoice(locale="de-DE")
    parameters = invoice_send_whatsapp(invoice=invoice, actor=Actor(label="t")).message.payload[
        "body"
    ]["params"][0]["parameters"]
    assert [p["text"] for p in parameters[2:]] == ["49.900,00 RUB", "15. Juli 2026"]


ANSWERS = [
    # (status, json answer, headers) → (outcome, code, provider id / retry after)
    (
        200,
        {"sent": True, "id": "wamid.HBg1", "message": "ok"},
        {},
        Outcome.ACCEPTED,
        "",
        "wamid.HBg1",
    ),
    (
        200,
        {"sent": False, "message": "Recipient is not valid (#131026)"},
        {},
        Outcome.FAILED,
        "131026",
        None,
    ),
    (
        200,
        {"sent": False, "message": "User's number is part of an experiment"},
        {},
        Outcome.FAILED,
        "130472",
        None,
    ),
    (
        200,
        {"sent": False, "message": "(#130429) Rate limit hit"},
        {},
        Outcome.RETRY,
        "130429",
        None,
    ),
    (200, {"sent": False, "jobId": "job-17"}, {}, Outcome.PENDING, "", None),
    (400, {"message": "template is not defined"}, {}, Outcome.FAILED, "template_not_defined", None),
    (
        401,
        {"error": 'Wrong token "secret-channel-token" for channel "sandbox".'},
        {},
        Outcome.FAILED,
        "http_401",
        None,
    ),
    (403, {"message": "Forbidden"}, {}, Outcome.FAILED, "http_403", None),
    (404, {"message": "Not found"}, {}, Outcome.FAILED, "http_404", None),
    (422, {"message": "namespace is required"}, {}, Outcome.FAILED, "http_422", None),
    (429, {"message": "Too many requests"}, {"Retry-After": "7"}, Outcome.RETRY, "http_429", 7.0),
    (500, {"error": "boom"}, {}, Outcome.UNKNOWN, "http_500", None),
    (502, None, {}, Outcome.UNKNOWN, "http_502", None),
    (503, {"error": "unavailable"}, {}, Outcome.UNKNOWN, "http_503", None),
    (200, {"sent": True}, {}, Outcome.UNKNOWN, "no_id", None),
]


@pytest.mark.parametrize(("http", "answer", "headers", "kind", "code", "extra"), ANSWERS)
def test_every_answer_row_is_classified(http, answer, headers, kind, code, extra):
    message = queued_message()
    with responses.RequestsMock() as stub:
        stub.post(
            URL, status=http, json=answer, headers=headers
        ) if answer is not None else stub.post(URL, status=http, body="<html>bad gateway</html>")
        outcome = WhatsAppBackend(tenant_id=message.tenant_id).send(message)
    assert (outcome.kind, outcome.code) == (kind, code)
    if kind == Outcome.ACCEPTED:
        assert outcome.provider_message_id == extra
    if kind == Outcome.RETRY:
        assert outcome.retry_after == extra
    assert "secret-channel-token" not in json.dumps(outcome.detail) + outcome.text


@pytest.mark.parametrize(
    ("error", "kind", "code"),
    [
        (requests.ReadTimeout("read timed out"), Outcome.UNKNOWN, "timeout"),
        (
            requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError())),
            Outcome.UNKNOWN,
            "connection_lost",
        ),
        (
            requests.ConnectionError(NewConnectionError(None, "Connection refused")),
            Outcome.RETRY,
            "connect_failed",
        ),
        (requests.ConnectTimeout("connect timed out"), Outcome.RETRY, "connect_failed"),
    ],
)
def test_network_failures_are_unknown_unless_nothing_was_sent(error, kind, code):
    message = queued_message()
    with responses.RequestsMock() as stub:
        stub.post(URL, body=error)
        outcome = WhatsAppBackend(tenant_id=message.tenant_id).send(message)
    assert (outcome.kind, outcome.code) == (kind, code)


def test_a_refused_connection_is_retried_for_real(settings, free_tcp_port):
    settings.ONEMSG_BASE_URL = f"http://127.0.0.1:{free_tcp_port}"
    message = queued_message()
    assert pipeline.deliver(message.pk) == st.QUEUED
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error_code) == (
        "queued",
        1,
        "connect_failed",
    )


OUTCOME_STATUS = [
    ({"sent": True, "id": "wamid.A"}, 200, st.ACCEPTED, "wamid.A", ""),
    ({"sent": False, "jobId": "j1"}, 200, st.PENDING, None, ""),
    ({"sent": False, "message": "(#132000) Number of parameters"}, 200, st.FAILED, None, "132000"),
    ({"error": "boom"}, 500, st.UNKNOWN, None, "http_500"),
    ({"message": "slow down"}, 429, st.QUEUED, None, "http_429"),
]


@pytest.mark.parametrize(("answer", "http", "status", "provider_id", "code"), OUTCOME_STATUS)
def test_outcomes_become_statuses(answer, http, status, provider_id, code):
    message = queued_message()
    with responses.RequestsMock() as stub:
        stub.post(URL, status=http, json=answer)
        pipeline.deliver(message.pk)
    message.refresh_from_db()
    assert (message.status, message.provider_message_id, message.last_error_code) == (
        status,
        provider_id,
        code,
    )
    assert message.lease_until is None
    assert list(message.events.values_list("status", "source")) == [
        ("sending", "system"),
        (status, "send"),
    ]


def test_a_half_configured_channel_is_reported_by_the_system_check(settings):
    from notifications.checks import check_onemsg_channels, check_onemsg_settings
    from notifications.models import WhatsAppChannel

    assert check_onemsg_settings() == []
    settings.ONEMSG_TOKEN = ""
    assert [e.id for e in check_onemsg_settings()] == ["notifications.E001"]
    WhatsAppChannel.objects.create(
        tenant_id="00000000-0000-0000-0000-0000000000aa", channel_id="c1"
    )
    assert [e.id for e in check_onemsg_channels(databases=["default"])] == ["notifications.E002"]


@pytest.fixture
def proxy(monkeypatch):
    """The sandbox as the HTTP proxy named by the environment: it answers a proxied
    ``POST http://1msg.test/…`` itself (that host does not resolve, so only a proxied call
    can succeed)."""
    box = Sandbox(SandboxConfig(token="secret-channel-token")).start()
    monkeypatch.setenv("HTTP_PROXY", box.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setattr(backend, "_session", None)  # a fresh process reads its environment
    yield box
    box.stop()


def test_sends_go_through_the_proxy_named_by_the_environment(proxy):
    message = queued_message()
    assert pipeline.deliver(message.pk) == st.ACCEPTED
    assert [send["body"] for send in proxy.sends] == [SEED_BODY]
    message.refresh_from_db()
    assert message.provider_message_id == proxy.sends[0]["answer"]["id"]


def test_no_proxy_hosts_are_reached_directly(proxy, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "1msg.test")
    direct = backend.session()
    assert direct.proxies_for(URL) == {}
    assert direct.proxies_for("http://elsewhere.test/x")["http"] == proxy.url
