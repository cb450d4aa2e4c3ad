import os

import pytest
from django.conf import settings

from tests.factories import OrganizationFactory
from tests.notifications.whatsapp_support import STUB_BASE_URL
from tests.webhooks.receiver import Receiver, start_receiver


def pytest_report_header(config):
    return f"database: {settings.DATABASES['default']['ENGINE']}"


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme", slug="acme", time_zone="Europe/Berlin")


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-123")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture(scope="session")
def artifacts_dir():
    path = os.path.join(settings.BASE_DIR, "test-artifacts")
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def sync_queue(monkeypatch):
    """STYLE rule 3: the queue runs synchronously in tests (real-queue tests start processes)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def stub_channel(settings):
    """The default 1MSG channel points at STUB_BASE_URL, for tests that stub its answers."""
    settings.ONEMSG_BASE_URL = STUB_BASE_URL
    settings.ONEMSG_CHANNEL_ID = "sandbox"
    settings.ONEMSG_TOKEN = "secret-channel-token"
    settings.ONEMSG_TEMPLATE_NAMESPACE = "sandbox_namespace"


@pytest.fixture
def receiver():
    """A real HTTP receiver on 127.0.0.1 for integrator webhooks, scripted per request."""
    receiver = Receiver()
    server = start_receiver(receiver)
    yield receiver
    server.shutdown()
    server.server_close()
