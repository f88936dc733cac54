"""The catalogue, the notebooks and the generated docs agree."""
from __future__ import annotations

from ebpm import catalog, course, docs, datasets


def test_catalogue_lists_exactly_the_solution_notebooks():
    listed = {f"{a.id}/{n.file}.ipynb" for a, n in catalog.notebook_entries()}
    present = {p.relative_to(course.solutions_dir()).as_posix() for p in course.solution_notebooks()}
    assert listed == present


def test_catalogue_entries_are_complete():
    known = datasets.resources()
    for assignment, entry in catalog.notebook_entries():
        assert 2 <= len(entry.objectives) <= 4, entry.file
        assert 10 <= entry.minutes <= 90, entry.file
        assert entry.title, entry.file
        for name in entry.datasets:
            assert name in known, f"{entry.file}: unknown dataset {name}"


def test_every_notebook_has_enough_exercises():
    for assignment, entry in catalog.notebook_entries():
        stats = docs.notebook_stats(course.solutions_dir() / assignment.id / f"{entry.file}.ipynb")
        assert stats.autograded >= 4, entry.file
        assert stats.written >= 1, entry.file


def test_generated_docs_are_fresh():
    assert docs.stale() == [], "run `ebpm docs`"
