"""`ebpm release A`: register an assignment in the gradebook and write its learner version.

Stock ``nbgrader generate_assignment A --force`` deletes ``notebooks/A`` before it writes the
new version, so a failure on the way (a missing program, a broken notebook) leaves learners'
notebooks missing. Here nbgrader writes into a temporary folder beside ``notebooks/``; only
when it has succeeded are the files put in place, each one atomically, so ``notebooks/A`` is
never missing or half written.

Each release is recorded in ``_grading/releases.json`` (the first and the latest time, Japan time): the
gradebook keeps no release time, and the evaluation report measures the days from release to hand-in.
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ebpm.errors import EbpmError
from ebpm.grading import layout as layouts
from ebpm.grading.runner import nbgrader_command, nbgrader_env


@dataclass
class Released:
    assignment: str
    folder: Path
    notebooks: list[Path]
    changed: list[Path]
    exchange: bool


def _release_root(layout: layouts.CourseLayout) -> Path:
    from traitlets.config.loader import PyFileConfigLoader

    from ebpm.course import CONFIG_FILE

    config = PyFileConfigLoader(CONFIG_FILE, path=str(layout.root)).load_config()
    value = Path(config.CourseDirectory.get("release_directory", "release"))
    return value if value.is_absolute() else layout.root / value


def _run(layout: layouts.CourseLayout, *args: str, what: str) -> None:
    done = subprocess.run([*nbgrader_command(), *args], cwd=layout.root, env=nbgrader_env(),
                          capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-8:])
        raise EbpmError(f"{what}に失敗しました（nbgrader {' '.join(args[:2])}、終了コード {done.returncode}）。"
                        f"notebooks/ は変えていません。nbgrader の出力の最後:\n{tail}")


def releases_file(layout: layouts.CourseLayout) -> Path:
    return layout.grading / "releases.json"


def release_times(layout: layouts.CourseLayout) -> dict[str, dict[str, str]]:
    """assignment → {"first": ISO time, "latest": ISO time} of the releases recorded so far."""
    where = releases_file(layout)
    if not where.is_file():
        return {}
    try:
        return json.loads(where.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise EbpmError(f"{where} を JSON として読めません（{error.msg}、{error.lineno} 行目）。") from None


def record_release(layout: layouts.CourseLayout, assignment: str, when: datetime | None = None) -> None:
    """Keep the first release time of ``assignment`` and update its latest."""
    moment = (when or datetime.now(ZoneInfo("Asia/Tokyo"))).isoformat(timespec="seconds")
    times = release_times(layout)
    entry = times.setdefault(assignment, {"first": moment})
    entry["latest"] = moment
    where = releases_file(layout)
    where.parent.mkdir(parents=True, exist_ok=True)
    partial = where.with_suffix(".json.partial")
    partial.write_text(json.dumps(times, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.replace(where)


def release(assignment: str, root: Path | None = None, exchange: bool = False) -> Released:
    """Register ``assignment`` in the gradebook and put its learner version in the release folder."""
    from ebpm.build import sync_folder

    layout = layouts.load(root)
    if not sorted((layout.source / assignment).glob("*.ipynb")):
        available = sorted(p.name for p in layout.source.iterdir() if p.is_dir() and not p.name.startswith("."))
        raise EbpmError(f"課題「{assignment}」のノートブックが {layout.source} にありません。"
                        f"あるのは: {', '.join(available)}")
    layout.grading.mkdir(parents=True, exist_ok=True)
    target_root = _release_root(layout)
    target_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".release-", dir=layout.grading) as tmp:
        _run(layout, "generate_assignment", assignment, "--force",
             f"--CourseDirectory.release_directory={tmp}", what=f"課題 {assignment} の登録と学習者版の作成")
        fresh = Path(tmp) / assignment
        changed = sync_folder(fresh, target_root / assignment)
    if exchange:
        _run(layout, "release_assignment", assignment, "--force", what=f"課題 {assignment} の交換フォルダへの配布")
    record_release(layout, assignment)
    folder = target_root / assignment
    return Released(assignment, folder, sorted(folder.glob("*.ipynb")), changed, exchange)
