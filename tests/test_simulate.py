"""ebpm.simulate: seeded, deterministic, and the designs behave as the workshop says."""
from __future__ import annotations

import pandas as pd
import pytest
import statsmodels.formula.api as smf

from ebpm import simulate
from ebpm.errors import EbpmError


def test_same_seed_same_data_other_seed_other_data():
    first = simulate.simulate_program(n=200, seed=5)
    pd.testing.assert_frame_equal(first, simulate.simulate_program(n=200, seed=5))
    assert not first.equals(simulate.simulate_program(n=200, seed=6))
    assert list(first.columns) == ["関心度", "参加", "成果_前", "成果_後"]


def test_randomised_assignment_is_exactly_half():
    data = simulate.simulate_program(n=301, randomized=True, seed=1)
    assert data["参加"].sum() == 150


def test_confounding_makes_interested_people_join():
    data = simulate.simulate_program(n=4000, confounding=2.0, seed=2)
    joined = data.groupby("参加")["関心度"].mean()
    assert joined[1] - joined[0] > 1.0
    none = simulate.simulate_program(n=4000, confounding=0.0, seed=2).groupby("参加")["関心度"].mean()
    assert abs(none[1] - none[0]) < 0.1


def test_estimates_come_from_statsmodels_ols():
    data = simulate.simulate_program(n=300, seed=3)
    table = simulate.estimate_designs(data)
    naive = smf.ols("成果_後 ~ 参加", data=data).fit(cov_type="HC1")
    assert table.loc["単純比較", "推定値"] == pytest.approx(naive.params["参加"])
    assert table.loc["単純比較", "下限"] == pytest.approx(naive.conf_int().loc["参加", 0])
    hand = data.loc[data["参加"] == 1, "成果_後"].mean() - data.loc[data["参加"] == 0, "成果_後"].mean()
    assert table.loc["単純比較", "推定値"] == pytest.approx(hand)


def test_compare_designs_table_shape():
    table = simulate.compare_designs(n=200, seed=4)
    assert list(table.index) == list(simulate.DESIGNS)
    assert list(table.columns) == ["推定値", "下限", "上限", "真の効果", "真の効果を含む"]
    assert (table["下限"] < table["推定値"]).all() and (table["推定値"] < table["上限"]).all()


def test_without_noise_trend_or_confounding_every_design_is_exact():
    table = simulate.compare_designs(n=100, effect=4.0, noise=0.0, confounding=0.0, trend=0.0, seed=0)
    # Only 関心度 varies; the DID and the before/after have no noise at all.
    assert table.loc["差の差分法", "推定値"] == pytest.approx(4.0)
    assert table.loc["前後比較", "推定値"] == pytest.approx(4.0)
    assert table.loc["回帰で調整", "推定値"] == pytest.approx(4.0)


def test_regression_to_the_mean_with_no_policy():
    areas = simulate.simulate_regression_to_mean(n_areas=400, n_worst=80, seed=0)
    assert areas["重点地区"].sum() == 80
    chosen = areas[areas["重点地区"] == 1]
    assert (chosen["2年目"] - chosen["1年目"]).mean() < -1.0
    pd.testing.assert_frame_equal(areas, simulate.simulate_regression_to_mean(n_areas=400, n_worst=80, seed=0))


@pytest.mark.parametrize("kwargs", [{"n": 5}, {"noise": -1.0}, {"confounding": -0.5}])
def test_bad_arguments_get_a_japanese_error(kwargs):
    with pytest.raises(EbpmError, match="にしてください"):
        simulate.simulate_program(**kwargs)


def test_bad_table_and_bad_worst_count():
    with pytest.raises(EbpmError, match="足りない列"):
        simulate.estimate_designs(pd.DataFrame({"参加": [0, 1]}))
    with pytest.raises(EbpmError, match="n_worst"):
        simulate.simulate_regression_to_mean(n_areas=10, n_worst=10)
