"""Tests of ebpm.textnorm: text normalisation and numbers written as text."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ebpm.errors import DataFormatError
from ebpm.textnorm import (
    MARKERS,
    is_fullwidth_katakana,
    normalize_text,
    parse_number,
    parse_numeric,
    to_katakana_fullwidth,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("ﾃﾞｰﾀｾﾝﾀｰ", "データセンター"),
        ("データ　センター", "データ センター"),  # U+3000
        ("  a   b\tc  ", "a b c"),
        ("１ー２ー３", "1-2-3"),  # ー between digits is a dash
        ("コーヒー", "コーヒー"),  # ー in a word stays
        ("\u22121\u2013\u2014\u2015\u2010", "-1----"),
        ("4月〜6月", "4月~6月"),  # U+301C wave dash
        ("4月～6月", "4月~6月"),  # U+FF5E full-width tilde
        ("△123 ▲4", "△123 ▲4"),
        ("1行目\n 2行目 ", "1行目\n2行目"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_text_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        normalize_text(123)  # type: ignore[arg-type]


def test_to_katakana_fullwidth_joins_dakuten_and_leaves_the_rest() -> None:
    assert to_katakana_fullwidth("ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟﾌﾟ ｳﾞ") == "ガギグ パピプ ヴ"
    assert to_katakana_fullwidth("ｼﾐｽﾞ　１２ abc") == "シミズ　１２ abc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("データ・センター", True),
        ("ヤマダ タロウ", True),
        ("ヤマダ　タロウ", True),
        ("ﾃﾞｰﾀ", False),
        ("データ1", False),
        ("ひらがな", False),
        ("", False),
        ("ー", False),
    ],
)
def test_is_fullwidth_katakana(text: str, expected: bool) -> None:
    assert is_fullwidth_katakana(text) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234", 1234.0),
        ('"1,234"', 1234.0),
        ("１２３", 123.0),
        ("１，２３４．５", 1234.5),
        ("△123", -123.0),
        ("▲1,234", -1234.0),
        ("\u221212", -12.0),
        ("－12", -12.0),
        ("-0.5", -0.5),
        ("+7", 7.0),
        (".5", 0.5),
        ("0", 0.0),
        (" 42 ", 42.0),
        (42, 42.0),
        (2.5, 2.5),
    ],
)
def test_parse_number_reads_numbers(raw: object, expected: float) -> None:
    assert parse_number(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "　", None, float("nan"), "-", "－", "…", "...", "x", "X", "χ", "***", "・"]
)
def test_parse_number_blank_and_markers_are_none_never_zero(raw: object) -> None:
    assert parse_number(raw) is None


@pytest.mark.parametrize("raw", ["12,34", "1.2.3", "abc", "12人", "1 234", "--1", True])
def test_parse_number_rejects_what_it_cannot_read(raw: object) -> None:
    with pytest.raises(DataFormatError) as info:
        parse_number(raw, column="人口", row=7, path="data/town.csv")
    message = str(info.value)
    assert "town.csv" in message and "7 行目" in message and "人口" in message
    assert "***" in message  # lists accepted markers


def test_markers_are_explained_in_japanese() -> None:
    assert set(MARKERS) == {"-", "…", "x", "***", "・"}
    assert all(meaning for meaning in MARKERS.values())


def _group(n: int) -> str:
    return f"{n:,}"


_FULLWIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")


@given(
    n=st.integers(min_value=-(10**12), max_value=10**12),
    commas=st.booleans(),
    fullwidth=st.booleans(),
    sign=st.sampled_from(["-", "△", "▲", "\u2212", "－"]),
    quoted=st.booleans(),
)
def test_parse_number_round_trips_formatted_integers(
    n: int, commas: bool, fullwidth: bool, sign: str, quoted: bool
) -> None:
    body = _group(abs(n)) if commas else str(abs(n))
    if fullwidth:
        body = body.translate(_FULLWIDTH)
    text = (sign if n < 0 else "") + body
    if quoted:
        text = f'"{text}"'
    assert parse_number(text) == float(n)


def test_parse_numeric_returns_value_and_marker_columns() -> None:
    series = pd.Series(["1,234", "-", "…", None, "△5", "0", "ｘ", "***"], index=list("abcdefgh"))
    result = parse_numeric(series)
    assert list(result.columns) == ["value", "marker"]
    assert str(result["value"].dtype) == "Float64"
    assert isinstance(result["marker"].dtype, pd.StringDtype)
    assert list(result.index) == list("abcdefgh")
    assert result["value"].tolist() == [1234.0, pd.NA, pd.NA, pd.NA, -5.0, 0.0, pd.NA, pd.NA]
    assert result["marker"].tolist() == [pd.NA, "-", "…", pd.NA, pd.NA, pd.NA, "x", "***"]


def test_parse_numeric_accepts_extra_markers_from_a_legend() -> None:
    result = parse_numeric(pd.Series(["12", "＊"]), markers={"*": "秘匿"})
    assert result["marker"].tolist() == [pd.NA, "*"]
    with pytest.raises(DataFormatError):
        parse_numeric(pd.Series(["12", "＊"]))


def test_parse_numeric_error_names_column_row_value_and_file() -> None:
    series = pd.Series(["1", "2", "3人"], name="人口")
    with pytest.raises(DataFormatError) as info:
        parse_numeric(series, path="town.csv")
    message = str(info.value)
    assert "town.csv" in message and "3 行目" in message and "人口" in message and "3人" in message
    with pytest.raises(DataFormatError, match="12 行目"):
        parse_numeric(series, column="人口", rows=[10, 11, 12])
