"""Every path under /api/v0/, known or not, with every method: errors leave in the envelope."""

import uuid
from http import HTTPStatus

import pytest
from django.urls import URLPattern

from billing.api import urls as api_urls

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")
UNKNOWN = (
    "/api/v0",
    "/api/v0/",
    "/api/v0/nope",
    "/api/v0/nope/",
    "/api/v0/schema",
    "/api/v0/docs",
    "/api/v0/invoices/",
    "/api/v0/invoices/not-a-uuid",
    f"/api/v0/invoices/{uuid.uuid4()}/nope",
    "/api/v0/messages/x",
    "/api/v0/customers/%E2%98%83",
    "/api/v0/a/b/c/d",
)


def known_paths() -> list[str]:
    """One concrete path per route of the API's URLconf (a random id where one is expected)."""
    paths = []
    for pattern in api_urls.urlpatterns:
        if isinstance(pattern, URLPattern) and pattern.name:
            route = str(pattern.pattern).replace("<uuid:pk>", str(uuid.uuid4()))
            paths.append("/api/v0/" + route)
    return paths


def check(response, method: str) -> None:
    status = response.status_code
    assert status < 500, (method, status)
    if status < 400:
        return
    assert response["Content-Type"] == "application/json", (method, status)
    if method == "HEAD":
        return
    body = response.json()
    assert (body["statusCode"], body["error"]) == (status, HTTPStatus(status).phrase)
    assert isinstance(body["message"], str | list)


@pytest.mark.parametrize("path", UNKNOWN)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_path_is_an_envelope_404(api, settings, path, method, debug):
    settings.DEBUG = debug  # with DEBUG, Django's slash redirect would refuse a POST with a 500
    response = api.client.generic(method, path, data=b"{}", content_type="application/json")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    if method != "HEAD":
        assert response.json() == {"statusCode": 404, "message": "Not found", "error": "Not Found"}


def test_every_route_is_covered():
    assert len(known_paths()) == len([p for p in api_urls.urlpatterns if p.name])
    assert "/api/v0/docs/" in known_paths()


@pytest.mark.parametrize("path", known_paths())
@pytest.mark.parametrize("method", METHODS)
def test_every_method_on_every_route_answers_the_envelope(api, path, method):
    check(api.client.generic(method, path, data=b"{}", content_type="application/json"), method)


@pytest.mark.parametrize("path", known_paths())
@pytest.mark.parametrize("method", METHODS)
def test_without_credentials_too(client, db, path, method):
    check(client.generic(method, path, data=b"{}", content_type="application/json"), method)


def test_a_method_the_docs_page_refuses_is_an_envelope_405(api):
    response = api.client.generic("OPTIONS", "/api/v0/docs/")
    assert response.status_code == 405
    assert response.json() == {
        "statusCode": 405,
        "message": 'Method "OPTIONS" not allowed.',
        "error": "Method Not Allowed",
    }
