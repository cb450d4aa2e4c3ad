import pytest

from tests.api.server import database_url, gunicorn


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """The project under gunicorn on a loopback port, on the test database: the SDKs' target."""
    with django_db_blocker.unblock():
        url = database_url()
    env = {"DATABASE_URL": url, "API_RATE_LIMIT": "10000/min"}
    with gunicorn(workers=1, env=env) as port:
        yield f"http://127.0.0.1:{port}"
