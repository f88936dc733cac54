"""The skills check (効果測定: スキルチェック): its skills, points, forms and nbgrader cell ids.

Each learner takes one form at the start of the course and the other after workshop 4. Both forms
ask the same six skills with the same grade ids and points; only their data and numbers differ
(``ebpm.synth.skills_check``). The checks live in ``ebpm.exercises.skills_check``.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

SKILLS: Mapping[str, str] = MappingProxyType({
    "markers": "記号入りのファイルを読む",
    "rate": "1,000 人あたりの率",
    "join": "団体コードで結合",
    "chart": "誤解を招かないグラフ",
    "comparison": "前後比較と比較群",
    "kpi": "基準値のある KPI",
})
POINTS_PER_SKILL = 2
FORMS: Mapping[str, str] = MappingProxyType({"A": "skills_check_a", "B": "skills_check_b"})


def answer_cell_id(skill: str) -> str:
    """The grade id of the answer cell of ``skill`` (the same in both forms)."""
    _known(skill)
    return f"sc-{skill}"


def test_cell_id(skill: str) -> str:
    """The grade id of the one autograded test cell of ``skill`` (the same in both forms)."""
    _known(skill)
    return f"sc-{skill}-test"


def prompt_cell_id(skill: str) -> str:
    """The grade id of the read-only prompt of ``skill``."""
    _known(skill)
    return f"sc-{skill}-prompt"


def _known(skill: str) -> None:
    if skill not in SKILLS:
        raise KeyError(f"スキル「{skill}」はスキルチェックにありません。あるのは: {'、'.join(SKILLS)}")
