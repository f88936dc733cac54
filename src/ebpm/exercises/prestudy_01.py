"""Checks of 事前学習 1: データの見方 (solutions/prestudy/01_reading_data)."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ebpm import feedback
from ebpm.exercises import Exercise, Mistake, load, text_key
from ebpm.exercises import when as _when

COST = "年間維持管理費_千円"
USERS = "年間利用者数"
CENTER_TOLERANCE = 0.5  # 「千円単位の整数に丸めても正解」
YEAR = 2025  # the notebook's YEAR (its parameters cell)
ELDERLY_BANDS = ("65〜69歳", "70〜74歳", "75〜79歳", "80〜84歳", "85歳以上")
RATE_TOLERANCE = 0.05  # 「小数第 1 位まで合っていれば正解」
CORR_TOLERANCE = 0.005  # 「小数第 2 位まで合っていれば正解」
PER = 1000
HIST_BINS = 10
PANDAS_HIST_YLABEL = "Frequency"  # what pandas writes on a histogram's y axis by itself


def _near(value: Any, target: float, tolerance: float) -> bool:
    return (feedback.is_number(value) and not math.isnan(float(value))
            and abs(float(value) - float(target)) <= tolerance + 1e-9)




# 演習 1: 平均値と中央値 ---------------------------------------------------------------------

def _costs() -> pd.Series:
    return load("facilities")[COST]


def _judge_center(mean, median) -> None:
    costs = _costs()
    feedback.expect_close(mean, costs.mean(), "平均値（cost_mean）", rel=0, abs_tol=CENTER_TOLERANCE + 1e-9,
                          hint=f"{COST} の列を選んでから mean() で平均値を求めます。")
    feedback.expect_close(median, costs.median(), "中央値（cost_median）", rel=0, abs_tol=CENTER_TOLERANCE + 1e-9,
                          hint=f"{COST} の列を選んでから median() で中央値を求めます。")


def _mean_ok(answer) -> bool:
    return _near(answer[0], _costs().mean(), CENTER_TOLERANCE)


def _median_is(value: Callable[[], float]) -> Callable[[Any], bool]:
    def test(answer) -> bool:
        wrong = float(value())
        return not _near(wrong, _costs().median(), CENTER_TOLERANCE) and _near(answer[1], wrong, CENTER_TOLERANCE)
    return test


def _middle(offset: int) -> float:
    ordered = _costs().sort_values().reset_index(drop=True)
    return float(ordered.iloc[len(ordered) // 2 - 1 + offset])


center = Exercise(
    variable=("cost_mean", "cost_median"),
    computed=True,
    judge=_judge_center,
    hint="平均値は mean()、中央値は median() で求めます。",
    passed="平均値と中央値は正解です。",
    mistakes=(
        Mistake("平均値と中央値が入れ替わっています。平均値は mean()、中央値は median() です。",
                test=lambda answer: _near(answer[0], _costs().median(), CENTER_TOLERANCE)
                and _near(answer[1], _costs().mean(), CENTER_TOLERANCE)),
        Mistake("年間利用者数の列で計算しています。年間維持管理費_千円 の列を選びます。",
                test=lambda answer: _near(answer[0], load("facilities")[USERS].mean(), CENTER_TOLERANCE)),
        Mistake("平均値ではなく合計になっています。平均値は mean() で求めます。",
                test=lambda answer: _near(answer[0], _costs().sum(), CENTER_TOLERANCE)),
        Mistake("小数点以下を切り捨てています。整数にするなら round() で四捨五入するか、丸めずにそのまま入れます。",
                test=lambda answer: feedback.is_number(answer[0]) and float(answer[0]) == math.floor(_costs().mean())
                and not _near(answer[0], _costs().mean(), CENTER_TOLERANCE)),
        Mistake("中央値の変数にも平均値が入っています。中央値は median() で求めます。",
                test=_when(_mean_ok, _median_is(lambda: _costs().mean()))),
        Mistake("中央値の変数に、年間利用者数の中央値が入っています。年間維持管理費_千円 の列を選びます。",
                test=_when(_mean_ok, _median_is(lambda: load("facilities")[USERS].median()))),
        Mistake("並べたときの真ん中の 1 つだけを取っています。施設の数が偶数なので、中央値は真ん中の 2 つの値の平均です"
                "（median() はそれを自動で計算します）。",
                test=_when(_mean_ok, lambda answer: _median_is(lambda: _middle(0))(answer)
                           or _median_is(lambda: _middle(1))(answer))),
        Mistake("並べ替えずに、表の真ん中の行の値を取っています。中央値は、小さい順に並べたときの真ん中です。",
                test=_when(_mean_ok, lambda answer: _median_is(lambda: _costs().iloc[len(_costs()) // 2])(answer)
                           or _median_is(lambda: _costs().iloc[len(_costs()) // 2 - 1])(answer))),
    ),
)


# 演習 2: ヒストグラム -----------------------------------------------------------------------

def _axes_type():
    from matplotlib.axes import Axes

    return Axes


def _heights(ax) -> list[float]:
    return [float(patch.get_height()) for patch in ax.patches]


def _counts(column: str) -> list[int]:
    counts, _ = np.histogram(load("facilities")[column], bins=HIST_BINS)
    return [int(count) for count in counts]


def _judge_hist(ax) -> None:
    feedback.expect_type(ax, _axes_type(), "cost_ax", hint="グラフを描いた結果（.plot(...) が返すもの）を入れます。")
    heights = _heights(ax)
    feedback.expect(len(heights) == HIST_BINS, f"棒の数が {len(heights)} 本です。{HIST_BINS} 本になるはずです。",
                    hint="ヒストグラム（kind=\"hist\"）を、bins=10 で描きます。")
    feedback.expect(heights == _counts(COST), "棒の高さ（区間ごとの施設数）が、年間維持管理費のヒストグラムと違います。",
                    hint=f"{COST} の列を選んで、ヒストグラムを描きます。")
    feedback.expect(ax.get_title().strip() != "", "タイトルがありません。", hint="cost_ax.set_title(...) で付けます。")
    feedback.expect("千円" in ax.get_xlabel(), "横軸の名前に単位「千円」がありません。",
                    hint="cost_ax.set_xlabel(...) で、単位を含む名前を付けます。")
    ylabel = ax.get_ylabel().strip()
    feedback.expect(ylabel not in ("", PANDAS_HIST_YLABEL),
                    "縦軸の名前がありません。" if not ylabel else
                    f"縦軸の名前が、pandas が自動で付けた「{PANDAS_HIST_YLABEL}」のままです。",
                    hint="cost_ax.set_ylabel(...) で、縦軸が何の数かを日本語で書きます。")


hist = Exercise(
    variable="cost_ax",
    judge=_judge_hist,
    hint="上の例の書き方で、列名と変数名を変えます。タイトルと軸の名前は set_title、set_xlabel、set_ylabel で付けます。",
    passed="ヒストグラムは正解です。",
    mistakes=(
        Mistake("年間利用者数のヒストグラムになっています。年間維持管理費_千円 の列を選びます。",
                test=lambda ax: _heights(ax) == _counts(USERS)),
        Mistake("表全体のヒストグラムになっていて、数値の列がすべて重なっています。先に 年間維持管理費_千円 の列を選んでから "
                ".plot(kind=\"hist\", ...) を書きます。",
                test=lambda ax: len(ax.containers) > 1 and all(len(bars) == HIST_BINS for bars in ax.containers)),
        Mistake("施設ごとの棒グラフになっています。値の分布を見るには、kind=\"hist\" でヒストグラムを描きます。",
                test=lambda ax: len(ax.containers) <= 1 and len(ax.patches) == len(load("facilities"))),
        Mistake("図全体（Figure）が入っています。.plot(...) が返すグラフ（Axes）を入れます。",
                test=lambda ax: type(ax).__name__ == "Figure"),
    ),
)


# 演習 3: 地区別の 1,000 人あたり -----------------------------------------------------------

def _population(year: int | None = YEAR) -> pd.DataFrame:
    people = load("town_population")
    return people if year is None else people[people["年"] == year]


def _rate(bands=ELDERLY_BANDS, year: int | None = YEAR, per: float = PER, inverted: bool = False,
          town_denominator: bool = False) -> pd.Series:
    people = _population(year)
    total = people.groupby("地区")["人口"].sum()
    if town_denominator:
        total = pd.Series(total.sum(), index=total.index)
    older = people[people["年齢階級"].isin(bands)].groupby("地区")["人口"].sum()
    return (total / older if inverted else older / total) * per


def _elderly_count() -> pd.Series:
    people = _population()
    return people[people["年齢階級"].isin(ELDERLY_BANDS)].groupby("地区")["人口"].sum()


def _judge_rate(rate, highest) -> None:
    expected = _rate()
    feedback.expect(not isinstance(rate, pd.DataFrame), "elderly_per_1000 が表（DataFrame）になっています。",
                    hint="groupby で分けたあと、[\"人口\"] のように 1 つの列を選んでから合計すると Series になります。")
    feedback.expect_type(rate, pd.Series, "elderly_per_1000",
                         hint="地区ごとの人数（Series）を、地区ごとの総人口（Series）で割ると、地区ごとの Series になります。")
    feedback.expect_equal(sorted(map(str, rate.index)), sorted(expected.index), "地区の一覧（行の名前）",
                          hint="地区ごとに groupby して、地区名が行の名前になるようにします。")
    for district, value in expected.items():
        feedback.expect_close(rate[district], value, f"{district}の値", rel=0, abs_tol=RATE_TOLERANCE + 1e-9,
                              hint="人口 1,000 人あたりの人数 ＝ 人数 ÷ 人口 × 1,000 です。65 歳以上の 5 つの年齢階級を"
                                   "すべて含めていますか？")
    feedback.expect_type(highest, str, "highest_district", hint="地区の名前（文字列）を入れます。")
    feedback.expect_equal(highest, str(expected.idxmax()), "highest_district",
                          hint="1,000 人あたりの値が最も大きい地区の名前です。")


def _rate_is(make: Callable[[], pd.Series]) -> Callable[[Any], bool]:
    def test(answer) -> bool:
        rate = answer[0]
        wrong = make()
        if not isinstance(rate, pd.Series) or sorted(map(str, rate.index)) != sorted(wrong.index):
            return False
        expected = _rate()
        if all(abs(wrong[d] - expected[d]) <= RATE_TOLERANCE for d in expected.index):
            return False
        return all(_near(rate[d], wrong[d], max(RATE_TOLERANCE, abs(wrong[d]) * 1e-6)) for d in wrong.index)
    return test


def _rounded_to_integer(answer) -> bool:
    rate, expected = answer[0], _rate()
    return (isinstance(rate, pd.Series) and sorted(map(str, rate.index)) == sorted(expected.index)
            and not _rate_ok(answer)
            and all(_near(rate[d], expected[d], 0.5) and float(rate[d]).is_integer() for d in expected.index))


def _rate_ok(answer) -> bool:
    rate, expected = answer[0], _rate()
    return (isinstance(rate, pd.Series) and sorted(map(str, rate.index)) == sorted(expected.index)
            and all(_near(rate[d], expected[d], RATE_TOLERANCE) for d in expected.index))


rate = Exercise(
    variable=("elderly_per_1000", "highest_district"),
    computed=True,
    judge=_judge_rate,
    hint="上の子どもの例と同じ手順です。年齢階級で絞り込んで地区ごとに合計し、地区ごとの総人口で割って 1,000 を掛けます。",
    passed="地区別の率は正解です。",
    mistakes=(
        Mistake("割る順番が逆です。65 歳以上の人数を、地区の総人口で割ります。", test=_rate_is(lambda: _rate(inverted=True))),
        Mistake("整数に丸めています。値は小数第 1 位まで求めます（round(1) で丸めるか、丸めずにそのままにします）。",
                test=_rounded_to_integer),
        Mistake("1,000 を掛けていません。人口 1,000 人あたりにするには × 1000 をします。", test=_rate_is(lambda: _rate(per=1))),
        Mistake("100 人あたり（%）になっています。人口 1,000 人あたりにするには × 1000 をします。",
                test=_rate_is(lambda: _rate(per=100))),
        Mistake("人数（実数）のままです。地区ごとの総人口で割って、1,000 人あたりにします。",
                test=_rate_is(lambda: _elderly_count())),
        Mistake("85歳以上の年齢階級が抜けています。65 歳以上の 5 つの年齢階級をすべて含めます。",
                test=_rate_is(lambda: _rate(bands=ELDERLY_BANDS[:-1]))),
        Mistake("65〜69歳の年齢階級が抜けています。65 歳以上の 5 つの年齢階級をすべて含めます。",
                test=_rate_is(lambda: _rate(bands=ELDERLY_BANDS[1:]))),
        Mistake("60〜64歳まで含めています。65 歳以上の 5 つの年齢階級だけを使います。",
                test=_rate_is(lambda: _rate(bands=("60〜64歳", *ELDERLY_BANDS)))),
        Mistake("分母が町全体の人口になっています。地区ごとの総人口（district_total）で割ります。",
                test=_rate_is(lambda: _rate(town_denominator=True))),
        Mistake(f"{YEAR} 年の行だけになっていません。this_year（{YEAR} 年の行）を使います。",
                test=_rate_is(lambda: _rate(year=None))),
        Mistake(f"{YEAR} 年ではない年の人口を使っています。this_year（{YEAR} 年の行）を使います。",
                test=lambda answer: any(_rate_is(lambda y=y: _rate(year=y))(answer)
                                        for y in sorted(set(load("town_population")["年"])) if y != YEAR)),
        Mistake("選んだ地区は、65 歳以上の人数（実数）が最も多く、1,000 人あたりの値は最も小さい地区です。"
                "1,000 人あたりの値が最も大きい地区を選びます。",
                test=_when(_rate_ok, lambda answer: answer[1] == _elderly_count().idxmax() == _rate().idxmin())),
        Mistake("65 歳以上の人数（実数）が最も多い地区になっています。1,000 人あたりの値が最も大きい地区を選びます。",
                test=_when(_rate_ok, lambda answer: answer[1] == _elderly_count().idxmax() != _rate().idxmax())),
        Mistake("値が最も小さい地区になっています。最も大きい地区は idxmax() で分かります。",
                test=_when(_rate_ok, lambda answer: answer[1] == _rate().idxmin())),
        Mistake("地区の名前ではなく、最大の値そのものが入っています。最大の値の行の名前は idxmax() で分かります。",
                test=_when(_rate_ok, lambda answer: _near(answer[1], _rate().max(), RATE_TOLERANCE))),
    ),
)


# 演習 4: 相関係数 ---------------------------------------------------------------------------

def _yule() -> pd.DataFrame:
    return load("yule")


def _judge_corr(corr) -> None:
    yule = _yule()
    feedback.expect(not isinstance(corr, (pd.DataFrame, pd.Series, np.ndarray)),
                    f"corr_relief_paup に {feedback.type_name(type(corr))} が入っています。2 つの列の間の相関係数は 1 つの数です。",
                    hint="列1.corr(列2) の形で、2 つの列の間の相関係数を求めます。")
    feedback.expect_close(corr, yule["outrelief"].corr(yule["paup"]), "相関係数（corr_relief_paup）", rel=0,
                          abs_tol=CORR_TOLERANCE + 1e-9, hint="outrelief と paup の 2 つの列の間で corr を使います。")


def _corr_is(first: str, second: str, method: str = "pearson") -> Callable[[Any], bool]:
    def test(corr) -> bool:
        wrong = _yule()[first].corr(_yule()[second], method=method)
        right = _yule()["outrelief"].corr(_yule()["paup"])
        return not _near(wrong, right, CORR_TOLERANCE) and _near(corr, wrong, CORR_TOLERANCE)
    return test


corr = Exercise(
    variable="corr_relief_paup",
    computed=True,
    judge=_judge_corr,
    hint="相関係数は 列1.corr(列2) で求めます。",
    passed="相関係数は正解です。",
    mistakes=(
        Mistake("すべての列の間の相関係数の表（DataFrame）です。outrelief と paup の 2 つの列だけを選んで、1 つの数を求めます。",
                test=lambda corr: isinstance(corr, pd.DataFrame)),
        Mistake("old（高齢者の割合の変化）と paup の相関係数です。outrelief（院外救済の変化）の列を使います。",
                test=_corr_is("old", "paup")),
        Mistake("pop（人口の変化）と paup の相関係数です。outrelief（院外救済の変化）の列を使います。",
                test=_corr_is("pop", "paup")),
        Mistake("outrelief と old の相関係数です。もう一方の列は paup（貧困者の割合の変化）です。",
                test=_corr_is("outrelief", "old")),
        Mistake("outrelief と pop の相関係数です。もう一方の列は paup（貧困者の割合の変化）です。",
                test=_corr_is("outrelief", "pop")),
        Mistake("同じ列どうしの相関係数（1）です。outrelief と paup の 2 つの違う列を使います。",
                test=lambda corr: _near(corr, 1.0, 1e-9)),
        Mistake("corr の method を変えています。何も指定しない corr() の相関係数（ピアソンの相関係数）を求めます。",
                test=lambda corr: _corr_is("outrelief", "paup", "spearman")(corr)
                or _corr_is("outrelief", "paup", "kendall")(corr)),
    ),
)


# 演習 6: 縦軸を 0 から -----------------------------------------------------------------------

def _births() -> pd.Series:
    vital = load("town_vital_monthly")
    return vital[vital["区分"] == "出生"].groupby("年")["人数"].sum()


def _birth_rate() -> pd.Series:
    births = _births()
    people = load("town_population").groupby("年")["人口"].sum()
    return births / people.loc[births.index] * PER


def _draws(ax, values: pd.Series) -> bool:
    for line in ax.get_lines():
        ydata = np.asarray(line.get_ydata(), dtype=float)
        if len(ydata) == len(values) and bool(np.allclose(ydata, values.to_numpy(dtype=float), rtol=1e-6)):
            return True
    return False


def _plain(text: str) -> str:
    return text_key(text).replace(",", "")


def _judge_axis(ax) -> None:
    rates = _birth_rate()
    feedback.expect_type(ax, _axes_type(), "rate_ax", hint="グラフを描いた結果（.plot(...) が返すもの）を入れます。")
    feedback.expect(len(ax.get_lines()) >= 1, "折れ線がありません。", hint="Series の .plot(marker=\"o\") で折れ線を描きます。")
    feedback.expect(_draws(ax, rates), "折れ線の値が、町の人口 1,000 人あたりの出生数と違います。",
                    hint="birth_table の \"1,000人あたり\" の列を描きます。")
    bottom, top = ax.get_ylim()
    feedback.expect(bottom == 0, f"縦軸が {feedback.show_value(float(bottom))} から始まっています。",
                    hint="set_ylim(下の端, 上の端) で、下の端を 0 にします。")
    feedback.expect(top >= float(rates.max()), f"縦軸の上の端（{feedback.show_value(float(top))}）が低すぎて、"
                    "折れ線がグラフからはみ出しています。", hint="上の端は、いちばん大きい値より大きくします。")
    feedback.expect(ax.get_title().strip() != "", "タイトルがありません。", hint="rate_ax.set_title(...) で付けます。")
    label = _plain(ax.get_ylabel())
    feedback.expect("1000" in label or "千" in label, "縦軸の名前に、人口 1,000 人あたりの数であることが書かれていません。",
                    hint="rate_ax.set_ylabel(...) で、単位を含む名前を付けます。")


axis = Exercise(
    variable="rate_ax",
    judge=_judge_axis,
    hint="上の出生数のグラフと同じ書き方で、1,000 人あたりの列を描き、縦軸の範囲・タイトル・縦軸の名前を設定します。",
    passed="グラフは正解です。",
    mistakes=(
        Mistake("出生数（実数）を描いています。birth_table の \"1,000人あたり\" の列を描きます。",
                test=lambda ax: _draws(ax, _births())),
        Mistake("図全体（Figure）が入っています。.plot(...) が返すグラフ（Axes）を入れます。",
                test=lambda ax: type(ax).__name__ == "Figure"),
        Mistake("棒グラフになっています。推移は折れ線（.plot(marker=\"o\")）で描きます。",
                test=lambda ax: len(ax.get_lines()) == 0 and len(ax.patches) == len(_birth_rate())),
    ),
)
