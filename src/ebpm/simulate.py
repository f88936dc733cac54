"""Seeded simulations with a known true effect, for the evaluation workshop (ws3).

Every function takes a ``seed`` and returns the same numbers for the same arguments, so test
cells can recompute what a learner should get. Estimates use statsmodels (OLS with HC1 robust
standard errors); nothing here is a hand-written estimator.

- :func:`simulate_program` makes people who join (or are assigned to) a programme, with an
  outcome measured before and after it. Interest (関心度) raises both the chance of joining and the
  outcome, so a naive comparison is biased when ``confounding`` > 0; a common trend makes a
  before/after comparison biased. The true effect is ``effect`` for everyone.
- :func:`estimate_designs` estimates the effect from such data in several ways, with 95% intervals.
- :func:`compare_designs` does both for an observational and a randomised version of the same
  population: the table the simulation lab shows.
- :func:`simulate_regression_to_mean` shows areas picked for being worst improving with no policy.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from ebpm.errors import EbpmError

BASELINE = 50.0
INTEREST_EFFECT = 8.0  # how much one standard deviation of 関心度 raises the outcome

DESIGNS = ("前後比較", "単純比較", "回帰で調整", "差の差分法", "無作為化比較試験")
"""Names of the designs in :func:`compare_designs`, in the order of its rows."""

_COLUMNS = ("推定値", "下限", "上限")


def _check(n: int, noise: float, confounding: float) -> None:
    if int(n) != n or n < 20:
        raise EbpmError(f"人数 n は 20 以上の整数にしてください（指定された値: {n}）。")
    if noise < 0:
        raise EbpmError(f"ばらつき noise は 0 以上にしてください（指定された値: {noise}）。")
    if confounding < 0:
        raise EbpmError(f"交絡の強さ confounding は 0 以上にしてください（指定された値: {confounding}）。")


def simulate_program(
    n: int = 500, effect: float = 5.0, noise: float = 10.0, confounding: float = 1.0,
    trend: float = 3.0, randomized: bool = False, seed: int = 0,
) -> pd.DataFrame:
    """People, their interest, whether they joined, and the outcome before and after.

    Columns: 関心度 (standard normal, raises the outcome by ``INTEREST_EFFECT`` per unit),
    参加 (1/0), 成果_前 and 成果_後. Joining depends on 関心度 through a logistic curve of slope
    ``confounding`` unless ``randomized`` (then exactly half, drawn at random, join). Everyone's
    outcome rises by ``trend`` between the two periods; joining adds ``effect`` after.
    """
    _check(n, noise, confounding)
    n = int(n)
    rng = np.random.default_rng(seed)
    interest = rng.normal(0.0, 1.0, n)
    before = BASELINE + INTEREST_EFFECT * interest + rng.normal(0.0, noise, n)
    if randomized:
        joined = np.zeros(n, dtype=int)
        joined[rng.permutation(n)[: n // 2]] = 1
    else:
        chance = 1.0 / (1.0 + np.exp(-confounding * interest))
        joined = (rng.random(n) < chance).astype(int)
    after = BASELINE + INTEREST_EFFECT * interest + trend + effect * joined + rng.normal(0.0, noise, n)
    return pd.DataFrame({"関心度": interest, "参加": joined, "成果_前": before, "成果_後": after})


def _fit(formula: str, data: pd.DataFrame, term: str) -> tuple[float, float, float]:
    result = smf.ols(formula, data=data).fit(cov_type="HC1")
    low, high = result.conf_int().loc[term]
    return float(result.params[term]), float(low), float(high)


def estimate_designs(data: pd.DataFrame) -> pd.DataFrame:
    """Estimate the effect from :func:`simulate_program` data in four ways (95% intervals).

    前後比較: the participants' mean change (after minus before); 単純比較: after, joined vs not;
    回帰で調整: the same with 関心度 as a control; 差の差分法: the change, joined vs not.
    """
    missing = [c for c in ("関心度", "参加", "成果_前", "成果_後") if c not in data.columns]
    if missing:
        raise EbpmError(f"simulate_program の表ではありません。足りない列: {', '.join(missing)}")
    frame = data.assign(変化=data["成果_後"] - data["成果_前"])
    rows = {
        "前後比較": _fit("変化 ~ 1", frame[frame["参加"] == 1], "Intercept"),
        "単純比較": _fit("成果_後 ~ 参加", frame, "参加"),
        "回帰で調整": _fit("成果_後 ~ 参加 + 関心度", frame, "参加"),
        "差の差分法": _fit("変化 ~ 参加", frame, "参加"),
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(_COLUMNS)).rename_axis("手法")


def compare_designs(
    n: int = 500, effect: float = 5.0, noise: float = 10.0, confounding: float = 1.0,
    trend: float = 3.0, seed: int = 0,
) -> pd.DataFrame:
    """The simulation lab's table: every design's estimate, interval, and whether it holds the truth.

    The observational designs use people who chose to join (``seed``); the randomised trial uses
    the same kind of population assigned at random (``seed + 1``), estimated by the simple
    comparison. Rows follow :data:`DESIGNS`; columns 推定値, 下限, 上限, 真の効果, 真の効果を含む.
    """
    observed = estimate_designs(simulate_program(n, effect, noise, confounding, trend, False, seed))
    trial = simulate_program(n, effect, noise, confounding, trend, True, seed + 1)
    observed.loc["無作為化比較試験"] = _fit("成果_後 ~ 参加", trial, "参加")
    table = observed.loc[list(DESIGNS)].copy()
    table["真の効果"] = float(effect)
    table["真の効果を含む"] = (table["下限"] <= effect) & (effect <= table["上限"])
    return table


def simulate_regression_to_mean(n_areas: int = 40, n_worst: int = 8, noise: float = 2.0,
                                seed: int = 0) -> pd.DataFrame:
    """Areas measured in two years with no policy at all; the worst in year 1 are marked 重点地区.

    Each area has a stable true rate (mean 10, sd 2) and each year's figure adds noise of sd
    ``noise``. Columns: 地区, 1年目, 2年目, 重点地区 (1 for the ``n_worst`` highest in year 1).
    The true effect of being chosen is zero.
    """
    if not 0 < n_worst < n_areas:
        raise EbpmError(f"n_worst は 1 以上 n_areas（{n_areas}）未満にしてください（指定された値: {n_worst}）。")
    rng = np.random.default_rng(seed)
    true_rate = rng.normal(10.0, 2.0, n_areas)
    year1 = true_rate + rng.normal(0.0, noise, n_areas)
    year2 = true_rate + rng.normal(0.0, noise, n_areas)
    chosen = np.zeros(n_areas, dtype=int)
    chosen[np.argsort(-year1)[:n_worst]] = 1
    return pd.DataFrame({
        "地区": [f"地区{i + 1:02d}" for i in range(n_areas)],
        "1年目": year1.round(2), "2年目": year2.round(2), "重点地区": chosen,
    })
