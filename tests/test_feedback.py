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
