"""Checks of ワークショップ 3-1: 前後比較のわな (solutions/ws3_analysis_and_evaluation/01_before_after_trap)."""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pandas as pd

from ebpm import feedback
from ebpm.exercises import Exercise, Mistake, load

BEFORE, AFTER = 1978, 1981
CHANGE_QUARTER = 4  # Quarter_Num 4 = 2011 年第 3 四半期: the first quarter after the change
DOLLARS = 1.0  # 価格の変化は 1 ドル未満の違いを問わない
RATE = 5e-5  # 登録率の変化は小数第 4 位まで
AREAS = 0.005  # 重点地区の変化は小数第 2 位まで


def _close_to(expected: Callable[[], float], tolerance: float) -> Callable[[Any], bool]:
    """A mistake test: the answer is this (wrong) number, within the exercise's tolerance."""
    def test(answer: Any) -> bool:
        return feedback.is_number(answer) and abs(float(answer) - float(expected())) <= tolerance
    return test


def _pair_close(first: Callable[[], float], second: Callable[[], float] | None, tolerance: float):
    """A mistake test on two answers (either may be checked alone when ``second`` is None)."""
    def test(answer: tuple) -> bool:
        ok = _close_to(first, tolerance)(answer[0])
        return ok and (second is None or _close_to(second, tolerance)(answer[1]))
    return test


# ------------------------------------------------------------------ 演習 1・2: 焼却場と住宅価格


@cache
def _change(near: int | None, column: str = "rprice", how: str = "mean", before: int = BEFORE, after: int = AFTER) -> float:
    houses = load("kielmc")
    if near is not None:
        houses = houses[houses["nearinc"] == near]
    by_year = houses.groupby("year")[column].agg(how)
    return float(by_year[after] - by_year[before])


def _judge_near(value) -> None:
    feedback.expect_close(value, _change(1), "近くの住宅の平均価格の変化", rel=0, abs_tol=DOLLARS)


near = Exercise(
    variable="near_change",
    computed=True,
    judge=_judge_near,
    hint="焼却場に近い住宅だけを選び、年ごとの rprice の平均を求めてから、1981 年の平均 − 1978 年の平均を計算します。",
    passed="前後比較の計算は正解です。",
    mistakes=(
        Mistake("引き算が逆です。「1981 年の平均 − 1978 年の平均」の順に引きます。", test=_close_to(lambda: -_change(1), DOLLARS)),
        Mistake("物価を除いていない price を使っています。年をまたいで比べるときは rprice（実質価格）を使います。",
                test=_close_to(lambda: _change(1, "price"), DOLLARS)),
        Mistake("焼却場から遠い住宅（nearinc が 0）の変化になっています。近い住宅は nearinc が 1 です。",
                test=_close_to(lambda: _change(0), DOLLARS)),
        Mistake("すべての住宅の変化になっています。焼却場に近い住宅（nearinc が 1）だけを選びます。",
                test=_close_to(lambda: _change(None), DOLLARS)),
        Mistake("平均ではなく合計の変化になっています。年ごとの平均（mean）を比べます。",
                test=_close_to(lambda: _change(1, how="sum"), DOLLARS)),
        Mistake("平均ではなく中央値の変化になっています。年ごとの平均（mean）を比べます。",
                test=_close_to(lambda: _change(1, how="median"), DOLLARS)),
        Mistake("1 つの数ではなく、年ごとの平均の一覧（Series）になっています。2 つの年の平均の差を求めます。",
                test=lambda answer: isinstance(answer, pd.Series)),
    ),
)


def _judge_far(far, relative) -> None:
    feedback.expect_close(far, _change(0), "遠い住宅の平均価格の変化", rel=0, abs_tol=DOLLARS,
                          hint="nearinc が 0 の住宅で、1981 年の平均 − 1978 年の平均を求めます。")
    feedback.expect_close(relative, _change(1) - _change(0), "近い − 遠い", rel=0, abs_tol=2 * DOLLARS,
                          hint="「近い住宅の変化 − 遠い住宅の変化」の順に引きます。")


far = Exercise(
    variable=("far_change", "relative_change"),
    computed=True,
    judge=_judge_far,
    hint="演習 1 と同じ計算を遠い住宅で行い、近い住宅の変化から遠い住宅の変化を引きます。",
    passed="比較群との比較は正解です。",
    mistakes=(
        Mistake("far_change が近い住宅の変化になっています。遠い住宅は nearinc が 0 です。",
                test=_pair_close(lambda: _change(1), None, DOLLARS)),
        Mistake("far_change の引き算が逆です。「1981 年の平均 − 1978 年の平均」の順に引きます。",
                test=_pair_close(lambda: -_change(0), None, DOLLARS)),
        Mistake("relative_change が「遠い − 近い」になっています。「近い − 遠い」の順に引きます。",
                test=lambda answer: _close_to(lambda: _change(0) - _change(1), 2 * DOLLARS)(answer[1])),
        Mistake("物価を除いていない price を使っています。rprice（実質価格）を使います。",
                test=_pair_close(lambda: _change(0, "price"), None, DOLLARS)),
    ),
)


# ------------------------------------------------------------------ 演習 3: 臓器提供登録率


@cache
def _organ_change(california: bool, start: int = CHANGE_QUARTER) -> float:
    organ = load("organ_donations")
    chosen = organ[(organ["State"] == "California") == california]
    after = chosen["Quarter_Num"] >= start
    return float(chosen.loc[after, "Rate"].mean() - chosen.loc[~after, "Rate"].mean())


@cache
def _all_states_change() -> float:
    organ = load("organ_donations")
    after = organ["Quarter_Num"] >= CHANGE_QUARTER
    return float(organ.loc[after, "Rate"].mean() - organ.loc[~after, "Rate"].mean())


def _judge_organ(ca, others) -> None:
    feedback.expect_close(ca, _organ_change(True), "カリフォルニア州の変化", rel=0, abs_tol=RATE,
                          hint="State が California の行だけで、変更後の平均 − 変更前の平均を求めます。")
    feedback.expect_close(others, _organ_change(False), "ほかの州の変化", rel=0, abs_tol=RATE,
                          hint="カリフォルニア州以外の州の行をまとめて、変更後の平均 − 変更前の平均を求めます。")


def _ca(value: Callable[[], float]):
    return lambda answer: _close_to(value, RATE)(answer[0])


def _others(value: Callable[[], float]):
    return lambda answer: _close_to(value, RATE)(answer[1])


organ = Exercise(
    variable=("ca_change", "others_change"),
    computed=True,
    judge=_judge_organ,
    hint="カリフォルニア州かどうかと、変更後かどうかの 2 つで分けて平均し、それぞれ 変更後 − 変更前 を求めます。",
    passed="カリフォルニア州の前後比較は正解です。",
    mistakes=(
        Mistake("引き算が逆です。「変更後の平均 − 変更前の平均」の順に引きます。", test=_ca(lambda: -_organ_change(True))),
        Mistake("カリフォルニア州とほかの州が入れ替わっています。", test=_ca(lambda: _organ_change(False))),
        Mistake("カリフォルニア州に絞らず、すべての州で前後比較しています。State が California の行だけを使います。",
                test=_ca(_all_states_change)),
        Mistake("変更後の始まりがずれています。変更後は Quarter_Num が 4 以上（4 を含む）の四半期です。",
                test=lambda answer: any(_close_to(lambda q=q: _organ_change(True, q), RATE)(answer[0])
                                        for q in (CHANGE_QUARTER - 1, CHANGE_QUARTER + 1))),
        Mistake("ほかの州の引き算が逆です。「変更後の平均 − 変更前の平均」の順に引きます。",
                test=_others(lambda: -_organ_change(False))),
        Mistake("ほかの州の変化に、カリフォルニア州も含めています。カリフォルニア州以外の州だけを使います。",
                test=_others(_all_states_change)),
    ),
)


# ------------------------------------------------------------------ 演習 4: 平均への回帰


def _areas(seed: Any) -> pd.DataFrame:
    from ebpm import simulate

    return simulate.simulate_regression_to_mean(n_areas=40, n_worst=8, seed=seed)


@cache
def _area_change(seed: Any, chosen: int | None = 1, how: str = "mean") -> float:
    table = _areas(seed)
    if chosen is not None:
        table = table[table["重点地区"] == chosen]
    return float((table["2年目"] - table["1年目"]).agg(how))


def _judge_rtm(value, seed) -> None:
    feedback.expect_close(value, _area_change(seed), "重点地区の平均の変化", rel=0, abs_tol=AREAS)


def _rtm(value: Callable[[Any], float]):
    return lambda answer: _close_to(lambda: value(answer[1]), AREAS)(answer[0])


rtm = Exercise(
    variable=("chosen_change", "SEED"),
    computed=('chosen_change',),
    judge=_judge_rtm,
    hint="重点地区が 1 の地区だけを選び、地区ごとの「2 年目 − 1 年目」を計算してから平均します。",
    passed="平均への回帰を確かめられました。",
    mistakes=(
        Mistake("引き算が逆です。「2 年目 − 1 年目」の順に引きます。", test=_rtm(lambda seed: -_area_change(seed))),
        Mistake("全地区の平均になっています。重点地区が 1 の行だけを選びます。", test=_rtm(lambda seed: _area_change(seed, None))),
        Mistake("重点地区ではない地区（0）の平均になっています。重点地区は 1 です。", test=_rtm(lambda seed: _area_change(seed, 0))),
        Mistake("平均ではなく合計になっています。mean() で平均します。", test=_rtm(lambda seed: _area_change(seed, how="sum"))),
        Mistake("平均ではなく中央値になっています。mean() で平均します。", test=_rtm(lambda seed: _area_change(seed, how="median"))),
    ),
)
