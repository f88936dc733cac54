"""Checks of 事前学習 3: オープンデータとは (solutions/prestudy/03_open_data)."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from ebpm import feedback
from ebpm.exercises import Exercise, Mistake, has_text, text_key

OPEN = "オープンデータ"
REUSE, MACHINE, FREE = "二次利用", "機械判読", "無償"
# The notebook's table `cases` (input of 演習 1): 事例 → (形式, 利用ルール, 料金).
CASES = {
    "A": ("CSV", "CC BY 4.0", "無料"),
    "B": ("PDF（紙をスキャンした画像）", "CC BY 4.0", "無料"),
    "C": ("CSV", "営利目的の利用は禁止", "無料"),
    "D": ("CSV", "CC BY 4.0", "1 件 5,000 円"),
    "E": ("CSV", "政府標準利用規約 第2.0版", "無料"),
}
MACHINE_READABLE = {"CSV"}
# Licences taught in section 2: whether each asks for attribution (表示) or waives every right.
LICENCES = {"政府標準利用規約 第2.0版": "表示", "PDL1.0": "表示", "CC BY 4.0": "表示", "CC0": "権利放棄"}
# The notebook's `source` (input of 演習 3).
SOURCE = {
    "作成者": "月見町",
    "データ名": "AED設置箇所一覧",
    "URL": "https://www.town.tsukimi.example.jp/opendata/438022_aed.csv",
    "ライセンス": "CC BY 4.0",
}
FACILITY_DATASET = "opendata_public_facility_errors"
EVACUATION_DATASET = "opendata_evacuation_space_errors"
HEADER_ROWS = 1  # the file's first line is the header, so file row = index + 1 + HEADER_ROWS




# 演習 1: オープンデータの 3 条件 ------------------------------------------------------------

def _verdict(form: str, rule: str, fee: str) -> str:
    if rule not in LICENCES:
        return REUSE
    if form not in MACHINE_READABLE:
        return MACHINE
    if fee != "無料":
        return FREE
    return OPEN


def _expected_open() -> dict[str, str]:
    return {case: _verdict(*situation) for case, situation in CASES.items()}


def _as_dict(answer: Any, name: str, hint: str) -> dict:
    feedback.expect(isinstance(answer, (Mapping, pd.Series)),
                    f"{name} の型が {feedback.type_name(type(answer))} です。辞書 (dict) にします。", hint=hint)
    return dict(answer.items())


_HINTS_BY_CONDITION = {
    REUSE: "利用ルールが、営利目的も含めた二次利用を認めているかを確かめます。",
    MACHINE: "プログラムがそのまま読み取れる形式かを確かめます。紙をスキャンした PDF は文字ではなく画像です。",
    FREE: "お金を払わずに使えるかを確かめます。",
    OPEN: "3 つの条件をすべて満たす事例は「オープンデータ」です。",
}


def _judge_open(answer) -> None:
    expected = _expected_open()
    result = _as_dict(answer, "open_data_check", "{\"A\": \"オープンデータ\", ...} のように書きます。")
    keys = sorted(map(str, result))
    feedback.expect(keys == sorted(expected), f"辞書のキーが {', '.join(keys) or '（なし）'} です。"
                    f"キーは事例の記号 {', '.join(expected)} の 5 つにします。", hint="キーは \"A\" のような文字列です。")
    allowed = {text_key(v) for v in (OPEN, REUSE, MACHINE, FREE)}
    values = {str(key): str(value).strip() for key, value in result.items()}
    unknown = sorted(v for v in set(values.values()) if text_key(v) not in allowed)
    feedback.expect(not unknown, f"使えない値が入っています: {'、'.join(unknown)}",
                    hint="値は「オープンデータ」「二次利用」「機械判読」「無償」のどれかです。")
    for case, verdict in expected.items():
        feedback.expect(text_key(values[case]) == text_key(verdict),
                        f"事例 {case} の判定が違います。あなたの答え: 「{values[case]}」", hint=_HINTS_BY_CONDITION[verdict])


def _says(case: str, value: str) -> Callable[[Any], bool]:
    return lambda answer: (text_key(dict(answer.items()).get(case, "")) == text_key(value)
                           and value != _expected_open()[case])


open = Exercise(  # noqa: A001 - the exercise is called オープンデータ (open data) in the notebook
    variable="open_data_check",
    judge=_judge_open,
    hint="事例ごとに、形式（機械判読）、利用ルール（二次利用）、料金（無償）の 3 つを順に確かめます。",
    passed="オープンデータの判定は正解です。",
    mistakes=(
        Mistake("政府標準利用規約 第2.0版は、営利・非営利を問わず二次利用を認めるルールです（CC BY 4.0 と互換性があります）。",
                test=lambda answer: any(_says(case, REUSE)(answer) for case, (_, rule, _) in CASES.items()
                                        if rule == "政府標準利用規約 第2.0版")),
        Mistake("営利目的の利用を禁止するルールは、二次利用を制限しています。3 条件の「二次利用が可能」を満たしません。",
                test=lambda answer: any(_says(case, value)(answer) for case, (_, rule, _) in CASES.items()
                                        if rule not in LICENCES for value in (OPEN, FREE, MACHINE))),
        Mistake("紙をスキャンした PDF は文字ではなく画像なので、プログラムが読み取れません。「機械判読」を満たしません。",
                test=lambda answer: any(_says(case, value)(answer) for case, (form, _, _) in CASES.items()
                                        if form not in MACHINE_READABLE for value in (OPEN, REUSE, FREE))),
        Mistake("料金がかかるデータは「無償」を満たしません。",
                test=lambda answer: any(_says(case, value)(answer) for case, (_, _, fee) in CASES.items()
                                        if fee != "無料" for value in (OPEN, REUSE, MACHINE))),
    ),
)


# 演習 2: 出典の記載 -------------------------------------------------------------------------

_key = text_key


def _expected_licence() -> dict[str, bool]:
    return {name: kind == "表示" for name, kind in LICENCES.items()}


def _by_key(answer) -> dict[str, Any]:
    return {_key(name): value for name, value in dict(answer.items()).items()}


def _judge_licence(answer) -> None:
    expected = _expected_licence()
    result = _as_dict(answer, "attribution_required", "{\"CC0\": False, ...} のように書きます。")
    given = _by_key(result)
    missing = [name for name in expected if _key(name) not in given]
    feedback.expect(not missing, f"辞書にキー {'、'.join(missing)} がありません。今あるキー: {'、'.join(map(str, result))}",
                    hint="キーは問題文の 4 つの文字列をそのまま書き写します。")
    feedback.expect(len(given) == len(expected), f"辞書のキーが {len(given)} 個あります。問題文の 4 つだけにします。")
    for name, required in expected.items():
        value = given[_key(name)]
        feedback.expect(isinstance(value, (bool, np.bool_)),
                        f"「{name}」の値 {feedback.show_value(value)} が True / False ではありません。",
                        hint="\"True\" のように引用符で囲まず、True と書きます。")
        feedback.expect(bool(value) == required, f"「{name}」の答えが違います。",
                        hint="2 節の表の「出典の記載」の列を見てください。")


licence = Exercise(
    variable="attribution_required",
    judge=_judge_licence,
    hint="2 節の表で、それぞれのライセンスの「出典の記載」が必要か不要かを確かめます。",
    passed="ライセンスの区別は正解です。",
    mistakes=(
        Mistake("CC0 は作成者が権利を放棄しているので、出典の記載は不要です（書いてもかまいませんが、義務ではありません）。",
                test=lambda answer: _by_key(answer).get(_key("CC0")) is True),
        Mistake("政府標準利用規約 第2.0版と PDL1.0 も、CC BY 4.0 と同じく出典の記載が必要です。",
                test=lambda answer: any(_by_key(answer).get(_key(name)) is False
                                        for name in ("政府標準利用規約 第2.0版", "PDL1.0"))),
        Mistake("CC BY の BY は「表示」、つまり出典を書くことを求める印です。CC BY 4.0 は出典の記載が必要です。",
                test=lambda answer: _by_key(answer).get(_key("CC BY 4.0")) is False),
    ),
)


# 演習 3: 出典表記 ---------------------------------------------------------------------------

# 「加工」 said of what was not done: 加工はしていません, 加工していない, 加工せず, 加工なし, 未加工.
_NOT_PROCESSED = re.compile(r"未加工|加工(?:は|も|を)?(?:して(?:い)?ません|していない|してない|しておりません|せず|なし|無し|しない)")
_PROCESSED = re.compile(r"加工")


def _processed_at(text: str) -> list[int]:
    """Where the text says the data was processed (「加工」 not negated)."""
    negated = [m.span() for m in _NOT_PROCESSED.finditer(text)]
    return [m.start() for m in _PROCESSED.finditer(text) if not any(a <= m.start() < b for a, b in negated)]


def _judge_credit(text) -> None:
    feedback.expect_type(text, str, "credit", hint="文字列は引用符で囲みます。")
    plain = text_key(text)
    feedback.expect(plain.startswith(text_key("出典")), "出典表記は「出典：」で始めます。", hint="本文の例にならいます。")
    for what in ("作成者", "データ名", "URL"):
        feedback.expect(has_text(text, SOURCE[what]), f"{what}（{SOURCE[what]}）が書かれていません。",
                        hint="source の値を f 文字列で埋め込むと、書き写し間違いを防げます。")
    feedback.expect(has_text(text.replace("-", ""), SOURCE["ライセンス"].replace("-", "")),
                    f"ライセンス（{SOURCE['ライセンス']}）が書かれていません。", hint="どのライセンスのデータかも書きます。")
    feedback.expect(not _NOT_PROCESSED.search(plain) or _processed_at(plain),
                    "「加工していない」という意味の書き方になっています。列を取り出して使うのは加工にあたります。",
                    hint="元のデータを示したあとに「〜を加工して作成」と書きます。")
    feedback.expect(_processed_at(plain) != [], "加工したことが書かれていません。",
                    hint="列を取り出して使っているので「〜を加工して作成」と書きます。")
    feedback.expect(plain.index(text_key(SOURCE["作成者"])) < max(_processed_at(plain)),
                    "「加工」が、元のデータより前に書かれています。",
                    hint="元のデータ（作成者・データ名・URL・ライセンス）を示したあとに「〜を加工して作成」と書きます。")


credit = Exercise(
    variable="credit",
    judge=_judge_credit,
    hint="本文の出典表記の例の、作成者・データ名・URL・ライセンスを、月見町のデータのものに置き換えます。",
    passed="出典表記に必要な要素がそろっています。",
    mistakes=(
        Mistake("文字列の前の f を付け忘れて、{source[...]} がそのまま文字として残っています。f\"...\" と書きます。",
                test=lambda text: isinstance(text, str) and "{source" in text),
        Mistake("本文の例（星川町の公共施設一覧）のままです。月見町の AED のデータの情報に置き換えます。",
                test=lambda text: isinstance(text, str) and ("公共施設一覧" in text or "hoshikawa" in text)),
        Mistake("source の辞書そのものが入っています。辞書の値を使って、1 つの文字列を作ります。",
                test=lambda text: isinstance(text, dict)),
    ),
)


# 演習 4・5: 誤りのある行番号 ----------------------------------------------------------------

@cache
def _facility() -> pd.DataFrame:
    from ebpm import datasets

    return pd.read_csv(datasets.path(FACILITY_DATASET), dtype=str)


def _file_rows(mask: pd.Series, offset: int = 1 + HEADER_ROWS) -> list[int]:
    return sorted(int(index) + offset for index in _facility().index[mask])


def _numbers(rows: Any) -> list[int] | None:
    """The row numbers handed in, sorted; None when it is not a collection of whole numbers."""
    if isinstance(rows, (str, bytes, Mapping, pd.DataFrame)) or not hasattr(rows, "__iter__"):
        return None
    values = list(rows)
    if not all(feedback.is_number(v) and float(v).is_integer() for v in values):
        return None
    return sorted(int(v) for v in values)


def _judge_rows(rows: Any, name: str, expected: list[int], what: str, hint: str) -> None:
    feedback.expect(not isinstance(rows, pd.DataFrame), f"{name} に表（DataFrame）が入っています。行番号のリストにします。",
                    hint="絞り込んだ表の .index に 2 を足し、list(...) でリストにします。")
    feedback.expect(_numbers(rows) is not None,
                    f"{name} は行番号（整数）のリストにします。今は {feedback.type_name(type(rows))} が入っています。",
                    hint="list(絞り込んだ表.index + 2) の形です。")
    numbers = _numbers(rows)
    feedback.expect(numbers == expected, f"{what}が違います。あなたの答え: {feedback.show_value(numbers)}", hint=hint)


def _is_rows(make: Callable[[], list[int]]) -> Callable[[Any], bool]:
    return lambda rows: _numbers(rows) == make()


def _kana_mask() -> pd.Series:
    from ebpm import textnorm

    return ~_facility()["名称_カナ"].map(textnorm.is_fullwidth_katakana).astype(bool)


def _judge_kana(rows) -> None:
    _judge_rows(rows, "kana_rows", _file_rows(_kana_mask()), "半角カタカナの行番号",
                hint="「全角カタカナだけでできていない」行を絞り込み、インデックスに 2 を足します。")


kana = Exercise(
    variable="kana_rows",
    computed=True,
    judge=_judge_kana,
    hint="textnorm.is_fullwidth_katakana を map で当てはめ、~ で「そうでない行」にします。",
    passed="半角カタカナの行を見つけました。",
    mistakes=(
        Mistake("インデックスのままです。ファイルの行番号は、インデックスに 2 を足した番号です。",
                test=_is_rows(lambda: _file_rows(_kana_mask(), 0))),
        Mistake("1 だけ足しています。1 行目は見出しで、インデックスは 0 から始まるので、2 を足します。",
                test=_is_rows(lambda: _file_rows(_kana_mask(), 1))),
        Mistake("全角カタカナだけでできている行を選んでいます。条件の前に ~ を付けると「そうでない行」になります。",
                test=_is_rows(lambda: _file_rows(~_kana_mask()))),
    ),
)


def _duplicate_mask(keep: str | bool = False) -> pd.Series:
    return _facility()["ID"].duplicated(keep=keep)


def _judge_dup(rows) -> None:
    _judge_rows(rows, "duplicate_id_rows", _file_rows(_duplicate_mask()), "ID が重複している行番号",
                hint="ほかの行と同じ ID を持つ行を、最初に出てくる行も含めてすべて選びます。")


dup = Exercise(
    variable="duplicate_id_rows",
    computed=True,
    judge=_judge_dup,
    hint="duplicated(keep=False) で、重複しているすべての行を True にします。",
    passed="重複した ID の行を見つけました。",
    mistakes=(
        Mistake("2 回目以降に出てきた行だけになっています。最初に出てくる行も含めるには duplicated(keep=False) を使います。",
                test=_is_rows(lambda: _file_rows(_duplicate_mask("first")))),
        Mistake("最初に出てきた行だけになっています。重複しているすべての行を選ぶには duplicated(keep=False) を使います。",
                test=_is_rows(lambda: _file_rows(_duplicate_mask("last")))),
        Mistake("インデックスのままです。ファイルの行番号は、インデックスに 2 を足した番号です。",
                test=_is_rows(lambda: _file_rows(_duplicate_mask(), 0))),
        Mistake("1 だけ足しています。1 行目は見出しで、インデックスは 0 から始まるので、2 を足します。",
                test=_is_rows(lambda: _file_rows(_duplicate_mask(), 1))),
        Mistake("重複していない行を選んでいます。~ を付けずに、重複している行を選びます。",
                test=_is_rows(lambda: _file_rows(~_duplicate_mask()))),
    ),
)


# 演習 6: validate ---------------------------------------------------------------------------

@cache
def _seeded() -> tuple[tuple[int, str], ...]:
    from ebpm import datasets

    key = json.loads(datasets.path("opendata_errors").read_text(encoding="utf-8"))
    return tuple((int(e["row"]), str(e["rule"])) for e in key["errors"]
                 if e["file"] == f"{EVACUATION_DATASET}.csv")


def _report_pairs(dataset: str, template: str) -> list[dict[int, str]]:
    """What a learner gets from this report: its errors only, or every line of to_frame() (warnings too)."""
    from ebpm import datasets, opendata

    report = opendata.validate(datasets.path(dataset), template)
    table = report.to_frame()
    return [{int(problem.row): str(problem.rule) for problem in report.errors},
            dict(zip(table["行"].astype(int), table["ルール"].astype(str)))]


def _pairs(answer: Any) -> dict[Any, str] | None:
    try:
        return {int(str(row).strip()): str(rule).strip() for row, rule in dict(answer.items()).items()}
    except (TypeError, ValueError, AttributeError):
        return None


def _judge_validate(answer) -> None:
    expected = dict(_seeded())
    result = _as_dict(answer, "evacuation_errors", "dict(zip(列1, 列2)) で辞書を作れます。")
    feedback.expect(result != {}, "辞書が空です。validate の報告からエラーを取り出してください。")
    pairs = _pairs(result)
    feedback.expect(pairs is not None, "辞書のキーが行番号（整数）になっていません。",
                    hint="キーは報告の「行」の列、値は「ルール」の列です。")
    feedback.expect(sorted(pairs) == sorted(expected),
                    f"エラーのある行番号が違います。あなたの答え: {feedback.show_value(sorted(pairs))}",
                    hint="避難場所のファイルを、様式 \"evacuation_space\" で確かめ、報告の「行」の列を使います。")
    for row, rule in expected.items():
        feedback.expect(pairs[row] == rule, f"{row} 行目のルールが違います。あなたの答え: 「{pairs[row]}」",
                        hint="値には、報告の「ルール」の列（[ ] の中の ID）を使います。")


validate = Exercise(
    variable="evacuation_errors",
    computed=True,
    judge=_judge_validate,
    hint="opendata.validate(ファイル, 様式名) の報告を to_frame() で表にし、「行」と「ルール」の列から辞書を作ります。",
    passed="避難場所一覧のエラーをすべて取り出しました。",
    mistakes=(
        Mistake("様式名が違います。指定緊急避難場所一覧の様式名は \"evacuation_space\" です。",
                test=lambda answer: "required_column" in (_pairs(answer) or {}).values()
                or _pairs(answer) in _report_pairs(EVACUATION_DATASET, "public_facility")),
        Mistake("公共施設一覧のファイルを確かめています。避難場所のファイル（EVACUATION_DATASET）を使います。",
                test=lambda answer: _pairs(answer) in _report_pairs(FACILITY_DATASET, "public_facility")),
        Mistake("キーと値が逆です。キーを行番号、値をルールの ID にします（dict(zip(行の列, ルールの列))）。",
                test=lambda answer: sorted(map(str, dict(answer.items()).values())) == sorted(str(r) for r, _ in _seeded())),
        Mistake("キーが表の左端のインデックス（0 から始まる番号）になっています。報告の「行」の列を使います。",
                test=lambda answer: sorted(_pairs(answer) or {}) == list(range(len(_seeded())))),
    ),
)
