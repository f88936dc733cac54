"""Checks of ワークショップ 3-2: 実験と差の差分法 (solutions/ws3_analysis_and_evaluation/02_experiments_and_did)."""
from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from ebpm import feedback
from ebpm.exercises import Exercise, Mistake, load, spelled_differently
from ebpm.exercises import is_number_near as _is
from ebpm.exercises import ols as _ols
from ebpm.feedback import AnswerError

SHARE = 5e-4  # 受診率の差と信頼区間は小数第 3 位まで
DOLLARS = 1.0  # 年収の推定は 1 ドル未満の違いを問わない
RATE = 5e-5  # 登録率の DID は小数第 4 位まで
LOG = 5e-4  # 対数の効果は小数第 3 位まで
CHANGE_QUARTER = 4






def _expect_fit(fitted: Any, name: str, term: str) -> None:
    feedback.expect(hasattr(fitted, "params") and hasattr(fitted, "conf_int"), f"{name} が回帰の結果ではありません。",
                    hint="smf.ols(...) のあとに .fit(...) まで付けた結果を入れます。")
    feedback.expect(term in fitted.params.index, f"{name} の回帰に「{term}」の項がありません。",
                    hint="式の ~ の右に、問題で指定した列を書きます。")


# ------------------------------------------------------------------ 演習 1・2: はがきの実験


@cache
def _rates(column: str = "受診", how: str = "mean") -> pd.Series:
    return load("health_checkup_rct").groupby("はがき送付")[column].agg(how)


@cache
def _diff() -> float:
    rates = _rates()
    return float(rates[1] - rates[0])


def _judge_diff(value) -> None:
    feedback.expect_close(value, _diff(), "受診率の差", rel=0, abs_tol=SHARE)


diff = Exercise(
    variable="diff_in_means",
    computed=True,
    judge=_judge_diff,
    hint="はがき送付ごとに受診の平均（受診率）を求め、送ったグループ − 送らなかったグループを計算します。",
    passed="受診率の差は正解です。",
    mistakes=(
        Mistake("引き算が逆です。「送ったグループ − 送らなかったグループ」の順に引きます。", test=_is(lambda: -_diff(), SHARE)),
        Mistake("受診率ではなく、受診した人数の差になっています。0/1 の列は平均（mean）すると割合になります。",
                test=_is(lambda: _rates(how="sum")[1] - _rates(how="sum")[0], SHARE)),
        Mistake("100 を掛けたポイントになっています。割合（0.05 なら 5 ポイント）のまま入れます。",
                test=_is(lambda: 100 * _diff(), 100 * SHARE)),
        Mistake("割り算になっています。差は引き算で求めます。", test=_is(lambda: _rates()[1] / _rates()[0], SHARE)),
        Mistake("1 つの数ではなく、グループごとの受診率の一覧（Series）です。2 つの受診率の差を求めます。",
                test=lambda answer: isinstance(answer, pd.Series)),
    ),
)


@cache
def _rct_fit(cov_type: str = "HC1"):
    return _ols("受診 ~ はがき送付", load("health_checkup_rct"), cov_type=cov_type)


def _interval(value: Any) -> list[float]:
    try:
        numbers = [float(x) for x in list(value)]
    except (TypeError, ValueError):
        raise AnswerError("rct_ci は (下限, 上限) の 2 つの数にしてください。",
                          "conf_int() の結果から「はがき送付」の行を取り出します。") from None
    if len(numbers) != 2:
        raise AnswerError(f"rct_ci に {len(numbers)} 個の値があります。(下限, 上限) の 2 つの数にしてください。",
                          "conf_int() の結果から「はがき送付」の行を取り出します。")
    return numbers


@cache
def _ci(cov_type: str = "HC1", alpha: float = 0.05) -> list[float]:
    return [float(x) for x in _rct_fit(cov_type).conf_int(alpha=alpha).loc["はがき送付"]]


def _judge_ci(fitted, ci) -> None:
    _expect_fit(fitted, "rct_fit", "はがき送付")
    feedback.expect_close(fitted.params["はがき送付"], _rct_fit().params["はがき送付"], "はがき送付の係数", rel=1e-6,
                          hint="checkup の 受診 を はがき送付 で説明する回帰にします。")
    feedback.expect(getattr(fitted, "cov_type", "") == "HC1", "rct_fit が頑健な標準誤差（HC1）を使っていません。",
                    hint="fit(cov_type=\"HC1\") と指定します。")
    low, high = _interval(ci)
    feedback.expect(low < high, "rct_ci の順番が逆です。(下限, 上限) の順に入れます。")
    expected_low, expected_high = _ci()
    feedback.expect_close(low, expected_low, "信頼区間の下限", rel=0, abs_tol=SHARE,
                          hint="rct_fit の conf_int() から「はがき送付」の行を取り出します。")
    feedback.expect_close(high, expected_high, "信頼区間の上限", rel=0, abs_tol=SHARE,
                          hint="rct_fit の conf_int() から「はがき送付」の行を取り出します。")


def _ci_is(cov_type: str = "HC1", alpha: float = 0.05, reverse: bool = False):
    def test(answer: tuple) -> bool:
        interval = [float(x) for x in list(answer[1])]
        expected = _ci(cov_type, alpha)
        if reverse:
            expected = expected[::-1]
        return len(interval) == 2 and all(abs(a - b) <= SHARE for a, b in zip(interval, expected))
    return test


ci = Exercise(
    variable=("rct_fit", "rct_ci"),
    computed=('rct_ci',),
    judge=_judge_ci,
    hint="smf.ols(\"式\", data=表).fit(cov_type=...) で回帰し、conf_int() の「はがき送付」の行が 95% 信頼区間です。",
    passed="回帰と信頼区間は正解です。",
    mistakes=(
        Mistake("ふつうの標準誤差の信頼区間です。fit(cov_type=\"HC1\") で頑健な標準誤差にします。", test=_ci_is("nonrobust")),
        Mistake("95% ではない信頼区間です。conf_int() は何も指定しないと 95% 信頼区間になります。", test=_ci_is(alpha=0.1)),
        Mistake("下限と上限が逆です。(下限, 上限) の順に入れます。", test=_ci_is(reverse=True)),
        Mistake("回帰の式（smf.ols(...)）のままで、推定していません。.fit(...) を付けて推定した結果を入れます。",
                test=lambda answer: hasattr(answer[0], "fit") and not hasattr(answer[0], "params")),
    ),
)


# ------------------------------------------------------------------ 演習 3: LaLonde


@cache
def _experimental(outcome: str = "re78") -> float:
    return float(_ols(f"{outcome} ~ treat", load("nsw_mixtape")).params["treat"])


@cache
def _observational(with_controls: bool = False) -> float:
    nsw, cps = load("nsw_mixtape"), load("cps_mixtape")
    treated = nsw if with_controls else nsw[nsw["treat"] == 1]
    return float(_ols("re78 ~ treat", pd.concat([treated, cps])).params["treat"])


def _judge_lalonde(experimental, observational) -> None:
    feedback.expect_close(experimental, _experimental(), "実験の推定", rel=0, abs_tol=DOLLARS,
                          hint="nsw だけを使い、re78 ~ treat の回帰の treat の係数を取り出します。")
    feedback.expect_close(observational, _observational(), "観察データの推定", rel=0, abs_tol=DOLLARS,
                          hint="nsw の treat が 1 の人と cps の全員をつなげた表で、同じ回帰をします。")


lalonde = Exercise(
    variable=("experimental_estimate", "observational_estimate"),
    computed=True,
    judge=_judge_lalonde,
    hint="回帰の結果の params[\"treat\"] が treat の係数です。2 つ目は、つなげた表で同じ回帰をします。",
    passed="2 つの推定は正解です。",
    mistakes=(
        Mistake("1978 年ではなく 1975 年の年収（re75）を使っています。結果は re78 です。",
                test=_is(lambda: _experimental("re75"), DOLLARS, at=0)),
        Mistake("観察データの表に nsw の対照群（treat が 0）まで入っています。nsw からは treat が 1 の人だけを使います。",
                test=_is(lambda: _observational(with_controls=True), DOLLARS, at=1)),
        Mistake("観察データの推定に、実験の推定と同じ値が入っています。cps とつなげた表で回帰します。",
                test=_is(_experimental, DOLLARS, at=1)),
        Mistake("係数 1 つではなく、回帰の結果や係数の一覧が入っています。params[\"treat\"] で treat の係数を取り出します。",
                test=lambda answer: any(isinstance(a, pd.Series) or hasattr(a, "params") for a in answer)),
    ),
)


# ------------------------------------------------------------------ 演習 4: 臓器提供の DID


@cache
def _cell_means() -> pd.Series:
    organ = load("organ_donations")
    california = (organ["State"] == "California").astype(int)
    after = (organ["Quarter_Num"] >= CHANGE_QUARTER).astype(int)
    return organ.groupby([california, after])["Rate"].mean()


@cache
def _did() -> float:
    m = _cell_means()
    return float((m[(1, 1)] - m[(1, 0)]) - (m[(0, 1)] - m[(0, 0)]))


def _judge_organ_did(value) -> None:
    feedback.expect_close(value, _did(), "臓器提供の DID", rel=0, abs_tol=RATE)


organ_did = Exercise(
    variable="organ_did",
    computed=True,
    judge=_judge_organ_did,
    hint="4 つのグループの平均から、（カリフォルニア州の変更後 − 変更前）−（ほかの州の変更後 − 変更前）を計算します。",
    passed="DID の手計算は回帰と一致しました。",
    mistakes=(
        spelled_differently("organ_did", lambda: load("organ_donations")["State"].unique(), "State（州の名前）"),
        Mistake("カリフォルニア州の前後比較だけになっています。ほかの州の変化を差し引きます。",
                test=_is(lambda: _cell_means()[(1, 1)] - _cell_means()[(1, 0)], RATE)),
        Mistake("引き算が逆です。（カリフォルニア州の変化）−（ほかの州の変化）の順に引きます。", test=_is(lambda: -_did(), RATE)),
        Mistake("ほかの州の前後の変化だけになっています。カリフォルニア州の変化から、ほかの州の変化を引きます。",
                test=_is(lambda: _cell_means()[(0, 1)] - _cell_means()[(0, 0)], RATE)),
        Mistake("変更後どうし・変更前どうしの差を足しています。2 つの変化の「差」を求めます。",
                test=_is(lambda: (_cell_means()[(1, 1)] - _cell_means()[(1, 0)]) + (_cell_means()[(0, 1)] - _cell_means()[(0, 0)]), RATE)),
    ),
)


# ------------------------------------------------------------------ 演習 5: 観光施策の DID


@cache
def _tourism() -> pd.DataFrame:
    data = load("tourism_did")
    data["y"] = np.log(data["観光客数"])
    data["ym"] = data["年"] * 100 + data["月"]
    return data


@cache
def _tourism_fit(formula: str = "y ~ 施策期間 + C(団体コード) + C(ym)", cluster: bool = True):
    data = _tourism()
    if cluster:
        return _ols(formula, data, cov_type="cluster", cov_kwds={"groups": pd.factorize(data["団体コード"])[0]}, use_t=True)
    return _ols(formula, data)


@cache
def _effect(formula: str = "y ~ 施策期間 + C(団体コード) + C(ym)") -> float:
    return float(_tourism_fit(formula).params["施策期間"])


@cache
def _hoshikawa_before_after() -> float:
    data = _tourism()
    town = data[data["団体コード"] == "438014"].groupby("施策期間")["y"].mean()
    return float(town[1] - town[0])


def _judge_tourism(fitted, effect) -> None:
    _expect_fit(fitted, "tourism_fit", "施策期間")
    feedback.expect_close(effect, _effect(), "観光施策の効果（対数）", rel=0, abs_tol=LOG,
                          hint="町（団体コード）と年月の両方を C(...) で入れた回帰の、施策期間の係数です。")
    feedback.expect_close(fitted.params["施策期間"], _effect(), "tourism_fit の施策期間の係数", rel=0, abs_tol=LOG,
                          hint="問題の式のとおりに回帰します。")
    feedback.expect(getattr(fitted, "cov_type", "") == "cluster", "町ごとのクラスターで標準誤差を求めていません。",
                    hint="fit(cov_type=\"cluster\", cov_kwds={\"groups\": ...}, use_t=True) と指定します。")
    low = float(fitted.conf_int().loc["施策期間"].iloc[0])
    expected_low = float(_tourism_fit().conf_int().loc["施策期間"].iloc[0])
    feedback.expect_close(low, expected_low, "信頼区間の下限", rel=0, abs_tol=LOG,
                          hint="groups に町の番号を渡し、use_t=True を付けます。")


tourism = Exercise(
    variable=("tourism_fit", "tourism_effect"),
    computed=('tourism_effect',),
    judge=_judge_tourism,
    hint="問題の式のとおりに smf.ols(...).fit(...) で推定し、params[\"施策期間\"] で係数を取り出します。",
    passed="DID の推定は正解です。",
    mistakes=(
        Mistake("星川町だけの前後比較の値です。比較群の変化を差し引く DID（問題の式の回帰）で推定します。",
                test=_is(_hoshikawa_before_after, LOG, at=1)),
        Mistake("観光客数の人数のままで推定しています。対数観光客数を使います。",
                test=_is(lambda: _tourism_fit("観光客数 ~ 施策期間 + C(団体コード) + C(ym)").params["施策期間"], LOG, at=1)),
        Mistake("月ごとの共通の動き（C(年月)）が式に入っていません。", test=_is(lambda: _effect("y ~ 施策期間 + C(団体コード)"), LOG, at=1)),
        Mistake("町ごとの違い（C(団体コード)）が式に入っていません。", test=_is(lambda: _effect("y ~ 施策期間 + C(ym)"), LOG, at=1)),
        Mistake("標準誤差を町ごとのクラスターで求めていません。cov_type=\"cluster\" と groups を指定します。",
                test=lambda answer: getattr(answer[0], "cov_type", "cluster") != "cluster"),
        Mistake("use_t=True がないため、信頼区間の幅が違います。",
                test=lambda answer: getattr(answer[0], "use_t", True) is False),
    ),
)
