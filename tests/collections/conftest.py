import pytest

from tests.api.conftest import Api
from tests.factories import OrganizationFactory
from tests.notifications.whatsapp_support import sandbox  # noqa: F401 - shared fixture


@pytest.fixture
def api(db):
    return Api(OrganizationFactory(name="My Business App", time_zone="Europe/Berlin"))


@pytest.fixture
def other_api(db):
    return Api(OrganizationFactory(name="Other Org"))
