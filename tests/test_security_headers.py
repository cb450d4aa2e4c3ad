"""Content-Security-Policy on the pay page and the admin; the pay page's headers on its 404s."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from billing.models import Invoice
from tests.billing.admin_support import work_in
from tests.factories import CustomerFactory, OrganizationFactory
from tests.notifications.email_support import issued_invoice

pytestmark = pytest.mark.django_db


def nonce_of(response) -> str:
    policy = response["Content-Security-Policy"]
    return re.search(r"'nonce-([A-Za-z0-9_-]+)'", policy).group(1)


class Inline(HTMLParser):
    """What a policy without 'unsafe-inline' scripts would refuse, and every nonce used."""

    def __init__(self):
        super().__init__()
        self.scripts_without_src: list[dict] = []
        self.styles: list[dict] = []
        self.handlers: list[str] = []
        self.style_attributes = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            self.scripts_without_src.append(attributes)
        if tag == "style":
            self.styles.append(attributes)
        self.handlers += [name for name in attributes if name.startswith("on")]
        self.handlers += [v for v in attributes.values() if (v or "").startswith("javascript:")]
        self.style_attributes += "style" in attributes


def parse(response) -> Inline:
    parser = Inline()
    parser.feed(response.content.decode())
    return parser


def test_the_pay_page_allows_only_its_own_nonced_style(client):
    invoice = issued_invoice()
    response = client.get(f"/pay/{invoice.payment_token}/")
    nonce = nonce_of(response)
    found = parse(response)

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    assert found.styles == [{"nonce": nonce}]
    assert (found.scripts_without_src, found.handlers, found.style_attributes) == ([], [], 0)


def test_each_answer_has_a_fresh_nonce(client):
    invoice = issued_invoice()
    first = client.get(f"/pay/{invoice.payment_token}/")
    second = client.get(f"/pay/{invoice.payment_token}/")
    assert nonce_of(first) != nonce_of(second)
    assert len(nonce_of(first)) == 22  # 128 bits


@pytest.mark.parametrize(
    "path",
    [
        "/pay/Nq7ZfB2kXc9LmP4rTs6VwY1uHa8dGe3jKo5iRn0bQxE/",  # token-shaped, no invoice
        "/pay/Nq7ZfB2kXc9LmP4rTs6VwY1uHa8dGe3jKo5iRn0bQxE/pdf/",
        "/pay/not/a/pay/path/",  # no view at all
    ],
)
def test_the_pay_pages_404_is_not_indexed_either(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Content-Security-Policy"].startswith("default-src 'none'; style-src 'nonce-")


def test_a_draft_is_the_same_404_with_the_same_headers(client):
    invoice = issued_invoice()
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.DRAFT)
    response = client.get(f"/pay/{invoice.payment_token}/")
    assert response.status_code == 404
    assert (response["X-Robots-Tag"], response["Referrer-Policy"]) == (
        "noindex, nofollow",
        "no-referrer",
    )


def admin_pages(invoice) -> list[str]:
    return [
        "/admin/",
        "/admin/billing/invoice/",
        "/admin/billing/invoice/add/",
        f"/admin/billing/invoice/{invoice.pk}/change/",
        "/admin/billing/customer/add/",
        "/admin/notifications/message/",
    ]


def test_admin_pages_carry_the_policy_and_no_inline_script_without_its_nonce(admin_client):
    invoice = issued_invoice()
    CustomerFactory(organization=OrganizationFactory())
    work_in(admin_client, invoice.organization)  # invoices are added in a chosen organization
    login = Client().get("/admin/login/")
    for path, response in [
        ("/admin/login/", login),
        *((path, admin_client.get(path)) for path in admin_pages(invoice)),
    ]:
        nonce = nonce_of(response)
        found = parse(response)

        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
        ), path
        assert [s for s in found.scripts_without_src if s.get("nonce") != nonce] == [], path
        assert found.handlers == [], path


def test_the_api_and_other_pages_are_left_alone(client):
    response = client.get("/api/v0/invoices")
    assert response.status_code == 401
    assert "Content-Security-Policy" not in response
