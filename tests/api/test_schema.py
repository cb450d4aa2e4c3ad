"""The published OpenAPI schema: valid, served locally, and honoured by every operation."""

import os
import re
import subprocess
import sys

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

from billing.money import KNOWN_CURRENCIES
from tests.api.conftest import SECRET, Api
from tests.api.server import ROOT, database_url, gunicorn
from tests.factories import OrganizationFactory

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


# --- what the schema promises ------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/api/v0/schema/", HTTP_ACCEPT="application/json").json()


def component(published, name: str) -> dict:
    return published["components"]["schemas"][name]


def resolved(published, schema: dict) -> dict:
    if "$ref" in schema:
        return component(published, schema["$ref"].rsplit("/", 1)[1])
    return schema


def test_the_idempotency_key_header_states_its_syntax(published):
    operation = published["paths"]["/api/v0/invoices"]["post"]
    (header,) = [p for p in operation["parameters"] if p["name"] == "x-idempotency-key"]
    assert header["schema"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": "^[ -~]{1,255}$",
    }


def test_required_strings_need_a_character_that_is_not_a_space(published):
    name = component(published, "InvoiceCreateRequest")["properties"]["name"]
    assert name["minLength"] == 1
    assert name["maxLength"] == 200
    assert re.search(name["pattern"], " \t\x1d\u3000") is None
    assert re.search(name["pattern"], "  a ") is not None
    address = component(published, "InvoiceCreateRequest")["properties"]["address"]
    assert address == {"type": "string", "maxLength": 500}  # blank is allowed there


def test_non_empty_lists_and_unknown_properties(published):
    create = component(published, "InvoiceCreateRequest")
    assert create["properties"]["items"]["minItems"] == 1
    assert create["properties"]["items"]["maxItems"] == 100
    assert create["properties"]["payment_methods"]["minItems"] == 1
    assert (
        component(published, "BulkInvoiceInputRequest")["properties"]["invoices"]["minItems"] == 1
    )
    assert component(published, "CustomerRequest")["properties"]["contacts"]["maxItems"] == 20
    requests = [name for name in published["components"]["schemas"] if name.endswith("Request")]
    assert len(requests) >= 15
    assert {name: component(published, name).get("additionalProperties") for name in requests} == {
        name: False for name in requests
    }


def test_decimals_state_their_places_and_money_its_currency(published):
    quantity = component(published, "InvoiceItemInputRequest")["properties"]["quantity"]
    number, text = quantity["anyOf"]
    assert (number["minimum"], number["multipleOf"], number["maximum"]) == (0.001, 0.001, 10**9)
    samples = ("1", "0.5", "0.001", "0", "0.000", "1.0001", "-1")
    assert [bool(re.fullmatch(text["pattern"], sample)) for sample in samples] == [
        True, True, True, False, False, False, False,
    ]  # fmt: skip
    product = component(published, "ProductRequest")
    currency = resolved(published, product["properties"]["currency"])
    assert sorted(currency["enum"]) == sorted(KNOWN_CURRENCIES)
    prices = [
        next(
            branch["properties"]["price"]
            for branch in product["anyOf"]
            if re.fullmatch(branch["properties"]["currency"]["pattern"], code)
        )
        for code in ("JPY", "USD", "KWD")
    ]
    assert [p["anyOf"][0]["multipleOf"] for p in prices] == [1.0, 0.01, 0.001]
    assert [p["anyOf"][1]["pattern"] for p in prices] == [
        r"^\d+$",
        r"^\d+(\.\d{1,2})?$",
        r"^\d+(\.\d{1,3})?$",
    ]


def test_every_operation_declares_the_errors_it_can_answer(published):
    declared = {
        f"{method.upper()} {path}": set(operation["responses"])
        for path, item in published["paths"].items()
        for method, operation in item.items()
    }
    writes = {op for op in declared if not op.startswith("GET")}
    assert {op for op, codes in declared.items() if not {"400", "401", "429"} <= codes} == set()
    assert {op for op in writes if not {"409", "422"} <= declared[op]} == set()
    with_id = {op for op in declared if "{id}" in op}
    assert {op for op in with_id if "404" not in declared[op]} == set()


# --- schemathesis, every phase, against a real server ------------------------------------------

ST_CONFIG = """
workers = 2
[headers]
x-client-key = "{key}"
x-client-secret = "{secret}"
[phases]
examples.enabled = false
coverage.enabled = true
fuzzing.enabled = true
stateful.enabled = true
[generation]
allow-x00 = false  # a NUL anywhere in a body is a 400 (README); free-form data cannot say it
max-examples = 5
[checks]
not_a_server_error.enabled = true
status_code_conformance.enabled = true
content_type_conformance.enabled = true
response_schema_conformance.enabled = true
negative_data_rejection.enabled = true
response_headers_conformance.enabled = false
missing_required_header.enabled = false
unsupported_method.enabled = false
use_after_free.enabled = false
ensure_resource_availability.enabled = false
ignored_auth.enabled = false
[checks.positive_data_acceptance]
enabled = true
# 409 and 422: a state conflict and an idempotency key reused with another body.
expected-statuses = ["2xx", "401", "404", "409", "422", "429"]

# Preview reports an invalid body in a 200 and bulk reports each invalid invoice in its 200:
# the contract, not a body accepted by mistake.
[[operations]]
include-path-regex = "/invoices/(preview|bulk)$"
checks.negative_data_rejection.enabled = false
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_nothing_in_any_phase(tmp_path):
    api = Api(OrganizationFactory())
    config = tmp_path / "schemathesis.toml"
    config.write_text(ST_CONFIG.format(key=api.credential.client_key, secret=SECRET))
    env = {"DATABASE_URL": database_url(), "API_RATE_LIMIT": "1000000/min"}
    with gunicorn(workers=2, env=env) as port:
        run = subprocess.run(
            [
                sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", f"http://127.0.0.1:{port}/api/v0/schema/",
                # CPython 3.11.7's ast bug inside hypothesis is caught in schemathesis_hooks.
                "--seed", "2",
                "--report", "ndjson", "--report-dir", str(tmp_path),
            ],
            cwd=tmp_path,  # schemathesis keeps a cache in its working directory
            env={
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
            },
            capture_output=True,
            text=True,
            timeout=420,  # a hang guard; the run takes about a minute
        )  # fmt: skip
    summary = run.stdout[-20000:]
    assert run.returncode == 0, summary
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary, summary
    assert re.search(r"(\d+) generated, \1 passed", summary), summary


def test_the_schema_states_the_rules_between_fields(published):
    """A new customer needs a name or a part of one; ``percentage`` never beside ``rate`` or
    another type; a PUT on a tax, like a PATCH, takes only the fields that change."""
    customer = component(published, "CustomerRequest")
    assert customer["allOf"] == [
        {
            "anyOf": [
                {"required": ["name"]},
                {"required": ["first_name"]},
                {"required": ["last_name"]},
            ]
        }
    ]
    assert "allOf" not in component(published, "PatchedCustomerRequest")
    customer_put = published["paths"]["/api/v0/customers/{id}"]["put"]["requestBody"]
    assert customer_put["required"] is True  # an empty PUT has no name
    assert customer["properties"]["first_name"]["maxLength"] == 99
    percentage = [
        {"not": {"required": ["percentage", "rate"]}},
        {
            "anyOf": [
                {"not": {"required": ["percentage"]}},
                {"not": {"required": ["type"]}},
                {"properties": {"type": {"type": "string", "pattern": "^PERCENTAGE$"}}},
            ]
        },
    ]
    assert component(published, "PatchedTaxRequest")["allOf"] == percentage
    assert component(published, "TaxRequest")["allOf"] == [
        *percentage,
        {"anyOf": [{"required": ["type", "rate"]}, {"required": ["percentage"]}]},
    ]
    put = published["paths"]["/api/v0/taxes/{id}"]["put"]["requestBody"]["content"]
    assert put["application/json"]["schema"] == {"$ref": "#/components/schemas/PatchedTaxRequest"}
