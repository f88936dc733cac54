"""The replay of every notebook (cases and mutants as sampled below), run once per test process.

tests/test_judging.py checks every case and mutant in it; tests/test_roundtrip.py compares its verdicts on the
sampled cases with stock nbgrader. Both modules are in the xdist group "judging", so one worker replays the
course once for both (the round trip used to replay its sample a second time: about 2 minutes under load).

What is replayed (tests/sampling.py: a seed printed in pytest's header; EBPM_FULL=1 replays everything):
- every notebook the round trip grades today (tests.roundtrip.graded_today), with the cases it hands to stock
  nbgrader (tests.roundtrip.sample_cases: the first wrong and the first alternative answer of
  each notebook), so that the stock comparison has the replay's verdicts; no other notebook is replayed
  (tests/test_notebooks.py executes every notebook on every run);
- all the cases of a notebook whose cases changed since `ebpm cases` saw them behave (tests/mutants/cases.json)
  and of CASE_SAMPLE notebooks more, rotating;
- the mutants of a notebook whose hash changed since `ebpm mutants` cached its results, and of a rotating
  sample of the rest whose cached seconds fit MUTATION_BUDGET (at least one notebook); their fresh counts
  must equal the cached ones.
"""
from __future__ import annotations

import functools
from pathlib import Path

from ebpm import course
from ebpm.judging import analysis
from ebpm.judging import cases as case_data
from tests import sampling
from tests.roundtrip import graded_today, sample_cases

CASE_SAMPLE = 3  # unchanged notebooks whose cases are all replayed on every run
MUTATION_BUDGET = 60.0  # cached seconds of mutation analysis re-checked on every run (a notebook takes 5-210 s)
JUDGING_MODULE = "tests.test_judging"  # the module that checks every case and mutant of this replay


def to_mutate() -> set[str]:
    """Notebooks whose content changed since the cache was written, plus a rotating sample of the rest."""
    notebooks = course.solution_notebooks()
    keys = {analysis.notebook_key(n) for n in notebooks}
    if sampling.full():
        return keys
    cache = analysis.read_cache()
    changed = {analysis.notebook_key(n) for n in notebooks
               if cache.get(analysis.notebook_key(n), {}).get("hash") != analysis.content_hash(n)}
    seconds = {key: sum(row["seconds"] for row in cache[key]["answers"].values()) for key in keys - changed}
    return changed | sampling.pick_within(seconds, MUTATION_BUDGET, "mutants")


def all_cases_of() -> set[str]:
    """Notebooks whose every case is replayed: changed cases, the mutated notebooks and a rotating sample."""
    notebooks = course.solution_notebooks()
    keys = {analysis.notebook_key(n) for n in notebooks}
    if sampling.full():
        return keys
    changed = analysis.cases_changed(notebooks)
    return changed | sampling.pick(keys - changed, CASE_SAMPLE, "cases")


@functools.cache
def judged() -> tuple[dict[str, analysis.NotebookResult], frozenset[str], frozenset[str]]:
    """Notebook key → its replay; the keys whose mutants were tried; the keys whose every case was tried."""
    mutated = to_mutate()
    complete = all_cases_of() | mutated  # a mutated notebook's replay runs its cases anyway

    graded = graded_today()
    stock = {case for assignment, stems in graded.items() for case in sample_cases(assignment) if case.notebook in stems}

    def select(notebook: Path, cases: list[case_data.Case]) -> list[case_data.Case]:
        return cases if analysis.notebook_key(notebook) in complete else [c for c in cases if c in stock]

    replayed = [n for n in course.solution_notebooks()
                if analysis.notebook_key(n) in complete or n.stem in graded.get(n.parent.name, ())]
    results = analysis.run(replayed, mutate=mutated, select=select)
    return {r.key: r for r in results}, frozenset(mutated), frozenset(complete)
