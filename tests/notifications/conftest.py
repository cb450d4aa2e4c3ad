from tests.notifications.whatsapp_support import sandbox  # noqa: F401 - shared fixture
