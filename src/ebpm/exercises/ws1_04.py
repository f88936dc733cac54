"""Checks of ワークショップ 1 宿題: 自分の課のデータの棚卸し (solutions/ws1_problem_and_data/04_homework_data_inventory).

The content is the learner's own workplace, so the checks judge the form (keys, columns, allowed
values, no blanks) and, for the summaries, the values computed from the learner's own inventory.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from ebpm import feedback, textnorm
from ebpm import inventory as _inventory
from ebpm.exercises import Exercise, Mistake

SECTION_KEYS = ("課名", "主な業務", "課題")
HOMEWORK_COLUMNS = ["データ名", "内容", "担当課", "形式", "更新頻度", "個人情報", "使い道"]
MIN_RECORDS = 5
QUESTION_ENDINGS = ("か", "か？", "か?")
SHARE_TOLERANCE = 0.005  # 割合は小数第 2 位まで合っていれば正解


def _text(value: Any) -> str:
    return textnorm.normalize_text(str(value))


# ------------------------------------------------------------------ 演習 1: 課と課題


def _judge_section(section) -> None:
    feedback.expect_type(section, dict, "my_section", hint="{\"課名\": \"…\", \"主な業務\": \"…\", \"課題\": \"…\"} の形の辞書にします。")
    missing = [k for k in SECTION_KEYS if k not in section]
    feedback.expect(not missing, f"キー {'、'.join(missing)} がありません。", hint="キーは例と同じ書き方（「課名」「主な業務」「課題」）にします。")
    not_text = [k for k in SECTION_KEYS if not isinstance(section[k], str)]
    feedback.expect(not not_text, f"{'、'.join(not_text)} が文字列ではありません。",
                    hint="値は \"…\" で囲んだ 1 つの文字列にします。業務がいくつもあるときは「、」でつなぎます。")
    blank = [k for k in SECTION_KEYS if not section[k].strip()]
    feedback.expect(not blank, f"{'、'.join(blank)} が空です。")
    question = _text(section["課題"]).rstrip("。.")
    feedback.expect(question.endswith(QUESTION_ENDINGS), "「課題」が問いの形になっていません。",
                    hint="「〜のか」「〜はどのくらいか」のように、疑問文で書きます。")
    feedback.expect(len(question) >= 10, "課題が短すぎます。",
                    hint="誰の、何についての問いかが分かるように、10 文字以上で書きます。")


section = Exercise(
    variable="my_section",
    judge=_judge_section,
    hint="例の example_section と同じ 3 つのキーで、あなたの課のことを書きます。",
    passed="課と課題が書けました。",
)


# ------------------------------------------------------------------ 演習 2・3: 棚卸し表


def _table(records: Any) -> pd.DataFrame:
    feedback.expect_type(records, list, "my_records", hint="[{...}, {...}] のように、辞書を [ ] で囲んだリストにします。")
    feedback.expect(all(isinstance(r, dict) for r in records), "my_records の中に辞書でないものがあります。",
                    hint="1 つのデータを {\"データ名\": \"…\", ...} の辞書にします。")
    return _inventory.inventory_frame(records)


def _judge_records(records) -> None:
    table = _table(records)
    feedback.expect(len(records) >= MIN_RECORDS, f"データが {len(records)} 件です。{MIN_RECORDS} 件以上書いてください。")
    feedback.expect_columns(table, HOMEWORK_COLUMNS, "棚卸し表", hint="7 つの項目名は、例と同じ書き方にします。")
    problems = [p for p in _inventory.check_inventory(table, required=HOMEWORK_COLUMNS)
                if "空欄" in p or "同じデータ名" in p]
    feedback.expect(not problems, "\n".join(problems), hint="分からない項目は、職場で確かめてから書きます。")


records = Exercise(
    variable="my_records",
    judge=_judge_records,
    hint="例の example_records と同じ 7 つの項目を持つ辞書を、5 つ以上リストに並べます。",
    passed="必要な項目がすべて埋まっています。",
    mistakes=(
        Mistake("辞書が 1 つだけで、リストになっていません。[ ] で囲み、5 件以上並べます。",
                test=lambda answer: isinstance(answer, dict)),
    ),
)


def _judge_values(records) -> None:
    table = _table(records)
    feedback.expect_columns(table, list(_inventory.ALLOWED_VALUES), "棚卸し表", hint="演習 2 と同じ 7 つの項目を書きます。")
    wrong = [p for p in _inventory.check_inventory(table, required=()) if "決められた値" in p]
    feedback.expect(not wrong, "\n".join(wrong[:5]), hint="print(inventory.FORMATS) などで、使える値を確かめます。")


values = Exercise(
    variable="my_records",
    judge=_judge_values,
    hint="形式・更新頻度・個人情報は、決められた値の中から選んで、そのとおりに書きます。",
    passed="決められた値で書けています。",
)


# ------------------------------------------------------------------ 演習 4: 割合と件数


def _counts(records: Any) -> tuple[float, int, int]:
    """(machine-readable share, records with personal data, records) of the learner's own inventory."""
    table = _inventory.inventory_frame(records)
    share = float(table["形式"].isin(_inventory.MACHINE_READABLE).mean())
    return share, int((table["個人情報"] == "あり").sum()), len(table)


def _judge_share(share, count, records) -> None:
    expected_share, expected_count, _ = _counts(records)
    feedback.expect_close(share, expected_share, "機械判読の形式の割合", rel=0, abs_tol=SHARE_TOLERANCE,
                          hint="割合は、機械判読の形式のデータの件数 ÷ すべてのデータの件数で、0〜1 の数です。")
    feedback.expect_close(count, expected_count, "個人情報を含むデータの件数", rel=0, abs_tol=1e-9,
                          hint="個人情報が \"あり\" の行の数を数えます。True を合計すると、True の数になります。")


def _share_is(kind: str):
    def test(answer: tuple) -> bool:
        share, _, records = answer
        right, _, total = _counts(records)
        wrong = {"percent": right * 100, "count": right * total, "reversed": 1 - right}[kind]
        return feedback.is_number(share) and abs(float(share) - wrong) <= SHARE_TOLERANCE and wrong != right
    return test


def _count_is(kind: str):
    def test(answer: tuple) -> bool:
        share, count, records = answer
        _, right, total = _counts(records)
        wrong = {"share": right / total, "reversed": total - right, "all": total}[kind]
        return feedback.is_number(count) and abs(float(count) - wrong) < 1e-9 and wrong != right
    return test


share = Exercise(
    variable=("machine_readable_share", "personal_count", "my_records"),
    computed=('machine_readable_share', 'personal_count'),
    judge=_judge_share,
    hint="isin(inventory.MACHINE_READABLE) の True/False を平均すると割合に、(列 == \"あり\") の True/False を合計すると件数になります。",
    passed="集計は正しいです。",
    mistakes=(
        Mistake("割合に 100 を掛けています。割合は 0〜1 の小数のままにします。", test=_share_is("percent")),
        Mistake("割合ではなく件数になっています。True/False を平均（mean）すると割合になります。", test=_share_is("count")),
        Mistake("機械判読ではない形式の割合になっています。", test=_share_is("reversed")),
        Mistake("件数ではなく割合になっています。True/False を合計（sum）すると件数になります。", test=_count_is("share")),
        Mistake("個人情報が「なし」のデータを数えています。", test=_count_is("reversed")),
        Mistake("すべてのデータの件数になっています。個人情報が \"あり\" の行だけを数えます。", test=_count_is("all")),
    ),
)


# ------------------------------------------------------------------ 演習 5: 最初に使うデータ


def _judge_first(choice, records) -> None:
    names = [_text(n) for n in _inventory.inventory_frame(records)["データ名"]]
    feedback.expect_type(choice, str, "first_data", hint="データ名を \"...\" で囲んだ 1 つの文字列にします。")
    chosen = _text(choice)
    feedback.expect(chosen in names, f"「{chosen}」は棚卸し表のデータ名にありません。",
                    hint="表のデータ名をそのままコピーしてください。")


first = Exercise(
    variable=("first_data", "my_records"),
    judge=_judge_first,
    hint="棚卸し表のデータ名を 1 つ選び、そのまま文字列にして入れます。",
    passed="最初に使うデータを選べました。",
    mistakes=(
        Mistake("リストになっています。データ名を 1 つだけ、文字列で入れます。",
                test=lambda answer: isinstance(answer[0], (list, tuple))),
        Mistake("表の行（DataFrame）になっています。データ名を 1 つだけ、文字列で入れます。",
                test=lambda answer: isinstance(answer[0], (pd.DataFrame, pd.Series))),
    ),
)
