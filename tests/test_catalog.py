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
        assert 10 <= entry.minutes <= 120, entry.file
        assert entry.when in (catalog.IN_SESSION, catalog.HOMEWORK), entry.file
        assert entry.title, entry.file
        for name in entry.datasets:
            assert name in known, f"{entry.file}: unknown dataset {name}"


def test_every_notebook_has_enough_exercises():
    for assignment, entry in catalog.notebook_entries():
        if assignment.kind == "効果測定":
            continue  # measurements of the course (skills checks, questionnaires), not lessons
        stats = docs.notebook_stats(course.solutions_dir() / assignment.id / f"{entry.file}.ipynb")
        assert stats.autograded >= 4, entry.file
        assert stats.written >= 1, entry.file


def test_generated_docs_are_fresh():
    assert docs.stale() == [], "run `ebpm docs`"


def test_each_workshop_day_fits_its_three_and_a_half_hours():
    for assignment in catalog.assignments():
        if assignment.kind == "ワークショップ":
            assert 0 < assignment.session_minutes <= catalog.SESSION_NOTEBOOK_MINUTES, (
                f"{assignment.id}: {assignment.session_minutes} minutes of notebooks on the day; move material to "
                "homework (when=HOMEWORK) or a 発展 section")
            assert any(n.when == catalog.HOMEWORK for n in assignment.notebooks), assignment.id


def test_notebooks_state_the_minutes_of_the_catalogue():
    import nbformat

    for assignment, entry in catalog.notebook_entries():
        first = nbformat.read(course.solutions_dir() / assignment.id / f"{entry.file}.ipynb", as_version=4).cells[0]
        assert f"約 {entry.minutes} 分" in first.source, f"{entry.file}: the notebook does not say 約 {entry.minutes} 分"
