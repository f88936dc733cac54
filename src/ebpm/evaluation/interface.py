"""The skills check and the questionnaire as the report needs them: one place that reads
:mod:`ebpm.evaluation.skills` and :mod:`ebpm.evaluation.questionnaire` for the collector, the report and
the synthetic cohorts (so that none of them holds its own copy of the ids, items or record format)."""
from __future__ import annotations

from pathlib import Path

from ebpm.evaluation import questionnaire
from ebpm.evaluation import skills as _skills

MIMETYPE = questionnaire.MIMETYPE
OCCASIONS = tuple(questionnaire.OCCASIONS)
Answers = questionnaire.QuestionnaireAnswers


def skills() -> dict[str, str]:
    """Skill id → Japanese label, in the skills check's order."""
    return dict(_skills.SKILLS)


def points_per_skill() -> float:
    return float(_skills.POINTS_PER_SKILL)


def test_cell_id(skill: str) -> str:
    return _skills.test_cell_id(skill)


def items() -> list[tuple[str, str]]:
    """(item id, statement) of the Likert items."""
    return list(questionnaire.ITEMS)


def choices(kind: str) -> list[tuple[str, str]]:
    """(choice id, label) of ``"intentions"`` or ``"actions"``."""
    return list(questionnaire.CHOICE_LISTS[kind])


def read_answers(notebook: Path) -> Answers | None:
    """The questionnaire record of a handed-in notebook (None: there is none)."""
    return questionnaire.read_answers(Path(notebook))


def record_output(occasion: str, answers: dict, intentions: list[str] = (), actions: list[str] = ()) -> dict:
    """A notebook output holding a record exactly as the questionnaire form displays it (synthetic cohorts
    and tests write these)."""
    record = questionnaire.QuestionnaireAnswers(occasion, dict(answers), tuple(intentions), tuple(actions))
    return {"output_type": "display_data", "metadata": {}, "data": questionnaire.bundle(record)}
