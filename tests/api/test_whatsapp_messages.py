"""Delivery log and send endpoints for WhatsApp (api-v0.md: messages, POST /invoices/{id}/send)."""

import pytest
import responses

from tests.notifications.whatsapp_support import STUB_SEND_URL, customer, seed_invoice

pytestmark = pytest.mark.usefixtures("stub_channel")
URL = STUB_SEND_URL


@pytest.fixture
def invoice(api):
    return seed_invoice(api.org, customer=customer(api.org))


def send(api, invoice, commit, body=None):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as stub:
        stub.post(URL, json={"sent": True, "id": "wamid.api1"})
        with commit(execute=True):
            answer = api.post(f"invoices/{invoice.pk}/send", body or {"channels": ["whatsapp"]})
        return answer, len(stub.calls)


def test_send_answers_202_with_the_message_and_sends_once(
    api, invoice, django_capture_on_commit_callbacks
):
    first, calls = send(api, invoice, django_capture_on_commit_callbacks)
    assert first.status_code == 202
    [message] = first.json()["messages"]
    assert (message["channel"], message["status"]) == ("whatsapp", "queued")
    again, calls_again = send(api, invoice, django_capture_on_commit_callbacks)
    assert again.json()["messages"] == [{**message, "status": "accepted"}]
    assert (calls, calls_again) == (1, 0)


def test_the_invoice_log_shows_each_message_with_its_timeline(
    api, invoice, django_capture_on_commit_callbacks
):
    send(api, invoice, django_capture_on_commit_callbacks)
    answer = api.get(f"invoices/{invoice.pk}/messages")
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 1
    message = body["data"][0]
    assert {
        k: message[k]
        for k in (
            "channel",
            "purpose",
            "recipient",
            "status",
            "provider_message_id",
            "error",
            "attempts",
        )
    } == {
        "channel": "whatsapp",
        "purpose": "invoice_issued",
        "recipient": "+*******4567",
        "status": "accepted",
        "provider_message_id": "wamid.api1",
        "error": None,
        "attempts": 1,
    }
    assert [(e["status"], e["source"]) for e in message["events"]] == [
        ("sending", "system"),
        ("accepted", "send"),
    ]
    assert message["created_at"].endswith("Z")


def test_the_message_list_filters(api, invoice, django_capture_on_commit_callbacks):
    send(api, invoice, django_capture_on_commit_callbacks)
    rejected = seed_invoice(
        api.org, customer=customer(api.org, phone="+79001234599", consent=False)
    )
    send(api, rejected, django_capture_on_commit_callbacks)
    # The rejected WhatsApp message is followed by one e-mail (the fallback).
    assert api.get("messages").json()["total"] == 3
    assert (
        api.get("messages", channel="email").json()["data"][0]["fallback_of"]
        == (api.get("messages", status="rejected").json()["data"][0]["id"])
    )
    failed = api.get("messages", status="rejected").json()
    assert [m["error"] for m in failed["data"]] == [
        {"code": "no_consent", "message": "The customer has not opted in to WhatsApp messages."}
    ]
    assert api.get("messages", invoice=str(invoice.pk)).json()["total"] == 1
    assert (
        api.get("messages", customer=str(invoice.customer_id), channel="whatsapp").json()["total"]
        == 1
    )
    assert api.get("messages", status="nonsense").status_code == 400


def test_other_organizations_see_nothing(
    api, other_api, invoice, django_capture_on_commit_callbacks
):
    send(api, invoice, django_capture_on_commit_callbacks)
    assert other_api.get("messages").json() == {"data": [], "total": 0}
    assert other_api.get(f"invoices/{invoice.pk}/messages").status_code == 404
    assert (
        other_api.post(f"invoices/{invoice.pk}/send", {"channels": ["whatsapp"]}).status_code == 404
    )
