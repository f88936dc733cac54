"""Shared checks of ebpm.exercises (issue #25): Japanese text as people type it, spellings diagnosed from the
data, numbers typed in instead of computed. Unit level; the notebooks' cases (`ebpm cases`) cover the same
behaviour in the exercises themselves."""
from __future__ import annotations

import pytest

from ebpm import cellrecord, feedback
from ebpm.exercises import COPIED, Exercise, has_text, same_text, spelled_differently, spelling_differences, text_key
from ebpm.feedback import AnswerError


@pytest.mark.parametrize(("typed", "written"), [
    ("高齢化率（％）", "高齢化率(%)"),  # an IME's full-width ％ and brackets
    ("0~4歳", "0〜4歳"),  # tilde and wave dash
    ("0～4歳", "0〜4歳"),  # full-width tilde
    ("年少人口（0〜14 歳）", "年少人口(0~14歳)"),  # spacing
    ("ｵｰﾌﾟﾝﾃﾞｰﾀ", "オープンデータ"),  # half-width katakana
    ("CC BY 4.0", "ｃｃ　ｂｙ　４．０"),  # letter case, full-width letters and space
])
def test_text_is_compared_as_people_type_it(typed, written):
    assert same_text(typed, written) and text_key(typed) == text_key(written)


def test_different_texts_stay_different():
    assert not same_text("0〜4歳", "5〜9歳") and not same_text("人口（人）", "人口（世帯）")
    assert has_text("縦軸: 高齢化率（％）", "(%)") and not has_text("高齢化率", "(%)")
    assert not same_text(None, "x") and not same_text("1", 1)


def test_spellings_that_differ_only_in_width_tilde_or_case_are_found():
    source = 'p[p["年齢階級"].isin(["0~4歳", "5〜9歳", "10～14歳"])]\norgan[organ["State"] == "california"]'
    values = ["0〜4歳", "5〜9歳", "10〜14歳", "California"]
    assert spelling_differences(source, values) == [("0~4歳", "0〜4歳"), ("10～14歳", "10〜14歳"),
                                                    ("california", "California")]
    assert spelling_differences('p[p["年齢階級"] == "0〜4歳"]', values) == []  # written as in the data


def _run_check(exercise: Exercise, source: str, namespace: dict) -> AnswerError | None:
    cellrecord.record(source, None)
    try:
        exercise.check(namespace)
    except AnswerError as error:
        return error
    finally:
        cellrecord.record(f"{cellrecord.TEST_CELL_MARKER}\n# other", None)  # later tests start afresh
    return None


def _judge_total(value) -> None:
    feedback.expect_close(value, 1750, "合計")


def test_a_number_typed_in_earns_nothing_where_the_point_is_the_computation(capsys):
    exercise = Exercise(variable="total", judge=_judge_total, hint="合計を求めます。", computed=True)
    error = _run_check(exercise, "total = 1750", {"total": 1750})
    assert error is not None and COPIED in error.detail
    error = _run_check(exercise, "a = 1000\nb = 750\ntotal = a + b", {"total": 1750})
    assert error is not None and COPIED in error.detail
    assert _run_check(exercise, 'total = table["人口"].sum()', {"total": 1750}) is None
    rows = Exercise(variable="rows", judge=lambda v: None, hint="", computed=True)
    assert _run_check(rows, "rows = []\nfor r in table:\n    rows.append(r)", {"rows": [3]}) is None
    open_answer = Exercise(variable="total", judge=_judge_total, hint="")  # not a computation: typing is the task
    assert _run_check(open_answer, "total = 1750", {"total": 1750}) is None
    capsys.readouterr()


def test_a_spelling_that_empties_a_selection_is_named_with_both_spellings(capsys):
    exercise = Exercise(variable="children", judge=_judge_total, hint="年齢階級で選びます。",
                        mistakes=(spelled_differently("children", lambda: ["0〜4歳", "5〜9歳"], "年齢階級"),))
    error = _run_check(exercise, 'children = p[p["年齢階級"].isin(["0~4歳", "5〜9歳"])]["人口"].sum()', {"children": 800})
    assert error is not None
    assert "あなたは「0~4歳」、データは「0〜4歳」" in error.hint and "チルダ" in error.hint
    capsys.readouterr()
