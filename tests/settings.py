"""The settings the tests run with: the project's own, with ``DEBUG`` on unless a test sets it.

``DEBUG`` is set in the environment, not only here, so the servers, queue clusters and commands
the tests start as processes run like ``make run`` too.
"""

import os

os.environ.setdefault("DEBUG", "true")

from config.settings import *  # noqa: F403
