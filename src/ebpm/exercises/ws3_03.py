"""Checks of ワークショップ 3-3: 回帰不連続デザインとシミュレーション (solutions/ws3_analysis_and_evaluation/03_rd_and_simulation_lab)."""
from __future__ import annotations

import re
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from ebpm import feedback, textnorm
from ebpm.exercises import Exercise, Mistake, load
from ebpm.exercises import is_number_near as _is
from ebpm.exercises import ols as _ols

SUPPORT = 5e-4  # 支持の段差は小数第 3 位まで
THOUSAND_YEN = 0.05  # 補助金の効果は小数第 1 位まで（千円）
NEAR = 0.005  # 密度を数える幅
BANDWIDTH = 100  # 補助金の RDD で使う幅（万円）
LAB = {"n": 500, "effect": 5.0, "noise": 10.0, "confounding": 2.0}
FINDING_KEYS = ("事実", "解釈", "限界")






def _expect_fit(fitted: Any, name: str, term: str) -> None:
    feedback.expect(hasattr(fitted, "params") and hasattr(fitted, "conf_int"), f"{name} が回帰の結果ではありません。",
                    hint="smf.ols(...) のあとに .fit(...) まで付けた結果を入れます。")
    feedback.expect(term in fitted.params.index, f"{name} の回帰に「{term}」の項がありません。",
                    hint="式の ~ の右に、問題で指定した列を書きます。")
    feedback.expect(getattr(fitted, "cov_type", "") == "HC1", f"{name} が頑健な標準誤差（HC1）を使っていません。",
                    hint="fit(cov_type=\"HC1\") と指定します。")


# ------------------------------------------------------------------ 演習 1: 給付の段差


@cache
def _gov() -> pd.DataFrame:
    gov = load("gov_transfers")
    gov["eligible"] = (gov["Income_Centered"] < 0).astype(int)
    return gov


@cache
def _gov_effect(formula: str = "Support ~ eligible * Income_Centered") -> float:
    return float(_ols(formula, _gov()).params["eligible"])


def _judge_gov(fitted, effect) -> None:
    _expect_fit(fitted, "gov_fit", "受給資格")
    feedback.expect_close(effect, _gov_effect(), "給付の効果（段差）", rel=0, abs_tol=SUPPORT,
                          hint="Support ~ 受給資格 * Income_Centered の回帰の、受給資格の係数です。")
    feedback.expect_close(fitted.params["受給資格"], _gov_effect(), "gov_fit の受給資格の係数", rel=0, abs_tol=SUPPORT,
                          hint="問題の式のとおりに回帰します。")


gov = Exercise(
    variable=("gov_fit", "gov_effect"),
    computed=('gov_effect',),
    judge=_judge_gov,
    hint="smf.ols(\"式\", data=gov).fit(cov_type=\"HC1\") で推定し、params[\"受給資格\"] で係数を取り出します。",
    passed="段差の推定は正解です。",
    mistakes=(
        Mistake("左右の単純な平均の差になっています。Income_Centered も式に入れ、基準線での段差を求めます。",
                test=_is(lambda: _gov_effect("Support ~ eligible"), SUPPORT, at=1)),
        Mistake("式が + になっていて、基準線の左右で傾きが同じです。* でつなぐと、左右で別々の直線を引けます。",
                test=_is(lambda: _gov_effect("Support ~ eligible + Income_Centered"), SUPPORT, at=1)),
        Mistake("段差の符号が逆です。受給資格は基準線より下（Income_Centered < 0）で 1 になります。",
                test=_is(lambda: -_gov_effect(), SUPPORT, at=1)),
        Mistake("係数 1 つではなく、係数の一覧が入っています。params[\"受給資格\"] で取り出します。",
                test=lambda answer: isinstance(answer[1], pd.Series)),
    ),
)


# ------------------------------------------------------------------ 演習 2: 基準線の前後の世帯数


@cache
def _count(low: float, high: float, include_high: bool = False, include_low: bool = True) -> int:
    income = load("gov_transfers_density")["Income_Centered"]
    above_low = income >= low if include_low else income > low
    below_high = income <= high if include_high else income < high
    return int((above_low & below_high).sum())


def _count_in(table: pd.DataFrame, low: float, high: float) -> int:
    income = table["Income_Centered"]
    return int(((income >= low) & (income < high)).sum())


def _judge_density(below, above) -> None:
    feedback.expect_close(below, _count(-NEAR, 0), "すぐ下の世帯数", rel=0, abs_tol=1e-9,
                          hint="−0.005 以上 0 未満の行を数えます（不等号の向きと = の有無に注意）。")
    feedback.expect_close(above, _count(0, NEAR), "すぐ上の世帯数", rel=0, abs_tol=1e-9,
                          hint="0 以上 0.005 未満の行を数えます。")


density = Exercise(
    variable=("just_below", "just_above"),
    computed=True,
    judge=_judge_density,
    hint="2 つの条件を & でつなぎ、True の数を sum() で数えます。",
    passed="基準線の前後の世帯数は正解です。",
    mistakes=(
        Mistake("すぐ下とすぐ上が入れ替わっています。すぐ下はマイナス側（−0.005 以上 0 未満）です。",
                test=lambda answer: _is(lambda: _count(0, NEAR), 1e-9, at=0)(answer) and _is(lambda: _count(-NEAR, 0), 1e-9, at=1)(answer)),
        Mistake("幅が 0.05 になっています。0.005（小数点のあとに 0 が 2 つ）です。",
                test=lambda answer: _is(lambda: _count(-10 * NEAR, 0), 1e-9, at=0)(answer) or _is(lambda: _count(0, 10 * NEAR), 1e-9, at=1)(answer)),
        Mistake("分析用の標本 gov で数えています。密度は、全世帯の density で数えます。",
                test=_is(lambda: _count_in(_gov(), -NEAR, 0), 1e-9, at=0)),
        Mistake("条件に当てはまる行の数ではなく、表全体の行の数になっています。条件を & でつないで絞り込みます。",
                test=lambda answer: any(_is(lambda: len(load("gov_transfers_density")), 1e-9, at=i)(answer) for i in (0, 1))),
    ),
)


# ------------------------------------------------------------------ 演習 3: 補助金の RDD


@cache
def _subsidy() -> pd.DataFrame:
    from ebpm.synth import truth

    data = load("subsidy_rd")
    data["x"] = data["世帯所得_万円"] - truth.TRUE_EFFECTS["subsidy_rd"]["cutoff"]
    return data


def _near(strict: bool = False, width: float = BANDWIDTH) -> pd.DataFrame:
    data = _subsidy()
    return data[data["x"].abs() < width] if strict else data[data["x"].abs() <= width]


def _sample(name: str) -> pd.DataFrame:
    """The households a (right or wrong) answer regresses on."""
    data = _subsidy()
    return {"near": lambda: _near(), "strict": lambda: _near(strict=True), "all": lambda: data,
            "no_abs": lambda: data[data["x"] <= BANDWIDTH]}[name]()


@cache
def _rd(sample: str = "near", formula: str = "子育て支出_千円 ~ 補助対象 * x") -> float:
    return float(_ols(formula, _sample(sample)).params["補助対象"])


def _judge_rd(fitted, effect) -> None:
    _expect_fit(fitted, "rd_fit", "補助対象")
    feedback.expect_close(effect, _rd(), "補助金の効果", rel=0, abs_tol=THOUSAND_YEN,
                          hint="±100 万円の世帯に絞り、補助対象 * 所得_基準差 の式で推定します。")
    feedback.expect_close(int(fitted.nobs), len(_near()), "rd_fit で使った世帯の数", rel=0, abs_tol=0,
                          hint="所得_基準差 の絶対値が 100 以下（100 を含む）の世帯に絞ります。")
    feedback.expect_close(fitted.params["補助対象"], _rd(), "rd_fit の補助対象の係数", rel=0, abs_tol=THOUSAND_YEN)


rd = Exercise(
    variable=("rd_fit", "rd_effect"),
    computed=('rd_effect',),
    judge=_judge_rd,
    hint="基準線から ±100 万円の世帯を選んでから、問題の式で回帰し、params[\"補助対象\"] で係数を取り出します。",
    passed="回帰不連続デザインの推定は正解です。",
    mistakes=(
        Mistake("100 万円ちょうどの世帯が入っていません。「100 以下」は <= 100 です。",
                test=_is(lambda: _rd("strict"), THOUSAND_YEN, at=1)),
        Mistake("すべての世帯を使っています。基準線から ±100 万円の世帯に絞ります。",
                test=_is(lambda: _rd("all"), THOUSAND_YEN, at=1)),
        Mistake("補助対象と対象外の単純な比較になっています。所得_基準差 も式に入れ、基準線での段差を求めます。",
                test=lambda answer: any(_is(lambda sample=sample: _rd(sample, "子育て支出_千円 ~ 補助対象"), THOUSAND_YEN, at=1)(answer)
                                        for sample in ("near", "all"))),
        Mistake("式が + になっていて、基準線の左右で傾きが同じです。* でつなぎます。",
                test=_is(lambda: _rd("near", "子育て支出_千円 ~ 補助対象 + x"), THOUSAND_YEN, at=1)),
        Mistake("絶対値（.abs()）を取らずに絞り込んだため、基準線より所得の低い世帯がすべて入っています。",
                test=_is(lambda: _rd("no_abs"), THOUSAND_YEN, at=1)),
    ),
)


# ------------------------------------------------------------------ 演習 4: シミュレーション実験室


@cache
def _lab(seed: Any) -> pd.DataFrame:
    from ebpm import simulate

    return simulate.compare_designs(seed=seed, **LAB)


@cache
def _missed(seed: Any, caught: bool = False) -> list[str]:
    table = _lab(seed)
    return list(table.index[table["真の効果を含む"] == caught])


def _judge_lab(table, missed, seed) -> None:
    from ebpm import simulate

    expected = _lab(seed)
    feedback.expect_type(table, pd.DataFrame, "lab_table", hint="compare_designs(...) の結果（表）をそのまま入れます。")
    feedback.expect_frame(table.reset_index(), expected.reset_index(), "lab_table",
                          hint="問題の設定（n=500, effect=5.0, noise=10.0, confounding=2.0, seed=SEED）のとおりに実行します。")
    feedback.expect_type(missed, list, "missed", hint="list(...) で囲むとリストになります。")
    feedback.expect(set(map(str, missed)) <= set(simulate.DESIGNS), "missed に手法の名前ではないものが入っています。",
                    hint="表のインデックス（手法の名前）を入れます。")
    expected_missed = _missed(seed)
    feedback.expect_equal(sorted(map(str, missed)), sorted(expected_missed), "本当の効果を外した手法")
    feedback.expect(list(map(str, missed)) == expected_missed, "手法の並び順が、表の順と違います。", hint="表の上から順に並べます。")


lab = Exercise(
    variable=("lab_table", "missed", "SEED"),
    judge=_judge_lab,
    hint="真の効果を含む が False の行のインデックス（手法の名前）を、表の順のままリストにします。",
    passed="シミュレーションの読み取りは正解です。",
    mistakes=(
        Mistake("本当の効果を「含んだ」手法になっています。含まなかった（False の）行を選びます。",
                test=lambda answer: [str(m) for m in answer[1]] == _missed(answer[2], caught=True)),
        Mistake("手法の名前ではなく、True/False の値が入っています。True/False で行を選び、そのインデックスを取り出します。",
                test=lambda answer: isinstance(answer[1], (list, pd.Series)) and len(answer[1]) > 0
                and all(isinstance(v, (bool, np.bool_)) for v in list(answer[1]))),
        Mistake("リストではなく、pandas のインデックスや配列のままです。list(...) で囲みます。",
                test=lambda answer: isinstance(answer[1], (pd.Index, pd.Series, tuple)) or type(answer[1]).__name__ == "ndarray"),
    ),
)


# ------------------------------------------------------------------ 演習 5: 事実・解釈・限界


@cache
def _estimate_raw() -> float:
    return float(_ols("子育て支出_千円 ~ 補助対象 * x", _near(), cov_type="HC1").params["補助対象"])


def _estimate() -> int:
    return round(_estimate_raw())


def _judge_finding(finding) -> None:
    estimate = _estimate()
    feedback.expect_type(finding, dict, "finding", hint="{\"事実\": \"...\", \"解釈\": \"...\", \"限界\": \"...\"} の形で作ります。")
    feedback.expect_equal(sorted(map(str, finding)), sorted(FINDING_KEYS), "finding のキー",
                          hint="キーは 事実・解釈・限界 の 3 つです。")
    for key in FINDING_KEYS:
        feedback.expect(isinstance(finding[key], str) and len(finding[key].strip()) >= 10,
                        f"「{key}」が空か、短すぎます。", hint="1〜2 文（10 文字以上）で書いてください。")
    feedback.expect(len({finding[k].strip() for k in FINDING_KEYS}) == len(FINDING_KEYS), "3 つのうち、同じ文が入っているものがあります。",
                    hint="事実・解釈・限界は、それぞれ違うことを書きます。")
    feedback.expect(_mentions(finding["事実"], estimate), "「事実」に、補助金の効果の推定値（千円単位の整数）が含まれていません。",
                    hint="結果表の 補助対象 の coef を、千円単位の整数に四捨五入して書きます。")


def _mentions(text: str, number: int) -> bool:
    """Whether ``text`` contains ``number`` as a whole number (not inside 1121 or 121.18)."""
    digits = textnorm.normalize_text(text).replace(",", "")
    return re.search(rf"(?<![\d.]){number}(?![\d.])", digits) is not None


finding = Exercise(
    variable="finding",
    judge=_judge_finding,
    hint="結果表の 補助対象 の行（coef と信頼区間）を読み、3 つのキーの辞書に 1〜2 文ずつ書きます。",
    passed="事実・解釈・限界の形はそろっています（内容は講師が読みます）。",
    mistakes=(
        Mistake("推定値が四捨五入されていません。coef を千円単位の整数に四捨五入して（例: 98.7 なら 99）書きます。",
                test=lambda finding: re.search(rf"(?<![\d.]){int(_estimate_raw())}\.\d",
                                               textnorm.normalize_text(finding["事実"])) is not None),
    ),
)
