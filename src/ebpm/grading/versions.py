"""Submissions as versions: every hand-in is kept, what is graded is derived, and every import can be undone.

Each file a learner hands in is stored once per import under
``_grading/versions/<assignment>/<learner>/<file>/<k>__<hand-in time>.<ext>`` and never deleted.
``_grading/versions/imports.json`` lists every import (its number, date, source, what it added,
left unchanged or refused) and the *active* version of every file: the newest by hand-in time
(the zip entry's or file's time, else the import time). nbgrader's ``submitted/<learner>/<assignment>/``
is materialised from the active versions, so stock nbgrader still reads it, and a partial
resubmission replaces only the files it contains. An older copy than the active one is refused
unless the instructor asks for it (``replace``).

Before an import changes anything, a snapshot of what it may change is taken for the learners it
changes: the active versions, the gradebook rows of the submission (scores, manual grades,
comments), the autograded and feedback folders and the journal lines. ``undo`` puts that back, so
the course is as it was before the import; an import whose learners a later import changed again
cannot be undone before that later one.

Files changed in ``submitted/`` by something else (``nbgrader collect``, or the instructor fixing a
file name by hand) are taken in as an import of their own (``adopt``) before anything else reads
the folder, so that they are kept, listed and undoable too.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ebpm.errors import EbpmError
from ebpm.grading.layout import CourseLayout

TOKYO = ZoneInfo("Asia/Tokyo")
TIMESTAMP_FILE = "timestamp.txt"
STATE_FILE = "imports.json"
ADOPTED_SOURCE = "submitted/ にあったもの（nbgrader collect や手での修正）"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shown(moment: str) -> str:
    """A stored ISO time as an instructor reads it (Asia/Tokyo, to the second)."""
    return datetime.fromisoformat(moment).astimezone(TOKYO).strftime("%Y-%m-%d %H:%M:%S")


def now() -> str:
    return datetime.now(TOKYO).isoformat(timespec="seconds")


@dataclass
class Incoming:
    """One file of one learner's hand-in, as an import found it."""

    learner: str
    relative: str     # the path inside the submission, e.g. "00_x.ipynb"
    path: Path        # where its bytes are now
    handed_in: str    # ISO time with zone
    name: str = ""    # the learner's name as handed in (for messages)


@dataclass
class Change:
    learner: str
    name: str
    relative: str
    kind: str             # "added" (new file), "replaced" (newer, or older with replace), "unchanged", "refused"
    handed_in: str
    kept: str = ""        # the active version's hand-in time (replaced or refused)
    version: str = ""     # the stored version, relative to the versions folder


@dataclass
class ImportRecord:
    number: int
    date: str
    assignment: str
    source: str
    replace: bool = False
    changes: list[Change] = field(default_factory=list)
    undone: str = ""

    @property
    def learners(self) -> list[str]:
        return sorted({c.learner for c in self.changes})

    @property
    def changed_learners(self) -> list[str]:
        """Learners whose graded submission this import changed."""
        return sorted({c.learner for c in self.changes if c.kind in ("added", "replaced")})

    def count(self, *kinds: str) -> int:
        return sum(1 for c in self.changes if c.kind in kinds)


class Store:
    """The versions folder of one course: the list of imports and the active version of every file."""

    def __init__(self, layout: CourseLayout):
        self.layout = layout
        self.folder = layout.grading / "versions"
        self.state_path = self.folder / STATE_FILE
        self.imports: list[ImportRecord] = []
        # assignment → learner → file → {"version", "sha256", "handed_in"}
        self.active: dict[str, dict[str, dict[str, dict]]] = {}
        if self.state_path.is_file():
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
            self.active = state["active"]
            for record in state["imports"]:
                changes = [Change(**c) for c in record.pop("changes")]
                self.imports.append(ImportRecord(**record, changes=changes))

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        state = {"imports": [asdict(r) for r in self.imports], "active": self.active}
        partial = self.state_path.with_suffix(".json.partial")
        partial.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
        partial.replace(self.state_path)

    def record(self, number: int) -> ImportRecord:
        found = next((r for r in self.imports if r.number == number), None)
        if found is None:
            known = ", ".join(str(r.number) for r in self.imports) or "なし"
            raise EbpmError(f"取り込み番号 {number} はありません（ある番号: {known}）。`.venv/bin/ebpm imports` で一覧を確かめてください。")
        return found

    def files(self, assignment: str, learner: str) -> dict[str, dict]:
        return self.active.get(assignment, {}).get(learner, {})

    def submitted_folder(self, assignment: str, learner: str) -> Path:
        return self.layout.submitted / learner / assignment

    # --- what is graded -----------------------------------------------------------------------

    def materialise(self, assignment: str, learner: str) -> None:
        """Write ``submitted/<learner>/<assignment>/`` from the active versions (remove it when there are none)."""
        target = self.submitted_folder(assignment, learner)
        if target.exists():
            shutil.rmtree(target)
        files = self.files(assignment, learner)
        if not files:
            if target.parent.is_dir() and not any(target.parent.iterdir()):
                target.parent.rmdir()
            return
        target.mkdir(parents=True)
        for relative, version in files.items():
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.folder / version["version"], destination)
        newest = max(datetime.fromisoformat(v["handed_in"]) for v in files.values())
        (target / TIMESTAMP_FILE).write_text(newest.astimezone(TOKYO).isoformat(), encoding="utf-8")

    def on_disk(self, assignment: str, learner: str) -> dict[str, str]:
        """file → sha256 of what ``submitted/`` holds now (timestamp.txt left out)."""
        folder = self.submitted_folder(assignment, learner)
        if not folder.is_dir():
            return {}
        return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*"))
                if p.is_file() and p.relative_to(folder).as_posix() != TIMESTAMP_FILE}

    # --- adding versions ----------------------------------------------------------------------

    def _store(self, assignment: str, item: Incoming) -> str:
        where = self.folder / assignment / item.learner / item.relative
        where.mkdir(parents=True, exist_ok=True)
        number = 1 + len([p for p in where.iterdir() if p.is_file()])
        stamp = datetime.fromisoformat(item.handed_in).astimezone(TOKYO).strftime("%Y%m%d-%H%M%S")
        target = where / f"{number}__{stamp}{Path(item.relative).suffix}"
        shutil.copyfile(item.path, target)
        return target.relative_to(self.folder).as_posix()

    def plan(self, assignment: str, incoming: list[Incoming], replace: bool, renamed_is_same: bool = True) -> list[Change]:
        """What an import would do to each file, without doing it."""
        changes = []
        for item in incoming:
            files = self.files(assignment, item.learner)
            kept = files.get(item.relative)
            change = Change(item.learner, item.name, item.relative, "added", item.handed_in)
            if kept is None and renamed_is_same and sha256(item.path) in {v["sha256"] for v in files.values()}:
                change.kind = "unchanged"  # already there under another name (the instructor renamed it)
            elif kept is not None:
                change.kept = kept["handed_in"]
                if kept["sha256"] == sha256(item.path):
                    change.kind = "unchanged"
                elif (datetime.fromisoformat(item.handed_in) >= datetime.fromisoformat(kept["handed_in"])
                      or replace):
                    change.kind = "replaced"
                else:
                    change.kind = "refused"
            changes.append(change)
        return changes

    def apply(self, assignment: str, source: str, incoming: list[Incoming], replace: bool = False) -> ImportRecord:
        """Add an import: store its new versions, make the newest active, materialise, and list it."""
        record = ImportRecord(number=1 + max((r.number for r in self.imports), default=0), date=now(),
                              assignment=assignment, source=source, replace=replace,
                              changes=self.plan(assignment, incoming, replace))
        take_snapshot(self, record)
        by_file = {(i.learner, i.relative): i for i in incoming}
        for change in record.changes:
            if change.kind not in ("added", "replaced"):
                continue
            item = by_file[(change.learner, change.relative)]
            change.version = self._store(assignment, item)
            self.active.setdefault(assignment, {}).setdefault(change.learner, {})[change.relative] = {
                "version": change.version, "sha256": sha256(item.path), "handed_in": item.handed_in}
        for learner in record.changed_learners:
            self.materialise(assignment, learner)
        self.imports.append(record)
        self.save()
        return record


def adopt(layout: CourseLayout, assignments: list[str] | None = None) -> list[ImportRecord]:
    """Take in, as imports of their own, files that changed in ``submitted/`` outside ebpm.

    A learner folder that differs from its active versions (``nbgrader collect``, a file renamed or
    edited by hand) becomes the active set as it is now; its new files are stored as versions.
    """
    if not layout.submitted.is_dir():
        return []
    store = Store(layout)
    pending: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for learner_dir in sorted(p for p in layout.submitted.iterdir() if p.is_dir()):
        for folder in sorted(p for p in learner_dir.iterdir() if p.is_dir()):
            if assignments and folder.name not in assignments:
                continue
            now_there = store.on_disk(folder.name, learner_dir.name)
            kept = {f: v["sha256"] for f, v in store.files(folder.name, learner_dir.name).items()}
            if now_there != kept:
                pending.setdefault(folder.name, []).append((learner_dir.name, now_there))
    records = []
    from ebpm.grading import learners

    table = learners.read_table(layout)
    for assignment, changed in pending.items():
        incoming = []
        for learner, files in changed:
            folder = store.submitted_folder(assignment, learner)
            stamp = _folder_time(folder)
            name = table[learner].name if learner in table else learner
            incoming += [Incoming(learner, relative, folder / relative, stamp, name) for relative in files]
        record = ImportRecord(number=1 + max((r.number for r in store.imports), default=0), date=now(),
                              assignment=assignment, source=ADOPTED_SOURCE, replace=True,
                              changes=store.plan(assignment, incoming, replace=True, renamed_is_same=False))
        gone = [(learner, relative) for learner, files in changed
                for relative in store.files(assignment, learner) if relative not in files]
        # a file that disappeared from submitted/ changes the learner's set too
        for learner, relative in gone:
            kept = store.files(assignment, learner)[relative]
            name = table[learner].name if learner in table else learner
            record.changes.append(Change(learner, name, relative, "removed", kept["handed_in"], kept["handed_in"]))
        take_snapshot(store, record)
        for change in record.changes:
            if change.kind in ("added", "replaced"):
                item = next(i for i in incoming if (i.learner, i.relative) == (change.learner, change.relative))
                change.version = store._store(assignment, item)
                store.active.setdefault(assignment, {}).setdefault(change.learner, {})[change.relative] = {
                    "version": change.version, "sha256": sha256(item.path), "handed_in": item.handed_in}
            elif change.kind == "removed":
                store.active[assignment][change.learner].pop(change.relative)
        store.imports.append(record)
        store.save()
        records.append(record)
    return records


def _folder_time(folder: Path) -> str:
    """A submitted folder's hand-in time: its timestamp.txt (nbgrader collect), else its newest file."""
    stamp = folder / TIMESTAMP_FILE
    if stamp.is_file():
        from nbgrader.utils import parse_utc  # the parser nbgrader reads its own timestamp.txt with

        try:
            moment = parse_utc(stamp.read_text(encoding="utf-8").strip())  # naive UTC
            return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(TOKYO).isoformat()
        except (ValueError, OverflowError, TypeError):
            pass
    newest = max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=datetime.now().timestamp())
    return datetime.fromtimestamp(newest, TOKYO).isoformat(timespec="seconds")


# --- snapshots and undo -----------------------------------------------------------------------

@dataclass
class Snapshot:
    """The state of one (assignment, learner) before an import changed it."""

    files: dict[str, dict]            # the active versions
    rows: object                      # merge.SubmissionRows, or None (no submission in the gradebook)
    journal: list[str]                # the journal lines of this submission
    had_autograded: bool
    had_feedback: bool
    learner_known: bool               # the learner was in learners.csv
    student_known: bool               # the learner was in the gradebook


def _snapshot_folder(store: Store, number: int) -> Path:
    return store.folder / "snapshots" / str(number)


def _journal_lines(layout: CourseLayout) -> dict[str, list[str]]:
    """The journal's lines by submission ("assignment/learner")."""
    lines: dict[str, list[str]] = {}
    if layout.journal.is_file():
        for line in layout.journal.read_text(encoding="utf-8").splitlines():
            lines.setdefault(_journal_key(line), []).append(line)
    return lines


def _journal_key(line: str) -> str | None:
    try:
        entry = json.loads(line)
        return f"{entry['assignment']}/{entry['student']}"
    except (json.JSONDecodeError, KeyError, TypeError):
        return None


def take_snapshot(store: Store, record: ImportRecord) -> None:
    """Keep what the import may change, for each learner it changes."""
    from ebpm.grading import learners, merge

    layout = store.layout
    folder = _snapshot_folder(store, record.number)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    table = learners.read_table(layout)
    changed = sorted({c.learner for c in record.changes if c.kind in ("added", "replaced", "removed")})
    rows, known = {}, set()
    if changed and merge.gradebook_exists(layout.db_url):
        rows, known = merge.read_submissions(layout.db_url, layout.course_id, record.assignment, changed)
    journal = _journal_lines(layout)
    snapshots = {}
    for learner in changed:
        assignment = record.assignment
        autograded = layout.autograded / learner / assignment
        feedback = layout.feedback / learner / assignment
        for name, source in (("autograded", autograded), ("feedback", feedback)):
            if source.is_dir():
                shutil.copytree(source, folder / name / learner)
        snapshots[learner] = Snapshot(
            files=json.loads(json.dumps(store.files(assignment, learner))), rows=rows.get(learner),
            journal=journal.get(f"{assignment}/{learner}", []),
            had_autograded=autograded.is_dir(), had_feedback=feedback.is_dir(),
            learner_known=learner in table, student_known=learner in known)
    with (folder / "state.pickle").open("wb") as handle:
        pickle.dump(snapshots, handle)


def blockers(store: Store, record: ImportRecord) -> list[ImportRecord]:
    """Later imports, not undone, that changed a learner this one changed (undo them first)."""
    mine = set(record.changed_learners) | {c.learner for c in record.changes if c.kind == "removed"}
    return [r for r in store.imports if r.number > record.number and not r.undone and r.assignment == record.assignment
            and mine & ({c.learner for c in r.changes if c.kind in ("added", "replaced", "removed")})]


def undo(layout: CourseLayout, number: int) -> ImportRecord:
    """Put the course back as it was before import ``number``, for the learners it changed."""
    from nbgrader.api import Gradebook, MissingEntry

    from ebpm.grading import learners, merge

    store = Store(layout)
    record = store.record(number)
    if record.undone:
        raise EbpmError(f"取り込み {number} は {shown(record.undone)} に取り消し済みです。")
    later = blockers(store, record)
    if later:
        numbers = "、".join(str(r.number) for r in later)
        raise EbpmError(f"取り込み {number} のあとの取り込み {numbers} が、同じ受講者の提出物を変えています。"
                        f"取り込み {number} を取り消すには、先に新しい方から `.venv/bin/ebpm imports --undo {later[-1].number}` "
                        "のように取り消してください。何も変えていません。")
    with (_snapshot_folder(store, number) / "state.pickle").open("rb") as handle:
        snapshots: dict[str, Snapshot] = pickle.load(handle)
    assignment = record.assignment
    kept_lines = []
    if layout.journal.is_file():
        keys = {f"{assignment}/{learner}" for learner in snapshots}
        kept_lines = [line for line in layout.journal.read_text(encoding="utf-8").splitlines()
                      if _journal_key(line) not in keys]
    table = learners.read_table(layout)
    for learner, snap in snapshots.items():
        if snap.files:
            store.active.setdefault(assignment, {})[learner] = snap.files
        else:
            store.active.get(assignment, {}).pop(learner, None)
        store.materialise(assignment, learner)
        for name, target, had in (("autograded", layout.autograded, snap.had_autograded),
                                  ("feedback", layout.feedback, snap.had_feedback)):
            folder = target / learner / assignment
            if folder.exists():
                shutil.rmtree(folder)
            if had:
                shutil.copytree(_snapshot_folder(store, number) / name / learner, folder)
            if folder.parent.is_dir() and not any(folder.parent.iterdir()):
                folder.parent.rmdir()
        if merge.gradebook_exists(layout.db_url):
            if snap.rows is not None:
                merge.write_rows(layout.db_url, layout.course_id, assignment, learner, snap.rows)
            else:
                with Gradebook(layout.db_url, layout.course_id) as gradebook:
                    try:
                        gradebook.remove_submission(assignment, learner)
                    except MissingEntry:
                        pass
                    if not snap.student_known:
                        try:
                            if not gradebook.find_student(learner).submissions:
                                gradebook.remove_student(learner)
                        except MissingEntry:
                            pass
        kept_lines += snap.journal
        has_other = any(learner in by_learner for by_learner in store.active.values())
        if not has_other:  # a learner left with nothing handed in gets no feedback zip
            from ebpm.grading import bundles

            name = table[learner].name if learner in table else learner
            stale = layout.grading / "feedback_bundles" / bundles.file_name(name, learner)
            shutil.rmtree(stale, ignore_errors=True)
            stale.with_suffix(".zip").unlink(missing_ok=True)
        if not snap.learner_known and not has_other:
            table.pop(learner, None)
    if layout.journal.is_file() or kept_lines:
        partial = layout.journal.with_suffix(".jsonl.partial")
        partial.write_text("".join(line + "\n" for line in kept_lines), encoding="utf-8")
        os.replace(partial, layout.journal)
    learners.write_table(layout, table)
    record.undone = now()
    store.save()
    return record


# --- what `ebpm imports` prints -----------------------------------------------------------------

KIND_LABELS = {"added": "追加", "replaced": "差し替え", "unchanged": "同じ内容（変更なし）", "refused": "古いので取り込まず",
               "removed": "submitted/ から消えた"}


def listing(layout: CourseLayout) -> list[str]:
    store = Store(layout)
    if not store.imports:
        return ["取り込みはまだありません。"]
    lines = ["番号  日時                 課題            受講者  変更したファイル  変更なし  取り込まず  取り込み元"]
    for r in store.imports:
        state = f"（{shown(r.undone)} に取り消し済み）" if r.undone else ""
        lines.append(f"{r.number:>4}  {shown(r.date)}  {r.assignment:<14}  {len(r.learners):>6}  "
                     f"{r.count('added', 'replaced', 'removed'):>16}  {r.count('unchanged'):>8}  {r.count('refused'):>10}  "
                     f"{r.source}{' --replace' if r.replace and r.source != ADOPTED_SOURCE else ''}{state}")
    return lines


def details(layout: CourseLayout, number: int) -> list[str]:
    record = Store(layout).record(number)
    lines = [f"取り込み {record.number}: {shown(record.date)}、課題 {record.assignment}、取り込み元 {record.source}"]
    for change in sorted(record.changes, key=lambda c: (c.name, c.relative)):
        when = f"提出 {shown(change.handed_in)}"
        if change.kept and change.kind in ("replaced", "refused"):
            when += f"、それまでの版 {shown(change.kept)}"
        lines.append(f"  {change.name}（ID {change.learner}） {change.relative}: {KIND_LABELS[change.kind]}（{when}）")
    return lines
