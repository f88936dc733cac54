"""The skills check and the questionnaire as the report needs them, read lazily.

``ebpm.evaluation.skills`` and ``ebpm.evaluation.questionnaire`` belong to the helpers that build
those notebooks (docs: the shared interface of issue 27). The report imports them only when it needs
them, and until they exist it uses the interface's own definitions, so that the collector and the
report run (and are tested) on their own.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ebpm.errors import DataFormatError

MIMETYPE = "application/vnd.ebpm.questionnaire+json"
OCCASIONS = ("before", "after", "followup")

# the interface's skill ids and labels (used only while ebpm.evaluation.skills does not exist)
_SKILLS = {"markers": "記号入りのファイルを読む", "rate": "1,000 人あたりの率", "join": "団体コードで結合",
           "chart": "誤解を招かないグラフ", "comparison": "前後比較と比較群", "kpi": "基準値のある KPI"}
_POINTS_PER_SKILL = 2


@lru_cache(maxsize=1)
def _skills_module():
    try:
        from ebpm.evaluation import skills
    except ModuleNotFoundError as error:   # only its absence: an error inside the module must surface
        if error.name != "ebpm.evaluation.skills":
            raise
        return None
    except ImportError as error:
        if "ebpm.evaluation" not in str(error) or "skills" not in str(error):
            raise
        return None
    return skills


def skills() -> dict[str, str]:
    """Skill id → Japanese label, in the skills check's order."""
    module = _skills_module()
    return dict(module.SKILLS) if module is not None else dict(_SKILLS)


def points_per_skill() -> float:
    module = _skills_module()
    return float(module.POINTS_PER_SKILL if module is not None else _POINTS_PER_SKILL)


def test_cell_id(skill: str) -> str:
    module = _skills_module()
    return module.test_cell_id(skill) if module is not None else f"sc-{skill}-test"


@dataclass
class Answers:
    """One questionnaire record (the interface's QuestionnaireAnswers, as the report reads it)."""

    occasion: str
    answers: dict[str, int | None]
    intentions: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _questionnaire_module():
    try:
        from ebpm.evaluation import questionnaire
    except ModuleNotFoundError as error:   # only its absence: an error inside the module must surface
        if error.name != "ebpm.evaluation.questionnaire":
            raise
        return None
    except ImportError as error:
        if "ebpm.evaluation" not in str(error) or "questionnaire" not in str(error):
            raise
        return None
    return questionnaire


def items() -> list[tuple[str, str]] | None:
    """(item id, statement) of the Likert items, or None before the questionnaire module exists."""
    module = _questionnaire_module()
    return list(module.ITEMS) if module is not None else None


def choices(kind: str) -> list[tuple[str, str]] | None:
    """(choice id, label) of INTENTIONS or ACTIONS, or None before the module exists."""
    module = _questionnaire_module()
    return list(getattr(module, kind.upper())) if module is not None else None


def read_answers(notebook: Path) -> Answers | None:
    """The questionnaire record of a handed-in notebook (None: there is none)."""
    module = _questionnaire_module()
    if module is not None:
        found = module.read_answers(Path(notebook))
        if found is None:
            return None
        return Answers(found.occasion, dict(found.answers), list(getattr(found, "intentions", []) or []),
                       list(getattr(found, "actions", []) or []))
    return _read_record(Path(notebook))


def _read_record(notebook: Path) -> Answers | None:
    """The interface's record read directly (the last one in the notebook wins)."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataFormatError(f"ノートブックとして読めません（{type(error).__name__}）。", path=notebook) from None
    found = None
    for cell in cells:
        for output in cell.get("outputs", []) or []:
            data = (output.get("data") or {}).get(MIMETYPE)
            if data is not None:
                found = data
    if found is None:
        return None
    if isinstance(found, str):
        found = json.loads(found)
    if found.get("schema") != 1 or found.get("occasion") not in OCCASIONS or not isinstance(found.get("answers"), dict):
        raise DataFormatError("アンケートの回答の記録が壊れています。", path=notebook,
                              expected='{"schema": 1, "occasion": "before|after|followup", "answers": {...}}')
    answers = {}
    for key, value in found["answers"].items():
        if value is not None and (not isinstance(value, int) or not 1 <= value <= 5):
            raise DataFormatError(f"項目「{key}」の回答 {value!r} が 1〜5 の整数ではありません。", path=notebook)
        answers[key] = value
    return Answers(found["occasion"], answers, list(found.get("intentions") or []), list(found.get("actions") or []))


def record_output(occasion: str, answers: dict, intentions: list[str] = (), actions: list[str] = ()) -> dict:
    """A notebook output holding a record in the interface's format (synthetic cohorts and tests write these)."""
    data = {"schema": 1, "occasion": occasion, "answers": dict(answers), "intentions": list(intentions),
            "actions": list(actions)}
    return {"output_type": "display_data", "metadata": {},
            "data": {MIMETYPE: data, "text/plain": "アンケートの回答（保存すると記録されます）"}}
