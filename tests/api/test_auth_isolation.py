"""Credentials and tenant isolation: another organization's objects do not exist for you."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import ApiCredential, Invoice, Payment
from tests.api.conftest import new_key


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_CLIENT_KEY": "ck_unknown", "HTTP_X_CLIENT_SECRET": "secret"},
        {"HTTP_X_CLIENT_SECRET": "secret"},
        {"HTTP_X_CLIENT_KEY": "KEY", "HTTP_X_CLIENT_SECRET": "wrong"},
    ],
)
def test_every_credential_failure_is_the_same_401(api, headers):
    if headers.get("HTTP_X_CLIENT_KEY") == "KEY":
        headers["HTTP_X_CLIENT_KEY"] = api.credential.client_key
    api.client.credentials(**headers)
    response = api.get("invoices")
    assert (response.status_code, response.json()) == (
        401,
        {
            "statusCode": 401,
            "message": "Invalid or missing API credentials",
            "error": "Unauthorized",
        },
    )
    assert "X-RateLimit-Limit" not in response


def test_revoked_credential_is_refused(api):
    from django.utils import timezone

    api.credential.revoked_at = timezone.now()
    api.credential.save()
    assert api.get("invoices").status_code == 401


def test_organization_b_cannot_touch_organization_a(api, other_api):
    key = new_key()
    invoice = api.post("invoices", api.invoice_body(partial_payment=True), key=key).json()
    path = f"invoices/{invoice['id']}"

    assert other_api.get(path).status_code == 404
    assert other_api.get("invoices").json() == {"data": [], "total": 0}
    assert other_api.put(path, other_api.invoice_body()).status_code == 404
    assert other_api.delete(path).status_code == 404
    assert other_api.post(f"{path}/void").status_code == 404
    paid = other_api.post(f"{path}/payments", {"amount": 1, "method": "CASH"})
    assert (paid.status_code, paid.json()["message"]) == (404, "Invoice not found")
    for resource, obj in (
        ("customers", api.customer),
        ("products", api.product),
        ("taxes", api.tax),
        ("wallets", api.wallet),
    ):
        assert other_api.get(f"{resource}/{obj.pk}").status_code == 404
        assert other_api.patch(f"{resource}/{obj.pk}", {"name": "x"}).status_code == 404
    # The same idempotency key and body from B is B's own request, not a replay of A's invoice.
    replay = other_api.post("invoices", api.invoice_body(partial_payment=True), key=key)
    assert (replay.status_code, replay.json()["message"]) == (404, "Customer not found")
    assert "Idempotent-Replayed" not in replay

    assert Invoice.objects.get().status == "OPEN"
    assert Payment.objects.count() == 0


def test_last_used_is_recorded_at_most_once_a_minute(api):
    assert api.get("customers").status_code == 200
    first = ApiCredential.objects.get(pk=api.credential.pk).last_used_at
    assert timezone.now() - first < timedelta(seconds=5)
    api.get("customers")
    assert ApiCredential.objects.get(pk=api.credential.pk).last_used_at == first
    ApiCredential.objects.filter(pk=api.credential.pk).update(
        last_used_at=first - timedelta(minutes=2)
    )
    api.get("customers")
    assert ApiCredential.objects.get(pk=api.credential.pk).last_used_at > first
