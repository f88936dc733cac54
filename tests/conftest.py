"""Shared pytest hooks: the rotating sample's seed (tests/sampling.py), printed and the same on every worker."""
from __future__ import annotations

import os

from tests import sampling


def pytest_configure(config) -> None:
    # Fixed once in the controlling process before the xdist workers start (they inherit the environment),
    # so a run that crosses midnight still draws one sample.
    if not hasattr(config, "workerinput"):
        os.environ.setdefault(sampling.SEED_VARIABLE, str(sampling.seed()))


def pytest_report_header(config) -> str:
    return sampling.header()
