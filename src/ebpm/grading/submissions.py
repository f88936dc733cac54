"""Find the submissions to grade, or import learners' notebooks from a folder or a zip.

Learner ids come from ``learners.learner_id`` (a normalised name, so one person is one id);
``_grading/learners.csv`` maps each id to the name shown and every original spelling. An
import refuses (and imports nothing) when two entries of it give the same id, and lists
every entry it skipped with the reason. Imported files are kept as versions (``versions``);
names that arrive as bytes are decoded or refused (``entrynames``).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ebpm.errors import EbpmError
from ebpm.grading import entrynames, learners as learner_ids, versions
from ebpm.grading.layout import CourseLayout

TOKYO = ZoneInfo("Asia/Tokyo")
TIMESTAMP_FILE = versions.TIMESTAMP_FILE


@dataclass
class Submission:
    """One learner's hand-in of one assignment, as nbgrader's submitted folder holds it."""

    assignment: str
    student: str
    folder: Path
    display_name: str = ""
    content_hash: str = ""
    files: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.assignment}/{self.student}"


def content_hash(folder: Path) -> str:
    """SHA-256 over every file's relative path and bytes (timestamp.txt included)."""
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(file.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def discover(layout: CourseLayout, assignments: list[str] | None = None,
             students: list[str] | None = None) -> list[Submission]:
    """Every ``submitted/<learner>/<assignment>/`` folder (of the selected assignments).

    Folders changed outside ebpm (``nbgrader collect``, a fix by hand) are first kept as versions.
    """
    versions.adopt(layout, assignments)
    names = read_learner_table(layout)
    found: list[Submission] = []
    if not layout.submitted.is_dir():
        return found
    for student_dir in sorted(p for p in layout.submitted.iterdir() if p.is_dir()):
        if students and student_dir.name not in students:
            continue
        for folder in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            if assignments and folder.name not in assignments:
                continue
            found.append(Submission(
                assignment=folder.name, student=student_dir.name, folder=folder,
                display_name=names.get(student_dir.name, student_dir.name),
                content_hash=content_hash(folder),
                files=sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()),
            ))
    return found


# --- learner ids ------------------------------------------------------------------------------

def safe_id(name: str) -> str:
    """A learner id that nbgrader, file systems and glob patterns all accept (see ``learners``)."""
    return learner_ids.learner_id(name)


def read_learner_table(layout: CourseLayout) -> dict[str, str]:
    """Learner id → the name shown."""
    return {key: learner.name for key, learner in learner_ids.read_table(layout).items()}


# --- import -----------------------------------------------------------------------------------

def _assignment_notebooks(layout: CourseLayout, assignment: str) -> list[str]:
    folder = layout.source / assignment
    names = sorted(p.stem for p in folder.glob("*.ipynb"))
    if not names:
        raise EbpmError(f"課題 {assignment} のノートブックが {folder} にありません。")
    return names


# Files that operating systems and Jupyter leave in folders and zips: not learners' work.
IGNORED_NAMES = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini", ".ipynb_checkpoints"}
UNREADABLE_NAME = ("名前の文字コードが UTF-8 でも Shift_JIS（cp932）の日本語でもないため、誰の提出物か分かりません。"
                   "元の zip を Windows のエクスプローラーで展開するか、zip のまま取り込んでください。")


@dataclass
class Skipped:
    source: str   # the entry as found in the folder or zip
    reason: str   # in Japanese
    ignored: bool = False  # operating-system or Jupyter leftovers: listed, but not an error


@dataclass
class ImportResult:
    submissions: list[Submission]
    skipped: list[Skipped]
    record: versions.ImportRecord | None = None
    adopted: list[versions.ImportRecord] = field(default_factory=list)

    @property
    def problems(self) -> list[Skipped]:
        """Skipped entries that may be a learner's work (the batch then exits non-zero)."""
        return [s for s in self.skipped if not s.ignored]

    @property
    def refused(self) -> list[versions.Change]:
        """Files older than the version kept (not taken in: the batch exits non-zero)."""
        return [c for c in self.record.changes if c.kind == "refused"] if self.record else []


def _stage_zip(path: Path, into: Path, skipped: list[Skipped]) -> None:
    """Unpack a zip into ``into`` with names decoded (cp932 from Windows) and hand-in times kept."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = entrynames.zip_entry_name(info)
            if name is None:
                skipped.append(Skipped(_raw_entry(info), UNREADABLE_NAME))
                continue
            reason = entrynames.unsafe_path_reason(name)
            if reason:
                skipped.append(Skipped(name, reason))
                continue
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if info.is_dir() or not parts:
                continue
            target = into.joinpath(*parts)
            if target.exists():
                skipped.append(Skipped(name, "同じ名前のファイルが zip の中に 2 つあります（後の方は取り込みません）。"))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            mtime = datetime(*info.date_time).replace(tzinfo=TOKYO).timestamp()
            os.utime(target, (mtime, mtime))


def _raw_entry(info: zipfile.ZipInfo) -> str:
    """A zip entry's name as stored, its bytes that are not ASCII shown as \\xNN."""
    raw = info.filename.encode("cp437") if not info.flag_bits & entrynames.UTF8_FLAG else info.filename.encode()
    return raw.decode("ascii", errors="backslashreplace")


def _stage_folder(source: Path, into: Path, skipped: list[Skipped]) -> None:
    """Copy a folder into ``into`` with names that ``unzip`` garbled recovered, hand-in times kept."""
    for current, folders, files in os.walk(source):
        here = Path(current)
        relative = here.relative_to(source)
        clean_parts = [entrynames.disk_name(p) for p in relative.parts]
        target_dir = into.joinpath(*clean_parts)
        for folder in list(folders):
            if entrynames.disk_name(folder) is None:
                skipped.append(Skipped(entrynames.shown_raw((relative / folder).as_posix()) + "/", UNREADABLE_NAME))
                folders.remove(folder)
        for file in files:
            clean = entrynames.disk_name(file)
            if clean is None:
                skipped.append(Skipped(entrynames.shown_raw((relative / file).as_posix()), UNREADABLE_NAME))
                continue
            target = target_dir / clean
            if target.exists():
                skipped.append(Skipped(entrynames.shown_raw((relative / file).as_posix()),
                                       f"文字コードを直すと「{clean}」になり、同じ名前のファイルがすでにあります。"))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(here / file, target)


def _stage(path: Path, into: Path, skipped: list[Skipped]) -> Path:
    """A folder holding the learner files of ``path`` (a folder, or a zip), every name readable."""
    into.mkdir(parents=True)
    if path.is_dir():
        _stage_folder(path, into, skipped)
    elif zipfile.is_zipfile(path):
        _stage_zip(path, into, skipped)
    else:
        raise EbpmError(f"{entrynames.shown_path(path)} はフォルダでも zip ファイルでもありません。")
    return into


def _strip_wrapper(folder: Path, notebooks: list[str]) -> Path:
    """A zip made by compressing one folder (``提出物/``) holds the learners one level down."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX"]
    if len(entries) == 1 and entries[0].is_dir() and not _is_learner_folder(entries[0], notebooks):
        return entries[0]
    return folder


def _is_learner_folder(folder: Path, notebooks: list[str]) -> bool:
    """One learner's folder (its notebooks directly inside), rather than a folder of learners.

    A learner's zip with a misnamed notebook (「… のコピー.ipynb」) is still that learner's folder when
    the assignment has several notebooks (a folder of learners would hold folders, not notebooks)."""
    inside = [p for p in folder.iterdir() if p.name not in IGNORED_NAMES and not p.name.startswith(".")]
    stems = {entrynames.without_browser_copy_number(p.stem) for p in inside if p.is_file() and p.suffix == ".ipynb"}
    if stems & set(notebooks):
        return True
    if any(p.is_dir() for p in inside) or len(notebooks) == 1:
        return False
    return bool(stems)


def _notebook_name(relative: str, notebooks: list[str], present: set[str]) -> str:
    """「00_x (1).ipynb」(a browser's second download) is the notebook 00_x.ipynb, unless that is there too."""
    path = Path(relative)
    if path.suffix != ".ipynb" or len(path.parts) != 1:
        return relative
    stem = entrynames.without_browser_copy_number(path.stem)
    if stem != path.stem and stem in notebooks and f"{stem}.ipynb" not in present:
        return f"{stem}.ipynb"
    return relative


def _learner_entries(folder: Path, notebooks: list[str], assignment: str
                     ) -> tuple[list[tuple[str, str, list[tuple[Path, str]]]], list[Skipped]]:
    """(source, original name, [(file, name in the submission)]) per learner entry, and what was skipped."""
    found, skipped = [], []
    for entry in sorted(folder.iterdir()):
        if entry.name in IGNORED_NAMES:
            skipped.append(Skipped(entry.name, "OS や Jupyter が作る管理用のファイルです（取り込み不要）。", ignored=True))
            continue
        if entry.name.startswith("."):
            skipped.append(Skipped(entry.name, "名前が「.」で始まるため隠しファイルと区別できず、取り込みませんでした。"
                                   "受講者の提出物なら、名前を「受講者名」または「受講者名.ipynb」に直して取り込み直してください。"))
            continue
        name = unicodedata.normalize("NFC", entry.stem if entry.is_file() else entry.name)
        name = entrynames.without_browser_copy_number(name)
        if entry.is_file() and entry.suffix == ".ipynb":
            if len(notebooks) != 1:
                skipped.append(Skipped(entry.name, f"課題 {assignment} はノートブックが {len(notebooks)} 本あるので、"
                                       "「受講者名/ノートブック名.ipynb」の形で置いてください。"))
                continue
            found.append((entry.name, name, [(entry, f"{notebooks[0]}.ipynb")]))
        elif entry.is_dir():
            files = []
            for file in sorted(entry.rglob("*")):
                relative = file.relative_to(entry)
                if not file.is_file():
                    continue
                if any(part in IGNORED_NAMES for part in relative.parts):
                    skipped.append(Skipped(f"{entry.name}/{relative.as_posix()}",
                                           "OS や Jupyter が作る管理用のファイルです（取り込み不要）。", ignored=True))
                    continue
                if relative.as_posix() == versions.TIMESTAMP_FILE:
                    continue  # written from the hand-in times of the versions
                files.append((file, relative.as_posix()))
            present = {r for _, r in files}
            files = [(file, _notebook_name(relative, notebooks, present)) for file, relative in files]
            found.append((entry.name + "/", name, files))
        else:
            skipped.append(Skipped(entry.name, "ノートブック（.ipynb）でも受講者のフォルダでもありません。"))
    return found, skipped


def _handed_in(file: Path) -> str:
    """A file's hand-in time: its modification time (kept from the zip entry), Asia/Tokyo."""
    return datetime.fromtimestamp(file.stat().st_mtime, TOKYO).isoformat(timespec="seconds")


def import_learners(layout: CourseLayout, path: Path, assignment: str, replace: bool = False) -> ImportResult:
    """Add learners' notebooks as versions and materialise ``submitted/<id>/<assignment>/`` (see ``versions``).

    Accepted layouts (a folder or a zip of it): ``<learner>.ipynb`` (only for an assignment of
    one notebook, which is then given the assignment's notebook name) and
    ``<learner>/<notebook>.ipynb`` (other files in the learner's folder are copied too, so
    that the pre-checks can flag them). Per file, the newest hand-in is graded; an older copy
    than the one kept is refused unless ``replace``. Two entries that give one learner id are
    refused before anything is copied.
    """
    path = Path(path)
    shown = entrynames.shown_path(path)
    if not path.exists():
        raise EbpmError(f"取り込むフォルダまたは zip「{shown}」がありません。")
    notebooks = _assignment_notebooks(layout, assignment)
    skipped: list[Skipped] = []
    with tempfile.TemporaryDirectory(prefix="ebpm-import-") as tmp:
        folder = _strip_wrapper(_stage(path, Path(tmp) / "staged", skipped), notebooks)
        entries, more = _learner_entries(folder, notebooks, assignment)
        skipped += more
        by_id: dict[str, tuple[str, str, list]] = {}
        for source, name, files in entries:
            student = learner_ids.learner_id(name)
            if student in by_id:
                first = by_id[student][0]
                raise EbpmError(
                    f"「{Path(shown).name}」の「{first}」と「{source}」は、空白・全角半角・大文字小文字を除くと同じ名前なので、"
                    f"同じ受講者（ID {student}）になります。どちらが正しい提出物か確かめ、片方を除くか名前を直してから"
                    "取り込み直してください。何も取り込んでいません。")
            by_id[student] = (source, name, files)
        adopted = versions.adopt(layout, [assignment])
        incoming = [versions.Incoming(student, relative, file, _handed_in(file), name)
                    for student, (_, name, files) in by_id.items() for file, relative in files]
        record = versions.Store(layout).apply(assignment, shown, incoming, replace=replace)
    table = learner_ids.remember(layout, {student: [name] for student, (_, name, _) in by_id.items()})
    found = [Submission(assignment, student, layout.submitted / student / assignment, display_name=table[student].name)
             for student in by_id]
    return ImportResult(found, skipped, record, adopted)
