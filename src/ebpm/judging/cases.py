"""Wrong-answer and alternative-answer cases, kept as data beside the tests.

tests/wrong_answers/<assignment>/<notebook>.toml: each case replaces one answer cell; every test
cell in ``fails`` must lose its points and show ``hint`` (a part of the learner's message).
tests/alternative_answers/<assignment>/<notebook>.toml: each case is a valid answer written another
way; every test cell of its exercise must give full marks.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ebpm import course

WRONG = "wrong_answers"
ALTERNATIVE = "alternative_answers"


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # WRONG or ALTERNATIVE
    assignment: str
    notebook: str
    answer: str
    code: str
    why: str
    fails: tuple[str, ...] = ()
    hint: str = ""

    def as_job(self) -> dict:
        return {"id": self.id, "answer": self.answer, "code": self.code}


def cases_dir(kind: str) -> Path:
    return course.repo_root() / "tests" / kind


def load(kind: str, assignment: str | None = None, notebook: str | None = None) -> list[Case]:
    """The cases of one kind (of one assignment or notebook), in file order."""
    found = []
    for file in sorted(cases_dir(kind).glob("*/*.toml")):
        if (assignment and file.parent.name != assignment) or (notebook and file.stem != notebook):
            continue
        for raw in tomllib.loads(file.read_text(encoding="utf-8")).get("case", []):
            found.append(Case(
                id=raw["id"], kind=kind, assignment=file.parent.name, notebook=file.stem, answer=raw["answer"],
                code=raw["code"].strip("\n"), why=raw.get("why", ""), fails=tuple(raw.get("fails", ())),
                hint=raw.get("hint", ""),
            ))
    return found


def all_cases(assignment: str | None = None, notebook: str | None = None) -> list[Case]:
    return load(WRONG, assignment, notebook) + load(ALTERNATIVE, assignment, notebook)
