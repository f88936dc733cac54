"""A learner-only distribution of the course (`ebpm dist`).

This repository holds the instructors' notebooks (solutions/, with hidden tests), the wrong-answer
cases and the instructor guide, so learners are never handed the repository itself. `ebpm dist`
writes a folder with only what a learner needs:

    README.md          how to start (Japanese)
    requirements.txt   the Python packages the notebooks use
    pyproject.toml     installs the `ebpm` library subset below (``pip install .``)
    notebooks/         the learner notebooks, as `ebpm build` generated them
    data/              every dataset, with data/datapackage.json
    src/ebpm/          the library modules that the notebooks import, and what those import

and, with ``--git-branch NAME``, commits that folder as the whole tree of branch NAME of the
repository (without touching the work tree, the index or HEAD), for nbgitpuller to pull.

Library modules are chosen by following ``import ebpm...`` statements from the notebooks, not by a
list kept by hand, so a module that only instructors use (build, check, grading, docs, vendor,
the synthetic-data generators) stays out unless a notebook needs it.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from ebpm import course
from ebpm.errors import EbpmError

PACKAGE = "ebpm"
ALWAYS_MODULES = ("ebpm", "ebpm.errors")  # the package itself and the errors every module raises
PACKAGE_FILES = ("py.typed",)
# Markers that must never reach a learner (checked again after writing).
FORBIDDEN_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
FORBIDDEN_PATHS = ("solutions", "tests", "docs/instructor_guide.md", "nbgrader_config.py", "_grading")
TEXT_SUFFIXES = {".py", ".ipynb", ".md", ".txt", ".toml", ".json", ".csv", ".html", ".cfg", ".yml", ".yaml"}


@dataclass
class Distribution:
    folder: Path
    notebooks: list[Path]
    modules: list[str]
    data_files: int
    branch: str | None = None
    commit: str | None = None


# --- which library modules the notebooks need --------------------------------------------------

def _module_file(src: Path, module: str) -> Path | None:
    parts = module.split(".")
    package = src.joinpath(*parts, "__init__.py")
    if package.is_file():
        return package
    plain = src.joinpath(*parts[:-1], parts[-1] + ".py")
    return plain if plain.is_file() else None


def _imports_in(code: str, current: str | None = None) -> set[str]:
    """The ebpm modules named by the import statements of ``code`` (at any depth)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and current:
                anchor = current.split(".")[: len(current.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != PACKAGE:
                continue
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # a name may be a submodule
    return found


def _code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    sources = []
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            # IPython magics and shell lines are not Python; drop them before parsing.
            sources.append("\n".join(l for l in source.splitlines() if not l.lstrip().startswith(("%", "!"))))
    return sources


def required_modules(notebooks: list[Path], src: Path) -> list[str]:
    """Every ebpm module the notebooks import, directly or through other ebpm modules."""
    wanted: set[str] = set(ALWAYS_MODULES)
    for notebook in notebooks:
        for code in _code_cells(notebook):
            wanted |= _imports_in(code)
    done: set[str] = set()
    queue = sorted(wanted)
    while queue:
        module = queue.pop()
        if module in done:
            continue
        path = _module_file(src, module)
        if path is None:  # a name imported from a module (a function), not a module itself
            continue
        done.add(module)
        parts = module.split(".")
        parents = {".".join(parts[:i]) for i in range(1, len(parts))}  # importing a.b runs a/__init__
        is_package = path.name == "__init__.py"
        current = module if is_package else ".".join(parts[:-1]) or module
        queue.extend(sorted((_imports_in(path.read_text(encoding="utf-8"), current) | parents) - done))
    return sorted(done)


# --- writing the folder ---------------------------------------------------------------------------

def _project() -> dict:
    return tomllib.loads((course.repo_root() / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _requirements(project: dict) -> str:
    lines = ["# 研修ノートブックで使う Python パッケージ（`pip install -r requirements.txt`）"]
    lines += list(project["dependencies"])
    return "\n".join(lines) + "\n"


def _pyproject(project: dict) -> str:
    deps = "".join(f'    "{d}",\n' for d in project["dependencies"])
    return f'''[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[project]
name = "ebpm-course-learner"
version = "{project["version"]}"
description = "自治体職員のデータ活用研修（EBPM）学習者用の教材とライブラリ"
readme = "README.md"
requires-python = "{project.get("requires-python", ">=3.11")}"
dependencies = [
{deps}]

[tool.hatch.build.targets.wheel]
packages = ["src/ebpm"]

[tool.hatch.build.targets.wheel.force-include]
"data" = "ebpm/_data"
'''


def _readme(assignments: list[str]) -> str:
    listing = "\n".join(f"- `notebooks/{a}/`" for a in assignments)
    return f"""# 自治体職員のデータ活用研修（EBPM）学習者用教材

この フォルダには、研修で使うノートブックとデータが入っています。

## はじめかた

- **JupyterHub で受講する場合**: 講師から案内されたリンクを開くと、この教材があなたのホームフォルダに
  コピーされ、JupyterLab が開きます。もう一度同じリンクを開くと、講師が追加した教材だけが取り込まれます
  （あなたが書き込んだノートブックは上書きされません）。
- **自分のパソコンで使う場合**: Python 3.11 以上で次を実行します。

  ```sh
  python -m venv .venv
  .venv/bin/pip install .          # 教材用ライブラリ ebpm と必要なパッケージが入ります
  .venv/bin/jupyter lab --notebook-dir=notebooks
  ```

  Windows では、このフォルダを開いたエクスプローラーのアドレス欄に `powershell` と入力して PowerShell を開き、
  次を実行します（Python は python.org のインストーラーで入れます）。

  ```powershell
  py -m venv .venv
  .venv\\Scripts\\pip install .
  .venv\\Scripts\\jupyter lab --notebook-dir=notebooks
  ```

## 提出のしかた（JupyterHub を使わない場合）

ノートブックの名前は変えずに、**自分の氏名のフォルダ**（例: `山田 太郎`）に入れ、そのフォルダを zip に
圧縮して講師に送ってください（Windows: フォルダを右クリック →「送る」→「圧縮 (zip 形式) フォルダー」）。

## 中身

{listing}
- `data/`: 教材で使うデータ（出典とライセンスは `data/datapackage.json` にあります）。
  星川町などの町は**架空**の自治体で、そのデータは研修のために作ったものです。
- `src/ebpm/`: ノートブックが使う小さなライブラリ。

## 進めかた

1. 左のファイル一覧から `prestudy/` の最初のノートブックを開き、上から順に進めます。
2. 演習の答えは「ここにコードを書いてください」と書かれたセルに書きます。すぐ下のテストのセルを実行すると、
   正解かどうかと、間違っているときのヒントが表示されます。
3. ツールバーの **Validate** ボタンで、ノートブック全体をまとめて確かめられます。
4. JupyterHub では、左の **Assignments**（課題）の画面から提出（Submit）し、採点後にフィードバックを受け取ります。

データはすべて `data/` に入っているので、インターネットにつながっていなくても動きます。
"""


def _copy_modules(src: Path, modules: list[str], target: Path) -> None:
    for module in modules:
        path = _module_file(src, module)
        assert path is not None
        destination = target / path.relative_to(src)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        if path.name == "__init__.py":
            # a subpackage's own notebooks travel with it (ebpm.karte runs town_karte.ipynb)
            for data_file in sorted(path.parent.glob("*.ipynb")):
                shutil.copy2(data_file, destination.parent / data_file.name)
    for name in PACKAGE_FILES:
        if (src / PACKAGE / name).is_file():
            shutil.copy2(src / PACKAGE / name, target / PACKAGE / name)


def leaks(folder: Path) -> list[str]:
    """What in ``folder`` a learner must not see (empty when the distribution is clean)."""
    problems = [f"{p}/ がある" for p in FORBIDDEN_PATHS if (folder / p).exists()]
    for path in sorted(folder.rglob("*")):
        if ".git" in path.relative_to(folder).parts or not path.is_file():
            continue
        if path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        problems += [f"{path.relative_to(folder)}: {m}" for m in FORBIDDEN_MARKERS if m in text]
    return problems


def build_dist(out: Path, *, check_fresh: bool = True) -> Distribution:
    """Write the learner-only distribution into ``out`` (replacing what is there)."""
    from ebpm import build

    root = course.repo_root()
    stale = build.stale() if check_fresh else []
    if stale:
        raise EbpmError("notebooks/ が solutions/ と一致しません。先に `ebpm build` を実行してください: "
                        + "; ".join(stale[:5]))
    out = Path(out).resolve()
    inside = [root / name for name in ("src", "notebooks", "data", "solutions")]
    if out == root or out in root.parents or any(out == f or f in out.parents for f in inside):
        raise EbpmError(f"出力先 {out} はリポジトリの教材フォルダと重なります。別のフォルダを指定してください。")
    if out.exists():
        for child in out.iterdir():
            if child.name == ".git":
                continue
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    out.mkdir(parents=True, exist_ok=True)

    assignments = course.assignment_ids()
    notebooks: list[Path] = []
    for assignment in assignments:
        for notebook in sorted((course.release_dir() / assignment).glob("*.ipynb")):
            target = out / "notebooks" / assignment / notebook.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(notebook, target)
            notebooks.append(target)
    shutil.copytree(root / "data", out / "data", ignore=shutil.ignore_patterns("__pycache__", ".*"))
    modules = required_modules(notebooks, root / "src")
    _copy_modules(root / "src", modules, out / "src")
    project = _project()
    (out / "requirements.txt").write_text(_requirements(project), encoding="utf-8")
    (out / "pyproject.toml").write_text(_pyproject(project), encoding="utf-8")
    (out / "README.md").write_text(_readme(assignments), encoding="utf-8")
    (out / ".gitignore").write_text(".ipynb_checkpoints/\n__pycache__/\n*.pyc\n", encoding="utf-8")

    problems = leaks(out)
    if problems:
        raise EbpmError("学習者用の配布物に講師用の内容が混ざっています: " + "; ".join(problems[:10]))
    data_files = sum(1 for p in (out / "data").rglob("*") if p.is_file())
    return Distribution(out, notebooks, modules, data_files)


# --- the git branch for nbgitpuller ----------------------------------------------------------------

def _git(repo: Path, *args: str, env: dict | None = None) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                            env={**os.environ, **(env or {})})
    if result.returncode != 0:
        raise EbpmError(f"git {' '.join(args)} が失敗しました: {result.stderr.strip()}")
    return result.stdout.strip()


def commit_branch(folder: Path, branch: str, repo: Path | None = None,
                  message: str = "学習者用の配布物（ebpm dist）") -> str:
    """Commit ``folder`` as the whole tree of ``branch`` in ``repo``; returns the commit id.

    Uses a temporary index, so the repository's work tree, index and HEAD stay as they are. The new
    commit's parent is the branch's previous tip, so nbgitpuller sees an ordinary fast-forward.
    """
    repo = Path(repo or course.repo_root())
    _git(repo, "check-ref-format", "--branch", branch)
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index"), "GIT_WORK_TREE": str(folder)}
        _git(repo, "--work-tree", str(folder), "add", "--all", "--force", ".", env=env)
        tree = _git(repo, "write-tree", env=env)
    parent = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
                            capture_output=True, text=True).stdout.strip()
    if parent and _git(repo, "rev-parse", f"{parent}^{{tree}}") == tree:
        return parent  # nothing changed
    identity = {"GIT_AUTHOR_NAME": os.environ.get("GIT_AUTHOR_NAME", "ebpm dist"),
                "GIT_AUTHOR_EMAIL": os.environ.get("GIT_AUTHOR_EMAIL", "ebpm-dist@localhost"),
                "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME", "ebpm dist"),
                "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL", "ebpm-dist@localhost")}
    commit = _git(repo, "commit-tree", tree, *(["-p", parent] if parent else []), "-m", message, env=identity)
    _git(repo, "update-ref", f"refs/heads/{branch}", commit, *([parent] if parent else []))
    return commit


def nbgitpuller_link(hub_url: str, repo_url: str, branch: str, open_path: str | None = None,
                     target: str | None = None) -> str:
    """The one-click link that makes a learner's server pull ``branch`` of ``repo_url``.

    ``https://HUB/hub/user-redirect/git-pull?repo=REPO&branch=BRANCH&targetPath=FOLDER&urlpath=lab/tree/FOLDER/PATH``
    """
    folder = target or repo_url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    params = {"repo": repo_url, "branch": branch, "targetPath": folder}
    params["urlpath"] = f"lab/tree/{folder}/{open_path}" if open_path else f"lab/tree/{folder}"
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{urlencode(params, quote_via=quote, safe='')}"


def dist(out: Path, branch: str | None = None, repo: Path | None = None,
         check_fresh: bool = True) -> Distribution:
    """`ebpm dist`: write the folder, and commit it to ``branch`` when one is given."""
    result = build_dist(out, check_fresh=check_fresh)
    if branch:
        result.branch = branch
        result.commit = commit_branch(result.folder, branch, repo)
    return result
