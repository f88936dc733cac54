"""Every notebook runs from a temporary folder, validates, and fails only at its stubs (ebpm check)."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from ebpm import build, check, course

SOLUTIONS = [p.relative_to(course.solutions_dir()).as_posix() for p in course.solution_notebooks()]


@pytest.fixture(scope="session")
def check_results():
    results = check.check(progress=False)
    return {(r.notebook, r.variant): r for r in results}


@pytest.mark.parametrize("notebook", SOLUTIONS)
def test_solution_runs_and_validates(check_results, notebook):
    result = check_results[(notebook, "solution")]
    assert result.ok, "\n".join(result.problems)
    assert result.points > 0


@pytest.mark.parametrize("notebook", SOLUTIONS)
def test_learner_version_fails_only_at_its_stubs(check_results, notebook):
    result = check_results[(notebook, "learner")]
    assert result.ok, "\n".join(result.problems)


def test_summary_table_names_every_notebook(check_results):
    table = check.summary_table(list(check_results.values()))
    for notebook in SOLUTIONS:
        assert notebook in table
    assert "peak MB" in table


def test_notebooks_folder_is_fresh():
    assert build.stale() == []


def test_hand_edit_in_notebooks_is_detected(tmp_path, monkeypatch):
    copy = tmp_path / "notebooks"
    shutil.copytree(course.release_dir(), copy)
    edited = next(copy.rglob("*.ipynb"))
    notebook = json.loads(edited.read_text(encoding="utf-8"))
    notebook["cells"][0]["source"] = "手で書き換えました"
    edited.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(course, "release_dir", lambda: copy)
    stale = build.stale()
    assert any(edited.name in line for line in stale), stale


def test_broken_solution_is_reported_with_notebook_cell_and_error(tmp_path, monkeypatch):
    solutions = tmp_path / "solutions"
    source = course.solution_notebooks()[0]
    target = solutions / source.parent.name / source.name
    target.parent.mkdir(parents=True)
    notebook = nbformat.read(source, as_version=4)
    broken_index = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
    notebook.cells[broken_index].source = "1 / 0"
    nbformat.write(notebook, target)
    monkeypatch.setattr(course, "solutions_dir", lambda: solutions)
    monkeypatch.setattr(course, "assignment_ids", lambda selected=None: [source.parent.name])
    results = check.check(jobs=1, progress=False)
    solution = next(r for r in results if r.variant == "solution")
    assert not solution.ok
    assert "ZeroDivisionError" in solution.problems[0]
    assert "セル" in solution.problems[0]
    table = check.summary_table(results)
    assert f"FAIL {source.parent.name}/{source.name}" in table


def test_sources_carry_no_outputs():
    for notebook_path in course.solution_notebooks():
        notebook = nbformat.read(notebook_path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, notebook_path.name


def test_test_cells_never_end_with_a_bare_value():
    """nbgrader reads a test cell's last value as partial credit; they must end with a print."""
    for notebook_path in course.solution_notebooks():
        notebook = nbformat.read(notebook_path, as_version=4)
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                visible = cell.source.split("### BEGIN HIDDEN TESTS")[0].strip().splitlines()
                assert visible[-1].startswith(("feedback.passed(", "print(")), (notebook_path.name, meta["grade_id"])
                assert "### BEGIN HIDDEN TESTS" in cell.source, (notebook_path.name, meta["grade_id"])
