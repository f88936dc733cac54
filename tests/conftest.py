"""Shared pytest hooks: the rotating sample's seed (tests/sampling.py), printed and the same on every worker;
and, under `--dist loadgroup`, the heaviest xdist groups handed out first so that both workers finish together."""
from __future__ import annotations

import os

from tests import sampling

# Seconds of work per xdist group in a full run (`--durations` under load, 2026-12-07/08; see docs/testing.md).
# Only their order matters: a worker takes the next group when it is nearly done with its own, in collection
# order, so the longest first keeps one worker from starting a long group when the other is almost finished.
# Modules without a group weigh 0 and keep their place after the groups.
GROUP_SECONDS = {
    "grading": 450, "judging": 300, "notebooks": 250, "instructor_cycle": 210, "term": 175, "karte": 120,
    "postgres": 95, "evaluation": 90, "hub": 90, "browser": 80, "karte_docs": 60, "diagnosis": 45, "lab": 30, "dist": 30,
    "loadtest": 30, "soumu_realdata": 20, "vendor": 10,
}


def pytest_configure(config) -> None:
    # Fixed once in the controlling process before the xdist workers start (they inherit the environment),
    # so a run that crosses midnight still draws one sample.
    if not hasattr(config, "workerinput"):
        os.environ.setdefault(sampling.SEED_VARIABLE, str(sampling.seed()))
    # xdist would otherwise hand out groups by their number of tests, which says nothing of their time
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def _group(item) -> str:
    marker = item.get_closest_marker("xdist_group")
    if marker is None:
        return ""
    return marker.args[0] if marker.args else marker.kwargs.get("name", "")


def pytest_collection_modifyitems(config, items) -> None:
    if getattr(config.option, "dist", "no") != "loadgroup":
        return
    order = {name: rank for rank, name in enumerate(sorted(GROUP_SECONDS, key=lambda g: -GROUP_SECONDS[g]))}
    items.sort(key=lambda item: order.get(_group(item), len(order)))  # stable: each group keeps its own order


def pytest_report_header(config) -> str:
    return sampling.header()
