"""Keep the course's data/ exactly as it was: learner code runs with the grader's permissions.

Each run reads its own copy of data/ (``EBPM_DATA_DIR``), so ordinary writes land there. Code
that reaches the real folder by another path is caught here: data/ is copied aside when the
batch starts, checked after every submission (sizes and times, then SHA-256 at the end) and
restored file by file from the copy when anything changed.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path


def _fingerprint(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}


def changed_files(folder: Path, reference: dict[str, str]) -> list[str]:
    """Files added, removed or changed in ``folder`` compared with ``reference`` digests."""
    now = _digests(folder) if folder.is_dir() else {}
    return sorted(name for name in set(now) | set(reference) if now.get(name) != reference.get(name))


class DataGuard:
    def __init__(self, data: Path, workdir: Path) -> None:
        self.data = data
        self.pristine = workdir / "data-pristine"
        shutil.copytree(data, self.pristine, symlinks=True)
        self.digests = _digests(self.pristine)
        self.fingerprint = _fingerprint(data)
        self.restored: list[str] = []
        self.last_change = ""

    def make_copy(self, target: Path) -> Path:
        """A private copy of data/ for one run."""
        shutil.copytree(self.pristine, target, symlinks=True)
        return target

    def quick_check(self) -> list[str]:
        """Restore and return the changed files if data/ looks touched (cheap: sizes and times)."""
        if _fingerprint(self.data) == self.fingerprint:
            return []
        return self.restore()

    def restore(self) -> list[str]:
        changed = changed_files(self.data, self.digests)
        for name in changed:
            target, source = self.data / name, self.pristine / name
            if source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
            elif target.exists():
                target.unlink()
        self.fingerprint = _fingerprint(self.data)
        self.restored.extend(changed)
        return changed

    def final_check(self) -> list[str]:
        """Full SHA-256 comparison at the end of the batch (restoring anything changed)."""
        return self.restore()
