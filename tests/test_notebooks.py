"""Every notebook runs from a temporary folder, validates, and fails only at its stubs (ebpm check)."""
from __future__ import annotations

import json
import os
import shutil

import nbformat
import pytest

from ebpm import build, check, course

# one pytest-xdist worker runs this whole module, so its expensive shared fixture is built once
pytestmark = pytest.mark.xdist_group("notebooks")

SOLUTIONS = [p.relative_to(course.solutions_dir()).as_posix() for p in course.solution_notebooks()]


@pytest.fixture(scope="session")
def check_results():
    """`ebpm check` on every notebook: each solution and each learner version executed once (in parallel).

    Slow on purpose: the only test that runs every notebook as papermill does, from a temporary folder, and
    judges the learner versions with Validator(invert=True) (DESIGN.md, what make test proves, 2 and 4)."""
    results = check.check(progress=False)
    return {(r.notebook, r.variant): r for r in results}


@pytest.mark.parametrize("notebook", SOLUTIONS)
def test_solution_runs_and_validates(check_results, notebook):
    result = check_results[(notebook, "solution")]
    assert result.ok, "\n".join(result.problems)
    questionnaire = notebook.startswith("questionnaire_")  # self-assessment only: nothing is graded
    assert (result.points == 0) if questionnaire else (result.points > 0)


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


def test_build_rewrites_only_what_changed_and_removes_extras(tmp_path, monkeypatch):
    release = tmp_path / "notebooks"
    shutil.copytree(course.release_dir() / "prestudy", release / "prestudy")
    untouched, edited = sorted((release / "prestudy").glob("*.ipynb"))[:2]
    original = edited.read_bytes()
    edited.write_text("{}", encoding="utf-8")
    extra = release / "prestudy" / "old_notebook.ipynb"
    extra.write_text("{}", encoding="utf-8")
    os.utime(untouched, ns=(1_000_000_000, 1_000_000_000))
    monkeypatch.setattr(course, "release_dir", lambda: release)
    build.build(["prestudy"])
    assert edited.read_bytes() == original
    assert not extra.exists()
    assert untouched.stat().st_mtime_ns == 1_000_000_000, "an unchanged notebook was rewritten"
    assert not list(release.rglob(".*.partial"))


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


def test_validator_judges_the_execution_and_catches_partial_credit(tmp_path):
    """A test cell ending in a bare number runs without error, but nbgrader reads it as partial credit."""
    source = course.solution_notebooks()[0]
    notebook = nbformat.read(source, as_version=4)
    test_cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")
                     and c.cell_type == "code")
    test_cell.source += "\n0"
    target = tmp_path / source.name
    nbformat.write(notebook, target)
    (tmp_path / "run").mkdir()
    executed, problems = check.execute_solution(target, tmp_path / "run")
    assert problems == []
    found = check.validate_executed(executed, target.name, tmp_path / "run")
    assert found and "Validator（failed）" in found[0], found
    assert check.validate_executed(check.execute_solution(source, tmp_path / "run")[0], source.name,
                                   tmp_path / "again") == []


def test_a_cell_that_never_answers_times_out_and_is_retried(tmp_path, monkeypatch):
    """A hung cell must end the run (a CI job must never hang) and counts as transient: run once more."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\ntime.sleep(30)")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    target = tmp_path / "hang.ipynb"
    nbformat.write(notebook, target)
    (tmp_path / "run").mkdir()
    monkeypatch.setattr(check, "CELL_TIMEOUT", 2)
    _, problems = check.execute_solution(target, tmp_path / "run")
    assert problems and "CellTimeoutError" in problems[0], problems
    assert check._transient(problems[0])
    assert not check._transient("セル 3: ZeroDivisionError: division by zero")


def test_make_test_keeps_each_module_group_on_one_worker(request):
    """`make test` runs modules side by side (--dist loadgroup); if the grouping stopped working
    (as with pytest 9 and pytest-xdist 3.8), every worker would rebuild the shared fixtures."""
    if not request.config.getoption("loadgroup", default=False):
        return  # a plain `pytest` run: nothing is split, nothing to check
    assert request.node.nodeid.endswith("@notebooks"), request.node.nodeid


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
                # an exercise check object's check() returns None and prints ✔ itself
                assert visible[-1].startswith(("feedback.passed(", "print(", "exercises.")) and (
                    not visible[-1].startswith("exercises.") or visible[-1].endswith(".check(globals())")
                ), (notebook_path.name, meta["grade_id"])
                assert "### BEGIN HIDDEN TESTS" in cell.source, (notebook_path.name, meta["grade_id"])
