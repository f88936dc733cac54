"""Learner feedback: Japanese messages, 'not answered yet' told apart from 'wrong'."""
from __future__ import annotations

import pandas as pd
import pytest

from ebpm import feedback


def test_missing_answer_says_the_variable_was_not_created():
    with pytest.raises(AssertionError, match="変数 `total` がまだ作られていません"):
        feedback.answered("total", {})


def test_present_answer_is_returned():
    assert feedback.answered("total", {"total": 3}) == 3


def test_wrong_number_shows_the_answer_and_hint():
    with pytest.raises(AssertionError) as error:
        feedback.expect_equal(41, 40, "施設の数", hint="行の数を数えます")
    assert "施設の数が違います" in str(error.value) and "41" in str(error.value)
    assert "ヒント: 行の数を数えます" in str(error.value)


def test_close_numbers_pass_and_nan_fails():
    feedback.expect_close(0.1 + 0.2, 0.3, "合計")
    with pytest.raises(AssertionError):
        feedback.expect_close(float("nan"), 0.3, "合計")
    with pytest.raises(AssertionError, match="数値"):
        feedback.expect_close("0.3", 0.3, "合計")


def test_type_names_are_japanese():
    with pytest.raises(AssertionError, match="DataFrame（表）"):
        feedback.expect_type([1], pd.DataFrame, "answer")


def test_columns_rows_and_frames():
    frame = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    feedback.expect_columns(frame, ["a"])
    with pytest.raises(AssertionError, match="列 c がありません"):
        feedback.expect_columns(frame, ["c"])
    with pytest.raises(AssertionError, match="順"):
        feedback.expect_columns(frame, ["b", "a"], exact=True)
    with pytest.raises(AssertionError, match="2 行です。3 行"):
        feedback.expect_rows(frame, 3)
    feedback.expect_frame(frame, frame.copy())
    changed = frame.assign(b=[3, 5])
    with pytest.raises(AssertionError, match="列「b」.*2 行目"):
        feedback.expect_frame(changed, frame)
    feedback.expect_frame(frame.iloc[::-1], frame, check_order=False)


def test_passed_prints_to_stdout_only(capsys):
    feedback.passed("正解です")
    captured = capsys.readouterr()
    assert "正解です" in captured.out and captured.err == ""


def _explained(code: str, namespace: dict) -> str:
    from ebpm.cellrecord import explain_error

    try:
        exec(compile(code, "<cell>", "exec"), namespace)
    except Exception as error:  # noqa: BLE001 - the error is what is explained
        return explain_error(error, namespace, code)[1]
    raise AssertionError(f"{code} raised nothing")


@pytest.mark.parametrize("code, said, not_said", [
    ('x = df[df["年"] > 2020 & df["地区"] == "a"]', "を `( )` で囲みます", "pd.to_numeric"),
    ('x = df[df["年"] == 2020 & df["人口"] == 1]', "を `( )` で囲みます", "`and` / `or`"),
    ('x = df[df["年"] == true]', "`True`", "上のセルを順に実行"),
    ('x = f"{df["年"]}"', "外側と同じ引用符", "開きと閉じ"),
    ('t = df.groupby("地区").agg(["sum", "mean"])\nx = t["mean"]', "2 段", "つづり"),
    ('x = df[["年", "人口x"]]', "近い列名: 人口", "not in index"),
    ('x = df[pd.Series(["a"] * 17)]', "という列", "None of"),
    ('x = df.groupby("年")["人口x"].sum()', "「人口x」という列", "Column not found"),
    ('x = df.merge(df, on="年", how="lft")', "「left」のつもり", "not a valid"),
    ('x = df.merge(df, on="年", validate="one_to_mny")', "one_to_many", "Valid arguments"),
    ('x = df[df["年"] > "2020"]', "数値と文字列を大小で比べています", "pd.to_numeric"),
    ('x = pd.to_numeric(df["地区"])', "数値に変換できない文字「a」", "Unable"),
])
def test_errors_are_explained_by_their_true_cause_in_japanese(code, said, not_said):
    frame = pd.DataFrame({"年": [2020, 2021], "地区": ["a", "b"], "人口": [1, 2]})
    text = _explained(code, {"df": frame, "pd": pd})
    assert said in text and not_said not in text, text


def test_sorted_column_tells_the_wrong_column_from_the_wrong_way():
    frame = pd.DataFrame({"利用者": [5, 9, 1], "費用": [30, 20, 10]})
    assert feedback.sorted_column(frame, exclude="利用者") == ("費用", True)
    assert feedback.sorted_column(frame.iloc[::-1], exclude="利用者") == ("費用", False)
    unsorted = pd.DataFrame({"利用者": [5, 9, 1], "費用": [30, 10, 20]})
    assert feedback.sorted_column(unsorted, exclude="利用者") is None
