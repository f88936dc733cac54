"""Checks of ワークショップ 4-2: 評価計画と KPI のモニタリング
(solutions/ws4_policy_and_data_quality/02_evaluation_plan_and_dashboard).

Exercise names drop the notebook's grade-id prefix (``ws4-2-plan`` → ``plan``). Sample sizes are
whole numbers of people: a learner may hand in 3703 or 3703.0, but never a number that was rounded
down.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ebpm import feedback
from ebpm.exercises import Exercise, Mistake, load, same_text, spelled_differently, text_key
from ebpm.exercises.ws2_01 import call

ALPHA = 0.05
POWER = 0.8
PLAN_KEYS = ["評価の問い", "デザイン", "比較群", "アウトカム指標", "収集するデータ", "測定時期"]
CHILD_AGES = ["0〜4歳", "5〜9歳", "10〜14歳"]
PNG_NAME = "kpi_child_population.png"
TITLE, UNIT = "年少人口（0〜14 歳）", "人口（人）"


def _power(kind: str = "normal"):
    from statsmodels.stats.power import NormalIndPower, TTestIndPower

    return NormalIndPower() if kind == "normal" else TTestIndPower()


def _expect_whole(value, what: str) -> None:
    feedback.expect(feedback.is_number(value), f"{what}が 1 つの数ではなく {feedback.type_name(type(value))} です。",
                    hint="math.ceil(...) で 1 つの整数にします。")
    feedback.expect(float(value).is_integer(), f"{what}が整数になっていません（あなたの値 {feedback.show_value(value)}）。",
                    hint="人数は小数では数えられないので、math.ceil(...) で切り上げます。")


# ---- 演習 1: 評価計画 ------------------------------------------------------------------------------

def _judge_plan(plan) -> None:
    feedback.expect_type(plan, dict, "evaluation_plan", hint="{\"キー\": 値, ...} の辞書で作ります。")
    missing = [k for k in PLAN_KEYS if k not in plan]
    feedback.expect(not missing, f"evaluation_plan にキー {'、'.join(missing)} がありません。",
                    hint="上の example_plan と同じ 6 つのキーを使います。")
    for key in ("評価の問い", "デザイン", "比較群", "アウトカム指標"):
        feedback.expect(isinstance(plan[key], str) and plan[key].strip() != "", f"「{key}」が空か、文字列ではありません。")
    for key in ("収集するデータ", "測定時期"):
        value = plan[key]
        feedback.expect(isinstance(value, list) and len([v for v in value if isinstance(v, str) and v.strip()]) >= 2,
                        f"「{key}」は 2 つ以上の文字列のリストにします。", hint='["...", "..."] のように書きます。')
    feedback.expect(same_text(plan["デザイン"], "ランダム化比較試験"),
                    f"デザインが違います。あなたの答え: {feedback.show_value(plan['デザイン'])}",
                    hint="配れる数より申込者が多いときは、抽選で配る相手を決められます。")
    feedback.expect(not same_text(plan["比較群"], plan["アウトカム指標"]), "比較群とアウトカム指標が同じです。",
                    hint="比較群は「誰と比べるか」、アウトカム指標は「何で測るか」です。")


plan = Exercise(
    variable="evaluation_plan",
    judge=_judge_plan,
    hint="example_plan と同じ 6 つのキーで、利用券パイロットの評価計画を書きます。",
    passed="評価計画の形とデザインは正解です。",
    mistakes=(
        Mistake("前後比較では、同じ時期に起きたほかの変化と施策の効果を分けられません。抽選で配るなら、ランダム化比較試験ができます。",
                test=lambda p: same_text(p.get("デザイン"), "前後比較")),
        Mistake("差の差分法も使えますが、抽選で配る相手を決められるなら、より確かなランダム化比較試験を選びます。",
                test=lambda p: same_text(p.get("デザイン"), "差の差分法")),
    ),
)


# ---- 演習 2: 効果が半分なら何人必要か -------------------------------------------------------------

def _control_rate() -> float:
    checkup = load("health_checkup_rct")
    return float(checkup.loc[checkup["はがき送付"] == 0, "受診"].mean())


def _n_proportion(effect: float) -> float:
    from statsmodels.stats.proportion import proportion_effectsize

    base = _control_rate()
    return float(_power().solve_power(effect_size=proportion_effectsize(base + effect, base),
                                      alpha=ALPHA, power=POWER, ratio=1.0))


def _judge_small(value) -> None:
    _expect_whole(value, "n_small_effect")
    feedback.expect_close(value, math.ceil(_n_proportion(0.03)), "1 群あたりの人数")


small = Exercise(
    variable="n_small_effect",
    computed=True,
    judge=_judge_small,
    hint="上の例の 0.06 を 0.03 に変えて、同じ手順で計算し、切り上げます。",
    passed="効果が半分になると、必要な人数はおよそ 4 倍になります。",
    mistakes=(
        Mistake("6 ポイントのときの人数です。見つけたい効果を 0.03 にします。", value=lambda: math.ceil(_n_proportion(0.06))),
        Mistake("切り捨て（または四捨五入）になっています。人数が足りなくならないよう、math.ceil で切り上げます。",
                test=lambda v: feedback.is_number(v) and v == math.floor(_n_proportion(0.03))),
        Mistake("受診率を 3 ポイント下げる計算になっています。施策後の割合は control_rate + 0.03 です。",
                test=lambda v: feedback.is_number(v) and v in {math.ceil(_n_proportion(-0.03)), math.floor(_n_proportion(-0.03))}),
    ),
)


# ---- 演習 3: 利用券パイロットに必要な世帯数 ---------------------------------------------------------

def _sd(group: str | None = "あり") -> float:
    survey = load("resident_survey")
    rows = survey if group is None else survey[survey["子どもの有無"] == group]
    return float(rows["満足度_子育て環境"].std())


def _n_mean(effect_size: float, kind: str = "t") -> float:
    return float(_power(kind).solve_power(effect_size=effect_size, alpha=ALPHA, power=POWER, ratio=1.0))


def _judge_survey(value) -> None:
    _expect_whole(value, "households_per_group")
    feedback.expect_close(value, math.ceil(_n_mean(0.3 / _sd())), "1 群あたりの世帯数")


survey = Exercise(
    variable="households_per_group",
    computed=True,
    judge=_judge_survey,
    hint="子どもが「あり」の回答者だけで標準偏差を求め、0.3 をそれで割った効果量を TTestIndPower().solve_power に渡します。",
    passed="必要な世帯数を計算できました。",
    mistakes=(
        Mistake("全回答者の標準偏差を使っています。試行の対象と同じ、子どもが「あり」の回答者だけで求めます。",
                test=lambda v: feedback.is_number(v) and v in {math.ceil(_n_mean(0.3 / _sd(None))), math.floor(_n_mean(0.3 / _sd(None)))}),
        Mistake("子どもが「なし」の回答者の標準偏差を使っています。「あり」の回答者で求めます。",
                test=lambda v: feedback.is_number(v) and v == math.ceil(_n_mean(0.3 / _sd("なし")))),
        Mistake("効果量を 0.3 のまま使っています。効果量は 0.3 ÷ 標準偏差 です。",
                test=lambda v: feedback.is_number(v) and v in {math.ceil(_n_mean(0.3)), math.floor(_n_mean(0.3))}),
        Mistake("切り捨てたか、平均の差なのに NormalIndPower を使っています。TTestIndPower で計算し、math.ceil で切り上げます。",
                test=lambda v: feedback.is_number(v) and v in {math.floor(_n_mean(0.3 / _sd())),
                                                               math.ceil(_n_mean(0.3 / _sd(), "normal"))}),
    ),
)


# ---- 演習 5: 年少人口の推移 ------------------------------------------------------------------------

def _children(ages: list[str] = CHILD_AGES, how: str = "sum") -> pd.Series:
    population = load("town_population")
    return population[population["年齢階級"].isin(ages)].groupby("年")["人口"].agg(how)


def _as_series(answer) -> pd.Series:
    """The learner's values by year, from a Series indexed by 年 or a table with 年 and 人口."""
    if isinstance(answer, pd.DataFrame):
        feedback.expect_columns(answer, ["年", "人口"], "child_population")
        return pd.Series(answer["人口"].to_numpy(), index=answer["年"].astype(int).to_numpy())
    return pd.Series(answer.to_numpy(), index=[int(y) for y in answer.index])


def _same_by_year(answer, expected: pd.Series) -> bool:
    mine = _as_series(answer)
    return sorted(mine.index) == sorted(expected.index) and bool(np.allclose(mine.loc[expected.index], expected))


def _judge_children(answer) -> None:
    feedback.expect_type(answer, (pd.Series, pd.DataFrame), "child_population",
                         hint='groupby("年")["人口"].sum() で、年をインデックスにした Series になります。')
    expected = _children()
    mine = _as_series(answer)
    feedback.expect_equal(sorted(mine.index), sorted(int(y) for y in expected.index), "年の一覧",
                          hint="年でグループに分けていますか？")
    for year, value in expected.items():
        feedback.expect_close(mine.loc[year], value, f"{year} 年の年少人口",
                              hint="3 つの年齢階級をすべて含め、地区と男女はすべて足し合わせます。")


children = Exercise(
    variable="child_population",
    computed=True,
    judge=_judge_children,
    hint="年齢階級で 3 つの階級の行を選び、年ごとに人口を合計します。",
    passed="年少人口の推移を求められました。",
    mistakes=(
        spelled_differently("child_population", lambda: load("town_population")["年齢階級"].unique(), "年齢階級"),
        Mistake("0〜4歳の階級だけになっています。0〜14 歳は 0〜4歳・5〜9歳・10〜14歳の 3 つの階級です。",
                test=lambda a: _same_by_year(a, _children(["0〜4歳"]))),
        Mistake("15〜19歳の階級まで入っています。年少人口は 0〜14 歳です。",
                test=lambda a: _same_by_year(a, _children([*CHILD_AGES, "15〜19歳"]))),
        Mistake("年ごとの平均（mean）になっています。年少人口は人口の合計（sum）です。",
                test=lambda a: _same_by_year(a, _children(how="mean"))),
        Mistake("行の数（count）を数えています。人口の合計（sum）を求めます。",
                test=lambda a: _same_by_year(a, _children(how="count"))),
    ),
)


# ---- 演習 6: KPI のグラフを描く関数 ----------------------------------------------------------------

def _family_outflow() -> pd.Series:
    vital = load("town_vital_monthly")
    family = vital[vital["年齢区分"].isin(["0〜14歳", "25〜44歳"])]
    moves = family.pivot_table(index="年", columns="区分", values="人数", aggfunc="sum")
    return moves["転出"] - moves["転入"]


def _check_kpi_figure(fig, series: pd.Series, target: float, title: str, unit: str) -> None:
    feedback.expect(fig is not None and hasattr(fig, "axes") and hasattr(fig, "savefig"),
                    "plot_kpi が図（fig）を返していません。", hint="関数の最後に return fig と書きます（ax ではありません）。")
    feedback.expect(len(fig.axes) >= 1, "plot_kpi の図にグラフがありません。")
    ax = fig.axes[0]
    lines = ax.get_lines()
    years = series.index.to_numpy(dtype=float)
    actual = [line for line in lines if len(np.asarray(line.get_ydata())) == len(series)
              and np.allclose(np.asarray(line.get_xdata(), dtype=float), years)]
    feedback.expect(len(actual) >= 1, "実績の折れ線（横に年、縦に値）が見つかりません。",
                    hint="ax.plot(series.index, series.to_numpy(), ...) で描きます。")
    right = [line for line in actual
             if np.allclose(np.asarray(line.get_ydata(), dtype=float), series.to_numpy(dtype=float))]
    feedback.expect(len(right) >= 1, "実績の折れ線の値が series と違います。")
    flat = [line for line in lines if line not in right and len(np.asarray(line.get_ydata())) >= 1
            and np.allclose(np.asarray(line.get_ydata(), dtype=float), target)]
    feedback.expect(len(flat) >= 1, f"目標（target={feedback.show_value(target)}）の高さの横線が見つかりません。",
                    hint="ax.axhline(target, ...) で、渡された target の高さに引きます。")
    extra = [line for line in lines if line not in right and line not in flat]
    feedback.expect(not extra, f"実績の折れ線と目標の横線のほかに、線が {len(extra)} 本あります。",
                    hint="グラフには、series の実績の線 1 本と、target の高さの横線 1 本だけを描きます。")
    feedback.expect(same_text(ax.get_title(), title), f"グラフのタイトルが違います。あなたの答え: 「{ax.get_title()}」",
                    hint="ax.set_title(title) で、渡された title を使います。")
    feedback.expect(same_text(ax.get_ylabel(), unit), f"縦軸の名前が違います。あなたの答え: 「{ax.get_ylabel()}」",
                    hint="ax.set_ylabel(unit) で、渡された unit を使います。")
    feedback.expect(same_text(ax.get_xlabel(), "年"), f"横軸の名前が違います。あなたの答え: 「{ax.get_xlabel()}」")
    legend = ax.get_legend()
    feedback.expect(legend is not None, "凡例がありません。", hint="ax.legend() を付けます。")
    labels = {text_key(text.get_text()) for text in legend.get_texts()}
    feedback.expect({"実績", "目標"} <= labels, "凡例に「実績」と「目標」がありません。",
                    hint="plot と axhline に label=\"実績\"、label=\"目標\" を付けます。")


def _judge_plot(function) -> None:
    import matplotlib.pyplot as plt

    feedback.expect(callable(function), "plot_kpi が関数ではありません。", hint="def plot_kpi(series, target, title, unit): で作ります。")
    for series, target, title, unit in ((_family_outflow(), 25, "テストの KPI", "人数（人）"),
                                        (_children(), 1750, "年少人口のテスト", "人口（人）")):
        fig = call(function, series, target, title, unit, name="plot_kpi")
        try:
            _check_kpi_figure(fig, series, target, title, unit)
        finally:
            plt.close("all")


plot = Exercise(
    variable="plot_kpi",
    judge=_judge_plot,
    hint="関数の中で fig, ax = plt.subplots() を作り、引数の series・target・title・unit だけを使って描き、fig を返します。",
    passed="KPI のグラフを描く関数ができました。",
)


# ---- 演習 7: 年少人口のダッシュボード --------------------------------------------------------------

def _judge_dashboard(board) -> None:
    import ipywidgets as widgets

    feedback.expect_type(board, widgets.interactive, "dashboard", hint="widgets.interactive(plot_kpi, ...) の戻り値を入れます。")
    sliders = [w for w in board.children if isinstance(w, widgets.IntSlider)]
    feedback.expect(len(sliders) == 1, f"目標を動かすスライダー（IntSlider）が {len(sliders)} 個あります。1 個にします。",
                    hint="series・title・unit は widgets.fixed(...) で固定します。")
    slider = sliders[0]
    loose = [getattr(w, "description", "") or type(w).__name__ for w in board.children
             if isinstance(w, widgets.ValueWidget) and w is not slider]
    feedback.expect(not loose, f"{'、'.join(loose)} が固定されていません（ダッシュボードに入力欄が出ています）。",
                    hint="スライダーにしない引数は、widgets.fixed(値) で包んで固定します。")
    feedback.expect_equal(slider.value, 1600, "スライダーの最初の値")
    feedback.expect_equal([slider.min, slider.max, slider.step], [1000, 3000, 50], "スライダーの範囲と刻み（min、max、step）")
    feedback.expect(same_text(slider.description, "目標"),
                    f"スライダーの名前（description）が違います。あなたの答え: 「{slider.description}」")
    kwargs = board.kwargs
    series = kwargs.get("series")
    feedback.expect(isinstance(series, (pd.Series, pd.DataFrame)) and _same_by_year(series, _children()),
                    "ダッシュボードの series が年少人口（child_population）になっていません。",
                    hint="series=widgets.fixed(child_population) と渡します。")
    for name, wanted, what in (("title", TITLE, "タイトル（title）"), ("unit", UNIT, "縦軸の名前（unit）")):
        feedback.expect(same_text(kwargs.get(name), wanted),
                        f"{what}が違います。あなたの答え: {feedback.show_value(kwargs.get(name))}",
                        hint=f"{name}=widgets.fixed(\"{wanted}\") と渡します。")


dashboard = Exercise(
    variable="dashboard",
    judge=_judge_dashboard,
    hint="widgets.interactive(plot_kpi, series=..., target=..., title=..., unit=...) に、問題文の 4 つの部品を渡します。",
    passed="ダッシュボードができました。スライダーを動かしてみましょう。",
)


# ---- 演習 8: PNG で保存する ------------------------------------------------------------------------

def _png_width(name) -> int | None:
    try:
        data = Path(name).read_bytes()
    except (OSError, TypeError, ValueError):
        return None
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    import struct

    return struct.unpack(">II", data[16:24])[0]


def _judge_png(name) -> None:
    feedback.expect_type(name, (str, Path), "png_file", hint="ファイルの名前を文字列で入れます。")
    file = Path(name)
    feedback.expect_equal(file.name, PNG_NAME, "ファイル名", hint=f"問題文のとおり {PNG_NAME} という名前にします。")
    feedback.expect(file.is_file(), f"ファイル {file} が作業フォルダにありません。", hint="fig.savefig(png_file, ...) を実行しましたか？")
    width = _png_width(file)
    feedback.expect(width is not None, "ファイルの中身が PNG 画像ではありません。",
                    hint="savefig はファイル名の拡張子で形式を決めます。.png で保存します。")
    feedback.expect(width >= 600, f"画像の幅が {width} ピクセルしかありません。", hint="dpi=150 を付けて保存します。")


png = Exercise(
    variable="png_file",
    judge=_judge_png,
    hint="plot_kpi(...) で作った図の savefig に、ファイル名・dpi・bbox_inches を渡します。",
    passed="PNG 画像として保存できました。",
    mistakes=(
        Mistake("PDF で保存しています。会議資料の画像は、拡張子 .png の名前（kpi_child_population.png）で保存します。",
                test=lambda name: str(name).lower().endswith(".pdf")),
        Mistake("dpi を付けずに保存したため、画像が小さく（粗く）なっています。dpi=150 を付けます。",
                test=lambda name: (_png_width(name) or 10_000) < 600),
    ),
)
