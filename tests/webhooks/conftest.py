import pytest

from tests.webhooks.support import Receiver, start_receiver


@pytest.fixture
def receiver():
    receiver = Receiver()
    server = start_receiver(receiver)
    yield receiver
    server.shutdown()
    server.server_close()
