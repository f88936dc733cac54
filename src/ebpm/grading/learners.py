"""Who the learners are: ids from normalised names, the mapping table, and the optional roster.

One person, one id. A name is normalised (Unicode NFKC, so full-width letters and the
full-width space become plain ones; every kind of whitespace removed; case folded) before
the id is made, so 「山田 太郎」, 「山田　太郎」 and 「山田太郎」 are the same learner in every
assignment. A normalised name that is already a plain ASCII id (``tanaka01``) is the id;
any other gets ``learner-`` plus 10 hex digits of its SHA-256, which nbgrader, file systems
and glob patterns all accept.

``_grading/learners.csv`` (UTF-8 with BOM) maps id → name shown, 所属, メール and every
original spelling met (roster and imports). A roster (名簿 CSV with at least 氏名) registers
learners before anything is handed in, so that non-submitters are listed as 未提出 and the
formgrader shows names (nbgrader's first and last name, never empty).
"""
from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ebpm.errors import EbpmError
from ebpm.grading.layout import CourseLayout

SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
TABLE_COLUMNS = ["受講者ID", "氏名", "所属", "メール", "元の表記"]
SPELLING_SEPARATOR = " | "
NAME_COLUMNS = ("氏名", "名前", "受講者名")
AFFILIATION_COLUMNS = ("所属", "所属課", "部署")
MAIL_COLUMNS = ("メール", "メールアドレス", "email", "Email", "E-mail")


def normalise_name(name: str) -> str:
    """NFKC, no whitespace at all, case folded: the form two spellings of one name share."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()


def learner_id(name: str) -> str:
    """The learner id of a name (the same for every spelling that normalises alike)."""
    key = normalise_name(name)
    if not key:
        raise EbpmError(f"受講者名「{name}」が空です（空白だけの名前は使えません）。")
    if SAFE_ID.match(key):
        return key
    return "learner-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


def display_form(name: str) -> str:
    """A name as shown: NFC, full-width spaces and runs of spaces made one space, trimmed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", name).replace("\u3000", " ")).strip()


def name_parts(name: str) -> tuple[str, str]:
    """(last name, first name) for nbgrader: split at the first space, else the whole name as last name."""
    shown = display_form(name)
    last, _, first = shown.partition(" ")
    return last, first


@dataclass
class Learner:
    id: str
    name: str
    affiliation: str = ""
    email: str = ""
    spellings: list[str] = field(default_factory=list)
    last_name: str = ""
    first_name: str = ""

    def add_spelling(self, original: str) -> None:
        if original not in self.spellings:
            self.spellings.append(original)


def read_table(layout: CourseLayout) -> dict[str, Learner]:
    if not layout.learner_table.is_file():
        return {}
    learners = {}
    with layout.learner_table.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            spellings = [s for s in (row.get("元の表記") or "").split(SPELLING_SEPARATOR) if s]
            learners[row["受講者ID"]] = Learner(row["受講者ID"], row["氏名"], row.get("所属") or "",
                                              row.get("メール") or "", spellings or [row["氏名"]])
    return learners


def write_table(layout: CourseLayout, learners: dict[str, Learner]) -> None:
    layout.learner_table.parent.mkdir(parents=True, exist_ok=True)
    partial = layout.learner_table.with_suffix(".csv.partial")
    with partial.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(TABLE_COLUMNS)
        for key in sorted(learners):
            learner = learners[key]
            writer.writerow([key, learner.name, learner.affiliation, learner.email,
                             SPELLING_SEPARATOR.join(learner.spellings)])
    partial.replace(layout.learner_table)


def remember(layout: CourseLayout, names: dict[str, list[str]]) -> dict[str, Learner]:
    """Add the original spellings met in an import (id → spellings) to the table; returns the table."""
    learners = read_table(layout)
    for key, spellings in names.items():
        learner = learners.setdefault(key, Learner(key, display_form(spellings[0])))
        for spelling in spellings:
            learner.add_spelling(spelling)
    write_table(layout, learners)
    return learners


def register(layout: CourseLayout, learners: dict[str, Learner]) -> None:
    """Create or update the learners in the gradebook with their names (formgrader shows these)."""
    from nbgrader.api import Gradebook

    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        for learner in learners.values():
            if learner.name == learner.id and not learner.last_name:
                gradebook.update_or_create_student(learner.id)
                continue
            last, first = (learner.last_name, learner.first_name) if learner.last_name else name_parts(learner.name)
            gradebook.update_or_create_student(learner.id, last_name=last, first_name=first,
                                               email=learner.email or None)


# --- roster -----------------------------------------------------------------------------------

def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise EbpmError(f"名簿「{path.name}」を UTF-8 としても cp932（Shift_JIS）としても読めません。"
                    "Excel で「CSV UTF-8」として保存し直してください。")


def _column(header: list[str], choices: tuple[str, ...]) -> str | None:
    stripped = {h.strip(): h for h in header}
    return next((stripped[c] for c in choices if c in stripped), None)


def read_roster(path: Path) -> dict[str, Learner]:
    """Learners of a roster CSV (UTF-8 with or without BOM, or cp932): 氏名 required; 所属, メール, 姓, 名 optional."""
    path = Path(path)
    if not path.is_file():
        raise EbpmError(f"名簿のファイル「{path}」がありません。")
    rows = list(csv.reader(_read_text(path).splitlines()))
    if not rows:
        raise EbpmError(f"名簿「{path.name}」が空です。1 行目に見出し（氏名、所属、メール）を書いてください。")
    header = rows[0]
    name_col = _column(header, NAME_COLUMNS)
    if name_col is None:
        raise EbpmError(f"名簿「{path.name}」の 1 行目に「氏名」の列がありません（見出し: {', '.join(header)}）。"
                        "1 行目を「氏名,所属,メール」のようにしてください。")
    index = {h: i for i, h in enumerate(header)}
    optional = {key: _column(header, choices) for key, choices in
                (("affiliation", AFFILIATION_COLUMNS), ("email", MAIL_COLUMNS), ("last", ("姓",)), ("first", ("名",)))}
    learners: dict[str, Learner] = {}
    where: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def value(column: str | None) -> str:
            return row[index[column]].strip() if column is not None and index[column] < len(row) else ""

        name = value(name_col)
        if not name:
            raise EbpmError(f"名簿「{path.name}」の {number} 行目: 氏名が空です。")
        key = learner_id(name)
        if key in learners:
            raise EbpmError(f"名簿「{path.name}」の {where[key]} 行目「{learners[key].name}」と {number} 行目「{name}」は、"
                            "空白・全角半角・大文字小文字を除くと同じ名前なので、同じ受講者 ID になります。"
                            "別の人なら、名前に所属などを添えて区別してください（例: 山田 太郎（企画課））。")
        where[key] = number
        learners[key] = Learner(key, display_form(name), value(optional["affiliation"]), value(optional["email"]),
                                [name], value(optional["last"]), value(optional["first"]))
    if not learners:
        raise EbpmError(f"名簿「{path.name}」に受講者がいません。")
    return learners


def import_roster(layout: CourseLayout, path: Path) -> dict[str, Learner]:
    """Merge a roster into the table and the gradebook; returns the roster's learners."""
    roster = read_roster(path)
    learners = read_table(layout)
    for key, entry in roster.items():
        known = learners.get(key)
        if known is not None:
            for spelling in known.spellings:
                entry.add_spelling(spelling)
        learners[key] = entry
    write_table(layout, learners)
    register(layout, roster)
    return roster
