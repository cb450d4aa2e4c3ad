"""Benchmarks: ``DEBUG`` on for the processes they start, unless one turns it off to measure."""

import os

os.environ.setdefault("DEBUG", "true")
