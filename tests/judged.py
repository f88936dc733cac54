"""The replay of every notebook with all its cases (and the mutants of a sample), run once per test process.

tests/test_judging.py checks every case and mutant in it; tests/test_roundtrip.py compares its verdicts on the
sampled cases with stock nbgrader. Both modules are in the xdist group "judging", so one worker replays the
course once for both (the round trip used to replay its sample a second time: about 2 minutes under load).
"""
from __future__ import annotations

import functools
import random

from ebpm import course
from ebpm.judging import analysis

SAMPLE_SIZE = 2  # notebooks whose cached mutation results are re-checked on every run
JUDGING_MODULE = "tests.test_judging"  # the module that checks every case and mutant of this replay


def to_mutate() -> set[str]:
    """Notebooks whose content changed since the cache was written, plus a random sample of the rest."""
    keys = [analysis.notebook_key(n) for n in course.solution_notebooks()]
    cache = analysis.read_cache()
    changed = {analysis.notebook_key(n) for n in course.solution_notebooks()
               if cache.get(analysis.notebook_key(n), {}).get("hash") != analysis.content_hash(n)}
    rest = sorted(set(keys) - changed)
    return changed | set(random.sample(rest, min(SAMPLE_SIZE, len(rest))))


@functools.cache
def judged() -> tuple[dict[str, analysis.NotebookResult], frozenset[str]]:
    """Notebook key → its replay (every case; mutants for the keys returned beside it)."""
    mutated = to_mutate()
    results = analysis.run(course.solution_notebooks(), mutate=mutated)
    return {r.key: r for r in results}, frozenset(mutated)
