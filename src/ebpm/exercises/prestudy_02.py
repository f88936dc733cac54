"""Checks of 事前学習 2: 公的統計を読む (solutions/prestudy/02_official_statistics)."""
from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from ebpm import feedback
from ebpm.exercises import Exercise, Mistake
from ebpm.exercises import when as _when

DATASET = "estat_population_download"
YEAR = 2025
SEX_TOTAL = "総数"
AGE_85 = "85歳以上"
MEAN_TOLERANCE = 0.05  # 「小数第 1 位まで合っていれば正解」: round(mean, 1) and the unrounded mean both pass
WAREKI_LABELS = ("平成29年", "平成30年", "平成31年", "令和元年", "令和2年", "令和6年")  # the notebook's input
FISCAL_YEAR_LABEL = "令和6年度"
WEIGHTS = (6, 5, 4, 3, 2)
YUNOKAWA = "44801"  # 湯ノ川町: weighted sum % 11 == 1, so the check digit needs the final % 10
AREA_COLUMNS = ["area_code", "area", "団体コード"]




def _download() -> pd.DataFrame:
    return _read_download().copy()


@cache
def _read_download() -> pd.DataFrame:
    from ebpm import datasets, estat

    return estat.read_estat_download(datasets.path(DATASET))


def _attrs() -> tuple[dict, dict]:
    table = _read_download()
    return dict(table.attrs["metadata"]), dict(table.attrs["legend"])


# 演習 1: 表題と凡例 -------------------------------------------------------------------------

def _judge_legend(title, meaning) -> None:
    metadata, legend = _attrs()
    feedback.expect_type(title, str, "table_title", hint="説明の行は df.attrs[\"metadata\"] に辞書として入っています。")
    feedback.expect_equal(title.strip(), metadata["表題"], "表題",
                          hint="説明の行の辞書から、名前「表題」の値を取り出します。")
    feedback.expect_type(meaning, str, "x_meaning", hint="凡例は df.attrs[\"legend\"] に辞書として入っています。")
    feedback.expect_equal(meaning.strip(), legend["x"], "x の意味",
                          hint="このファイルの凡例の辞書から、記号 x の値を取り出します。")


def _title_is(key: str):
    return lambda answer: answer[0] == _attrs()[0][key] and key != "表題"


def _title_ok(answer) -> bool:
    return isinstance(answer[0], str) and answer[0].strip() == _attrs()[0]["表題"]


def _meaning_is_other_marker(answer) -> bool:
    legend = _attrs()[1]
    return any(answer[1] == text for marker, text in legend.items() if marker != "x")


def _meaning_is_generic(answer) -> bool:
    from ebpm import textnorm

    return answer[1] == textnorm.MARKERS["x"] and answer[1] != _attrs()[1]["x"]


legend = Exercise(
    variable=("table_title", "x_meaning"),
    judge=_judge_legend,
    hint="df.attrs[\"metadata\"] と df.attrs[\"legend\"] は辞書です。辞書[\"名前\"] で値を 1 つ取り出せます。",
    passed="表題と凡例を正しく取り出せました。",
    mistakes=(
        Mistake("表題ではなく「統計名」が入っています。説明の行から「表題」を取り出します。", test=_title_is("統計名")),
        Mistake("表題ではなく「表番号」が入っています。説明の行から「表題」を取り出します。", test=_title_is("表番号")),
        Mistake("説明の行の辞書がまるごと入っています。辞書[\"名前\"] で表題だけを取り出します。",
                test=lambda answer: isinstance(answer[0], dict)),
        Mistake("凡例の辞書がまるごと入っています。辞書[\"名前\"] で x の意味だけを取り出します。",
                test=_when(_title_ok, lambda answer: isinstance(answer[1], dict))),
        Mistake("研修用ライブラリの一般的な説明（textnorm.MARKERS）が入っています。意味の書き方は統計ごとに違うので、"
                "このファイルの凡例 df.attrs[\"legend\"] から取り出します。", test=_when(_title_ok, _meaning_is_generic)),
        Mistake("x ではない、別の記号の意味が入っています。凡例の辞書から記号 x の値を取り出します。",
                test=_when(_title_ok, _meaning_is_other_marker)),
    ),
)


# 演習 2: 記号に気を付けて平均 ---------------------------------------------------------------

def _rows(year: int | None = YEAR, sex: str | None = SEX_TOTAL, age: str | None = AGE_85) -> pd.DataFrame:
    table = _download()
    keep = pd.Series(True, index=table.index)
    if year is not None:
        keep &= table["year"] == year
    if sex is not None:
        keep &= table["男女"] == sex
    if age is not None:
        keep &= table["年齢"] == age
    return table[keep.fillna(False).astype(bool)]


def _expected_hidden() -> int:
    return int(_rows()["marker"].notna().sum())


def _expected_mean() -> float:
    return float(_rows()["value"].mean())


def _near(value, target: float, tolerance: float = 1e-6) -> bool:
    return feedback.is_number(value) and not math.isnan(float(value)) and abs(float(value) - target) <= tolerance


def _judge_markers(count, mean) -> None:
    feedback.expect_close(count, _expected_hidden(), "記号の入った市町村の数（n_hidden）",
                          hint="marker の列に記号が入っている行を数えます。")
    feedback.expect(not _missing(mean), "mean_85_2025 が欠損（値なし）です。",
                    hint="絞り込んだ結果が 0 行になっていませんか？条件の文字（\"総数\"、\"85歳以上\"）を確かめてください。")
    feedback.expect(feedback.is_number(mean), f"mean_85_2025 は 1 つの数値のはずですが、"
                    f"{feedback.type_name(type(mean))} が入っています。",
                    hint="value の列を選んでから mean() で平均します。")
    feedback.expect_close(mean, _expected_mean(), "85 歳以上人口の平均（mean_85_2025）", rel=0,
                          abs_tol=MEAN_TOLERANCE + 1e-6,
                          hint="2025 年・男女の総数・85歳以上の 3 つの条件で絞り込んでいますか？")


def _missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    return feedback.is_number(value) and math.isnan(float(value))


def _count_is(value) -> Callable[[Any], bool]:
    def test(answer) -> bool:
        expected = _expected_hidden()
        wrong = value()
        return wrong != expected and _near(answer[0], wrong)
    return test


def _count_ok(answer) -> bool:
    return _near(answer[0], _expected_hidden())


def _mean_is(value) -> Callable[[Any], bool]:
    def test(answer) -> bool:
        wrong = float(value())
        return (_count_ok(answer) and abs(wrong - _expected_mean()) > MEAN_TOLERANCE
                and _near(answer[1], wrong, MEAN_TOLERANCE + 1e-6))
    return test


def _mean_rounded_to_integer(answer) -> bool:
    mean = answer[1]
    expected = _expected_mean()
    return (_count_ok(answer) and _near(mean, expected, 1.0) and not _near(mean, expected, MEAN_TOLERANCE + 1e-6)
            and float(mean).is_integer())


def _mean_of_other_year(answer) -> bool:
    years = sorted(set(_download()["year"].dropna()) - {YEAR})
    return any(_mean_is(lambda y=y: _rows(year=y)["value"].mean())(answer) for y in years)


markers = Exercise(
    variable=("n_hidden", "mean_85_2025"),
    computed=True,
    judge=_judge_markers,
    hint="3 つの条件を & でつないで行を取り出し、記号の数は marker の列で、平均は value の列で求めます。",
    passed="記号を 0 にせずに平均を求められました。",
    mistakes=(
        Mistake("記号の入った市町村の数ではなく、数値のある市町村の数になっています。記号は marker の列に入っています。",
                test=_count_is(lambda: int(_rows()["value"].count()))),
        Mistake("取り出した市町村すべての数（行の数）になっています。そのうち記号の入った市町村だけを数えます。",
                test=_count_is(lambda: len(_rows()))),
        Mistake("表全体の記号を数えています。2025 年・男女の総数・85歳以上の行を取り出してから数えます。",
                test=_count_is(lambda: int(_download()["marker"].notna().sum()))),
        Mistake("男・女の行の記号も数えています。男女の列が \"総数\" の行だけを使います。",
                test=_count_is(lambda: int(_rows(sex=None)["marker"].notna().sum()))),
        Mistake("行ごとの True / False（Series）が入っています。True の数は sum() で数えられます。",
                test=lambda answer: isinstance(answer[0], pd.Series) and pd.api.types.is_bool_dtype(answer[0])),
        Mistake("記号の市町村を 0 人として平均したのと同じ値です（fillna(0) で 0 にした、または記号の市町村も"
                "数に入れて割った）。記号のセルは欠損のまま mean() を使うと、数値のある市町村だけの平均になります。",
                test=_mean_is(lambda: _rows()["value"].fillna(0).mean())),
        Mistake("平均ではなく合計になっています。mean() で平均を求めます。",
                test=_mean_is(lambda: _rows()["value"].sum())),
        Mistake("平均ではなく中央値になっています。mean() で平均を求めます。",
                test=_mean_is(lambda: _rows()["value"].median())),
        Mistake("整数に丸めています。平均は小数第 1 位まで求めます（丸めずにそのままでもかまいません）。",
                test=_mean_rounded_to_integer),
        Mistake("男女の総数ではなく、男または女の行で平均しています。男女の列が \"総数\" の行を使います。",
                test=lambda answer: any(_mean_is(lambda s=s: _rows(sex=s)["value"].mean())(answer) for s in ("男", "女"))),
        Mistake("男・女・総数の行をまとめて平均しています。男女の列が \"総数\" の行だけを使います。",
                test=_mean_is(lambda: _rows(sex=None)["value"].mean())),
        Mistake("85 歳以上ではなく、年齢の「総数」（全年齢）の行で平均しています。年齢の列が \"85歳以上\" の行を使います。",
                test=_mean_is(lambda: _rows(age="総数")["value"].mean())),
        Mistake("年齢で絞り込んでいません。年齢の列が \"85歳以上\" の行だけを使います。",
                test=_mean_is(lambda: _rows(age=None)["value"].mean())),
        Mistake("2025 年ではない年の行で平均しています。year の列が 2025 の行を使います。", test=_mean_of_other_year),
        Mistake("年で絞り込んでいません。year の列が 2025 の行だけを使います。",
                test=_mean_is(lambda: _rows(year=None)["value"].mean())),
    ),
)


# 演習 4: 和暦を西暦に -----------------------------------------------------------------------

def _expected_years() -> list[int]:
    from ebpm import wareki

    return [int(wareki.parse_year(label)) for label in WAREKI_LABELS]


def _as_list(years) -> list:
    return list(years.tolist() if isinstance(years, (pd.Series, np.ndarray, pd.Index)) else years)


def _judge_wareki(years) -> None:
    feedback.expect_type(years, (list, tuple, pd.Series, np.ndarray, pd.Index), "seireki_years",
                         hint="6 つの年を並べたリスト、または Series にします。")
    values = _as_list(years)
    expected = _expected_years()
    feedback.expect(len(values) == len(expected),
                    f"seireki_years の個数が {len(values)} です。wareki_labels と同じ {len(expected)} 個にします。",
                    hint="wareki_labels のすべての年を、順番を変えずに西暦にします。")
    for value in values:
        feedback.expect(feedback.is_number(value) and float(value).is_integer(),
                        f"西暦の年は整数にします。整数ではない値 {feedback.show_value(value)} が入っています。",
                        hint="wareki.parse_year は和暦の年を整数の西暦にします。")
    for label, value, year in zip(WAREKI_LABELS, values, expected):
        feedback.expect(int(value) == year, f"「{label}」の西暦が違います。あなたの答え: {feedback.show_value(int(value))}",
                        hint="平成 n 年は 1988 + n 年、令和 n 年は 2018 + n 年です。")


def _all_shifted(era: str, shift: int):
    def test(years) -> bool:
        values = [int(v) for v in _as_list(years)]
        wrong = [y + shift if label.startswith(era) else y for label, y in zip(WAREKI_LABELS, _expected_years())]
        return values == wrong
    return test


def _gannen_as_zero(years) -> bool:
    values = _as_list(years)
    index = WAREKI_LABELS.index("令和元年")
    return feedback.is_number(values[index]) and int(values[index]) == _expected_years()[index] - 1


wareki = Exercise(
    variable="seireki_years",
    judge=_judge_wareki,
    hint="wareki.parse_year を、map で wareki_labels の 1 つ 1 つに当てはめます。",
    passed="和暦を西暦に直せました。",
    mistakes=(
        Mistake("西暦の年が文字列になっています。計算や並べ替えに使えるよう、整数にします。",
                test=lambda years: any(isinstance(v, str) for v in _as_list(years))),
        Mistake("順番が逆になっています。wareki_labels と同じ順番にします。",
                test=lambda years: [int(v) for v in _as_list(years)] == _expected_years()[::-1]
                and _expected_years() != _expected_years()[::-1]),
        Mistake("「元年」を 0 年として計算しています。元年は 1 年目なので、令和元年は令和 1 年と同じです。",
                test=_gannen_as_zero),
        Mistake("平成の年が 1 年ずれています。平成 n 年は 1988 + n 年です（平成元年 = 1989 年）。",
                test=lambda years: _all_shifted("平成", 1)(years) or _all_shifted("平成", -1)(years)),
        Mistake("令和の年が 1 年ずれています。令和 n 年は 2018 + n 年です（令和元年 = 2019 年）。",
                test=lambda years: _all_shifted("令和", 1)(years) or _all_shifted("令和", -1)(years)),
        Mistake("平成の年を令和と同じ式で計算しています。元号ごとに、元年が西暦の何年かが違います。",
                test=_all_shifted("平成", 30)),
    ),
)


# 演習 5: 年度の時間軸コード -----------------------------------------------------------------

FISCAL_KIND = "10"  # 5〜6 桁目: 年度
WHOLE_PERIOD = "0000"  # 7〜10 桁目: 年度全体


def _start_year() -> int:
    from ebpm import wareki

    return int(wareki.parse_fiscal_year(FISCAL_YEAR_LABEL))


def _judge_timecode(code) -> None:
    feedback.expect_type(code, str, "code_r6", hint="コードは数ではなく文字列です。\"2020100000\" のように引用符で囲みます。")
    feedback.expect(len(code) == 10 and code.isascii() and code.isdigit(),
                    f"code_r6「{code}」が 10 桁の数字ではありません（{len(code)} 文字です）。",
                    hint="西暦 4 桁 + 期間の種類 2 桁 + 月 4 桁の、合わせて 10 桁です。")
    feedback.expect(int(code[:4]) == _start_year(), f"先頭 4 桁（西暦の年）が違います。あなたの答え: {code[:4]}",
                    hint="令和 n 年度は、西暦 2018 + n 年の 4 月に始まります。年度は始まった年の数で呼びます。")
    feedback.expect(code[4:6] == FISCAL_KIND, f"5〜6 桁目（期間の種類）が違います。あなたの答え: {code[4:6]}",
                    hint="5〜6 桁目は、暦年なら 00、年度なら 10 です。")
    feedback.expect(code[6:] == WHOLE_PERIOD, f"7〜10 桁目（月）が違います。あなたの答え: {code[6:]}",
                    hint="年度全体を表すときは、7〜10 桁目（始まりと終わりの月）は 0000 です。")


timecode = Exercise(
    variable="code_r6",
    judge=_judge_timecode,
    hint="西暦の年（4 桁）、期間の種類（2 桁）、月（4 桁）をつなげた文字列です。",
    passed="令和6年度の時間軸コードは正解です。",
    mistakes=(
        Mistake("数（int）になっています。コードは先頭の 0 にも意味があるので、引用符で囲んだ文字列にします。",
                test=lambda code: feedback.is_number(code)),
        Mistake("先頭 4 桁に、令和の年の数がそのまま入っています。令和 n 年度が西暦の何年に始まるかを計算します。",
                test=lambda code: isinstance(code, str) and code[:4].lstrip("0") == "6"),
        Mistake("年度が終わる年（翌年）になっています。年度は、始まった年（4 月の年）の数で呼びます。",
                test=lambda code: isinstance(code, str) and code[:4] == str(_start_year() + 1)),
        Mistake("暦年（1〜12 月）のコードです。年度（4 月〜翌年 3 月）は 5〜6 桁目を 10 にします。",
                test=lambda code: isinstance(code, str) and len(code) == 10 and code[4:6] == "00"),
        Mistake("月の 4 桁に 4 月〜3 月を入れています。年度全体を表すときは、期間の種類を 10 にして、月は 0000 にします。",
                test=lambda code: isinstance(code, str) and code[6:] == "0403"),
    ),
)


# 演習 6: 検査数字を手で計算 -----------------------------------------------------------------

def _weighted_sum(code5: str, weights=WEIGHTS) -> int:
    return sum(int(digit) * weight for digit, weight in zip(code5, weights))


def _judge_checkdigit(total, check) -> None:
    feedback.expect(feedback.is_number(total) and float(total).is_integer(),
                    f"weighted_sum は 1 つの整数のはずですが、{feedback.type_name(type(total))} が入っています。",
                    hint="各桁の数字と重みの積を、すべて足した 1 つの数です。")
    feedback.expect(int(total) == _weighted_sum(YUNOKAWA),
                    f"重みを掛けた積の合計（weighted_sum）が違います。あなたの答え: {feedback.show_value(int(total))}",
                    hint="湯ノ川町のコード 44801 の各桁に、左から 6, 5, 4, 3, 2 の重みを掛けて足します。")
    feedback.expect(feedback.is_number(check) and float(check).is_integer(),
                    f"検査数字は 1 つの整数のはずですが、{feedback.type_name(type(check))} が入っています。",
                    hint="計算の結果（整数）をそのまま入れます。")
    feedback.expect(0 <= int(check) <= 9, f"検査数字 {feedback.show_value(int(check))} が 1 桁の数字（0〜9）ではありません。",
                    hint="11 から余りを引いた数の、1 の位が検査数字です。1 の位は % 10 で取り出せます。")
    feedback.expect(int(check) == _expected_check(),
                    f"湯ノ川町の検査数字が違います。あなたの答え: {int(check)}",
                    hint="合計を 11 で割った余りを求め、11 からその余りを引いて、1 の位を取ります。")


checkdigit = Exercise(
    variable=("weighted_sum", "yunokawa_check"),
    judge=_judge_checkdigit,
    hint="% は割り算の余りです。合計 % 11 で 11 で割った余り、数 % 10 で 1 の位が求められます。",
    passed="検査数字を正しく計算できました。",
    mistakes=(
        Mistake("重みを逆の順（2, 3, 4, 5, 6）で掛けています。重みは左の桁から 6, 5, 4, 3, 2 です。",
                test=lambda answer: _near(answer[0], _weighted_sum(YUNOKAWA, WEIGHTS[::-1]))),
        Mistake("数字をそのまま足しています。各桁に重みを掛けてから足します。",
                test=lambda answer: _near(answer[0], sum(int(d) for d in YUNOKAWA))),
        Mistake("上の例の星川町（43801）の合計です。湯ノ川町のコード 44801 で計算します。",
                test=lambda answer: _near(answer[0], _weighted_sum("43801"))),
        Mistake("11 で割った余りそのものになっています。11 から余りを引き、その 1 の位を取ります。",
                test=lambda answer: _sum_ok(answer) and _near(answer[1], _weighted_sum(YUNOKAWA) % 11)
                and _weighted_sum(YUNOKAWA) % 11 != _expected_check()),
        Mistake("合計の 1 の位になっています。先に 11 で割った余りを求め、11 からその余りを引いてから、1 の位を取ります。",
                test=lambda answer: _sum_ok(answer) and _near(answer[1], _weighted_sum(YUNOKAWA) % 10)
                and _weighted_sum(YUNOKAWA) % 10 != _expected_check()),
    ),
)


def _sum_ok(answer) -> bool:
    return _near(answer[0], _weighted_sum(YUNOKAWA))


def _expected_check() -> int:
    from ebpm import lgcode

    return int(lgcode.check_digit(YUNOKAWA))


# 演習 7: 地域コードを 6 桁に ----------------------------------------------------------------

def _expected_areas() -> pd.DataFrame:
    from ebpm import lgcode

    areas = _download()[["area_code", "area"]].drop_duplicates().reset_index(drop=True)
    areas["団体コード"] = areas["area_code"].map(lgcode.to_6digit)
    return areas


def _judge_areas(table) -> None:
    expected = _expected_areas()
    feedback.expect_type(table, pd.DataFrame, "areas", hint="df から 2 列を選ぶと表（DataFrame）になります。")
    present = [str(column) for column in table.columns]
    missing = [column for column in AREA_COLUMNS if column not in present]
    extra = [column for column in present if column not in AREA_COLUMNS]
    feedback.expect(not missing, f"areas に列 {', '.join(missing)} がありません。今ある列: {', '.join(present)}",
                    hint="area_code と area の 2 列を選び、新しい列「団体コード」を加えます。")
    feedback.expect(not extra and len(present) == len(AREA_COLUMNS),
                    f"areas に、ほかの列（{', '.join(extra) or '同じ名前の列'}）も入っています。"
                    f"列は {', '.join(AREA_COLUMNS)} の 3 つにします（並び順は問いません）。",
                    hint="df から area_code と area の 2 列だけを選んでから、団体コードの列を加えます。")
    feedback.expect_rows(table, len(expected), "areas",
                         hint="drop_duplicates() で、同じ市町村が何度も出てくる行を 1 行にまとめます。")
    feedback.expect(all(isinstance(code, str) for code in table["団体コード"]),
                    "団体コードの列に文字列ではない値があります。",
                    hint="コードは数ではなく文字列で扱います。lgcode.to_6digit は文字列を返します。")
    feedback.expect_frame(table, expected, "areas", check_order=False,
                          hint="area_code を lgcode.to_6digit で 6 桁にした値を、map で 1 行ずつ当てはめます。")


areas = Exercise(
    variable="areas",
    judge=_judge_areas,
    hint="area_code と area の 2 列を選んで drop_duplicates() し、新しい列に map(lgcode.to_6digit) の結果を入れます。",
    passed="6 桁の団体コードを付けられました。",
    mistakes=(
        Mistake("5 桁のコードの後ろに 0 を付けています。6 桁目は、計算で求める検査数字です。",
                test=lambda table: all(str(code).endswith("0") and len(str(code)) == 6 for code in table["団体コード"])
                and not all(code.endswith("0") for code in _expected_areas()["団体コード"])),
        Mistake("検査数字の 1 桁だけが入っています。lgcode.to_6digit で、5 桁のコードに検査数字を付けた 6 桁にします。",
                test=lambda table: all(len(str(code)) == 1 for code in table["団体コード"])),
        Mistake("団体コードが数（int）になっています。コードは文字列のまま扱います。",
                test=lambda table: all(feedback.is_number(code) for code in table["団体コード"])),
        Mistake("重複を除いていません。drop_duplicates() で、同じ市町村を 1 行にまとめます。",
                test=lambda table: len(table) == len(_download())),
    ),
)
