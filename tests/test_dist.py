"""`ebpm dist`: the learner-only distribution holds no solution and no hidden test, and runs on its own."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest

from ebpm import course, dist

# one pytest-xdist worker runs this whole module, so its expensive shared fixture is built once
pytestmark = pytest.mark.xdist_group("dist")

ASSIGNMENTS = course.assignment_ids()


@pytest.fixture(scope="module")
def learner_dist(tmp_path_factory) -> dist.Distribution:
    # notebooks/ being fresh is tests/test_notebooks.py's job; here only what dist adds is tested.
    return dist.build_dist(tmp_path_factory.mktemp("dist") / "learner", check_fresh=False)


def _text_files(folder: Path):
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in {".py", ".ipynb", ".md", ".txt", ".toml", ".json", ".csv"}:
            yield path, path.read_text(encoding="utf-8", errors="replace")


def test_no_solution_and_no_hidden_test_leaks(learner_dist):
    folder = learner_dist.folder
    for forbidden in ("solutions", "tests", "tests/wrong_answers", "docs/instructor_guide.md", "docs",
                      "nbgrader_config.py", "_grading", "src/ebpm/grading", "src/ebpm/build.py",
                      "src/ebpm/check.py", "src/ebpm/authoring.py", "src/ebpm/vendor.py", "src/ebpm/cli.py"):
        assert not (folder / forbidden).exists(), f"{forbidden} must not be in the learner distribution"
    for path, text in _text_files(folder):
        for marker in ("### BEGIN SOLUTION", "### END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{path.relative_to(folder)} contains {marker!r}"
    assert dist.leaks(folder) == []


def test_leak_check_catches_a_solution(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "x.ipynb").write_text('{"source": "### BEGIN SOLUTION"}', encoding="utf-8")
    (tmp_path / "solutions").mkdir()
    problems = dist.leaks(tmp_path)
    assert any("solutions" in p for p in problems) and any("BEGIN SOLUTION" in p for p in problems)


def test_every_learner_notebook_and_dataset_is_shipped(learner_dist):
    folder = learner_dist.folder
    for assignment in ASSIGNMENTS:
        expected = sorted(p.name for p in (course.release_dir() / assignment).glob("*.ipynb"))
        shipped = sorted(p.name for p in (folder / "notebooks" / assignment).glob("*.ipynb"))
        assert shipped == expected
        for name in expected:
            assert (folder / "notebooks" / assignment / name).read_bytes() == \
                (course.release_dir() / assignment / name).read_bytes()
    descriptor = json.loads((folder / "data" / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        assert (folder / "data" / resource["path"]).is_file(), resource["path"]
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "学習者" in readme and "Validate" in readme
    requirements = (folder / "requirements.txt").read_text(encoding="utf-8")
    assert "nbgrader" in requirements and "pandas" in requirements


def test_every_ebpm_import_of_every_notebook_resolves_inside_the_distribution(learner_dist):
    folder = learner_dist.folder
    for notebook in learner_dist.notebooks:
        for code in dist._code_cells(notebook):
            for module in dist._imports_in(code):
                top = dist._module_file(folder / "src", module)
                parent = dist._module_file(folder / "src", module.rsplit(".", 1)[0])
                assert top or parent, f"{notebook.name} imports {module}, which the distribution lacks"


def _solved_copy(learner: Path, solution: Path, dist_root: Path) -> nbformat.NotebookNode:
    """The learner notebook with its answer cells filled from the instructor's version."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source
               for c in nbformat.read(solution, as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    notebook = nbformat.read(learner, as_version=4)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            cell.source = answers[meta["grade_id"]]
    probe = nbformat.v4.new_code_cell(
        "import ebpm, ebpm.datasets\n"
        "from pathlib import Path\n"
        f"_root = Path({str(dist_root)!r}).resolve()\n"
        "assert Path(ebpm.__file__).resolve().is_relative_to(_root), ebpm.__file__\n"
        "assert ebpm.datasets.data_dir().resolve() == _root / 'data', ebpm.datasets.data_dir()\n"
    )
    notebook.cells.insert(0, probe)
    return notebook


def _run_solved(folder: Path, learner: Path) -> str | None:
    """Run the solved copy of ``learner`` with only the distribution's library; the error, if any."""
    solution = course.solutions_dir() / learner.parent.name / learner.name
    work = learner.parent / f"_solved_{learner.name}"
    nbformat.write(_solved_copy(learner, solution, folder), work)
    env = {k: v for k, v in os.environ.items() if k != "EBPM_DATA_DIR"}
    env["PYTHONPATH"] = str(folder / "src")  # before the editable install of the repository
    try:
        result = subprocess.run(
            [sys.executable, "-m", "jupyter", "execute", "--timeout=120", str(work)],
            cwd=learner.parent, env=env, capture_output=True, text=True, timeout=600,
        )
        return None if result.returncode == 0 else f"{learner.name}: {result.stderr[-3000:]}"
    finally:
        work.unlink(missing_ok=True)


@pytest.mark.slow
def test_first_notebook_of_each_assignment_runs_on_the_distributions_own_library_and_data(learner_dist):
    folder = learner_dist.folder
    firsts = [sorted((folder / "notebooks" / a).glob("*.ipynb"))[0] for a in ASSIGNMENTS]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        errors = [e for e in pool.map(lambda nb: _run_solved(folder, nb), firsts) if e]
    assert not errors, "\n\n".join(errors)


def test_git_branch_holds_the_distribution_and_only_it(learner_dist, tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "--quiet", str(repo)], check=True)
    first = dist.commit_branch(learner_dist.folder, "learner", repo)
    again = dist.commit_branch(learner_dist.folder, "learner", repo)
    assert first == again  # nothing changed, no new commit
    files = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "learner"],
                           check=True, capture_output=True, text=True).stdout.split()
    assert "README.md" in files and any(f.startswith("notebooks/prestudy/") for f in files)
    assert not any(f.startswith(("solutions/", "tests/", "docs/")) for f in files)
    # the work tree and HEAD of the repository are untouched
    status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True, text=True)
    assert status.stdout == ""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--branch", "learner", str(repo), str(clone)], check=True)
    assert (clone / "notebooks" / "prestudy").is_dir() and not (clone / "solutions").exists()


def test_nbgitpuller_link_format():
    link = dist.nbgitpuller_link("https://hub.example.jp/", "https://git.example.jp/town/ebpm-course.git",
                                 "learner", "notebooks/prestudy/00_jupyter_and_pandas_first_steps.ipynb")
    parts = urlsplit(link)
    assert parts.path == "/hub/user-redirect/git-pull"
    query = parse_qs(parts.query)
    assert query["repo"] == ["https://git.example.jp/town/ebpm-course.git"]
    assert query["branch"] == ["learner"]
    assert query["targetPath"] == ["ebpm-course"]
    assert query["urlpath"] == ["lab/tree/ebpm-course/notebooks/prestudy/00_jupyter_and_pandas_first_steps.ipynb"]


def test_cli_dist_writes_the_folder(tmp_path, monkeypatch):
    from ebpm import cli

    monkeypatch.setattr(dist, "build_dist", lambda out, check_fresh=True: dist.Distribution(Path(out), [], [], 0))
    assert cli.main(["dist", "--out", str(tmp_path / "x")]) == 0
