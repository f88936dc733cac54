"""Checks of ワークショップ 1-3: 住基の Excel と団体コード (solutions/ws1_problem_and_data/03_juki_excel_and_codes).

演習 1 and 2 are checked against the sheet read here with plain pandas, as the notebook teaches;
演習 5 and 6 against the tables the notebook builds with ``ebpm.juki`` and ``ebpm.estat``.
"""
from __future__ import annotations

import warnings
from functools import cache

import pandas as pd

from ebpm import datasets, feedback, lgcode
from ebpm.exercises import Exercise, Mistake

JUKI = "juki_2025"
ESTAT = "estat_population_download"
JUKI_COLUMNS = ["団体コード", "都道府県名", "市区町村名", "人口_男", "人口_女", "人口_計", "世帯数"]
HEADER_ROWS = 6
# The codes and numbers shown in the notebook's text (演習 3 and 4 work on exactly these).
TYPED_CODES = ["438014", "438022", "438030", "438219", "43822", "448010"]
DROPPED_ZERO = [11002, 12025, 438014, 131016]


def _read_sheet(skip: int = HEADER_ROWS) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.read_excel(datasets.path(JUKI), header=None, skiprows=skip, usecols="A:G",
                             names=JUKI_COLUMNS, dtype={"団体コード": str}, engine="openpyxl")


@cache
def _juki_all() -> pd.DataFrame:
    return _read_sheet().dropna(subset=["人口_計"])


def _kinds(table: pd.DataFrame) -> dict[str, pd.Series]:
    names = table["市区町村名"].astype(str)
    total = table["団体コード"].astype(str) == "-"
    return {
        "合計": total,
        "都道府県": (names == "-") & ~total,
        "郡": names.str.endswith("郡"),
        "区": names.str.endswith("区"),
    }


def _municipalities() -> pd.DataFrame:
    table = _juki_all()
    kinds = _kinds(table)
    return table[~(kinds["合計"] | kinds["都道府県"] | kinds["郡"] | kinds["区"])]


# ------------------------------------------------------------------ 演習 1: 見出しを飛ばして読む


def _judge_read(table) -> None:
    expected = _juki_all()
    feedback.expect_type(table, pd.DataFrame, "juki_by_hand")
    feedback.expect_columns(table, JUKI_COLUMNS, "juki_by_hand", hint="usecols=\"A:G\" と names=JUKI_COLUMNS を指定します。")
    extra = [str(c) for c in table.columns if str(c) not in JUKI_COLUMNS]
    feedback.expect(not extra, f"juki_by_hand に余分な列があります: {', '.join(extra)}", hint="usecols=\"A:G\" で 7 列だけを読みます。")
    feedback.expect(pd.api.types.is_numeric_dtype(table["人口_計"]), "人口_計 の列が数値になっていません。",
                    hint="見出しの行（「人」などの単位の行）まで飛ばしましたか？ 見出しは 6 行です。")
    feedback.expect(all(isinstance(c, str) for c in table["団体コード"]), "団体コードが文字列になっていません。",
                    hint="dtype={\"団体コード\": str} を指定します。")
    feedback.expect_rows(table, len(expected), "juki_by_hand",
                         hint="注記の行を取り除きましたか？ 見出しを飛ばしすぎて、合計の行まで消していませんか？")
    feedback.expect_frame(table[JUKI_COLUMNS], expected, "juki_by_hand", check_order=False)


read = Exercise(
    variable="juki_by_hand",
    judge=_judge_read,
    hint="pd.read_excel に header=None、skiprows=6、usecols=\"A:G\"、names=JUKI_COLUMNS、dtype={\"団体コード\": str} を指定し、"
         "dropna(subset=[\"人口_計\"]) で注記の行を取り除きます。",
    passed="Excel の読み込みは正しいです。",
    mistakes=(
        Mistake("最後の注記の行が残っています。人口_計 が空の行を dropna(subset=[\"人口_計\"]) で取り除きます。",
                test=lambda table: len(table) == len(_juki_all()) + 1 and table["人口_計"].isna().sum() == 1),
        Mistake("合計の行が消えています。飛ばすのは見出しの 6 行だけです。header=None を付け忘れても、"
                "1 行目（合計の行）が列名に使われて消えます。",
                test=lambda table: "-" not in set(table["団体コード"].astype(str)) and len(table) == len(_juki_all()) - 1),
    ),
)


# ------------------------------------------------------------------ 演習 2: 市町村の行だけを残す


def _judge_drop(table) -> None:
    expected = _municipalities()
    feedback.expect_type(table, pd.DataFrame, "municipalities_by_hand")
    feedback.expect_columns(table, JUKI_COLUMNS, "municipalities_by_hand", hint="列は選ばずに、すべて残します。")
    kinds = _kinds(table)
    feedback.expect(not (kinds["合計"] | kinds["都道府県"]).any(), "合計または都道府県の行が残っています。",
                    hint="団体コードが \"-\" の行（合計）と、市区町村名が \"-\" の行（都道府県）を取り除きます。")
    feedback.expect(not kinds["郡"].any(), "郡の行が残っています。",
                    hint="郡の行は、郡内の町村の合計です。str.endswith(\"郡\") で見分けます。")
    feedback.expect(not kinds["区"].any(), "政令指定都市の区の行が残っています。",
                    hint="区の人口は市全体の行に含まれています。str.endswith(\"区\") で見分けます。")
    feedback.expect_rows(table, len(expected), "municipalities_by_hand",
                         hint="市町村の行は取り除かずに残します。政令指定都市（有明浜市）は、市全体の行を残します。")
    feedback.expect_frame(table[JUKI_COLUMNS], expected, "municipalities_by_hand", check_order=False)


drop = Exercise(
    variable="municipalities_by_hand",
    judge=_judge_drop,
    hint="合計・都道府県・郡・区の 4 つの条件を | でつなぎ、~( ) で「どれにも当てはまらない行」を選びます。",
    passed="市町村の行だけを正しく残せました。",
    mistakes=(
        Mistake("政令指定都市（有明浜市）の市全体の行まで取り除いています。区の行だけを取り除きます。",
                test=lambda table: "有明浜市" not in set(table["市区町村名"]) and len(table) == len(_municipalities()) - 1),
        Mistake("条件を & でつないでいます。「どれかに当てはまる」は |（または）でつなぎます。",
                test=lambda table: len(table) == len(_juki_all())),
    ),
)


# ------------------------------------------------------------------ 演習 3: 正しくない団体コード


def _invalid() -> list[str]:
    return [code for code in TYPED_CODES if not lgcode.is_valid(code)]


def _judge_valid(codes) -> None:
    expected = _invalid()
    feedback.expect_type(codes, list, "invalid_codes", hint="[c for c in typed_codes if ...] の形で、リストにします。")
    feedback.expect(all(isinstance(c, str) for c in codes), "コードは文字列のまま入れてください。")
    feedback.expect(not [c for c in codes if lgcode.is_valid(c)], "正しいコードが入っています。",
                    hint="is_valid が True のコードは正しいコードです。not を付けて逆にします。")
    feedback.expect(set(codes) <= set(TYPED_CODES), "typed_codes にないコードが入っています。",
                    hint="typed_codes のコードを、書き換えずにそのまま入れます。")
    feedback.expect_equal(len(codes), len(expected), "見つけたコードの数",
                          hint="検査数字が合わないコードのほか、桁数が足りないコードも正しくないコードです。")
    feedback.expect(codes == expected, "コードの順番が、typed_codes の順番と違います。", hint="元の順番のまま並べます。")


valid = Exercise(
    variable="invalid_codes",
    judge=_judge_valid,
    hint="lgcode.is_valid(コード) が False になるコードを、typed_codes の順番のままリストにします。",
    passed="正しくないコードを見つけられました。",
    mistakes=(
        Mistake("正しいコードを選んでいます。is_valid の前に not を付けて、正しくないコードを選びます。",
                value=lambda: [c for c in TYPED_CODES if lgcode.is_valid(c)]),
    ),
)


# ------------------------------------------------------------------ 演習 4: 先頭の 0 を直す


def _repaired() -> list[str]:
    return [lgcode.repair_leading_zero(n) for n in DROPPED_ZERO]


def _judge_repair(result) -> None:
    expected = _repaired()
    feedback.expect_type(result, pd.Series, "repaired_codes", hint="列に map(関数) を使うと、Series のまま各値を変換できます。")
    values = list(result)
    feedback.expect_rows(result, len(expected), "repaired_codes")
    feedback.expect(all(isinstance(v, str) for v in values), "コードが文字列になっていません。",
                    hint="数値のままだと、先頭の 0 は付けられません。")
    feedback.expect(all(len(v) == 6 for v in values), "6 桁になっていないコードがあります。",
                    hint="astype(str) だけでは、先頭の 0 は戻りません。")
    feedback.expect(values == expected, "直したコードが違います。", hint="先頭に 0 を 1 つ補います。元の行の順番のままにします。")


repair = Exercise(
    variable="repaired_codes",
    judge=_judge_repair,
    hint="other_section[\"団体コード\"] の各値に lgcode.repair_leading_zero を map で当てはめます。",
    passed="先頭の 0 を正しく補えました。",
    mistakes=(
        Mistake("to_6digit は 5 桁のコードに検査数字を付け足す関数です。先頭の 0 を補うのは repair_leading_zero です。",
                test=lambda result: any(len(str(n)) == 5 and str(v) == lgcode.to_6digit(str(n))
                                        for n, v in zip(DROPPED_ZERO, result))),
        Mistake("末尾に 0 を付けています。0 を補うのは先頭です。",
                test=lambda result: any(str(v) == f"{n}0" for n, v in zip(DROPPED_ZERO, result))),
    ),
)


# ------------------------------------------------------------------ 演習 5・6: つなぐ、つながらなかった行


@cache
def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    from ebpm import estat, juki

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        left = juki.read_juki_excel(datasets.path(JUKI))
        table = estat.read_estat_download(datasets.path(ESTAT))
    right = table[(table["year"] == 2025) & (table["男女"] == "総数") & (table["年齢"] == "総数")][["area_code", "area", "value"]]
    return left, right


def _joined(how: str = "outer") -> pd.DataFrame:
    left, right = _tables()
    left5 = left.assign(area_code=left["団体コード"].map(lgcode.to_5digit))
    return left5.merge(right, on="area_code", how=how, indicator=True)


def _status(table: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(area_code, which table, 団体コード) for every row, sorted: what a join decides."""
    return sorted((str(a), str(m), str(c)) for a, m, c in zip(table["area_code"], table["_merge"], table["団体コード"]))


JOIN_COLUMNS = ["area_code", "団体コード", "人口_計", "value", "_merge"]


def _judge_join(table) -> None:
    expected = _joined()
    feedback.expect_type(table, pd.DataFrame, "joined")
    feedback.expect_columns(table, JOIN_COLUMNS, "joined", hint="indicator=True を付けると _merge 列ができます。")
    n_both = int((table["_merge"].astype(str) == "both").sum())
    feedback.expect(n_both > 0, "1 行もつながっていません。",
                    hint="団体コード（6 桁）を to_5digit で 5 桁にした area_code でつなぎます。")
    feedback.expect_equal(n_both, int((expected["_merge"] == "both").sum()), "両方の表にあった行の数",
                          hint="area_code でつなぎます。")
    feedback.expect_rows(table, len(expected), "joined", hint="how=\"outer\" を付けると、片方にしかない行も残ります。")
    feedback.expect(_status(table) == _status(expected), "どの行がどちらの表にあったか（_merge）が違います。",
                    hint="juki_tool に area_code を加えた表を左、estat_2025 を右にしてつなぎます。")
    both = table[table["_merge"].astype(str) == "both"]
    feedback.expect(bool((both["人口_計"].astype(float) == both["value"].astype(float)).all()),
                    "つながった行で、住基の人口と e-Stat の人口が一致しません。",
                    hint="違う市町村どうしをつないでいないか、つなぐ列を確かめます。")


join = Exercise(
    variable="joined",
    judge=_judge_join,
    hint="juki_5 = juki_tool.assign(area_code=...) で 5 桁の列を加え、merge に on=\"area_code\"、how=\"outer\"、indicator=True を付けます。",
    passed="2 つの表を正しくつなげました。",
    mistakes=(
        Mistake("how=\"outer\" がなく、両方にある行だけが残っています。つながらなかった行が黙って消えました。",
                test=lambda table: set(table["_merge"].astype(str)) == {"both"}),
        Mistake("左と右が逆です。juki_5（住基）を左、estat_2025 を右にしてつなぎます。",
                test=lambda table: _status(table) == _status(_swapped(_joined()))),
    ),
)


def _swapped(table: pd.DataFrame) -> pd.DataFrame:
    flip = {"left_only": "right_only", "right_only": "left_only", "both": "both"}
    return table.assign(_merge=table["_merge"].astype(str).map(flip))


def _unjoined() -> pd.DataFrame:
    table = _joined()
    return table[table["_merge"] != "both"]


def _judge_anti(table) -> None:
    expected = _unjoined()
    feedback.expect_type(table, pd.DataFrame, "unjoined")
    feedback.expect_columns(table, ["area_code", "_merge"], "unjoined", hint="joined の行を選ぶだけで、列はすべて残します。")
    feedback.expect(not (table["_merge"].astype(str) == "both").any(), "つながった行（both）が含まれています。",
                    hint="!= \"both\" で、both ではない行を選びます。")
    feedback.expect_rows(table, len(expected), "unjoined", hint="left_only と right_only の両方の行を選びます。")
    feedback.expect(_status(table) == _status(expected), "つながらなかった行が違います。",
                    hint="正しくつないだ joined から選びます。")


anti = Exercise(
    variable="unjoined",
    judge=_judge_anti,
    hint="_merge 列が \"both\" ではない行を選びます（「等しくない」は != です）。",
    passed="つながらなかった行を取り出せました。",
)

