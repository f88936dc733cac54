"""Checks of ワークショップ 1-2: e-Stat のファイルを自分の手で読み込む (solutions/ws1_problem_and_data/02_reading_estat_files).

The expected tables are read here from the course files with plain pandas, as the notebook teaches
(not through ``ebpm.estat``), so the checks say exactly what the learner's own reading should give.
"""
from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

from ebpm import datasets, feedback
from ebpm.exercises import Exercise, Mistake, same
from ebpm.feedback import AnswerError

DOWNLOAD = "estat_population_download"
API = "estat_population_api"
ENCODING = "cp932"
HEADER_LINE = 17  # the line (counted from 1) that holds the column names
MARKERS = ("***", "-", "…", "x")  # the legend of the download file
CODE_COLUMNS = ("tab_code", "cat01_code", "cat02_code", "area_code", "time_code")
HOSHIKAWA, ALL = "43801", "000"


def _read_download(**options: Any) -> pd.DataFrame:
    return pd.read_csv(datasets.path(DOWNLOAD), encoding=ENCODING, skiprows=HEADER_LINE - 1, **options)


@cache
def _raw() -> pd.DataFrame:
    return _read_download()


@cache
def _numbers() -> pd.DataFrame:
    return _read_download(thousands=",", na_values=list(MARKERS))


def _age_columns(table: pd.DataFrame) -> list[str]:
    columns = list(table.columns)
    return columns[columns.index("/年齢") + 1:]


def _plain(value: Any) -> str:
    """A cell as text without thousands separators (so 15,334 read as text or as a number compare)."""
    if pd.isna(value) or value in MARKERS:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(",", "")


# ------------------------------------------------------------------ 演習 1: 見出しの位置


def _judge_skip(table) -> None:
    expected = _raw()
    feedback.expect_type(table, pd.DataFrame, "download_raw")
    feedback.expect_columns(table, ["時間軸（年次）", "男女", "地域", "総数", "85歳以上"], "download_raw",
                            hint="列名が Unnamed や数字、データの値になっていませんか？ skiprows の数を見直してください。")
    feedback.expect_rows(table, len(expected), "download_raw", hint="データの行は飛ばさずに、すべて残します。")
    for column in ("地域", "時間軸（年次）", "総数"):
        mine = [_plain(v) for v in table[column]]
        right = [_plain(v) for v in expected[column]]
        feedback.expect(mine == right, f"列「{column}」の値がファイルと違います。",
                        hint="行を並べ替えたり、絞り込んだりせずに、ファイルのとおりに読みます。")


skip = Exercise(
    variable="download_raw",
    judge=_judge_skip,
    hint="pd.read_csv に encoding=\"cp932\" と skiprows=数 を指定します。skiprows には、列名にしたい行より前にある行の数を書きます。",
    passed="見出しの位置は正しいです。",
    mistakes=(
        Mistake("データの 1 行目（星川町の 2025 年）が列名になっています。1 行飛ばしすぎです。"
                "skiprows には、17 行目より前にある行の数を書きます。",
                test=lambda table: "星川町" in map(str, table.columns)),
        Mistake("見出しの上の段（16 行目）が列名になっています。1 行足りません。空行も 1 行として数えます。",
                test=lambda table: "/年齢 補助コード" in map(str, table.columns)),
    ),
)


# ------------------------------------------------------------------ 演習 2: 3 桁区切りと記号


def _judge_numbers(table) -> None:
    expected = _numbers()
    ages = _age_columns(expected)
    feedback.expect_type(table, pd.DataFrame, "download_numbers")
    feedback.expect_columns(table, ["地域", *ages], "download_numbers", hint="演習 1 と同じ encoding と skiprows で読みます。")
    feedback.expect_rows(table, len(expected), "download_numbers", hint="データの行は飛ばさずに、すべて残します。")
    text_columns = [c for c in ages if not pd.api.types.is_numeric_dtype(table[c])]
    feedback.expect(not text_columns, f"まだ文字列の列があります: {', '.join(text_columns[:3])} など",
                    hint="3 桁区切りのカンマと、凡例の 4 つの記号のすべてに対応しましたか？")
    missing = int(table[ages].isna().sum().sum())
    feedback.expect(missing == int(expected[ages].isna().sum().sum()),
                    f"欠損値（NaN）の数が {missing:,} 個です。記号のあるところだけが欠損値になるはずです。",
                    hint="記号は 0 にせず、欠損値（NaN）のままにします。")
    feedback.expect_frame(table[["地域", *ages]], expected[["地域", *ages]], "download_numbers")


def _only_some_markers(table: Any) -> bool:
    return isinstance(table, pd.DataFrame) and any(
        table[c].astype(str).isin(["x", "***", "…"]).any() for c in _age_columns(_numbers()) if c in table)


def _markers_as_zero(table: Any) -> bool:
    expected = _numbers()
    ages = _age_columns(expected)
    where = expected[ages].isna().to_numpy()
    return bool((table[ages].to_numpy()[where] == 0).any())


numbers = Exercise(
    variable="download_numbers",
    judge=_judge_numbers,
    hint="pd.read_csv の thousands= で 3 桁区切りを、na_values= で凡例の記号を指定します。",
    passed="数値と記号の読み方は正しいです。",
    mistakes=(
        Mistake("記号の一部が、文字のまま残っています。na_values のリストに、凡例の 4 つの記号をすべて入れます"
                "（「…」は 1 文字の三点リーダーです。凡例の行からコピーすると確実です）。", test=_only_some_markers),
        Mistake("「15,334」のような 3 桁区切りの値が文字のまま残っています。thousands=\",\" を付けます。",
                test=lambda table: table["総数"].astype(str).str.contains(",").any()),
        Mistake("記号が 0 になっています。記号は欠損値（NaN）のままにして、0 にはしません。", test=_markers_as_zero),
    ),
)


# ------------------------------------------------------------------ 演習 3: 縦長の表

ID_COLUMNS = ["時間軸（年次）", "男女", "地域"]
LONG_COLUMNS = [*ID_COLUMNS, "年齢", "人口"]


def _long() -> pd.DataFrame:
    wide = _numbers()
    return wide.melt(id_vars=ID_COLUMNS, value_vars=_age_columns(wide), var_name="年齢", value_name="人口")


def _judge_melt(table) -> None:
    expected = _long()
    feedback.expect_type(table, pd.DataFrame, "long_by_hand")
    feedback.expect_columns(table, LONG_COLUMNS, "long_by_hand",
                            hint="id_vars に 3 つの列、var_name=\"年齢\"、value_name=\"人口\" を指定します。")
    feedback.expect_rows(table, len(expected), "long_by_hand",
                         hint="value_vars には age_columns（総数から 85歳以上までの 19 列）だけを指定します。")
    feedback.expect_frame(table[LONG_COLUMNS], expected, "long_by_hand", check_order=False)


melt = Exercise(
    variable="long_by_hand",
    judge=_judge_melt,
    hint="wide.melt(id_vars=[...], value_vars=age_columns, var_name=\"年齢\", value_name=\"人口\") の形で書きます。",
    passed="縦長の表は正しくできています。",
    mistakes=(
        Mistake("年齢の列と人口の列の名前が入れ替わっています。var_name は列の名前（年齢）、"
                "value_name は値（人口）の新しい列の名前です。",
                test=lambda table: table["人口"].astype(str).isin(["総数"]).any()),
        Mistake("/年齢 の列まで縦に並べています。value_vars には age_columns を指定します。",
                test=lambda table: table["年齢"].astype(str).isin(["/年齢"]).any()),
        Mistake("年齢ではない列（コードの列など）まで縦に並べています。value_vars に age_columns を指定します。",
                test=lambda table: table["年齢"].astype(str).str.contains("コード").any()),
    ),
)


# ------------------------------------------------------------------ 演習 4: コードを文字列のまま


def _api_skip() -> int:
    lines = datasets.path(API).read_text(encoding="utf-8").splitlines()
    return lines.index('"VALUE"') + 1


@cache
def _api() -> pd.DataFrame:
    return pd.read_csv(datasets.path(API), skiprows=_api_skip(), dtype={c: str for c in CODE_COLUMNS})


def _judge_api(table) -> None:
    expected = _api()
    feedback.expect_type(table, pd.DataFrame, "api_by_hand")
    feedback.expect_columns(table, [*CODE_COLUMNS, "value"], "api_by_hand",
                            hint="\"VALUE\" の次の行が列名になるように skiprows を指定します。")
    feedback.expect_rows(table, len(expected), "api_by_hand")
    for column in CODE_COLUMNS:
        feedback.expect(all(isinstance(v, str) for v in table[column]), f"列「{column}」が文字列になっていません。",
                        hint="dtype={\"列名\": str, ...} で、_code で終わる 5 つの列を指定します。")
        feedback.expect(list(table[column]) == list(expected[column]), f"列「{column}」の値がファイルと違います。",
                        hint="コードの先頭の 0 が消えていませんか？ 読んだあとで文字列にしても、消えた 0 は戻りません。")
    feedback.expect(pd.api.types.is_numeric_dtype(table["value"]), "value の列が数値になっていません。",
                    hint="dtype=str を表全体に付けると value も文字列になります。コードの列だけを指定します。")
    feedback.expect(same(list(table["value"]), list(expected["value"])), "value の列の値がファイルと違います。")


api = Exercise(
    variable="api_by_hand",
    judge=_judge_api,
    hint="pd.read_csv に skiprows=value_index + 1 と dtype={\"tab_code\": str, ...} を指定します。",
    passed="コードを文字列のまま読めています。",
    mistakes=(
        Mistake("\"VALUE\" の行が列名になっています。\"VALUE\" の行そのものも飛ばします"
                "（value_index は 0 から数えた位置です）。", test=lambda table: "VALUE" in map(str, table.columns)),
        Mistake("読んでから astype(str) で文字列にしても、読むときに消えた先頭の 0 は戻りません。"
                "読むときに dtype= で指定します。",
                test=lambda table: list(table["tab_code"]) == [str(int(v)) for v in _api()["tab_code"]]),
    ),
)


# ------------------------------------------------------------------ 演習 5: 星川町の総人口の推移


def _total(area: str = HOSHIKAWA, sex: str = ALL, age: str = ALL) -> pd.Series:
    table = _api()
    rows = (table["area_code"] == area) & (table["cat01_code"] == sex) & (table["cat02_code"] == age)
    chosen = table[rows]
    return pd.Series(chosen["value"].to_numpy(), index=chosen["time_code"].str[:4].astype(int).to_numpy())


def _judge_trend(result) -> None:
    expected = _total()
    feedback.expect_type(result, pd.Series, "hoshikawa_total", hint="最後に [\"value\"] で 1 列を選ぶと Series になります。")
    feedback.expect(len(result) > 0, "hoshikawa_total が空です。",
                    hint="コードは文字列なので、\"43801\" のように引用符で囲んで比べます。")
    feedback.expect_rows(result, len(expected), "hoshikawa_total",
                         hint="1 年に 1 行になるように、男女と年齢の両方で「総数」の行だけを選びます。")
    try:
        years = [int(year) for year in result.index]
    except (TypeError, ValueError):
        raise AnswerError("行の名前（インデックス）が年になっていません。",
                          "set_index(\"year\") で、年を行の名前にします。") from None
    feedback.expect_equal(sorted(years), sorted(int(y) for y in expected.index), "hoshikawa_total の年",
                          hint="set_index(\"year\") で、年（year の列）を行の名前にします。")
    for year, value in zip(years, result.tolist()):
        feedback.expect_close(value, float(expected[year]), f"{year} 年の人口")


trend = Exercise(
    variable="hoshikawa_total",
    computed=True,
    judge=_judge_trend,
    hint="3 つの条件を & でつないで行を選び、.set_index(\"year\")[\"value\"] で年を行の名前にした Series にします。",
    passed="星川町の総人口の推移は正解です。",
    mistakes=(
        Mistake("男の人口になっています。男女の総数は cat01_code が \"000\" の行です。", value=lambda: _total(sex="100")),
        Mistake("女の人口になっています。男女の総数は cat01_code が \"000\" の行です。", value=lambda: _total(sex="200")),
        Mistake("0〜4 歳の人口になっています。年齢の総数は cat02_code が \"000\" の行です。", value=lambda: _total(age="001")),
        Mistake("星川町ではない町の人口です。星川町の地域コードは \"43801\" です。",
                test=lambda answer: any(same(list(answer), list(_total(area=code)))
                                        for code in _api()["area_code"].unique() if code != HOSHIKAWA)),
    ),
)
