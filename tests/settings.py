"""The settings the tests run with: the project's own, with ``DEBUG`` on unless a test sets it.

Set in the environment, not only here, so the servers, queue clusters and commands the tests
start as processes run with them too.
"""

import os

os.environ.setdefault("DEBUG", "true")
# Every test client calls from 127.0.0.1: with Redis the failure counters outlive each test, and
# the suite's own 401s would lock the rest of it out. The throttle's tests set their own limit.
os.environ.setdefault("AUTH_FAILURE_LIMIT", "100000/min")
# The tests' webhook receivers listen on 127.0.0.1; the SSRF tests turn this off themselves.
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_URLS", "true")

from config.settings import *  # noqa: F403
