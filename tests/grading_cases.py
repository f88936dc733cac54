"""Build the submissions of tests/grading_corpus/cases.toml from the pre-study notebook 0."""
from __future__ import annotations

import shutil
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ebpm import course
from tests.roundtrip import nbgrader

CASES_FILE = Path(__file__).parent / "grading_corpus" / "cases.toml"
ASSIGNMENT = "prestudy"
NOTEBOOK = "00_jupyter_and_pandas_first_steps"
TIMESTAMP = "2026-04-01T10:00:00+09:00"


@dataclass(frozen=True)
class Case:
    id: str
    learner: str
    why: str
    base: str
    expect: dict
    via: str = "submitted"
    answers: dict = field(default_factory=dict)
    edits: tuple = ()
    filename: str | None = None
    raw: str | None = None
    no_notebook: bool = False
    extra_files: dict = field(default_factory=dict)
    batch: str = "main"
    compare: bool = True


def cases() -> list[Case]:
    data = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))
    return [Case(**{**case, "edits": tuple(case.get("edits", ()))}) for case in data["case"]]


def make_course(folder: Path) -> Path:
    """A course with only pre-study notebook 0, its own copy of data/, and a gradebook."""
    root = folder / "course"
    (root / "solutions" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(course.repo_root() / course.CONFIG_FILE, root / course.CONFIG_FILE)
    shutil.copy(course.solutions_dir() / ASSIGNMENT / f"{NOTEBOOK}.ipynb", root / "solutions" / ASSIGNMENT)
    shutil.copytree(course.repo_root() / "data", root / "data")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    return root


def _cells_by_id(notebook) -> dict:
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade_id")}


def notebook_for(case: Case, root: Path):
    base = root / ("solutions" if case.base == "solution" else "notebooks") / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    notebook = nbformat.read(base, as_version=4)
    cells = _cells_by_id(notebook)
    for grade_id, code in case.answers.items():
        cells[grade_id].source = code.strip("\n")
    for edit in case.edits:
        cell = cells[edit["cell"]]
        if edit["action"] == "replace":
            cell.source = edit["code"]
        elif edit["action"] == "delete":
            notebook.cells.remove(cell)
        elif edit["action"] == "merge_answer":
            answer = cells[edit["cell"].removesuffix("-test")]
            cell.source = answer.source + "\n\n" + cell.source
            notebook.cells.remove(answer)
        else:
            raise ValueError(edit["action"])
    return notebook


def write_case(case: Case, root: Path, folder: Path) -> None:
    """The learner's files in ``folder`` (their submitted folder, or their folder in an import)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not case.no_notebook:
        target = folder / (case.filename or f"{NOTEBOOK}.ipynb")
        if case.raw is not None:
            target.write_text(case.raw, encoding="utf-8")
        else:
            nbformat.write(notebook_for(case, root), target)
    for name, text in case.extra_files.items():
        (folder / name).write_text(text, encoding="utf-8")


def submit(case: Case, root: Path) -> Path:
    folder = root / "_grading" / "submitted" / case.learner / ASSIGNMENT
    write_case(case, root, folder)
    (folder / "timestamp.txt").write_text(TIMESTAMP, encoding="utf-8")
    return folder


def import_zip(selected: list[Case], root: Path, zip_path: Path) -> Path:
    """A zip as an instructor might get it: ``<name>.ipynb`` for the first, ``<name>/<notebook>.ipynb`` after."""
    staging = zip_path.parent / "import-staging"
    with zipfile.ZipFile(zip_path, "w") as archive:
        for index, case in enumerate(selected):
            if index == 0:
                path = staging / f"{case.learner}.ipynb"
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(notebook_for(case, root), path)
                archive.write(path, f"提出物/{case.learner}.ipynb")
            else:
                write_case(case, root, staging / case.learner)
                for file in (staging / case.learner).rglob("*"):
                    archive.write(file, f"提出物/{case.learner}/{file.name}")
    return zip_path
