"""The SSRF guard at registration and at every attempt (DNS answers are scripted: the edge)."""

import socket

import pytest
from django.db import transaction

from billing.webhooks import delivery, ssrf
from billing.webhooks.errors import InvalidEndpoint
from billing.webhooks.events import event_raise
from billing.webhooks.models import WebhookDelivery
from tests.factories import OrganizationFactory
from tests.webhooks.support import endpoint

pytestmark = pytest.mark.django_db
PUBLIC = "93.184.215.14"


@pytest.fixture
def strict(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False


@pytest.fixture
def dns(monkeypatch):
    """Host name → addresses; names not listed fail to resolve."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            try:
                ip = __import__("ipaddress").ip_address(host)
            except ValueError:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            return real(str(ip), port, *args, **kwargs)
        family = lambda a: socket.AF_INET6 if ":" in a else socket.AF_INET  # noqa: E731
        return [(family(a), socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def refusal(url: str) -> list[str]:
    with pytest.raises(InvalidEndpoint) as caught:
        ssrf.check_registration(url)
    return caught.value.messages


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://127.0.0.1/hooks", "127.0.0.1"),
        ("https://10.1.2.3/hooks", "10.1.2.3"),
        ("https://192.168.0.10/hooks", "192.168.0.10"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("https://100.64.0.1/hooks", "100.64.0.1"),
        ("https://[::ffff:127.0.0.1]/hooks", "127.0.0.1"),
        ("https://[::ffff:10.0.0.1]/hooks", "10.0.0.1"),
        ("https://[::1]/hooks", "::1"),
        ("https://[fe80::1]/hooks", "fe80::1"),
        ("https://224.0.0.1/hooks", "224.0.0.1"),
    ],
)
def test_non_public_literal_addresses_are_refused(strict, dns, url, address):
    assert refusal(url) == [f"url must not point to a non-public address ({address})"]


def test_credentials_in_the_url_are_refused_even_when_private_urls_are_allowed(settings, dns):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    assert refusal("http://user:pw@127.0.0.1:8000/hooks") == [
        "url must not contain credentials (user info before '@')"
    ]


def test_plain_http_is_refused(strict, dns):
    dns["hooks.example.com"] = [PUBLIC]
    assert refusal("http://hooks.example.com/x") == ["url must use https"]


def test_localhost_by_name_and_names_resolving_to_private_addresses(strict, dns):
    dns["localhost"] = ["127.0.0.1"]
    dns["mixed.example.com"] = [PUBLIC, "10.0.0.7"]
    assert refusal("https://localhost/x") == ["url must not point to localhost"]
    assert refusal("https://mixed.example.com/x") == [
        "url must not point to a non-public address (10.0.0.7)"
    ]
    assert refusal("https://nowhere.example.com/x") == [
        "url: the host nowhere.example.com could not be resolved"
    ]


def test_a_public_https_url_is_accepted(strict, dns):
    dns["hooks.example.com"] = [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    assert ssrf.check_registration("https://hooks.example.com/x") is None
    target = ssrf.vet("https://hooks.example.com:8443/x?y=1")
    assert (target.address, target.port, target.path, target.host) == (
        PUBLIC,
        8443,
        "/x?y=1",
        "hooks.example.com",
    )


def test_a_name_that_resolves_to_a_private_address_at_send_time_is_not_contacted(strict, dns):
    dns["hooks.example.com"] = [PUBLIC]
    target = endpoint(OrganizationFactory(), url="https://hooks.example.com/x")
    with transaction.atomic():
        event = event_raise(organization=target.organization, type="webhook.test")
    sent = WebhookDelivery.objects.get(event=event)
    dns["hooks.example.com"] = ["10.0.0.9"]  # rebinding after registration

    assert delivery.attempt(sent.pk) == WebhookDelivery.Status.PENDING
    [logged] = sent.log.all()
    assert (logged.status_code, logged.error) == (
        None,
        "url must not point to a non-public address (10.0.0.9)",
    )


def test_an_attempt_connects_to_the_address_it_vetted(receiver, dns):
    dns["receiver.test"] = ["127.0.0.1"]
    url = f"http://receiver.test:{receiver.port}/hooks"
    target = endpoint(OrganizationFactory(), url=url)
    with transaction.atomic():
        event = event_raise(organization=target.organization, type="webhook.test")
    assert delivery.attempt(event.deliveries.get().pk) == WebhookDelivery.Status.DELIVERED
    [request] = receiver.requests
    assert request.headers["host"] == f"receiver.test:{receiver.port}"
