"""The true effects built into the synthetic studies, for notebooks and tests to compare with.

Each value is what an unbiased estimator recovers on average; a finite sample gives an estimate
near it (the tests check a tolerance).
"""
from __future__ import annotations

RCT_SEED = 43810
DID_SEED = 43811
RD_SEED = 43812
SURVEY_SEED = 43813
FISCAL_SEED = 43814

TRUE_EFFECTS: dict[str, dict] = {
    "health_checkup_rct": {
        "outcome": "受診", "treatment": "はがき送付", "effect": 0.06, "unit": "受診率の差（割合）",
        "explanation": "受診勧奨はがきは特定健診の受診確率を 6 ポイント上げる（全員に共通の効果）。",
    },
    "tourism_did": {
        "outcome": "観光客数", "treatment": "施策実施", "policy_start": "2022-04",
        "effect": 0.15, "unit": "観光客数の比（対数で約 0.14）",
        "explanation": "施策を行った 4 町では 2022年4月から観光客数が 15% 増える。施策がなければ全町で平行トレンド。",
    },
    "subsidy_rd": {
        "outcome": "子育て支出_千円", "running": "世帯所得_万円", "cutoff": 400, "effect": 120,
        "unit": "千円（年間）",
        "explanation": "世帯所得 400 万円未満の世帯に支給される補助金で、年間の子育て支出が 120 千円増える（閾値での跳び）。",
    },
    "resident_survey": {
        "outcome": "定住意向", "note": "子どもがいる 25〜44 歳は、子育て環境の満足度が低いほど定住意向が下がる。",
        "effect": 0.08, "unit": "満足度 1 段階あたりの定住意向（あり）の確率の上昇",
    },
}


def true_effect(name: str) -> float:
    """The number for ``name`` (a key of TRUE_EFFECTS)."""
    return TRUE_EFFECTS[name]["effect"]
