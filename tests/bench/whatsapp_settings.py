"""WhatsApp benchmark settings: the bench settings plus a store-one-row probe; workers from env."""

import os

from tests.bench.settings import *  # noqa: F403
from tests.bench.settings import Q_CLUSTER

ROOT_URLCONF = "tests.bench.whatsapp_urls"
Q_CLUSTER = {**Q_CLUSTER, "workers": int(os.environ.get("BENCH_Q_WORKERS", Q_CLUSTER["workers"]))}
if os.environ.get("BENCH_Q_SAVE_LIMIT"):
    Q_CLUSTER["save_limit"] = int(os.environ["BENCH_Q_SAVE_LIMIT"])
