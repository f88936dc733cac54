"""Checks of 効果測定: スキルチェック B 票 (solutions/skills_check_b/skills_check_b).

The checks are those of every form (``ebpm.exercises.skills_check``), applied to form B's data.
"""
from __future__ import annotations

from ebpm.exercises.skills_check import checks

_CHECKS = checks("b")
markers = _CHECKS["markers"]
rate = _CHECKS["rate"]
join = _CHECKS["join"]
chart = _CHECKS["chart"]
comparison = _CHECKS["comparison"]
kpi = _CHECKS["kpi"]
