"""``_grading/grade_journal.jsonl``: one line per finished submission, so a batch can resume.

A submission is done when its latest line has the same content hash as its folder now; a
changed resubmission (new hash) is graded again, and ``--force`` regrades everything. A line
is written (and flushed to disk) only after the submission's merge has committed, so an
interruption at any point costs at most the submissions that were running.
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


def read(path: Path) -> dict[str, Entry]:
    """The latest entry of every submission."""
    entries: dict[str, Entry] = {}
    if not path.is_file():
        return entries
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = Entry(**json.loads(line))
        except (json.JSONDecodeError, TypeError):
            continue  # a line cut short by an interruption
        entries[entry.key] = entry
    return entries


def append(path: Path, entry: Entry) -> None:
    entry.finished = entry.finished or datetime.now(ZoneInfo("Asia/Tokyo")).isoformat(timespec="seconds")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
