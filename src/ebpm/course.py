"""Where the course's parts live in the repository, and nbgrader's configuration for it."""
from __future__ import annotations

from pathlib import Path

from ebpm.errors import EbpmError

CONFIG_FILE = "nbgrader_config.py"


def repo_root() -> Path:
    """The repository root: the folder holding nbgrader_config.py and solutions/.

    Found from the installed package (editable install), else from the working directory upward.
    """
    candidates = [Path(__file__).resolve().parents[2], *Path.cwd().resolve().parents]
    candidates.insert(1, Path.cwd().resolve())
    for folder in candidates:
        if (folder / CONFIG_FILE).is_file() and (folder / "solutions").is_dir():
            return folder
    raise EbpmError(
        "研修リポジトリ（nbgrader_config.py と solutions/ のあるフォルダ）が見つかりません。"
        "リポジトリのフォルダで実行してください。"
    )


def course_root() -> Path:
    """The course folder an instructor command works on: the working directory when it is one
    (a second course folder with its own _grading/), else the repository."""
    here = Path.cwd().resolve()
    if (here / CONFIG_FILE).is_file() and (here / "solutions").is_dir():
        return here
    return repo_root()


def solutions_dir() -> Path:
    return repo_root() / "solutions"


def release_dir() -> Path:
    return repo_root() / "notebooks"


def assignment_ids(selected: list[str] | None = None) -> list[str]:
    """Assignment folders under solutions/ (all of them, or the selected ones, checked)."""
    available = sorted(p.name for p in solutions_dir().iterdir() if p.is_dir() and not p.name.startswith("."))
    if not selected:
        return available
    unknown = [a for a in selected if a not in available]
    if unknown:
        raise EbpmError(
            f"課題 {', '.join(unknown)} は solutions/ にありません。あるのは: {', '.join(available)}"
        )
    return list(selected)


def solution_notebooks(selected: list[str] | None = None) -> list[Path]:
    """Instructor notebooks in a stable order: all, or those of the selected assignments.

    A selector is an assignment id (``prestudy``) or one notebook (``prestudy/01_data_literacy``,
    with or without ``.ipynb``).
    """
    notebooks: list[Path] = []
    whole = [s for s in (selected or []) if "/" not in s]
    single = [s for s in (selected or []) if "/" in s]
    if not single or whole:
        for assignment in assignment_ids(whole or None):
            notebooks.extend(sorted((solutions_dir() / assignment).glob("*.ipynb")))
    for selector in single:
        path = solutions_dir() / (selector if selector.endswith(".ipynb") else f"{selector}.ipynb")
        if not path.is_file():
            raise EbpmError(f"ノートブック {selector} は solutions/ にありません。")
        if path not in notebooks:
            notebooks.append(path)
    return notebooks


def learner_notebook(solution: Path) -> Path:
    """The learner version of a solution notebook."""
    return release_dir() / solution.relative_to(solutions_dir())


def nbgrader_config():
    """nbgrader's configuration as the course sets it in nbgrader_config.py."""
    from traitlets.config.loader import PyFileConfigLoader

    root = repo_root()
    return PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
