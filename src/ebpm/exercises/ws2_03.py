"""Checks of ワークショップ 2-3: 誤解を招かないグラフと、指標を探る道具
(solutions/ws2_cleaning_and_visualisation/03_honest_charts).

A chart is judged by what it draws (bar lengths, line values, the order of the bars, where the axis
starts) and by its words (title, axis names with units); how it was drawn (pandas, matplotlib or
seaborn) does not matter. Units may be written with full-width or half-width brackets.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ebpm import feedback
from ebpm.exercises import Exercise, Mistake, has_text, load, text_key, when
from ebpm.exercises.ws2_01 import call

OLD_AGES = ["65〜69歳", "70〜74歳", "75〜79歳", "80〜84歳", "85歳以上"]
PEER_ROLES = ["本町", "類似団体"]
PYRAMID_YEAR = 2000


def _axes_type():
    import matplotlib.axes

    return matplotlib.axes.Axes


def _has_unit(label: str, unit: str) -> bool:
    """The label names the unit in brackets, full-width （％） or half-width (%) alike."""
    return has_text(label, f"({unit})")


def _names_year(label: str) -> bool:
    """The axis name says 年 (the year), not 年齢 (age)."""
    return "年" in text_key(label).replace("年齢", "")


def _close(ax) -> None:
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def _values_match(actual, expected, rel: float = 1e-6) -> bool:
    actual = np.sort(np.asarray(actual, dtype=float))
    expected = np.sort(np.asarray(expected, dtype=float))
    return actual.shape == expected.shape and bool(np.allclose(actual, expected, rtol=rel, atol=1e-9))


# ---- 演習 1: 2000 年の人口ピラミッド --------------------------------------------------------------

def _pyramid_by_age(year: int | None) -> pd.DataFrame:
    """Men and women by age band (columns 男, 女), youngest band first."""
    population = load("town_population")
    if year is not None:
        population = population[population["年"] == year]
    wide = population.pivot_table(index="年齢階級", columns="性別", values="人口", aggfunc="sum")
    return wide.loc[sorted(wide.index, key=_age_start)]


def _age_start(label: str) -> int:
    """The first age of a band (「5〜9歳」 → 5, 「85歳以上」 → 85): the order of an age axis."""
    digits = re.match(r"\d+", text_key(label))
    return int(digits.group()) if digits else 10_000


def _pyramid_widths(year: int | None) -> tuple[np.ndarray, np.ndarray]:
    wide = _pyramid_by_age(year)
    return wide["男"].to_numpy(dtype=float), wide["女"].to_numpy(dtype=float)


def _bar_widths(ax) -> tuple[list[float], list[float]]:
    widths = [patch.get_width() for patch in ax.patches]
    return [-w for w in widths if w < 0], [w for w in widths if w > 0]


def _pyramid_rows(ax) -> list[tuple[str, float, float]]:
    """(age band, men, women) for each row of bars, from the bottom of the chart up."""
    labels = {round(float(t), 6): label.get_text() for t, label in zip(ax.get_yticks(), ax.get_yticklabels())}
    rows: dict[float, tuple[float, float]] = {}
    for patch in ax.patches:
        y = round(float(patch.get_y() + patch.get_height() / 2), 6)
        men, women = rows.get(y, (0.0, 0.0))
        width = float(patch.get_width())
        rows[y] = (men - width, women) if width < 0 else (men, women + width)
    return [(labels.get(y, ""), *rows[y]) for y in sorted(rows)]


def _judge_pyramid(ax) -> None:
    feedback.expect_type(ax, _axes_type(), "ax_pyramid", hint="plotting.population_pyramid(...) の戻り値を入れます。")
    male, female = _bar_widths(ax)
    want_male, want_female = _pyramid_widths(PYRAMID_YEAR)
    feedback.expect_equal(len(male) + len(female), len(want_male) + len(want_female), "棒の数",
                          hint="年齢階級・性別・人口の列がある表を、そのまま population_pyramid に渡します。")
    feedback.expect(_values_match(female, want_female), "右側（女性）の棒の長さが、2000 年の人口と合いません。",
                    hint="年が 2000 の行だけを渡していますか？")
    feedback.expect(_values_match(male, want_male), "左側（男性）の棒の長さが、2000 年の人口と合いません。",
                    hint="年が 2000 の行だけを渡していますか？")
    rows = _pyramid_rows(ax)
    ages = [age for age, _, _ in rows]
    feedback.expect(ages == sorted(ages, key=_age_start),
                    f"年齢階級が年齢の順に並んでいません（下から {'、'.join(ages[:6])} …）。",
                    hint="年齢階級を文字として並べ替えると「10〜14歳」が「5〜9歳」より前になります。"
                         "表を年齢階級で並べ替えず、データの順のまま渡します。")
    expected = _pyramid_by_age(PYRAMID_YEAR)
    by_key = {text_key(age): age for age in expected.index}
    for age, men, women in rows:
        wanted = expected.loc[by_key[text_key(age)]] if text_key(age) in by_key else None
        feedback.expect(wanted is not None and np.isclose(men, wanted["男"]) and np.isclose(women, wanted["女"]),
                        f"年齢階級「{age}」の棒の長さが、その階級の 2000 年の人口と合いません。",
                        hint="縦軸の名前（年齢階級）と棒の長さが対応しているか確かめます。")
    feedback.expect(has_text(ax.get_title(), str(PYRAMID_YEAR)), "タイトルに 2000 が入っていません。",
                    hint="title= にいつの人口かを書きます。")


pyramid = Exercise(
    variable="ax_pyramid",
    judge=_judge_pyramid,
    hint="population[条件] で 2000 年の行を選び、plotting.population_pyramid に title= と一緒に渡します。",
    passed="2000 年の人口ピラミッドが描けました。",
    mistakes=(
        Mistake("すべての年を合わせた人口で描いています。年が 2000 の行だけを選んで渡します。",
                test=lambda ax: _values_match(_bar_widths(ax)[1], _pyramid_widths(None)[1])),
        Mistake("2000 年ではない年の人口で描いています（タイトルだけ 2000 年になっています）。population[population[\"年\"] == 2000] を渡します。",
                test=lambda ax: any(_values_match(_bar_widths(ax)[1], _pyramid_widths(year)[1])
                                    for year in sorted(set(load("town_population")["年"])) if year != PYRAMID_YEAR)),
    ),
)


# ---- 演習 2: 町の総人口の推移 ----------------------------------------------------------------------

def _town_total(how: str = "sum") -> pd.Series:
    return load("town_population").groupby("年")["人口"].agg(how)


def _line_points(ax) -> list[tuple[np.ndarray, np.ndarray]]:
    points = []
    for line in ax.get_lines():
        try:
            x = np.asarray(line.get_xdata(), dtype=float)
            y = np.asarray(line.get_ydata(), dtype=float)
        except (TypeError, ValueError):
            continue
        order = np.argsort(x, kind="stable")
        points.append((x[order], y[order]))
    return points


def _is_line(points: tuple[np.ndarray, np.ndarray], expected: pd.Series) -> bool:
    x, y = points
    want_x, want_y = expected.index.to_numpy(dtype=float), expected.to_numpy(dtype=float)
    return x.shape == want_x.shape and bool(np.allclose(x, want_x)) and bool(np.allclose(y, want_y, rtol=1e-6))


def _has_line(ax, expected: pd.Series) -> bool:
    return any(_is_line(points, expected) for points in _line_points(ax))


def _expect_only_lines(ax, expected: pd.Series, what: str, hint: str) -> None:
    """Every line of the chart is the expected one: one right line among others is not a right chart."""
    lines = _line_points(ax)
    wrong = [points for points in lines if not _is_line(points, expected)]
    feedback.expect(not wrong, f"線が {len(lines)} 本あり、そのうち {len(wrong)} 本が{what}と合いません。", hint=hint)


def _judge_trend(ax) -> None:
    feedback.expect_type(ax, _axes_type(), "ax_trend", hint="fig, ax_trend = plt.subplots() で Axes を作ります。")
    expected = _town_total()
    lines = _line_points(ax)
    feedback.expect(len(lines) >= 1, "折れ線がありません。", hint="ax_trend.plot(横の値, 縦の値) で線を描きます。")
    feedback.expect(any(len(y) == len(expected) for _, y in lines),
                    f"折れ線の点の数が {len(expected)} ではありません。",
                    hint="年ごとに合計して、1 年 1 点（2000〜2025 年）にします。")
    feedback.expect(_has_line(ax, expected), "折れ線の値が、年ごとの町の総人口と合いません。",
                    hint="横に年、縦に年ごとの人口の合計を渡します。")
    _expect_only_lines(ax, expected, "年ごとの町の総人口", hint="町の総人口の線 1 本だけを描きます。")
    feedback.expect(has_text(ax.get_title(), "人口"), "タイトルに「人口」が入っていません。")
    feedback.expect(_has_unit(ax.get_ylabel(), "人"), "縦軸の名前に単位（人）がありません。",
                    hint="set_ylabel で「人口（人）」のように単位を付けます。")
    feedback.expect(_names_year(ax.get_xlabel()), "横軸の名前に「年」がありません。")


trend = Exercise(
    variable="ax_trend",
    judge=_judge_trend,
    hint="population を年ごとに合計してから、plot で折れ線にし、タイトルと軸の名前を付けます。",
    passed="総人口の推移のグラフが描けました。",
    mistakes=(
        Mistake("年ごとの人口の平均（mean）を描いています。町の総人口は年ごとの合計（sum）です。",
                test=when(lambda ax: not _has_line(ax, _town_total()), lambda ax: _has_line(ax, _town_total("mean")))),
        Mistake("年ごとの行の数（count）を描いています。人口の合計（sum）を描きます。",
                test=when(lambda ax: not _has_line(ax, _town_total()), lambda ax: _has_line(ax, _town_total("count")))),
    ),
)


# ---- 演習 3: スモールマルチプル --------------------------------------------------------------------

def _peer_names() -> set[str]:
    municipalities = load("fictional_municipalities")
    return set(municipalities.loc[municipalities["役割"].isin(PEER_ROLES), "市区町村名"])


def _peer_rates() -> pd.Series:
    region = load("region_population")
    region = region[region["市区町村名"].isin(_peer_names())]
    keys = ["市区町村名", "年"]
    return (region[region["年齢階級"].isin(OLD_AGES)].groupby(keys)["人口"].sum()
            / region.groupby(keys)["人口"].sum() * 100)


def _judge_facet(grid) -> None:
    import seaborn as sns

    feedback.expect_type(grid, sns.FacetGrid, "grid",
                         hint="sns.relplot(...) の戻り値を入れます（sns.lineplot は 1 枚のグラフを返します）。")
    names = _peer_names()
    axes = [ax for ax in grid.axes.flat if ax is not None]
    feedback.expect_equal(len(axes), len(names), "小さなグラフの数", hint='col="市区町村名" を指定します。')
    by_key = {text_key(name): name for name in names}
    titles = {ax.get_title() for ax in axes}
    feedback.expect(sorted(text_key(t) for t in titles) == sorted(by_key),
                    f"各グラフのタイトルが違います。あなたの答え: {feedback.show_value(sorted(titles))}",
                    hint='grid.set_titles("{col_name}") で、タイトルを団体名だけにします。')
    rates = _peer_rates()
    for ax in axes:
        name = by_key[text_key(ax.get_title())]
        feedback.expect(_has_line(ax, rates.loc[name]), f"{name} の線の値が、その団体の年ごとの高齢化率と合いません。",
                        hint="x=\"年\"、y=\"高齢化率\" を指定します。")
        _expect_only_lines(ax, rates.loc[name], f"{name} の高齢化率", hint="hue= などで線を分けず、団体ごとに 1 本の線にします。")
    feedback.expect(any(_has_unit(ax.get_ylabel(), "%") for ax in axes), "縦軸の名前に単位（%）がありません。",
                    hint='grid.set_axis_labels("年", "高齢化率（%）") で軸の名前を付けます。')
    feedback.expect(any(_names_year(ax.get_xlabel()) for ax in axes), "横軸の名前に「年」がありません。",
                    hint='grid.set_axis_labels("年", "高齢化率（%）") で軸の名前を付けます。')
    feedback.expect(len({tuple(np.round(ax.get_ylim(), 9)) for ax in axes}) == 1,
                    "縦軸の範囲がグラフごとに違います。比べるために縦軸はそろえます（sharey を変えないでください）。")


facet = Exercise(
    variable="grid",
    judge=_judge_facet,
    hint="sns.relplot(data=..., x=..., y=..., col=..., kind=\"line\", ...) の戻り値に set_titles と set_axis_labels を続けます。",
    passed="スモールマルチプルが描けました。",
    mistakes=(
        Mistake("タイトルが「市区町村名 = …」のままです。grid.set_titles(\"{col_name}\") を実行します。",
                test=lambda grid: any("=" in ax.get_title() for ax in grid.axes.flat)),
    ),
)


# ---- 演習 4: 悪い例の棒グラフを直す ----------------------------------------------------------------

def _latest_rates() -> pd.Series:
    """高齢化率 of 本町 and 類似団体 in the latest year, highest first (the order of ``latest``)."""
    rates = _peer_rates()
    year = int(rates.index.get_level_values("年").max())
    return rates.xs(year, level="年").sort_values(ascending=False)


def _bars(ax) -> tuple[list[str], list[float]]:
    labels = [tick.get_text() for tick in ax.get_xticklabels()]
    heights = [patch.get_height() for patch in ax.patches]
    return labels, heights


def _judge_fix(ax) -> None:
    feedback.expect_type(ax, _axes_type(), "ax_fixed", hint="fig, ax_fixed = plt.subplots() で Axes を作ります。")
    expected = _latest_rates()
    labels, heights = _bars(ax)
    feedback.expect_equal(len(heights), len(expected), "棒の数", hint="latest の団体ごとに 1 本の棒を描きます。")
    bottom, top = ax.get_ylim()
    feedback.expect(bottom == 0, f"縦軸が {feedback.show_value(round(float(bottom), 1))} から始まっています。",
                    hint="棒グラフの縦軸は 0 から始めます（set_ylim(0, ...) か、set_ylim を書かない）。")
    feedback.expect(top >= max(heights), "縦軸の上限が低すぎて、棒の先が切れています。")
    feedback.expect_equal(sorted(labels), sorted(expected.index), "横軸の団体名",
                          hint="横に latest の市区町村名を渡します。")
    feedback.expect(np.allclose(heights, [expected[name] for name in labels], rtol=1e-6),
                    "棒の高さが、各団体の高齢化率と合いません。", hint="縦に latest の高齢化率を渡します。")
    feedback.expect(labels == list(expected.index), "棒の並び順が latest（高齢化率の高い順）と違います。",
                    hint="latest をそのまま使い、並べ替えません。")
    feedback.expect(_has_unit(ax.get_ylabel(), "%"), "縦軸の名前に単位（%）がありません。")
    feedback.expect(has_text(ax.get_title(), "高齢化率"), "タイトルに「高齢化率」がありません。")


fix = Exercise(
    variable="ax_fixed",
    judge=_judge_fix,
    hint="ax_fixed.bar(団体名, 高齢化率) で描き、縦軸の始まり・単位・タイトルを確かめます。",
    passed="棒グラフは正直になりました。",
    mistakes=(
        Mistake("縦軸が 0 から始まっていません。悪い例の set_ylim(38, ...) を 0 からに直します。",
                test=lambda ax: ax.get_ylim()[0] > 0),
    ),
)


# ---- 演習 6: 九州の県に色を付けた地図 --------------------------------------------------------------

def _kyushu() -> list[str]:
    prefectures = load("prefectures")
    return list(prefectures.loc[prefectures["地方"] == "九州", "都道府県名"])


def _marked(ax) -> set[str]:
    from ebpm import maps

    return {name for name, color in maps.patch_colors(ax).items() if color == maps.HIGHLIGHT_COLOR}


def _marked_all(ax) -> dict[str, str]:
    from ebpm import maps

    return maps.patch_colors(ax)


def _judge_map(kyushu, ax) -> None:
    from ebpm import maps

    expected = _kyushu()
    feedback.expect_type(kyushu, (list, tuple), "kyushu", hint="list(...) で都道府県名のリストにします。")
    feedback.expect_equal(sorted(str(name) for name in kyushu), sorted(expected), "kyushu の県",
                          hint="prefectures の 地方 が \"九州\" の行の 都道府県名 です（沖縄県も入ります）。")
    feedback.expect_type(ax, _axes_type(), "ax_map", hint="maps.prefecture_map(...) の戻り値を入れます。")
    colors = maps.patch_colors(ax)
    feedback.expect_equal(len(colors), len(load("prefectures")), "地図の都道府県の数",
                          hint="region= は付けず、全国を描きます。")
    marked = _marked(ax)
    feedback.expect(len(marked) > 0, "色の付いた県がありません。", hint="highlight=kyushu を渡します。")
    feedback.expect_equal(sorted(marked), sorted(expected), "色を付けた県", hint="highlight=kyushu を渡します。")
    feedback.expect(has_text(ax.get_title(), "九州"), "タイトルに「九州」がありません。")


map = Exercise(  # noqa: A001 - the exercise is called 地図 (map) in the notebook; the builtin is not used here
    variable=("kyushu", "ax_map"),
    judge=_judge_map,
    hint="prefectures を 地方 で絞り込んで 都道府県名 のリストを作り、maps.prefecture_map(highlight=..., title=...) に渡します。",
    passed="九州の県に色が付きました。",
    mistakes=(
        Mistake("沖縄県が入っていません。地方区分の「九州」には沖縄県も入ります（prefectures の 地方 の列で選びます）。",
                test=lambda answer: sorted(answer[0]) == sorted(set(_kyushu()) - {"沖縄県"})),
        Mistake("九州だけの地図になっています。region= は付けずに全国を描き、highlight= で色を付けます。",
                test=lambda answer: 0 < len(_marked_all(answer[1])) < len(load("prefectures"))),
    ),
)


# ---- 演習 7: 指標を探る道具 ------------------------------------------------------------------------

INDICATORS = ["人口", "世帯数"]


def _household_rows(indicator: str, area: str, years: tuple[int, int]) -> pd.DataFrame:
    households = load("town_households")
    start, end = years
    return households[(households["地区"] == area) & households["年"].between(start, end)][["年", indicator]]


def _judge_explorer(select, draw, tool) -> None:
    import ipywidgets

    for function, name in ((select, "select_indicator"), (draw, "plot_indicator")):
        feedback.expect(callable(function), f"{name} が関数になっていません。", hint=f"def {name}(indicator, area, years): で作ります。")
    for indicator, area, years in (("人口", "北原地区", (2010, 2015)), ("世帯数", "大野地区", (2000, 2000)),
                                   ("人口", "中央地区", (2020, 2025))):
        rows = call(select, indicator, area, years, name="select_indicator")
        want = _household_rows(indicator, area, years)
        what = f"select_indicator({feedback.show_value(indicator)}, {feedback.show_value(area)}, {years})"
        feedback.expect_type(rows, pd.DataFrame, f"{what} の結果")
        feedback.expect_rows(rows, len(want), f"{what} の結果",
                             hint="始めと終わりの年も含めます（between、または >= と <=）。")
        feedback.expect_columns(rows, ["年", "値"], f"{what} の結果", hint="indicators の行を絞り込んで返します。")
        feedback.expect(_values_match(rows["値"], want[indicator]) and _values_match(rows["年"], want["年"]),
                        f"{what} の値が、{area}の{indicator}と合いません。",
                        hint="指標・地区・年の 3 つの条件を & でつなぎます。")
    ax = call(draw, "世帯数", "大野地区", (2005, 2020), name="plot_indicator")
    try:
        feedback.expect_type(ax, _axes_type(), "plot_indicator の戻り値", hint="最後に return ax で Axes を返します。")
        want = _household_rows("世帯数", "大野地区", (2005, 2020))
        feedback.expect(_has_line(ax, want.set_index("年")["世帯数"]), "plot_indicator の線の値が、選んだ指標と合いません。",
                        hint="select_indicator の結果の 年 と 値 を plot します。")
        _expect_only_lines(ax, want.set_index("年")["世帯数"], "選んだ指標",
                           hint="plot_indicator は、選んだ指標の線 1 本だけを描きます。")
        feedback.expect(has_text(ax.get_title(), "大野地区") and has_text(ax.get_title(), "世帯数"),
                        "plot_indicator のタイトルに、地区名と指標名が入っていません。")
        label = ax.get_xlabel()
        feedback.expect(not label or _names_year(label), f"plot_indicator の横軸の名前が「{label}」になっています。",
                        hint="横軸は年です。名前を付けるなら「年」と書きます（付けなくてもかまいません）。")
        feedback.expect(_has_unit(ax.get_ylabel(), "世帯"), "plot_indicator の縦軸の名前に単位（UNITS の値）がありません。",
                        hint="f\"{indicator}（{UNITS[indicator]}）\" のように作ります。")
    finally:
        if isinstance(ax, _axes_type()):
            _close(ax)
    feedback.expect_type(tool, ipywidgets.interactive, "explorer",
                         hint="widgets.interactive(plot_indicator, ...) の戻り値を入れます。")
    children = {getattr(child, "description", ""): child for child in tool.children}
    feedback.expect({"indicator", "area"} <= set(children), "explorer に indicator と area の選択肢がありません。",
                    hint="widgets.interactive(plot_indicator, indicator=..., area=..., years=...) と名前を付けて渡します。")
    indicators = load("town_households")  # the districts and years of the indicator table
    for name, wanted, what in (("indicator", ["人口", "世帯数", "1世帯あたり人員", "高齢化率"], "指標"),
                               ("area", sorted(set(indicators["地区"])), "地区")):
        options = [str(option) for option in getattr(children[name], "options", ())]
        feedback.expect(sorted(options) == sorted(wanted),
                        f"explorer の {name} の選択肢が、{what}の一覧と違います（{len(options)} 個あります）。",
                        hint=f"indicators の {what} の列の、重複のない値（unique）を選択肢にします。")
    sliders = [child for child in tool.children if isinstance(child, ipywidgets.IntRangeSlider)]
    feedback.expect(len(sliders) == 1, "explorer に期間を選ぶスライダー（IntRangeSlider）がありません。",
                    hint="years=widgets.IntRangeSlider(...) を渡します。")
    first, last = int(indicators["年"].min()), int(indicators["年"].max())
    feedback.expect(sliders[0].min <= first and sliders[0].max >= last,
                    f"期間のスライダーで {first}〜{last} 年のすべてを選べません（今は {sliders[0].min}〜{sliders[0].max} 年）。",
                    hint="IntRangeSlider の min= と max= を、データの最初と最後の年にします。")


explorer = Exercise(
    variable=("select_indicator", "plot_indicator", "explorer"),
    judge=_judge_explorer,
    hint="絞り込む関数、描く関数を作ってから、widgets.interactive で 2 つ目の関数に選択肢をつなぎます。",
    passed="絞り込み・グラフ・ウィジェットはどれも正解です。",
    mistakes=(
        Mistake("終わりの年が含まれていません。「以下」は < ではなく <= です（between は両端を含みます）。",
                test=lambda answer: len(answer[0]("人口", "北原地区", (2010, 2015))) == 5),
    ),
)
