"""The tables every part of the evaluation reads, whoever made them (the collector or a synthetic cohort).

One row per fact, long format, learner ids as the course knows them (the folder they are saved in is
the course's git-ignored ``_grading/evaluation/``; the anonymised export is :mod:`ebpm.evaluation.anonymise`):

- ``learners``: 受講者ID, 所属, 最初の形式 (A/B as allocated; "" when not allocated)
- ``skills``: 受講者ID, 時期 (before/after), 形式 (A/B), スキル, 得点, 満点
- ``answers``: 受講者ID, 時期 (before/after/followup), 項目, 回答 (1–5)
- ``choices``: 受講者ID, 時期, 種類 (intentions/actions), 選択肢
- ``handins``: 受講者ID, 段階 (the step of the course, in order), 課題, ノートブック, 提出日時 (ISO, "" if not handed in)
- ``releases``: 課題, 配布日時 (ISO; only what the course recorded)
- ``flags``: 受講者ID, 内容 (what the instructor should check; never shown in the report by id)
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

COLUMNS = {
    "learners": ["受講者ID", "所属", "最初の形式"],
    "skills": ["受講者ID", "時期", "形式", "スキル", "得点", "満点"],
    "answers": ["受講者ID", "時期", "項目", "回答"],
    "choices": ["受講者ID", "時期", "種類", "選択肢"],
    "handins": ["受講者ID", "段階", "課題", "ノートブック", "提出日時"],
    "releases": ["課題", "配布日時"],
    "flags": ["受講者ID", "内容"],
}
OCCASION_LABELS = {"before": "研修前", "after": "研修後", "followup": "3 か月後"}


def empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in COLUMNS[name]})


@dataclass
class EvaluationData:
    """The tables and the labels that go with them."""

    learners: pd.DataFrame
    skills: pd.DataFrame
    answers: pd.DataFrame
    choices: pd.DataFrame
    handins: pd.DataFrame
    releases: pd.DataFrame
    flags: pd.DataFrame
    skill_labels: dict[str, str] = field(default_factory=dict)
    item_labels: dict[str, str] = field(default_factory=dict)
    choice_labels: dict[str, dict[str, str]] = field(default_factory=dict)   # intentions/actions → id → label
    steps: list[str] = field(default_factory=list)        # the steps of the course in order (段階)
    synthetic: bool = False
    note: str = ""

    def save(self, folder: Path) -> Path:
        """Each table as ``<name>.csv`` (UTF-8 with BOM) and the labels as ``labels.json``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in COLUMNS:
            getattr(self, name).to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")
        labels = {"skill_labels": self.skill_labels, "item_labels": self.item_labels,
                  "choice_labels": self.choice_labels, "steps": self.steps, "synthetic": self.synthetic,
                  "note": self.note}
        (folder / "labels.json").write_text(json.dumps(labels, ensure_ascii=False, indent=1), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path) -> EvaluationData:
        folder = Path(folder)
        tables = {}
        for name, columns in COLUMNS.items():
            frame = pd.read_csv(folder / f"{name}.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
            tables[name] = frame.reindex(columns=columns)
        for name, column in (("skills", "得点"), ("skills", "満点"), ("answers", "回答")):
            tables[name][column] = pd.to_numeric(tables[name][column], errors="coerce")
        labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
        return cls(**tables, **labels)


# --- the steps of the course, in the order a learner meets them ------------------------------------------

FIRST_CHECK = "スキルチェック（1 回目）"
SECOND_CHECK = "スキルチェック（2 回目）"
QUESTIONNAIRE_STEPS = {"before": "アンケート（研修前）", "after": "アンケート（研修後）",
                       "followup": "アンケート（3 か月後）"}


def course_steps() -> list[tuple[str, str | None]]:
    """(step label, assignment id) in course order; the skills checks' assignment depends on the
    learner's form (None here)."""
    from ebpm import catalog
    from ebpm.evaluation import QUESTIONNAIRES, is_evaluation

    teaching = [(a.title.split(":")[0], a.id) for a in catalog.assignments() if not is_evaluation(a.id)]
    return [(QUESTIONNAIRE_STEPS["before"], QUESTIONNAIRES["before"]), (FIRST_CHECK, None), *teaching,
            (SECOND_CHECK, None), (QUESTIONNAIRE_STEPS["after"], QUESTIONNAIRES["after"]),
            (QUESTIONNAIRE_STEPS["followup"], QUESTIONNAIRES["followup"])]
