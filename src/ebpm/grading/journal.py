"""``_grading/grade_journal.jsonl``: one line per finished submission, so a batch can resume.

A submission is done when its latest line has the same content hash as its folder now; a
changed resubmission (new hash) is graded again, and ``--force`` regrades everything. A line
is written (and flushed to disk) only after the submission's merge has committed, so an
interruption at any point costs at most the submissions that were running.

Before its run starts, each submission gets a ``started`` mark (with the batch's process id), and an
interrupted batch (Ctrl+C, ``kill``) writes ``released`` for what it was running. A mark left without a
later entry or release, by a process that no longer exists, means the batch died while that submission
ran: ``unfinished`` lists them, so that the next batch can set aside the submission that killed it.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo


@dataclass
class Entry:
    assignment: str
    student: str
    content_hash: str
    status: str                      # "graded" (has a score) or "failed" (has a reason)
    display_name: str = ""
    score: float | None = None
    max_score: float | None = None
    reason: str = ""
    reason_kind: str = ""
    findings: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    peak_mb: float = 0.0
    finished: str = ""

    @property
    def key(self) -> str:
        return f"{self.assignment}/{self.student}"


@dataclass
class Mark:
    """A submission whose run started (``mark == "started"``) or was given up by an interrupted batch."""
    mark: str
    key: str
    content_hash: str = ""
    pid: int = 0
    alone: bool = False  # the only submission running at the time: if the batch died, this one did it
    at: str = ""
    isolated: bool = False  # its kernels ran in a sandbox, where they cannot reach the batch's process


def _lines(path: Path):
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
            yield Mark(**data) if "mark" in data else Entry(**data)
        except (json.JSONDecodeError, TypeError):
            continue  # a line cut short by an interruption


def read(path: Path) -> dict[str, Entry]:
    """The latest entry of every submission."""
    return {line.key: line for line in _lines(path) if isinstance(line, Entry)}


def unfinished(path: Path) -> dict[str, Mark]:
    """Submissions whose run started in a batch that died before finishing or releasing them."""
    import psutil

    marks: dict[str, Mark] = {}
    for line in _lines(path):
        if isinstance(line, Mark) and line.mark == "started":
            marks[line.key] = line
        else:
            marks.pop(line.key, None)
    # a mark of a batch still running (another `ebpm grade` at the same time) is not a death
    return {key: mark for key, mark in marks.items() if mark.pid == os.getpid() or not psutil.pid_exists(mark.pid)}


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(data, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _now() -> str:
    return datetime.now(ZoneInfo("Asia/Tokyo")).isoformat(timespec="seconds")


def append(path: Path, entry: Entry) -> None:
    entry.finished = entry.finished or _now()
    _write(path, asdict(entry))


def started(path: Path, key: str, content_hash: str, alone: bool, isolated: bool = False) -> None:
    """Mark a submission's run as started (before any of its code runs)."""
    _write(path, asdict(Mark("started", key, content_hash, os.getpid(), alone, _now(), isolated)))


def released(path: Path, keys) -> None:
    """An interrupted batch gives up these runs: they did not stop it."""
    for key in keys:
        _write(path, asdict(Mark("released", key, at=_now())))
