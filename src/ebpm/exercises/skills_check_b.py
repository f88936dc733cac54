"""Checks of 効果測定: スキルチェック B 票 (solutions/skills_check_b/skills_check_b).

The checks are those of every form (``ebpm.exercises.skills_check``), applied to form B's data.
"""
from __future__ import annotations

from ebpm.exercises.skills_check import checks

# The mutation and diagnosis caches key a notebook by the exercise modules its test cells import (this
# file), not by the modules those import: this line changes with the shared checks, so that a change
# there is analysed again (tests/test_skills_check.py keeps it equal to the sha256 of skills_check.py).
SHARED_CHECKS_SHA256 = "2c9103bda2d9c90f61f781f4d4aa15b43087d7eb128086c98bcf2053d6757cfb"

_CHECKS = checks("b")
markers = _CHECKS["markers"]
rate = _CHECKS["rate"]
join = _CHECKS["join"]
chart = _CHECKS["chart"]
comparison = _CHECKS["comparison"]
kpi = _CHECKS["kpi"]
