import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import (
    ApiCredentialFactory,
    CustomerFactory,
    OrganizationFactory,
    ProductFactory,
    TaxFactory,
    WalletFactory,
)

SECRET = "secret"  # ApiCredentialFactory stores the hash of this


class Api:
    """An authenticated client for one organization, with the objects the seed's bodies use."""

    def __init__(self, organization):
        self.org = organization
        self.credential = ApiCredentialFactory(organization=organization)
        self.client = APIClient()
        self.client.credentials(
            HTTP_X_CLIENT_KEY=self.credential.client_key, HTTP_X_CLIENT_SECRET=SECRET
        )
        self.customer = CustomerFactory(
            organization=organization, name="John Doe", email="client@example.com"
        )
        self.wallet = WalletFactory(
            organization=organization, address="0x742d35Cc6635C0532925a3b8d"
        )
        self.tax = TaxFactory(organization=organization, name="Standard Sales Tax", rate="8.5")
        self.product = ProductFactory(
            organization=organization, name="Website Development", unit_price=250000
        )

    def post(self, path, body=None, key=None, **headers):
        if key is not None:
            headers["HTTP_X_IDEMPOTENCY_KEY"] = key
        return self.client.post(f"/api/v0/{path}", body, format="json", **headers)

    def get(self, path, **params):
        return self.client.get(f"/api/v0/{path}", params)

    def put(self, path, body):
        return self.client.put(f"/api/v0/{path}", body, format="json")

    def patch(self, path, body):
        return self.client.patch(f"/api/v0/{path}", body, format="json")

    def delete(self, path):
        return self.client.delete(f"/api/v0/{path}")

    def invoice_body(self, **overrides) -> dict:
        """The seed's basic example with real ids and a due date in the future."""
        body = {
            "name": "Website Development Services",
            "email": "client@example.com",
            "customer_id": str(self.customer.pk),
            "walletId": str(self.wallet.pk),
            "items": [{"product_id": str(self.product.pk), "quantity": 1}],
            "due_date": future(30),
            "delivery": "EMAIL",
            "payment_link": True,
            "payment_methods": ["CRYPTO", "BANK_TRANSFER"],
            "status": "OPEN",
            "partial_payment": False,
        }
        body.update(overrides)
        return body


def future(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def api(db):
    return Api(OrganizationFactory(name="My Business App", time_zone="UTC"))


@pytest.fixture
def other_api(db):
    return Api(OrganizationFactory(name="Other Org"))


def new_key() -> str:
    return str(uuid.uuid4())
