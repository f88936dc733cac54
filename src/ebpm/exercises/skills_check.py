"""Checks of the skills check (効果測定: スキルチェック), shared by its two parallel forms.

Both forms ask the same six items (``ebpm.evaluation.skills.SKILLS``) about their own small datasets
(``ebpm.synth.skills_check``); ``checks(form)`` builds the six ``Exercise`` objects of one form, and
the thin modules ``skills_check_a`` and ``skills_check_b`` expose them under the skill ids, so a
notebook's test cell reads ``exercises.markers.check(globals())`` in both forms. Every expected
value is computed here from the form's data; nothing in a test cell shows how.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from ebpm import cellrecord, datasets, feedback, lgcode
from ebpm.exercises import Exercise, Mistake, has_text, load, text_key, when
from ebpm.synth import skills_check as data

ONE_DECIMAL = 0.05 + 1e-9  # 「小数第 1 位まで合っていれば正解」
WHOLE_NUMBER = 0.5 + 1e-9  # 「整数に丸めても正解」
PER = 1000
BASELINE_YEARS = (2022, 2023, 2024)
TARGET_RISE = 0.10  # the KPI's target: 10% above the baseline
TARGET_TOLERANCE = 1.05 + 1e-9  # a target rounded, from a rounded baseline: 0.5 × 1.1 + 0.5


def _near(value: Any, target: float, tolerance: float) -> bool:
    return feedback.is_number(value) and not math.isnan(float(value)) and abs(float(value) - float(target)) <= tolerance


def _is(wrong: Callable[[], float], right: Callable[[], float], tolerance: float, at: int | None = None) -> Callable[[Any], bool]:
    """A mistake test: the answer (or its ``at``-th part) is this wrong number, and the wrong number is not the right one."""
    def test(answer: Any) -> bool:
        value = answer if at is None else answer[at]
        return not _near(wrong(), right(), tolerance) and _near(value, wrong(), tolerance)
    return test


@dataclass(frozen=True)
class Form:
    """One form's data: the resource names of its six datasets."""

    form: str  # "a" or "b"

    def name(self, part: str) -> str:
        return data.dataset_name(self.form, part)

    def table(self, part: str) -> pd.DataFrame:
        return load(self.name(part))


# ---- markers: a file with e-Stat-like markers -----------------------------------------------------

@cache
def _estat_cells(form: str) -> pd.DataFrame:
    """The e-Stat-like file as text, read the plain way (the checks' own reading)."""
    return pd.read_csv(datasets.path(data.dataset_name(form, "estat")), skiprows=data.ESTAT_PREAMBLE, dtype=str)


def _vacant(form: str, markers_as: dict[str, float] | None = None) -> pd.Series:
    """The 空き家数 as numbers; markers missing, or the numbers given in ``markers_as``."""
    cells = _estat_cells(form)[data.ESTAT_VALUE]
    chosen = markers_as or {}
    return cells.map(lambda v: chosen.get(v, math.nan) if v in data.MARKER_LEGEND else float(v.replace(",", "")))


def _markers(form: Form) -> Exercise:
    right = lambda: float(_vacant(form.form).mean())  # noqa: E731

    def judge(value) -> None:
        feedback.expect(not isinstance(value, (pd.Series, pd.DataFrame)),
                        f"vacant_mean は 1 つの数値であるはずですが、{feedback.type_name(type(value))} が入っています。",
                        hint=f"「{data.ESTAT_VALUE}」の列を選んでから mean() で平均します。")
        feedback.expect(not (feedback.is_number(value) and math.isnan(float(value))), "vacant_mean が欠損値（NaN）です。",
                        hint="列がすべて欠損値になっていませんか？ 読み込んだ表を表示して確かめてください。")
        feedback.expect_close(value, right(), "空き家数の平均（vacant_mean）", rel=0, abs_tol=ONE_DECIMAL,
                              hint="記号のある市町村は平均に含めず、数値のある市町村だけで平均します。")

    return Exercise(
        variable="vacant_mean",
        computed=True,
        judge=judge,
        hint="pd.read_csv に、見出しより上の行を飛ばす skiprows=、3 桁区切りの thousands=、凡例の記号を欠損値にする "
             "na_values= を指定して読み、列の平均を求めます。",
        passed="記号に気を付けて、平均を正しく求められました。",
        mistakes=(
            Mistake("記号が 0 として平均に入っています。記号は「数が分からない・ない」という意味なので、0 にせず欠損値（NaN）の"
                    "ままにすると、mean() は数値のある市町村だけで平均します。",
                    test=_is(lambda: float(_vacant(form.form, {m: 0.0 for m in data.MARKER_LEGEND}).mean()), right, ONE_DECIMAL)),
            Mistake("「-」だけを 0 にしています。この課題では、凡例の記号はどれも 0 にせず欠損値（NaN）にします。",
                    test=_is(lambda: float(_vacant(form.form, {"-": 0.0}).mean()), right, ONE_DECIMAL)),
            Mistake("平均ではなく合計になっています。平均は mean() で求めます。",
                    test=_is(lambda: float(_vacant(form.form).sum()), right, ONE_DECIMAL)),
            Mistake("平均ではなく中央値になっています。平均は mean() で求めます。",
                    test=_is(lambda: float(_vacant(form.form).median()), right, ONE_DECIMAL)),
            Mistake("合計を、記号のある市町村も含めたすべての行の数で割っています。記号のある市町村は平均に含めません"
                    "（mean() は欠損値を自動で除きます）。",
                    test=_is(lambda: float(_vacant(form.form).sum() / len(_vacant(form.form))), right, ONE_DECIMAL)),
        ),
    )


# ---- rate: per 1,000 people -------------------------------------------------------------------------

def _rate(form: Form, per: float = PER, inverted: bool = False) -> pd.Series:
    table = form.table("rate").set_index("地区")
    ratio = table["人口"] / table["救急出動件数"] if inverted else table["救急出動件数"] / table["人口"]
    return ratio * per


def _series_matches(answer: Any, expected: pd.Series, tolerance: float) -> bool:
    if not isinstance(answer, pd.Series) or sorted(map(str, answer.index)) != sorted(map(str, expected.index)):
        return False
    by_name = {str(k): v for k, v in answer.items()}
    return all(_near(by_name[str(k)], v, max(tolerance, abs(v) * 1e-6)) for k, v in expected.items())


def _rate_exercise(form: Form) -> Exercise:
    def judge(rate) -> None:
        expected = _rate(form)
        feedback.expect(not isinstance(rate, pd.DataFrame), "rate_per_1000 が表（DataFrame）になっています。",
                        hint="by_district[\"列名\"] のように 1 つの列を選んで計算すると Series になります。")
        feedback.expect_type(rate, pd.Series, "rate_per_1000",
                             hint="by_district の列どうしを計算すると、地区を行の名前にした Series になります。")
        feedback.expect_equal(sorted(map(str, rate.index)), sorted(expected.index), "地区の一覧（行の名前）",
                              hint="地区を行の名前にした by_district の列を使います。")
        by_name = {str(k): v for k, v in rate.items()}
        for district, value in expected.items():
            feedback.expect_close(by_name[district], value, f"{district}の値", rel=0, abs_tol=ONE_DECIMAL,
                                  hint="人口 1,000 人あたりの件数 ＝ 件数 ÷ 人口 × 1,000 です。")

    return Exercise(
        variable="rate_per_1000",
        computed=True,
        judge=judge,
        hint="by_district の救急出動件数の列を人口の列で割り、1,000 を掛けます。",
        passed="1,000 人あたりの率は正解です。",
        mistakes=(
            Mistake("割る順番が逆です。件数を人口で割ります。",
                    test=lambda rate: _series_matches(rate, _rate(form, inverted=True), ONE_DECIMAL)),
            Mistake("1,000 を掛けていません。人口 1,000 人あたりにするには × 1000 をします。",
                    test=lambda rate: _series_matches(rate, _rate(form, per=1), 1e-9)),
            Mistake("100 人あたり（%）になっています。人口 1,000 人あたりにするには × 1000 をします。",
                    test=lambda rate: _series_matches(rate, _rate(form, per=100), ONE_DECIMAL / 10)),
            Mistake("整数に丸めています。小数第 1 位まで求めます（round(1) で丸めるか、丸めずにそのままにします）。",
                    test=lambda rate: _series_matches(rate, _rate(form).round(), 1e-9)
                    and not _series_matches(rate, _rate(form), ONE_DECIMAL)),
            Mistake("行の名前が地区ではなく、0, 1, 2 … の番号です。地区を行の名前にした by_district を使います。",
                    test=lambda rate: isinstance(rate, pd.Series) and len(rate) == len(_rate(form))
                    and all(isinstance(k, (int, np.integer)) for k in rate.index)),
        ),
    )


# ---- join: by 団体コード, 6 digits and 5 digits -----------------------------------------------------

JOIN_COLUMNS = ("市区町村名", "人口", "公用車台数")


def _joined(form: Form, how: str = "inner") -> pd.DataFrame:
    population, cars = form.table("join6"), form.table("join5")
    population = population.assign(code5=population["団体コード"].map(lgcode.to_5digit))
    return population.merge(cars.rename(columns={"団体コード": "code5"}), on="code5", how=how)


def _rows(table: pd.DataFrame) -> list[tuple[str, float, float]]:
    """(name, population, cars) of every row, sorted: what the join decides, whatever the row order."""
    return sorted((str(n), float(p), float(c)) for n, p, c in zip(table["市区町村名"], table["人口"], table["公用車台数"]))


def _same_rows(left: list[tuple[str, float, float]], right: list[tuple[str, float, float]]) -> bool:
    return len(left) == len(right) and all(
        a[0] == b[0] and all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a[1:], b[1:]))
        for a, b in zip(left, right))


def _join_exercise(form: Form) -> Exercise:
    def judge(table) -> None:
        expected = _joined(form)
        feedback.expect_type(table, pd.DataFrame, "joined", hint="merge の結果（表）を入れます。")
        feedback.expect_columns(table, list(JOIN_COLUMNS), "joined",
                                hint="population（人口）と cars（公用車台数）の両方の列がある表にします。")
        feedback.expect(len(table) > 0, "joined が 0 行です。1 行もつながっていません。",
                        hint="population の団体コードは 6 桁、cars の団体コードは 5 桁です。桁数をそろえた列でつなぎます。")
        feedback.expect_rows(table, len(expected), "joined",
                             hint="両方の表にある市町村だけを残します（merge の how= を確かめます）。")
        feedback.expect(_same_rows(_rows(table), _rows(expected)),
                        "つながった行の市区町村名・人口・公用車台数の組み合わせが違います。",
                        hint="同じ市町村どうしがつながるように、団体コードの桁数をそろえてつなぎます。")

    outer_like = lambda how: lambda table: _same_rows(_rows(table), _rows(_joined(form, how)))  # noqa: E731
    return Exercise(
        variable="joined",
        judge=judge,
        hint="lgcode.to_5digit（6 桁 → 5 桁）か lgcode.to_6digit（5 桁 → 6 桁）で片方の団体コードの桁数をそろえた列を作り、"
             "その列で merge します。",
        passed="2 つの表を団体コードで正しくつなげました。",
        mistakes=(
            Mistake("片方にしかない市町村の行が残っています。両方の表にある市町村だけを残します（how=\"inner\"、"
                    "または how= を書かない）。",
                    test=lambda table: any(outer_like(how)(table) for how in ("outer", "left", "right"))),
        ),
    )


# ---- chart: a line chart that does not mislead ------------------------------------------------------

def _stopped_midway(variable: str) -> Mistake:
    """The answer cell made the chart, then stopped with an error: the chart is unfinished because of it.

    ``feedback.answered`` judges a variable assigned before the error (``fig, ax = plt.subplots()`` on the
    first line); what is missing from the chart then comes from the error, which this names.
    """
    def explain(_answer: Any) -> str | None:
        run = cellrecord.last_answer_run(variable)
        if run is None or run.error is None or run.is_stub_error:
            return None
        ename, explanation = cellrecord.explain_error(run.error, None, run.source)
        return f"回答のセルが途中でエラーで止まったため、グラフが最後まで描かれていません（{ename}）。{explanation}"
    return Mistake("", explain=explain)


def _axes_type():
    import matplotlib.axes

    return matplotlib.axes.Axes


def _lines(ax) -> list[tuple[np.ndarray, np.ndarray]]:
    """(x, y) of every line of the chart, sorted by x."""
    lines = []
    for line in ax.get_lines():
        try:
            x = np.asarray(line.get_xdata(), dtype=float)
            y = np.asarray(line.get_ydata(), dtype=float)
        except (TypeError, ValueError):
            continue
        order = np.argsort(x, kind="stable")
        lines.append((x[order], y[order]))
    return lines


def _is_trend(points: tuple[np.ndarray, np.ndarray], trend: pd.DataFrame) -> bool:
    x, y = points
    want_x, want_y = trend["年"].to_numpy(dtype=float), trend["利用者数"].to_numpy(dtype=float)
    return x.shape == want_x.shape and bool(np.allclose(x, want_x)) and bool(np.allclose(y, want_y, rtol=1e-9))


def _has_unit(label: str, unit: str) -> bool:
    """The label names the unit in brackets, full-width （人） or half-width (人) alike."""
    return has_text(label, f"({unit})")


def _chart_exercise(form: Form) -> Exercise:
    def judge(ax) -> None:
        trend = form.table("trend")
        feedback.expect_type(ax, _axes_type(), "ax_fixed", hint="fig, ax_fixed = plt.subplots() で Axes を作り、その上に描きます。")
        lines = _lines(ax)
        feedback.expect(len(lines) >= 1, "折れ線がありません。", hint="ax_fixed.plot(横の値, 縦の値) で線を描きます。")
        feedback.expect(any(_is_trend(points, trend) for points in lines),
                        "折れ線の値が、年ごとの図書館の利用者数と合いません。", hint="横に年の列、縦に利用者数の列を渡します。")
        wrong = [points for points in lines if not _is_trend(points, trend)]
        feedback.expect(not wrong, f"線が {len(lines)} 本あり、そのうち {len(wrong)} 本が利用者数の線と合いません。",
                        hint="利用者数の線 1 本だけを描きます。")
        bottom, top = ax.get_ylim()
        feedback.expect(bottom == 0, f"縦軸が {feedback.show_value(round(float(bottom), 1))} から始まっています。",
                        hint="set_ylim(0, 上の端) で、縦軸を 0 から始めます。")
        feedback.expect(top >= float(trend["利用者数"].max()), "縦軸の上の端が低すぎて、折れ線がはみ出しています。",
                        hint="上の端は、いちばん大きい値より大きくします。")
        feedback.expect(has_text(ax.get_title(), "図書館"), "タイトルに「図書館」が入っていません。",
                        hint="set_title で、何のグラフかを日本語で書きます。")
        feedback.expect(_has_unit(ax.get_ylabel(), "人"), "縦軸の名前に単位（人）がありません。",
                        hint="set_ylabel で「利用者数（人）」のように単位を付けます。")
        feedback.expect("年" in text_key(ax.get_xlabel()), "横軸の名前に「年」がありません。", hint="set_xlabel で付けます。")

    return Exercise(
        variable="ax_fixed",
        judge=judge,
        hint="悪い例と同じように折れ線を描き、縦軸の範囲を 0 から、タイトルと単位付きの軸の名前を付けます。",
        passed="誤解を招かないグラフになりました。",
        mistakes=(
            _stopped_midway("ax_fixed"),
            Mistake("縦軸が 0 から始まっていません。悪い例の set_ylim の下の端を 0 に直します。",
                    test=lambda ax: ax.get_ylim()[0] > 0),
        ),
    )


# ---- comparison: before and after, with a comparison group -------------------------------------------

def _means(form: Form, how: str = "mean") -> pd.DataFrame:
    """Mean 受診率 by 施策町 (rows 1, 0) and 期間 (columns 施策前, 施策後)."""
    return form.table("did").pivot_table(index="施策町", columns="期間", values="受診率", aggfunc=how)


def _did(form: Form, how: str = "mean") -> float:
    return data.did_by(form.table("did"), how)


def _comparison_exercise(form: Form) -> Exercise:
    right = lambda: _did(form)  # noqa: E731
    change = lambda group: float(_means(form).loc[group, "施策後"] - _means(form).loc[group, "施策前"])  # noqa: E731

    def judge(value) -> None:
        feedback.expect_close(value, right(), "比較群で補正した効果（did_effect）", rel=0, abs_tol=ONE_DECIMAL,
                              hint="施策町の平均の変化（施策後 − 施策前）から、比較町の平均の変化を引きます。")

    return Exercise(
        variable="did_effect",
        computed=True,
        judge=judge,
        hint="施策町（施策町 が 1）と比較町（0）のそれぞれで、受診率の平均を期間ごとに求め、施策後 − 施策前 の変化を比べます。",
        passed="比較群を使った効果の計算は正解です。",
        mistakes=(
            Mistake("施策町の前後の変化だけになっています。同じ時期に比較町でも起きた変化を引きます。",
                    test=_is(lambda: change(1), right, ONE_DECIMAL)),
            Mistake("比較町の変化になっています。施策町の変化から比較町の変化を引きます。",
                    test=_is(lambda: change(0), right, ONE_DECIMAL)),
            Mistake("符号が逆です（比較町の変化 − 施策町の変化）。施策町の変化から比較町の変化を引きます。",
                    test=_is(lambda: -right(), right, ONE_DECIMAL)),
            Mistake("施策後だけを比べています（施策町 − 比較町）。施策町はもともと受診率が違うので、前後の変化どうしを比べます。",
                    test=_is(lambda: float(_means(form).loc[1, "施策後"] - _means(form).loc[0, "施策後"]), right, ONE_DECIMAL)),
            Mistake("平均ではなく合計で比べています。施策町と比較町は町の数が違うので、平均を使います。",
                    test=_is(lambda: _did(form, "sum"), right, ONE_DECIMAL)),
            Mistake("100 を掛けています。受診率はすでに % なので、差はポイントのまま入れます。",
                    test=_is(lambda: 100 * right(), right, ONE_DECIMAL)),
        ),
    )


# ---- kpi: a baseline and a target relative to it ----------------------------------------------------

def _users(form: Form) -> pd.Series:
    trend = form.table("trend")
    return trend.set_index("年")["利用者数"]


def _baseline(form: Form, years: tuple[int, ...] = BASELINE_YEARS, how: str = "mean") -> float:
    return float(_users(form).loc[list(years)].agg(how))


def _kpi_exercise(form: Form) -> Exercise:
    right = lambda: _baseline(form)  # noqa: E731

    def judge(baseline, target) -> None:
        feedback.expect_close(baseline, right(), "基準値（kpi_baseline）", rel=0, abs_tol=WHOLE_NUMBER,
                              hint="2022〜2024 年の 3 年分の利用者数の平均を求めます。")
        feedback.expect_close(target, right() * (1 + TARGET_RISE), "目標値（kpi_target）", rel=0, abs_tol=TARGET_TOLERANCE,
                              hint="目標値は、基準値より 10% 多い値（基準値 × 1.1）です。")

    baseline_ok = lambda answer: _near(answer[0], right(), WHOLE_NUMBER)  # noqa: E731
    return Exercise(
        variable=("kpi_baseline", "kpi_target"),
        computed=True,
        judge=judge,
        hint="基準値は 2022〜2024 年の利用者数の平均、目標値は基準値の 1.1 倍です。",
        passed="基準値と目標値は正解です。",
        mistakes=(
            Mistake("基準値が 2024 年 1 年だけの値です。年によるぶれをならすため、3 年分の平均を使います。",
                    test=_is(lambda: _baseline(form, (2024,)), right, WHOLE_NUMBER, at=0)),
            Mistake("基準値が 3 年分の合計です。平均（mean）を求めます。",
                    test=_is(lambda: _baseline(form, how="sum"), right, WHOLE_NUMBER, at=0)),
            Mistake("基準値が、すべての年の平均です。2022〜2024 年の 3 年だけを使います。",
                    test=_is(lambda: _baseline(form, tuple(data.TREND_YEARS)), right, WHOLE_NUMBER, at=0)),
            Mistake("基準値の年がずれています。2022〜2024 年の 3 年を使います。",
                    test=lambda answer: any(_is(lambda y=y: _baseline(form, (y, y + 1, y + 2)), right, WHOLE_NUMBER, at=0)(answer)
                                            for y in (2020, 2021))),
            Mistake("目標値が、基準値に 10 を足した値です。10% 多い値は 基準値 × 1.1 です。",
                    test=when(baseline_ok, _is(lambda: right() + 10, lambda: right() * 1.1, TARGET_TOLERANCE, at=1))),
            Mistake("目標値が、基準値の 10%（基準値 × 0.1）です。10% 多い値は 基準値 × 1.1 です。",
                    test=when(baseline_ok, _is(lambda: right() * 0.1, lambda: right() * 1.1, TARGET_TOLERANCE, at=1))),
            Mistake("目標値が基準値と同じです。基準値より 10% 多い値にします。",
                    test=when(baseline_ok, _is(right, lambda: right() * 1.1, TARGET_TOLERANCE, at=1))),
        ),
    )


def checks(form: str) -> dict[str, Exercise]:
    """The six exercises of one form (``"a"`` or ``"b"``), keyed by skill id."""
    chosen = Form(form)
    return {
        "markers": _markers(chosen),
        "rate": _rate_exercise(chosen),
        "join": _join_exercise(chosen),
        "chart": _chart_exercise(chosen),
        "comparison": _comparison_exercise(chosen),
        "kpi": _kpi_exercise(chosen),
    }
