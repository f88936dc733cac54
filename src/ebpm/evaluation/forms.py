"""`ebpm evaluate forms`: which form of the skills check (A or B) each learner takes first.

The allocation is random per learner and kept in ``_grading/evaluation/forms.csv`` (UTF-8 with BOM):
once a learner has a form, it never changes. Learners met for the first time (a roster imported
later) are allocated in an order fixed by a keyed hash of their id (HMAC-SHA256 with the course's
seed), two by two: in each pair one takes A first and the other B first, the hash deciding which, so
the two forms stay balanced (at most one apart); an odd one out takes the form that is behind, or by
the hash when they are level. The same roster and seed always give the same allocation.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from ebpm.errors import EbpmError
from ebpm.evaluation import SKILL_FORMS
from ebpm.grading.layout import CourseLayout

COLUMNS = ["受講者ID", "氏名", "所属", "最初の形式", "最初の課題", "2回目の課題", "乱数の種"]
FORMS = ("A", "B")


@dataclass
class Allocation:
    learner: str
    name: str
    affiliation: str
    first: str      # "A" or "B"
    seed: str

    @property
    def second(self) -> str:
        return "B" if self.first == "A" else "A"


def path(layout: CourseLayout) -> Path:
    return layout.grading / "evaluation" / "forms.csv"


def _key(seed: str, learner: str) -> bytes:
    return hmac.new(seed.encode("utf-8"), learner.encode("utf-8"), hashlib.sha256).digest()


def allocate(learners: dict[str, tuple[str, str]], seed: str,
             existing: dict[str, Allocation] | None = None) -> dict[str, Allocation]:
    """Allocations for ``learners`` (id → (name, 所属)), keeping ``existing`` ones as they are."""
    kept = dict(existing or {})
    fresh = sorted((k for k in learners if k not in kept), key=lambda k: _key(seed, k))
    counts = {form: sum(1 for a in kept.values() if a.first == form) for form in FORMS}
    result = dict(kept)
    for start in range(0, len(fresh), 2):
        pair = fresh[start:start + 2]
        coin = _key(seed, pair[0])[-1] & 1
        if len(pair) == 2:
            firsts = ("A", "B") if coin else ("B", "A")
        elif counts["A"] != counts["B"]:
            firsts = ("A" if counts["A"] < counts["B"] else "B",)
        else:
            firsts = ("A" if coin else "B",)
        for learner, first in zip(pair, firsts):
            name, affiliation = learners[learner]
            result[learner] = Allocation(learner, name, affiliation, first, seed)
            counts[first] += 1
    for learner, allocation in result.items():   # names and 所属 as the roster says now
        if learner in learners:
            allocation.name, allocation.affiliation = learners[learner]
    return result


def read(layout: CourseLayout) -> dict[str, Allocation]:
    where = path(layout)
    if not where.is_file():
        return {}
    found = {}
    with where.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            first = (row.get("最初の形式") or "").strip().upper()
            if first not in FORMS:
                raise EbpmError(f"{where} の {number} 行目: 「最初の形式」は A か B です（いまは「{row.get('最初の形式')}」）。")
            found[row["受講者ID"]] = Allocation(row["受講者ID"], row.get("氏名") or "", row.get("所属") or "", first,
                                              row.get("乱数の種") or "")
    return found


def write(layout: CourseLayout, allocations: dict[str, Allocation]) -> Path:
    where = path(layout)
    where.parent.mkdir(parents=True, exist_ok=True)
    partial = where.with_suffix(".csv.partial")
    with partial.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for allocation in sorted(allocations.values(), key=lambda a: (a.affiliation, a.name, a.learner)):
            writer.writerow([allocation.learner, allocation.name, allocation.affiliation, allocation.first,
                             SKILL_FORMS[allocation.first], SKILL_FORMS[allocation.second], allocation.seed])
    partial.replace(where)
    return where


def default_seed(layout: CourseLayout) -> str:
    return f"{layout.course_id}-skills-check"


def run(layout: CourseLayout, seed: str | None = None) -> tuple[dict[str, Allocation], list[str]]:
    """Allocate every learner of the course's learner table (the roster) not allocated yet, and save.

    Returns (all allocations, ids allocated now)."""
    from ebpm.grading import learners as learner_table

    table = learner_table.read_table(layout)
    if not table:
        raise EbpmError(f"受講者の一覧（{layout.learner_table}）がありません。先に `.venv/bin/ebpm roster 名簿.csv` で"
                        "名簿を登録してください。")
    existing = read(layout)
    seeds = {a.seed for a in existing.values() if a.seed}
    seed = seed or (seeds.pop() if len(seeds) == 1 else default_seed(layout))
    allocations = allocate({k: (v.name, v.affiliation) for k, v in table.items()}, seed, existing)
    write(layout, allocations)
    return allocations, [k for k in allocations if k not in existing]
