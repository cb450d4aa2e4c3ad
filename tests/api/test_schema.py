"""The published OpenAPI schema: valid, served locally, and honoured by every operation."""

import re

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import SECRET

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/v0/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/v0/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    # Every script, stylesheet and link is served from this host (the page also carries a
    # random CSRF token, so a bare "cdn" substring check would fail by chance).
    assets = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', page)
    assert assets
    assert [url for url in assets if not url.startswith("/")] == []
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page


@pytest.fixture
def wsgi_schema(api, settings):
    settings.API_RATE_LIMIT = "1000000/min"
    # As Django's test client does: the test's transaction must survive each request's end.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v0/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_conforms_to_the_schema(api, wsgi_schema):
    headers = {"x-client-key": api.credential.client_key, "x-client-secret": SECRET}
    checked = []
    for operation in operations(wsgi_schema):

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=12,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
        checked.append(f"{operation.method.upper()} {operation.path}")
    mine = {
        f"{method} /api/v0/{path}"
        for path in ("customers", "products", "taxes", "wallets", "recurring-invoices")
        for method in ("GET", "POST")
    } | {
        "POST /api/v0/invoices/bulk",
        "POST /api/v0/invoices/preview",
        "PUT /api/v0/invoices/{id}",
        "POST /api/v0/invoices/{id}/payments",
        "POST /api/v0/invoices/{id}/mark-uncollectible",
    }
    assert mine <= set(checked)
    assert len(checked) >= 41


def test_invalid_input_never_causes_a_server_error(api, wsgi_schema):
    headers = {"x-client-key": api.credential.client_key, "x-client-secret": SECRET}
    unsafe = [op for op in operations(wsgi_schema) if op.method.upper() != "GET"]
    for operation in unsafe:

        @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        @hypothesis_settings(
            max_examples=8,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, response.text
            assert set(response.json()) >= {"statusCode", "message", "error"} or (
                response.status_code < 400
            )

        run()
