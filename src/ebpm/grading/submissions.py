"""Find the submissions to grade, or import learners' notebooks from a folder or a zip.

Learner ids. nbgrader uses a learner id as a folder name, inside glob patterns and as a
database key, and JupyterHub user names are ASCII. An imported learner whose name is not a
plain ASCII id (``山田太郎``, ``さくら🌸``, ``a b``) therefore gets a stable safe id,
``learner-`` plus the first 10 hex digits of the SHA-256 of the NFC-normalised name, and the
table ``_grading/learners.csv`` (UTF-8 with BOM) maps safe id → original name. The original
name is also stored as the student's ``last_name`` in the gradebook, so formgrader, the CSV
export and the report show it. Ids that are already safe are kept unchanged.
"""
from __future__ import annotations

import csv
import os
import hashlib
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ebpm.errors import EbpmError
from ebpm.grading.layout import CourseLayout

TOKYO = ZoneInfo("Asia/Tokyo")
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
TIMESTAMP_FILE = "timestamp.txt"


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
    """Every ``submitted/<learner>/<assignment>/`` folder (of the selected assignments)."""
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
    """A learner id that nbgrader, file systems and glob patterns all accept."""
    name = unicodedata.normalize("NFC", name.strip())
    if SAFE_ID.match(name):
        return name
    return "learner-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]


def read_learner_table(layout: CourseLayout) -> dict[str, str]:
    if not layout.learner_table.is_file():
        return {}
    with layout.learner_table.open(encoding="utf-8-sig", newline="") as handle:
        return {row["受講者ID"]: row["氏名"] for row in csv.DictReader(handle)}


def write_learner_table(layout: CourseLayout, table: dict[str, str]) -> None:
    layout.learner_table.parent.mkdir(parents=True, exist_ok=True)
    with layout.learner_table.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["受講者ID", "氏名"])
        for key in sorted(table):
            writer.writerow([key, table[key]])


# --- import -----------------------------------------------------------------------------------

def _zip_name(info: zipfile.ZipInfo) -> str:
    """A zip entry's name; Windows' Explorer stores Japanese names as cp932 without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")
    for encoding in ("utf-8", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unpack(path: Path, into: Path) -> Path:
    """A folder holding the learner files of ``path`` (a folder, or a zip unpacked into ``into``)."""
    if path.is_dir():
        return path
    if not zipfile.is_zipfile(path):
        raise EbpmError(f"{path} はフォルダでも zip ファイルでもありません。")
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = _zip_name(info)
            parts = [p for p in Path(name).parts if p not in ("", ".", "..", "/")]
            if info.is_dir() or not parts or parts[0] == "__MACOSX":
                continue
            target = into.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            mtime = datetime(*info.date_time).replace(tzinfo=TOKYO).timestamp()
            os.utime(target, (mtime, mtime))
    return into


def _strip_wrapper(folder: Path, notebooks: list[str]) -> Path:
    """A zip made by compressing one folder (``提出物/``) holds the learners one level down."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX"]
    if len(entries) == 1 and entries[0].is_dir():
        inner = entries[0]
        is_learner = any((inner / f"{name}.ipynb").exists() for name in notebooks)
        if not is_learner:
            return inner
    return folder


def _assignment_notebooks(layout: CourseLayout, assignment: str) -> list[str]:
    folder = layout.source / assignment
    names = sorted(p.stem for p in folder.glob("*.ipynb"))
    if not names:
        raise EbpmError(f"課題 {assignment} のノートブックが {folder} にありません。")
    return names


def import_learners(layout: CourseLayout, path: Path, assignment: str) -> list[Submission]:
    """Copy learners' notebooks into ``submitted/<id>/<assignment>/`` as ``nbgrader collect`` would.

    Accepted layouts (a folder or a zip of it): ``<learner>.ipynb`` (only for an assignment of
    one notebook, which is then given the assignment's notebook name) and
    ``<learner>/<notebook>.ipynb`` (other files in the learner's folder are copied too, so
    that the pre-checks can flag them). ``timestamp.txt`` is the newest file time, Asia/Tokyo.
    """
    path = Path(path)
    if not path.exists():
        raise EbpmError(f"取り込むフォルダまたは zip「{path}」がありません。")
    notebooks = _assignment_notebooks(layout, assignment)
    table = read_learner_table(layout)
    imported: dict[str, tuple[str, list[tuple[Path, str]]]] = {}
    with tempfile.TemporaryDirectory(prefix="ebpm-import-") as tmp:
        folder = _strip_wrapper(_unpack(path, Path(tmp)), notebooks)
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith(".") or entry.name == "__MACOSX":
                continue
            if entry.is_file() and entry.suffix == ".ipynb":
                if len(notebooks) != 1:
                    raise EbpmError(
                        f"{entry.name}: 課題 {assignment} はノートブックが {len(notebooks)} 本あるので、"
                        "「受講者名/ノートブック名.ipynb」の形で置いてください。")
                name = unicodedata.normalize("NFC", entry.stem)
                imported[safe_id(name)] = (name, [(entry, f"{notebooks[0]}.ipynb")])
            elif entry.is_dir():
                name = unicodedata.normalize("NFC", entry.name)
                files = [(f, f.relative_to(entry).as_posix()) for f in sorted(entry.rglob("*"))
                         if f.is_file() and ".ipynb_checkpoints" not in f.parts]
                imported[safe_id(name)] = (name, files)
        submissions = []
        for student, (name, files) in imported.items():
            target = layout.submitted / student / assignment
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            newest = 0.0
            for source, relative in files:
                destination = target / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
                newest = max(newest, source.stat().st_mtime)
            stamp = datetime.fromtimestamp(newest or datetime.now().timestamp(), TOKYO)
            (target / TIMESTAMP_FILE).write_text(stamp.isoformat(), encoding="utf-8")
            table[student] = name
            submissions.append(Submission(assignment, student, target, display_name=name))
    write_learner_table(layout, table)
    return submissions
