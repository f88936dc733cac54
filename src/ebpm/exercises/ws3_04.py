"""Checks of ワークショップ 3 宿題: 評価デザインを選ぶ (solutions/ws3_analysis_and_evaluation/04_homework_evaluation_design)."""
from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from ebpm import feedback, textnorm
from ebpm.exercises import Exercise, Mistake, load
from ebpm.exercises import is_number_near as _is
from ebpm.feedback import AnswerError

DESIGN_OPTIONS = ("無作為化比較試験", "差の差分法", "回帰不連続デザイン", "前後比較")
THREAT_OPTIONS = ("トレンド", "同じ時期の別の出来事", "平均への回帰", "選択バイアス", "平行トレンドの崩れ",
                  "基準線での操作", "波及効果", "測定方法の変化", "人数が少ない")
# The four scenes of 演習 1: how the target is chosen decides the design (the table in the notebook).
SCENES = {
    "A": ("無作為化比較試験", "A は、参加者を抽選で決めています。"),
    "B": ("回帰不連続デザイン", "B は、65 歳という年齢の線で対象が決まります。"),
    "C": ("差の差分法", "C は、まだ始めていない地区があります。"),
    "D": ("前後比較", "D は、全戸に一斉に配り、近隣の町も同じ年に配っているので、比べる相手がありません。"),
}
REQUIRED_THREAT = {"差の差分法": "平行トレンドの崩れ", "回帰不連続デザイン": "基準線での操作", "前後比較": "トレンド"}
PLAN_TEXT_KEYS = ("施策名", "比較群", "成果指標")
PLAN_KEYS = ("施策名", "評価デザイン", "比較群", "成果指標", "データ", "脅威")
LOG = 5e-4  # 仮の効果と信頼区間は小数第 3 位まで
POLICY_START, FAKE_START = 202204, 202104
RATES = (0.35, 0.29)


def _text(value: Any) -> str:
    return textnorm.normalize_text(str(value))




# ------------------------------------------------------------------ 演習 1: 場面と方法


def _judge_match(choice) -> None:
    feedback.expect_type(choice, dict, "design_choice", hint="{\"A\": \"…\", \"B\": \"…\", ...} の形の辞書にします。")
    feedback.expect_equal(sorted(map(str, choice)), sorted(SCENES), "design_choice のキー", hint="キーは A, B, C, D の 4 つです。")
    for key in SCENES:
        chosen = _text(choice[key])
        feedback.expect(chosen in DESIGN_OPTIONS, f"{key} の値「{chosen}」は選択肢にありません。",
                        hint="DESIGN_OPTIONS の言葉をそのまま使います。")
    wrong = [key for key, (right, _) in SCENES.items() if _text(choice[key]) != right]
    if wrong:
        raise AnswerError(f"A〜D のうち {len(wrong)} つの方法が違います（{'、'.join(wrong)}）。",
                          SCENES[wrong[0]][1] + "上の表の「対象の決まり方」に当てはめます。")


match = Exercise(
    variable="design_choice",
    judge=_judge_match,
    hint="それぞれの場面で、施策の対象がどう決まるかを読み、上の表に当てはめます。",
    passed="場面と方法は正解です。",
)


# ------------------------------------------------------------------ 演習 2: プラセボ検定


@cache
def _tourism() -> pd.DataFrame:
    data = load("tourism_did")
    data["y"] = np.log(data["観光客数"])
    data["ym"] = data["年"] * 100 + data["月"]
    return data


@cache
def _placebo_fit(before: int = POLICY_START, formula: str = "y ~ fake + C(団体コード) + C(ym)", use_t: bool = True):
    import statsmodels.formula.api as smf

    data = _tourism()
    pre = data[data["ym"] < before].copy()
    pre["fake"] = ((pre["施策町"] == 1) & (pre["ym"] >= FAKE_START)).astype(int)
    return smf.ols(formula, data=pre).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(pre["団体コード"])[0]},
                                          use_t=use_t)


def _placebo(**options: Any) -> float:
    return float(_placebo_fit(**options).params["fake"])


def _placebo_ci(**options: Any) -> list[float]:
    return [float(x) for x in _placebo_fit(**options).conf_int().loc["fake"]]


def _pair(value: Any, name: str) -> list[float]:
    try:
        numbers = [float(x) for x in list(value)]
    except (TypeError, ValueError):
        raise AnswerError(f"{name} は (下限, 上限) の 2 つの数にしてください。",
                          "conf_int() の結果から「仮の施策期間」の行を取り出します。") from None
    if len(numbers) != 2:
        raise AnswerError(f"{name} に {len(numbers)} 個の値があります。(下限, 上限) の 2 つの数にしてください。")
    return numbers


def _judge_placebo(effect, ci) -> None:
    feedback.expect_close(effect, _placebo(), "仮の効果", rel=0, abs_tol=LOG,
                          hint="before_policy を使い、町（団体コード）と年月の両方を C(...) で入れた回帰の、仮の施策期間の係数です。")
    low, high = _pair(ci, "placebo_ci")
    feedback.expect(low < high, "placebo_ci の順番が逆です。(下限, 上限) の順に入れます。")
    expected_low, expected_high = _placebo_ci()
    feedback.expect_close(low, expected_low, "信頼区間の下限", rel=0, abs_tol=LOG,
                          hint="町ごとのクラスター（groups）と use_t=True を指定します。")
    feedback.expect_close(high, expected_high, "信頼区間の上限", rel=0, abs_tol=LOG,
                          hint="町ごとのクラスター（groups）と use_t=True を指定します。")


def _ci_is(expected: Callable[[], list[float]]):
    def test(answer: tuple) -> bool:
        interval = [float(x) for x in list(answer[1])]
        return len(interval) == 2 and all(abs(a - b) <= LOG for a, b in zip(interval, expected()))
    return test


placebo = Exercise(
    variable=("placebo_effect", "placebo_ci"),
    computed=True,
    judge=_judge_placebo,
    hint="問題の式のとおりに before_policy で回帰し、params と conf_int() から「仮の施策期間」を取り出します。",
    passed="プラセボ検定は正解です。",
    mistakes=(
        Mistake("2022 年 4 月以降のデータまで使っています。施策を始める前の before_policy だけを使います。",
                test=_is(lambda: _placebo(before=999999), LOG, at=0)),
        Mistake("月ごとの共通の動き（C(年月)）が式に入っていません。", test=_is(lambda: _placebo(formula="y ~ fake + C(団体コード)"), LOG, at=0)),
        Mistake("町ごとの違い（C(団体コード)）が式に入っていません。", test=_is(lambda: _placebo(formula="y ~ fake + C(ym)"), LOG, at=0)),
        Mistake("use_t=True がないため、信頼区間の幅が違います。", test=_ci_is(lambda: _placebo_ci(use_t=False))),
        Mistake("下限と上限が逆です。(下限, 上限) の順に入れます。", test=_ci_is(lambda: _placebo_ci()[::-1])),
    ),
)


# ------------------------------------------------------------------ 演習 3: 必要な人数


def _raw_n(treated: float = RATES[0], control: float = RATES[1], power: float = 0.8, alpha: float = 0.05) -> float:
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    size = proportion_effectsize(treated, control)
    return float(NormalIndPower().solve_power(effect_size=size, alpha=alpha, power=power, ratio=1))


def _judge_power(n) -> None:
    expected = math.ceil(_raw_n())
    feedback.expect(feedback.is_number(n), f"needed_n が 1 つの数ではありません（{feedback.type_name(type(n))}）。",
                    hint="solve_power(...) の結果を math.ceil で整数にします。")
    feedback.expect(float(n).is_integer(), "人数が整数になっていません。", hint="math.ceil で小数点以下を切り上げます。")
    feedback.expect_close(n, expected, "1 グループに必要な人数", rel=0, abs_tol=0)


power = Exercise(
    variable="needed_n",
    computed=True,
    judge=_judge_power,
    hint="29% から 35% の効果を proportion_effectsize で効果量にし、上の例と同じ有意水準・検出力で solve_power を使います。",
    passed="必要な人数の見積もりは正解です。",
    mistakes=(
        Mistake("四捨五入や切り捨てになっています。人数が足りなくならないよう、math.ceil で切り上げます。",
                test=lambda n: feedback.is_number(n) and int(n) in {round(_raw_n()), math.floor(_raw_n())}
                and int(n) != math.ceil(_raw_n())),
        Mistake("2 グループの合計になっています。1 グループあたりの人数を入れます。",
                test=lambda n: feedback.is_number(n) and abs(float(n) - 2 * _raw_n()) <= 2),
        Mistake("上の例（29% から 40%）の人数です。この演習は 29% から 35% です。",
                test=lambda n: feedback.is_number(n) and abs(float(n) - _raw_n(0.40)) <= 1),
        Mistake("人数がマイナスです。proportion_effectsize には、上げたい受診率（0.35）を先に入れます。",
                test=lambda n: feedback.is_number(n) and float(n) < 0),
        Mistake("検出力か有意水準が違います。検出力 0.8、有意水準 0.05 を使います。",
                test=lambda n: feedback.is_number(n) and any(abs(float(n) - _raw_n(**o)) <= 1
                                                             for o in ({"power": 0.9}, {"alpha": 0.01}, {"alpha": 0.1}))),
    ),
)


# ------------------------------------------------------------------ 演習 4: 評価計画


def _judge_plan(plan) -> None:
    feedback.expect_type(plan, dict, "my_plan", hint="{\"施策名\": \"…\", ...} の形の辞書にします。")
    feedback.expect_equal(sorted(map(str, plan)), sorted(PLAN_KEYS), "my_plan のキー",
                          hint="キーは " + "、".join(PLAN_KEYS) + " の 6 つです。")
    for key in PLAN_TEXT_KEYS:
        feedback.expect(isinstance(plan[key], str) and plan[key].strip() != "", f"「{key}」が空か、文字列ではありません。")
    design = _text(plan["評価デザイン"])
    feedback.expect(design in DESIGN_OPTIONS, f"評価デザイン「{design}」は選択肢にありません。",
                    hint="DESIGN_OPTIONS の言葉をそのまま使います。")
    data = plan["データ"]
    feedback.expect(isinstance(data, list) and len(data) >= 1 and all(isinstance(x, str) and x.strip() for x in data),
                    "「データ」は、空でない文字列を 1 つ以上入れたリストにします。",
                    hint="1 つだけでも [\"…\"] のように [ ] で囲みます。")
    threats = plan["脅威"]
    feedback.expect(isinstance(threats, list) and all(isinstance(x, str) for x in threats),
                    "「脅威」は文字列のリストにします。", hint="[\"…\", \"…\"] のように [ ] で囲みます。")
    unknown = [x for x in threats if _text(x) not in THREAT_OPTIONS]
    feedback.expect(not unknown, "脅威に選択肢にない言葉があります: " + "、".join(unknown), hint="THREAT_OPTIONS の言葉をそのまま使います。")
    feedback.expect(len({_text(x) for x in threats}) >= 2, "脅威が 2 つ以上ありません。", hint="違う脅威を 2 つ以上挙げます。")
    needed = REQUIRED_THREAT.get(design)
    feedback.expect(needed is None or needed in {_text(x) for x in threats}, f"{design}なら、脅威に「{needed}」を入れます。",
                    hint="上の説明の、評価デザインごとに必ず入れる脅威を確かめます。")


plan = Exercise(
    variable="my_plan",
    judge=_judge_plan,
    hint="上の表のとおり 6 つのキーの辞書にし、評価デザインと脅威は選択肢の言葉をそのまま使います。",
    passed="評価計画の形はそろっています（中身は講師が読みます）。",
)
