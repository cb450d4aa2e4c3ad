"""1MSG's own Python SDK (``one-msg-sdk``) against the local sandbox over real HTTP."""

import json
import time

import pytest
from one_msg_sdk import ApiClient, Configuration, SendTemplateRequest, SendTemplateRequestLanguage
from one_msg_sdk.api import TemplatesApi, WebhooksApi
from one_msg_sdk.exceptions import UnauthorizedException, UnprocessableEntityException
from one_msg_sdk.models import GetWebhook200Response

from notifications.sandbox.server import Sandbox, SandboxConfig
from tests.notifications.whatsapp_support import SEED_BODY

TOKEN = "sandbox-token"  # the sandbox's published demo token


@pytest.fixture
def sandbox():
    box = Sandbox(SandboxConfig(ack_delay=0.05)).start()
    yield box
    box.stop()


@pytest.fixture
def client(sandbox):
    with ApiClient(Configuration(host=f"{sandbox.url}/sandbox")) as api_client:
        yield api_client


def invoice_template(**overrides) -> SendTemplateRequest:
    """The seed's invoice notification, built with the SDK's own models."""
    body = {**SEED_BODY, "language": SendTemplateRequestLanguage(policy="deterministic", code="en")}
    return SendTemplateRequest(**{**body, **overrides})


def hook_info(client: ApiClient, message_id: str) -> dict:
    """``hookInfo`` has no generated method: it goes through the SDK's own client."""
    request = client.param_serialize(
        method="GET",
        resource_path="/hookInfo",
        query_params=[("token", TOKEN), ("messageId", message_id)],
    )
    response = client.call_api(*request)
    response.read()
    return client.response_deserialize(response, {"200": "Dict[str, object]"}).data


def test_the_sdk_sends_the_invoice_template(sandbox, client):
    answer = TemplatesApi(client).send_template(TOKEN, invoice_template())
    assert answer["sent"] is True
    assert answer["id"].startswith("wamid.SBX")
    assert (answer["message"], answer["description"]) == ("ok", "Message queued")
    assert [s["body"] for s in sandbox.sends] == [SEED_BODY]


def test_the_sdk_reads_and_sets_the_webhook(sandbox, client):
    webhooks = WebhooksApi(client)
    assert webhooks.get_webhook(TOKEN) == GetWebhook200Response(webhook_url="")
    url = "https://duebell.example/hooks/1msg/secret/"
    answer = webhooks.set_webhook(TOKEN, GetWebhook200Response(webhook_url=url))
    assert answer == {"set": True, "message": url}
    assert sandbox.webhook_urls == [url]
    assert webhooks.get_webhook(TOKEN).webhook_url == url
    sandbox.webhook_urls = [url, "https://crm.example/hook"]
    assert webhooks.get_webhook(TOKEN).webhook_url == f"{url},https://crm.example/hook"


def test_the_sdk_lists_templates(client):
    answer = TemplatesApi(client).list_templates(TOKEN)
    assert answer.total == 2
    assert [(t["name"], t["namespace"], t["params"]) for t in answer.templates] == [
        ("invoice_issued", "sandbox_namespace", 4),
        ("invoice_reminder", "sandbox_namespace", 6),
    ]


def test_hook_info_through_the_sdk_client(sandbox, client):
    message_id = TemplatesApi(client).send_template(TOKEN, invoice_template())["id"]
    deadline = time.monotonic() + 5
    while len(sandbox.hooks.get(message_id, [])) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    hooks = hook_info(client, message_id)["hooks"]
    assert [(h["id"], h["status"], h["recipient_id"]) for h in hooks] == [
        (message_id, "sent", "79001234567"),
        (message_id, "delivered", "79001234567"),
        (message_id, "read", "79001234567"),
    ]


def test_errors_raise_the_sdks_own_exceptions(sandbox, client):
    templates = TemplatesApi(client)
    with pytest.raises(UnauthorizedException) as wrong:
        templates.send_template("nope", invoice_template())
    assert wrong.value.status == 401
    assert json.loads(wrong.value.body) == {
        "error": 'Wrong token "nope" for channel "sandbox". Check your credentials.'
    }
    short = [{"type": "body", "parameters": []}]
    with pytest.raises(UnprocessableEntityException) as mismatch:
        templates.send_template(TOKEN, invoice_template(params=short))
    assert mismatch.value.status == 422
    assert mismatch.value.body == (
        '{"sent": false, "message": "(#132000) Number of parameters does not match the expected'
        ' number of params"}'
    )
    # The SDK keeps one keep-alive connection: the next call after the errors still works.
    assert templates.send_template(TOKEN, invoice_template())["sent"] is True
    assert [s["status"] for s in sandbox.sends] == [200]
