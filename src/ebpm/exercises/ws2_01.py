"""Checks of ワークショップ 2-1: 再現できるデータ整理の手順を作る
(solutions/ws2_cleaning_and_visualisation/01_cleaning_pipeline).

Three exercises hand in a function: the judge calls it on every value the course file holds (and on
the examples the text names), and an error raised inside the learner's function is reported in
plain Japanese with the input that caused it.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pandas as pd

from ebpm import datasets, feedback, textnorm, wareki
from ebpm.cellrecord import explain_error
from ebpm.exercises import Exercise, Mistake, load
from ebpm.feedback import AnswerError

DATASET = "jumin_export_district_age"
TOWN_CODE = "438014"
COLUMNS = ["団体コード", "地区コード", "地区", "年", "性別", "年齢階級", "人口", "前年比"]
WAVE_DASH = "〜"  # U+301C, as town_population writes 0〜4歳


@cache
def _raw_cached() -> pd.DataFrame:
    return pd.read_csv(datasets.path(DATASET), encoding="cp932", dtype=str)


def _raw() -> pd.DataFrame:
    return _raw_cached().copy()


def call(function: Callable[..., Any], *arguments: Any, name: str) -> Any:
    """``function(*arguments)``, or a Japanese message naming the call that made the learner's function stop."""
    try:
        return function(*arguments)
    except AnswerError:
        raise
    except Exception as error:  # the learner's function stopped: say where, in plain words
        ename, explanation = explain_error(error)
        shown = ", ".join(feedback.show_value(argument) for argument in arguments)
        raise AnswerError(f"{name}({shown}) を実行すると、エラーで止まりました（{ename}）。{explanation}") from None


def _call(function: Callable[[Any], Any], argument: Any, name: str) -> Any:
    return call(function, argument, name=name)


def _expect_function(function: Any, name: str) -> None:
    feedback.expect(callable(function), f"{name} が関数になっていません（{feedback.type_name(type(function))} が入っています）。",
                    hint=f"def {name}(...): で関数を作り、return で結果を返します。")


def _probe(function: Callable[[Any], Any], argument: Any) -> Any:
    """What the learner's function returns for ``argument`` (None if it raises), for mistake tests."""
    try:
        return function(argument)
    except Exception:
        return None


# ---- 演習 1: cp932 のファイルを文字列のまま読む ----------------------------------------------------

def _judge_read(table) -> None:
    reference = _raw()
    feedback.expect_type(table, pd.DataFrame, "raw")
    feedback.expect_columns(table, list(reference.columns), "raw", exact=True,
                            hint="encoding=\"cp932\" を指定し、見出しの行はそのまま読みます。見出しは半角カタカナのままで正しいです。")
    feedback.expect_rows(table, len(reference), "raw", hint="行を飛ばしたり絞ったりせず、すべての行を読みます。")
    code = table["地区ｺｰﾄﾞ"].iloc[0]
    feedback.expect(isinstance(code, str), f"地区ｺｰﾄﾞが文字列ではなく {feedback.type_name(type(code))} になっています。",
                    hint="dtype=str を指定すると、すべての列が文字列のまま読み込まれ、先頭の 0 も残ります。")
    for column in reference.columns:
        values = table[column].astype(object)
        feedback.expect(all(isinstance(v, str) for v in values),
                        f"列「{column}」に文字列でない値があります。", hint="dtype=str ですべての列を文字列のまま読みます。")
    feedback.expect_frame(table.astype(object), reference.astype(object), "raw",
                          hint="文字コードは cp932 です（shift_jis とは一部の記号の読み方が違います）。")


read = Exercise(
    variable="raw",
    judge=_judge_read,
    hint="pd.read_csv(path, encoding=..., dtype=...) の 2 つの指定で読み方を決めます。",
    passed="読み込みは正解です。",
    mistakes=(
        Mistake("地区ｺｰﾄﾞが数として読まれ、先頭の 0 が消えています。dtype=str を指定します。",
                test=lambda table: not isinstance(table["地区ｺｰﾄﾞ"].iloc[0], str)),
        Mistake("1 行目の見出しが列名になっていません。header は指定せずに読みます（1 行目が見出しです）。",
                test=lambda table: [str(c) for c in table.columns] == [str(i) for i in range(table.shape[1])]),
        Mistake("文字コードを shift_jis で読んでいます。Windows の出力は cp932 で読みます（「～」などの読み方が違います）。",
                test=lambda table: table.astype(object).equals(
                    pd.read_csv(datasets.path(DATASET), encoding="shift_jis", dtype=str).astype(object))),
    ),
)


# ---- 演習 2: 年齢階級の書き方をそろえる ----------------------------------------------------------

AGE_EXAMPLES = {"０-４歳": "0〜4歳", "0～4歳": "0〜4歳", "１０−１４歳": "10〜14歳", "85歳以上": "85歳以上",
                "10〜14歳": "10〜14歳", "８５歳以上": "85歳以上"}


def _judge_age(function) -> None:
    _expect_function(function, "unify_age_label")
    for text, wanted in AGE_EXAMPLES.items():
        result = _call(function, text, "unify_age_label")
        feedback.expect_equal(result, wanted, f"unify_age_label({feedback.show_value(text)}) の結果")
    target = set(load("town_population")["年齢階級"])
    for label in _raw()["年齢階級"].unique():
        result = _call(function, label, "unify_age_label")
        feedback.expect(result in target, f"unify_age_label({feedback.show_value(label)}) の結果 "
                                          f"{feedback.show_value(result)} が、town_population の年齢階級にありません。")


age = Exercise(
    variable="unify_age_label",
    judge=_judge_age,
    hint="textnorm.normalize_text で全角を半角にそろえてから、区切りの記号を波ダッシュ 〜 に置き換えます。",
    passed="年齢階級の書き方はそろいました。",
    mistakes=(
        Mistake("「～」（令和4年からの書き方）が 〜 になっていません。normalize_text のあとは ~ になるので、~ も 〜 に置き換えます。",
                test=lambda f: _probe(f, "０-４歳") == "0〜4歳" and _probe(f, "0～4歳") != "0〜4歳"),
        Mistake("「-」（令和3年までの書き方）が 〜 になっていません。- も 〜 に置き換えます。",
                test=lambda f: _probe(f, "0～4歳") == "0〜4歳" and _probe(f, "０-４歳") != "0〜4歳"),
        Mistake("全角のチルダ「～」や別の記号になっています。区切りは波ダッシュ「〜」（town_population と同じ文字）です。",
                test=lambda f: "～" in str(_probe(f, "０-４歳")) or "~" in str(_probe(f, "０-４歳"))),
        Mistake("区切りの記号が 〜 になっていません。そろえたあとの - と ~ を、波ダッシュ 〜 に置き換えます。",
                test=lambda f: "〜" not in str(_probe(f, "０-４歳")) and "〜" not in str(_probe(f, "0～4歳"))),
        Mistake("マイナス記号 − が残っています。NFKC（unicodedata.normalize）ではなく textnorm.normalize_text を使います。",
                test=lambda f: "−" in str(_probe(f, "１０−１４歳"))),
        Mistake("全角の数字が残っています。先に textnorm.normalize_text で半角にそろえます。",
                test=lambda f: "０" in str(_probe(f, "０-４歳"))),
    ),
)


# ---- 演習 3: 「△」付きの数 ----------------------------------------------------------------------

CHANGE_EXAMPLES = ["12", "△4", "▲4", "１２", "0", "△１５", "7", "▲3"]


def _change_inputs() -> list[str]:
    raw = _raw()
    return CHANGE_EXAMPLES + sorted(set(raw["人口"]) | set(raw["前年比"]))


def _judge_change(function) -> None:
    _expect_function(function, "parse_change")
    for text in _change_inputs():
        result = _call(function, text, "parse_change")
        wanted = int(textnorm.parse_number(text))
        feedback.expect(feedback.is_number(result) and float(result) == wanted,
                        f"parse_change({feedback.show_value(text)}) の結果が違います。あなたの答え: {feedback.show_value(result)}")
        feedback.expect(isinstance(result, int) and not isinstance(result, bool),
                        f"parse_change({feedback.show_value(text)}) の結果が整数（int）ではなく "
                        f"{feedback.type_name(type(result))} です。", hint="int(...) で整数にして返します。")


def _drops_sign(f) -> bool:
    return _probe(f, "△4") in (4, "4")


change = Exercise(
    variable="parse_change",
    judge=_judge_change,
    hint="textnorm.normalize_text で半角にそろえ、最初の文字が △ か ▲ なら、残りの数をマイナスにします。",
    passed="△ の読み方は正解です。",
    mistakes=(
        Mistake("△ を消しただけで、符号がプラスのままです。△ は減少（マイナス）の意味なので、負の数にします。",
                test=_drops_sign),
        Mistake("△ は読めていますが、▲ が負の数になっていません。▲ も同じ意味の記号です。",
                test=lambda f: _probe(f, "△4") == -4 and _probe(f, "▲4") != -4),
        Mistake("全角の数字（１２）が読めていません。先に textnorm.normalize_text で半角にそろえます。",
                test=lambda f: _probe(f, "12") == 12 and _probe(f, "１２") != 12),
        Mistake("結果が文字列のままです。int(...) で整数にして返します。",
                test=lambda f: isinstance(_probe(f, "12"), str)),
        Mistake("結果が小数（float）です。int(...) で整数にして返します。",
                test=lambda f: isinstance(_probe(f, "12"), float)),
    ),
)


# ---- 演習 4: 和暦の基準日から西暦の年 -------------------------------------------------------------

YEAR_EXAMPLES = ["令和７年１月１日", "平成３１年１月１日", "令和元年５月１日", "平成元年１月８日", "昭和６４年１月７日"]


def _judge_year(function) -> None:
    _expect_function(function, "to_year")
    for text in YEAR_EXAMPLES + list(_raw()["基準日"].unique()):
        result = _call(function, text, "to_year")
        wanted = wareki.parse_date(text).year
        feedback.expect(feedback.is_number(result) and float(result) == wanted,
                        f"to_year({feedback.show_value(text)}) の結果が違います。あなたの答え: {feedback.show_value(result)}")
        feedback.expect(isinstance(result, int) and not isinstance(result, bool),
                        f"to_year({feedback.show_value(text)}) の結果が整数（int）ではなく {feedback.type_name(type(result))} です。")


year = Exercise(
    variable="to_year",
    judge=_judge_year,
    hint="wareki.parse_date(文字列) で日付にし、その .year を返します。",
    passed="和暦の変換は正解です。",
    mistakes=(
        Mistake("平成の日付を令和と同じ計算にしています。元号ごとに足す数が違うので、wareki.parse_date を使います。",
                test=lambda f: _probe(f, "令和７年１月１日") == 2025 and _probe(f, "平成３１年１月１日") != 2019),
        Mistake("日付（date）をそのまま返しています。日付の .year が西暦の年です。",
                test=lambda f: hasattr(_probe(f, "令和７年１月１日"), "year")),
        Mistake("結果が文字列です。西暦の年を整数で返します。",
                test=lambda f: isinstance(_probe(f, "令和７年１月１日"), str)),
    ),
)


# ---- 演習 5: 整理の手順（パイプライン） -----------------------------------------------------------

def _judge_pipeline(table) -> None:
    what = "jumin_clean"
    truth = load("town_population")
    feedback.expect_type(table, pd.DataFrame, what)
    feedback.expect_columns(table, COLUMNS, what, exact=True,
                            hint="地区名 を 地区 に名前を変え、最後に列のリスト COLUMNS で列を選んで並べます。")
    feedback.expect_rows(table, len(_raw()), what, hint="行を増やしたり減らしたりせず、全行を整理します。")
    for column in ("団体コード", "地区コード", "地区", "性別", "年齢階級"):
        feedback.expect(all(isinstance(v, str) for v in table[column].astype(object)),
                        f"列「{column}」に文字列でない値があります。",
                        hint="コードの列は文字列のまま（先頭の 0 を残す）、団体コードには文字列 TOWN_CODE を入れます。")
    feedback.expect(table["団体コード"].eq(TOWN_CODE).all(), f"団体コードがすべて {feedback.show_value(TOWN_CODE)} になっていません。")
    for column in ("年", "人口", "前年比"):
        feedback.expect(pd.api.types.is_integer_dtype(table[column]),
                        f"列「{column}」が整数の列になっていません（型: {table[column].dtype}）。",
                        hint="人口と前年比は parse_change、年は to_year を .map で当てはめます。")
    years = sorted({wareki.parse_date(text).year for text in _raw()["基準日"]})
    feedback.expect_equal(sorted(int(y) for y in table["年"].unique()), years,
                          "年の一覧", hint="基準日に to_year を当てはめます。")
    keys = ["団体コード", "地区", "年", "性別", "年齢階級"]
    merged = table.merge(truth, on=keys, how="left", suffixes=("", "_正"), indicator=True)
    feedback.expect(merged["_merge"].eq("both").all(),
                    "town_population と突き合わせられない行があります。",
                    hint="年齢階級を unify_age_label でそろえましたか？ 地区の名前も確かめてください。")
    differs = merged["人口"] != merged["人口_正"]
    feedback.expect(not differs.any(), "人口の値が town_population と合わない行があります。",
                    hint="人口に parse_change を当てはめます。")
    expected_change = _raw()["前年比"].map(lambda s: int(textnorm.parse_number(s)))
    feedback.expect(list(table["前年比"]) == list(expected_change), "前年比の値が違います。",
                    hint="△ の付いた前年比は負の数になります。parse_change を当てはめましたか？")


pipeline = Exercise(
    variable="jumin_clean",
    judge=_judge_pipeline,
    hint="fix_columns の中で、列ごとに .map(関数) で演習 2〜4 の関数を当てはめ、最後に列を選んで並べます。",
    passed="整理した表は town_population と 1 行残らず一致しました。",
    mistakes=(
        Mistake("前年比が文字列のままです。前年比にも parse_change を当てはめます。",
                test=lambda table: isinstance(table["前年比"].iloc[0], str)),
        Mistake("団体コードが数になっています。文字列の TOWN_CODE（\"438014\"）を入れます。",
                test=lambda table: not isinstance(table["団体コード"].iloc[0], str)),
    ),
)
