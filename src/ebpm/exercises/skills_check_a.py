"""Checks of 効果測定: スキルチェック A 票 (solutions/skills_check_a/skills_check_a).

The checks are those of every form (``ebpm.exercises.skills_check``), applied to form A's data.
"""
from __future__ import annotations

from ebpm.exercises.skills_check import checks

_CHECKS = checks("a")
markers = _CHECKS["markers"]
rate = _CHECKS["rate"]
join = _CHECKS["join"]
chart = _CHECKS["chart"]
comparison = _CHECKS["comparison"]
kpi = _CHECKS["kpi"]
