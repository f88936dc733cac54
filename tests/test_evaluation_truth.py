"""Workshop 3's promise: every reference estimate on synthetic data holds the known truth.

The reference solutions estimate with the formulas below (statsmodels OLS, HC1 or clustered by
town). Each is checked on the shipped file, and its 95% interval's coverage is checked across
other seeds of the same generator (ebpm.synth.studies) and of ebpm.simulate. Naive designs must
miss the truth, or the workshop's lesson would be false.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from ebpm import datasets, simulate
from ebpm.synth import studies, truth

SEEDS = range(100, 140)  # 40 other seeds for each generator


@lru_cache(maxsize=64)
def _tourism_panel(seed: int) -> pd.DataFrame:
    return studies.tourism_panel(seed)


def tourism_panel(seed: int) -> pd.DataFrame:
    """The DID generator, made once per seed for the three tests that use it."""
    return _tourism_panel(seed).copy()


def rct_estimate(data: pd.DataFrame) -> tuple[float, float, float]:
    fit = smf.ols("受診 ~ はがき送付", data=data).fit(cov_type="HC1")
    low, high = fit.conf_int().loc["はがき送付"]
    return fit.params["はがき送付"], low, high


def did_frame(data: pd.DataFrame) -> pd.DataFrame:
    return data.assign(対数観光客数=np.log(data["観光客数"]),
                       年月=data["年"].astype(str) + "-" + data["月"].astype(str).str.zfill(2))


def did_estimate(data: pd.DataFrame) -> tuple[float, float, float]:
    frame = did_frame(data)
    fit = smf.ols("対数観光客数 ~ 施策期間 + C(団体コード) + C(年月)", data=frame).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(frame["団体コード"])[0]}, use_t=True)
    low, high = fit.conf_int().loc["施策期間"]
    return fit.params["施策期間"], low, high


def placebo_estimate(data: pd.DataFrame) -> tuple[float, float, float]:
    """DID on the years before the policy with a made-up start (2021-04): the truth is 0."""
    frame = did_frame(data)
    pre = frame[frame["年月"] < "2022-04"].copy()
    pre["仮の施策期間"] = ((pre["施策町"] == 1) & (pre["年月"] >= "2021-04")).astype(int)
    fit = smf.ols("対数観光客数 ~ 仮の施策期間 + C(団体コード) + C(年月)", data=pre).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(pre["団体コード"])[0]}, use_t=True)
    low, high = fit.conf_int().loc["仮の施策期間"]
    return fit.params["仮の施策期間"], low, high


def before_after_estimate(data: pd.DataFrame) -> tuple[float, float, float]:
    frame = did_frame(data)
    town = frame[frame["団体コード"] == "438014"]
    fit = smf.ols("対数観光客数 ~ 施策期間", data=town).fit(cov_type="HC1")
    low, high = fit.conf_int().loc["施策期間"]
    return fit.params["施策期間"], low, high


def rd_estimate(data: pd.DataFrame, bandwidth: float = 100) -> tuple[float, float, float]:
    cutoff = truth.TRUE_EFFECTS["subsidy_rd"]["cutoff"]
    frame = data.assign(所得_基準差=data["世帯所得_万円"] - cutoff)
    near = frame[frame["所得_基準差"].abs() <= bandwidth]
    fit = smf.ols("子育て支出_千円 ~ 補助対象 * 所得_基準差", data=near).fit(cov_type="HC1")
    low, high = fit.conf_int().loc["補助対象"]
    return fit.params["補助対象"], low, high


TRUTH = {
    "health_checkup_rct": (studies.health_rct, rct_estimate, truth.true_effect("health_checkup_rct")),
    "tourism_did": (tourism_panel, did_estimate, float(np.log1p(truth.true_effect("tourism_did")))),
    "subsidy_rd": (studies.subsidy_rd, rd_estimate, truth.true_effect("subsidy_rd")),
    "tourism_did_placebo": (tourism_panel, placebo_estimate, 0.0),
}
FILES = {"tourism_did_placebo": "tourism_did"}


def covers(estimate: tuple[float, float, float], value: float) -> bool:
    return estimate[1] <= value <= estimate[2]


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_shipped_file_estimate_holds_the_truth(name):
    _, estimator, value = TRUTH[name]
    assert covers(estimator(datasets.load(FILES.get(name, name))), value)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_generator_with_other_seeds_covers_the_truth(name):
    generator, estimator, value = TRUTH[name]
    hits = [covers(estimator(generator(seed)), value) for seed in SEEDS]
    # A 95% interval: in 40 draws expect ~38; fewer than 33 would mean a biased estimator.
    assert sum(hits) >= 33, f"{name}: {sum(hits)}/{len(hits)}"


def test_naive_before_after_on_the_town_misses_the_did_truth():
    value = TRUTH["tourism_did"][2]
    hits = [covers(before_after_estimate(tourism_panel(seed)), value) for seed in SEEDS]
    assert sum(hits) <= len(hits) // 4
    assert not covers(before_after_estimate(datasets.load("tourism_did")), value)


def test_naive_difference_in_the_subsidy_misses_the_rd_truth():
    data = datasets.load("subsidy_rd")
    fit = smf.ols("子育て支出_千円 ~ 補助対象", data=data).fit(cov_type="HC1")
    low, high = fit.conf_int().loc["補助対象"]
    assert not low <= truth.true_effect("subsidy_rd") <= high


def test_simulation_lab_good_designs_cover_and_naive_ones_miss():
    counts = {design: 0 for design in simulate.DESIGNS}
    for seed in range(40):
        table = simulate.compare_designs(n=400, effect=5.0, noise=10.0, confounding=1.5, seed=seed)
        for design in simulate.DESIGNS:
            counts[design] += bool(table.loc[design, "真の効果を含む"])
    for good in ("回帰で調整", "差の差分法", "無作為化比較試験"):
        assert counts[good] >= 34, counts
    for naive in ("前後比較", "単純比較"):
        assert counts[naive] <= 14, counts


@pytest.mark.parametrize("effect", [0.0, 2.0, 10.0])
def test_simulation_lab_randomised_trial_recovers_any_truth(effect):
    hits = [bool(simulate.compare_designs(n=300, effect=effect, seed=s).loc["無作為化比較試験", "真の効果を含む"])
            for s in range(40)]
    assert sum(hits) >= 34
