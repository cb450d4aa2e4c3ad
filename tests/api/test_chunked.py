"""Bodies sent with Transfer-Encoding: chunked (no Content-Length) are read, over real HTTP."""

import http.client
import json

import pytest

from billing.models import Customer
from notifications.models import InboundWebhook
from tests.api.conftest import SECRET, Api
from tests.api.server import database_url, gunicorn
from tests.factories import OrganizationFactory

WEBHOOK_TOKEN = "chunked-webhook-token-" + "z" * 30


def chunked(port: int, path: str, chunks: list[bytes], headers: dict) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        # An iterator body without Content-Length: http.client sends it chunk by chunk.
        conn.request("POST", path, body=iter(chunks), headers=headers, encode_chunked=True)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture
def server(transactional_db):
    env = {"DATABASE_URL": database_url(), "ONEMSG_WEBHOOK_TOKEN": WEBHOOK_TOKEN}
    with gunicorn(workers=1, env=env) as port:
        yield port


@pytest.mark.slow
def test_chunked_api_body_and_webhook_are_read(server):
    api = Api(OrganizationFactory())
    headers = {
        "x-client-key": api.credential.client_key,
        "x-client-secret": SECRET,
        "Content-Type": "application/json",
    }
    body = json.dumps({"name": "Chunked Ltd", "email": "chunked@example.com"}).encode()
    status, answer = chunked(server, "/api/v0/customers", [body[:10], body[10:]], headers)
    assert status == 201, answer
    assert json.loads(answer)["name"] == "Chunked Ltd"
    assert Customer.objects.filter(name="Chunked Ltd", email="chunked@example.com").count() == 1

    hook = b'{"ack": []}'
    path = f"/hooks/1msg/{WEBHOOK_TOKEN}/"
    json_type = {"Content-Type": "application/json"}
    status, _ = chunked(server, path, [hook[:4], hook[4:]], json_type)
    assert status == 200
    assert bytes(InboundWebhook.objects.get().body) == hook

    too_large = [b'{"name": "', b"x" * 70_000, b'"}']
    status, answer = chunked(server, "/api/v0/customers", too_large, headers)
    assert (status, json.loads(answer)["message"]) == (
        413,
        "Request body must not exceed 65536 bytes",
    )
    assert Customer.objects.count() == 2  # api's own customer and the chunked one
