"""The limit holds across server processes: gunicorn with 2 workers that are also recycled."""

import re

import pytest

from tests.api.conftest import SECRET, Api
from tests.api.server import database_url, gunicorn, request
from tests.factories import OrganizationFactory


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_limit_is_shared_by_every_worker_process(tmp_path):
    api = Api(OrganizationFactory())
    headers = {"x-client-key": api.credential.client_key, "x-client-secret": SECRET}
    log = tmp_path / "access.log"
    # --max-requests 3 recycles each worker after three requests: ten requests are served by
    # at least four different processes, so a per-process counter could never hold the limit.
    args = (
        "--max-requests",
        "3",
        "--access-logfile",
        str(log),
        "--access-logformat",
        "%(p)s %(U)s %(s)s",
    )
    with gunicorn(
        workers=2, env={"API_RATE_LIMIT": "6/hour", "DATABASE_URL": database_url()}, extra_args=args
    ) as port:
        statuses = [request(port, "GET", "/api/v0/invoices", headers=headers)[0] for _ in range(10)]

    assert statuses == [200] * 6 + [429] * 4
    served = [line for line in log.read_text().splitlines() if " /api/v0/invoices " in line]
    pids = {re.match(r"<(\d+)>", line).group(1) for line in served}
    assert len(served) == 10
    assert len(pids) >= 3
