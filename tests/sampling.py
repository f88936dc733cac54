"""Rotating samples for the replay-based checks and the round trip, with a seed that replays a failure.

`make test` checks in full what changed since the caches were written (tests/mutants/*.json,
tests/diagnosis/injected.json) and a sample of the rest that rotates from day to day: the seed is
today's date (UTC, YYYYMMDD), printed in pytest's header. A failure is replayed with the same sample by
``EBPM_SAMPLE_SEED=<seed>``; ``EBPM_FULL=1`` checks everything, unsampled (before a release; see
docs/testing.md).
"""
from __future__ import annotations

import os
import random
from datetime import datetime, timezone
from typing import Iterable, Sequence

SEED_VARIABLE = "EBPM_SAMPLE_SEED"
FULL_VARIABLE = "EBPM_FULL"


def full() -> bool:
    """True when the run must check everything (EBPM_FULL=1): no sample, no cached result taken on trust."""
    return os.environ.get(FULL_VARIABLE, "").strip() not in ("", "0")


def seed() -> int:
    """The sample's seed: EBPM_SAMPLE_SEED if set, else today's date in UTC as YYYYMMDD."""
    given = os.environ.get(SEED_VARIABLE, "").strip()
    if given:
        return int(given)
    return int(datetime.now(timezone.utc).strftime("%Y%m%d"))


def pick(keys: Iterable[str], count: int, purpose: str) -> set[str]:
    """``count`` of ``keys`` chosen by the seed; ``purpose`` makes each check draw its own sample."""
    pool = sorted(set(keys))
    return set(random.Random(f"{seed()}:{purpose}").sample(pool, min(count, len(pool))))


def pick_within(costs: dict[str, float], budget: float, purpose: str, at_least: int = 1) -> set[str]:
    """Keys in the seed's order until their costs (e.g. cached seconds) would exceed ``budget``
    (at least ``at_least`` of them, whatever they cost): a sample of bounded time that still rotates."""
    order: Sequence[str] = sorted(costs)
    order = random.Random(f"{seed()}:{purpose}").sample(list(order), len(order))
    chosen: set[str] = set()
    spent = 0.0
    for key in order:
        if len(chosen) >= at_least and spent + costs[key] > budget:
            continue
        chosen.add(key)
        spent += costs[key]
    return chosen


def header() -> str:
    """The line pytest prints at the start, so that a failure can be replayed with the same sample."""
    if full():
        return f"ebpm: {FULL_VARIABLE}=1, no sampling (every case, mutant and notebook is checked)"
    return (f"ebpm: rotating sample seed {seed()} (replay with {SEED_VARIABLE}={seed()}; "
            f"{FULL_VARIABLE}=1 checks everything)")
