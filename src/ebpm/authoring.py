"""Write course notebooks from Python: cells with the nbgrader metadata already right.

Used to draft a new notebook quickly (see docs/authoring.md); after that, the .ipynb under
solutions/ is the source and is edited in JupyterLab like any notebook.
"""
from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import nbformat

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _text(source: str) -> str:
    return dedent(source).strip("\n")


def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: int | None = None,
              task: bool = False) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": task}
    if points is not None:
        meta["points"] = points
    return meta


def markdown(source: str) -> nbformat.NotebookNode:
    """An explanation cell (not tracked by nbgrader)."""
    return nbformat.v4.new_markdown_cell(_text(source))


def code(source: str, *, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """A worked-example code cell."""
    cell = nbformat.v4.new_code_cell(_text(source))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def parameters(source: str) -> nbformat.NotebookNode:
    """The cell papermill may override (tagged ``parameters``)."""
    return code(source, tags=("parameters",))


def prompt(grade_id: str, source: str) -> nbformat.NotebookNode:
    """A read-only exercise statement."""
    cell = markdown(source)
    cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=False, solution=False, locked=True)
    return cell


def answer(grade_id: str, source: str) -> nbformat.NotebookNode:
    """An answer cell; the solution goes between ### BEGIN SOLUTION / ### END SOLUTION."""
    cell = code(source)
    cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=False, solution=True, locked=False)
    return cell


def tests(grade_id: str, source: str, points: int) -> nbformat.NotebookNode:
    """A locked, autograded test cell (visible checks, then hidden tests)."""
    cell = code(source)
    cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=True, solution=False, locked=True, points=points)
    return cell


def written(grade_id: str, source: str, points: int) -> nbformat.NotebookNode:
    """A manually graded Markdown answer (the model answer between SOLUTION markers)."""
    cell = markdown(source)
    cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=True, solution=True, locked=False, points=points)
    return cell


def write_notebook(path: Path, cells: list[nbformat.NotebookNode]) -> None:
    """Write a clean notebook (no outputs, stable cell ids) to ``path``."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = KERNELSPEC
    notebook.metadata["language_info"] = {"name": "python"}
    for number, cell in enumerate(cells):
        cell["id"] = f"{Path(path).stem[:20]}-{number:03d}".replace("_", "-")
    notebook.cells = cells
    nbformat.validate(notebook)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")


TEST_CELL_HEADER = "# このセルは答えを確かめるテストです。変更せずに実行してください。"


def exercise_tests_source(module: str, name: str) -> str:
    """The standard source of a test cell that calls ``ebpm.exercises.<module>.<name>``."""
    return (
        f"{TEST_CELL_HEADER}\n"
        f"from ebpm.exercises import {module} as exercises\n"
        f"exercises.{name}.check(globals())\n"
        "### BEGIN HIDDEN TESTS\n"
        f"exercises.{name}.check(globals(), hidden=True)\n"
        "### END HIDDEN TESTS"
    )


def edit_cells(path: Path, sources: dict[str, str]) -> None:
    """Replace the source of the cells with these nbgrader grade ids, keeping everything else."""
    notebook = nbformat.read(path, as_version=4)
    found = set()
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell.source = _text(sources[grade_id])
            found.add(grade_id)
    missing = set(sources) - found
    if missing:
        raise KeyError(f"{Path(path).name}: no cells {sorted(missing)}")
    Path(path).write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
