"""`ebpm build`: learner notebooks (notebooks/) generated from instructor notebooks (solutions/)."""
from __future__ import annotations

import filecmp
import os
import tempfile
from pathlib import Path

from ebpm import course
from ebpm.errors import EbpmError


def generate(assignments: list[str], release_root: Path) -> None:
    """Run nbgrader's generate_assignment (without a database) into ``release_root``."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    config = course.nbgrader_config()
    config.CourseDirectory.release_directory = str(release_root)
    config.GenerateAssignment.no_database = True
    config.SaveCells.enabled = False
    config.BaseConverter.force = True
    for assignment in assignments:
        coursedir = CourseDirectory(config=config)
        coursedir.assignment_id = assignment
        converter = GenerateAssignment(coursedir=coursedir, config=config)
        converter.log.setLevel("ERROR")
        try:
            converter.start()
        except Exception as error:  # nbgrader raises its own exception types
            raise EbpmError(f"課題 {assignment} の学習者版を作れませんでした: {error}") from error


def build(assignments: list[str] | None = None) -> list[Path]:
    """Regenerate notebooks/ for the given assignments (all by default).

    Only files whose bytes change are rewritten (each atomically), and files that are no longer
    generated are removed, so a reader of notebooks/ never sees a half-written or missing file.
    """
    ids = course.assignment_ids(assignments)
    with tempfile.TemporaryDirectory() as tmp:
        generate(ids, Path(tmp))
        written = []
        for assignment in ids:
            target = course.release_dir() / assignment
            sync_folder(Path(tmp) / assignment, target)
            written.extend(sorted(target.rglob("*.ipynb")))
    return written


def sync_folder(fresh_dir: Path, target: Path) -> list[Path]:
    """Make ``target`` hold exactly the files of ``fresh_dir``; returns the files written or removed.

    Each changed file is replaced atomically and files no longer generated are removed last, so
    a reader (or a failure half way) never finds a file missing or half written.
    """
    fresh = {p.relative_to(fresh_dir) for p in fresh_dir.rglob("*") if p.is_file()}
    changed = [target / name for name in sorted(fresh) if _replace_if_changed(fresh_dir / name, target / name)]
    if target.exists():
        for extra in [p for p in target.rglob("*") if p.is_file() and p.relative_to(target) not in fresh]:
            extra.unlink()
            changed.append(extra)
    return changed


def _replace_if_changed(source: Path, target: Path) -> bool:
    content = source.read_bytes()
    if target.is_file() and target.read_bytes() == content:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, target)
    return True


def stale(assignments: list[str] | None = None) -> list[str]:
    """Files of notebooks/ that differ from a fresh generation (missing, changed or extra)."""
    ids = course.assignment_ids(assignments)
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        generate(ids, Path(tmp))
        for assignment in ids:
            fresh_dir = Path(tmp) / assignment
            committed_dir = course.release_dir() / assignment
            fresh = {p.relative_to(fresh_dir) for p in fresh_dir.rglob("*") if p.is_file()}
            committed = (
                {p.relative_to(committed_dir) for p in committed_dir.rglob("*") if p.is_file()}
                if committed_dir.is_dir() else set()
            )
            for rel in sorted(fresh | committed):
                shown = f"notebooks/{assignment}/{rel.as_posix()}"
                if rel not in committed:
                    problems.append(f"{shown}（ありません）")
                elif rel not in fresh:
                    problems.append(f"{shown}（solutions/ に元がありません）")
                elif not filecmp.cmp(fresh_dir / rel, committed_dir / rel, shallow=False):
                    problems.append(f"{shown}（solutions/ から作り直した内容と違います）")
    return problems
