"""Keep the course's data/ exactly as it was: learner code runs with the grader's permissions.

Each run reads its own copy of data/ (``EBPM_DATA_DIR``). The copy is read-only, and the run's
kernels refuse, loudly (``PermissionError``), any write, move or deletion of a file in the copy or
in the real data/ from Python (``open``, ``Path.write_*``, pandas ``to_*``, ``os``/``shutil``),
even when the grader runs as root, which file permissions do not stop: an audit hook
(``sys.addaudithook``, which no later code can remove) installed by a startup file in the run's
own IPython profile. Every refused attempt is written to the run's log of attempts. A write that
goes around Python (a shell command as root) is still seen afterwards: every file's status change
time (``st_ctime``, which no program can set back) is compared with the one taken before the run,
so a file written and then restored is caught too. The real data/ is copied aside when the batch
starts, checked after every submission and restored file by file from that copy when anything changed.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path


def _fingerprint(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Size, modification and status-change time of every file and folder (a write changes the last)."""
    result = {}
    for path in [folder, *folder.rglob("*")]:
        status = path.lstat()
        result[path.relative_to(folder).as_posix()] = (status.st_size if path.is_file() else 0,
                                                       status.st_mtime_ns, status.st_ctime_ns)
    return result


def _set_read_only(folder: Path, read_only: bool = True) -> None:
    for path in [*folder.rglob("*"), folder]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o555 if read_only else 0o755)
        else:
            path.chmod(0o444 if read_only else 0o644)


def remove_copy(folder: Path) -> None:
    """Delete a run's read-only copy (and everything else in its folder)."""
    if folder.exists():
        _set_read_only(folder, read_only=False)
        shutil.rmtree(folder, ignore_errors=True)


def touched_files(folder: Path, before: dict[str, tuple[int, int, int]]) -> list[str]:
    """Files and folders of ``folder`` that were written, added or removed since ``before`` (even if restored)."""
    now = _fingerprint(folder) if folder.is_dir() else {}
    return sorted(name or "." for name in set(now) | set(before) if now.get(name) != before.get(name))


# Runs in each kernel of a run before any learner code (a startup file of the run's own IPython
# profile). It leaves nothing in the learner's namespace and changes nothing else: reading works as before.
_GUARD = r"""
def _ebpm_protect_course_data(roots, log_path):
    import os, sys
    roots = tuple(os.path.realpath(root) for root in roots)
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    writing = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    single = {"os.remove", "os.rmdir", "os.truncate", "os.chmod", "os.chown", "os.utime", "os.mkdir",
              "shutil.rmtree", "os.chflags", "os.lchflags", "os.setxattr", "os.removexattr", "os.mkfifo", "os.mknod"}
    double = {"os.rename", "os.link", "os.symlink", "shutil.copytree", "shutil.move"}
    busy = []

    def inside(path):
        if isinstance(path, int) or path is None:
            return False
        try:
            full = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return any(full == root or full.startswith(root + os.sep) for root in roots)

    def hook(event, args):
        if busy:
            return
        if event == "open":
            path, mode, flags = args
            wants = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & writing)
            paths = [path] if wants else []
        elif event in single:
            paths = args[:1]
        elif event in double:
            paths = args[:2]
        else:
            return
        busy.append(1)
        try:
            hit = [p for p in paths if inside(p)]
            if hit:
                os.write(log, (event + "\t" + os.fsdecode(hit[0]) + "\n").encode("utf-8", "replace"))
                raise PermissionError(13, "採点中は教材データ（data/）を書き換えられません", os.fsdecode(hit[0]))
        finally:
            busy.pop()

    sys.addaudithook(hook)


_ebpm_protect_course_data(ROOTS, LOG)
del _ebpm_protect_course_data
"""
GUARD_FILE = "00-ebpm-protect-course-data.py"


def install_guard(profile_dir: Path, protected: list[Path], log: Path) -> None:
    """Make every kernel that uses ``profile_dir`` refuse (and log) writes to the ``protected`` folders."""
    startup = profile_dir / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    code = _GUARD.replace("ROOTS, LOG", f"{[str(p) for p in protected]!r}, {str(log)!r}")
    (startup / GUARD_FILE).write_text(code, encoding="utf-8")


def refused_writes(log: Path) -> list[str]:
    """The files a run's kernels tried to write in data/ (each once, in order)."""
    if not log.is_file():
        return []
    seen: dict[str, None] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if "\t" in line:
            seen.setdefault(line.split("\t", 1)[1], None)
    return list(seen)


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

    def make_copy(self, target: Path) -> dict[str, tuple[int, int, int]]:
        """A private, read-only copy of data/ for one run; returns its fingerprint (for ``touched_files``)."""
        shutil.copytree(self.pristine, target, symlinks=True)
        _set_read_only(target)
        return _fingerprint(target)

    def quick_check(self) -> list[str]:
        """Restore the changed files if data/ looks touched (cheap: sizes and times); return every file
        written since the last check, including one written and then put back as it was."""
        if _fingerprint(self.data) == self.fingerprint:
            return []
        touched = touched_files(self.data, self.fingerprint)
        return sorted(set(touched) | set(self.restore()))

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
