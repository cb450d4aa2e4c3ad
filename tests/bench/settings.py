"""Benchmark settings: the project's own, plus the bare probe endpoint (never mounted otherwise)."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.bench.probe"]
ROOT_URLCONF = "tests.bench.urls"
