"""Checks for exercise test cells that tell the learner, in Japanese, what is wrong.

A failed check raises ``AssertionError`` with a kind message: 「まだ回答されていません」 when the
answer was never made, otherwise what was expected and a hint. Checks print nothing to stderr
(nbgrader scores a test cell 0 when anything is written there).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

_NOT_ANSWERED = (
    "まだ回答されていません。上の回答セルの `raise NotImplementedError()` を消して、"
    "変数 `{name}` を作るコードを書き、回答セルを実行してから、このセルをもう一度実行してください。"
)


class AnswerError(AssertionError):
    """A check that failed; the message is meant for the learner."""


def _fail(message: str, hint: str | None = None) -> None:
    text = message if not hint else f"{message}\nヒント: {hint}"
    raise AnswerError(text)


def answered(name: str, namespace: Mapping[str, Any]) -> Any:
    """Return the learner's answer ``namespace[name]`` or say that it is not there yet."""
    if name not in namespace or namespace[name] is Ellipsis:
        _fail(_NOT_ANSWERED.format(name=name))
    return namespace[name]


def expect(condition: bool, message: str, hint: str | None = None) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        _fail(message, hint)


def expect_type(value: Any, types: type | tuple[type, ...], what: str, hint: str | None = None) -> None:
    """``value`` must be an instance of ``types`` (named in Japanese in the message)."""
    if not isinstance(value, types):
        wanted = types if isinstance(types, tuple) else (types,)
        names = "、".join(_type_name(t) for t in wanted)
        _fail(f"{what}の型が {_type_name(type(value))} です。{names} を期待しています。", hint)


def _type_name(kind: type) -> str:
    import pandas as pd

    names = {
        pd.DataFrame: "DataFrame（表）",
        pd.Series: "Series（1 列のデータ）",
        int: "整数 (int)",
        float: "小数 (float)",
        str: "文字列 (str)",
        list: "リスト (list)",
        dict: "辞書 (dict)",
        bool: "真偽値 (bool)",
        type(None): "None（何もない値）",
    }
    return names.get(kind, kind.__name__)


def expect_equal(actual: Any, expected: Any, what: str, hint: str | None = None) -> None:
    """``actual == expected`` for plain values (numbers, strings, lists, dicts)."""
    if _is_number(actual) and _is_number(expected):
        expect_close(actual, expected, what, hint=hint)
        return
    if actual != expected:
        _fail(f"{what}が違います。あなたの答え: {actual!r}", hint)


def _is_number(value: Any) -> bool:
    import numbers

    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def expect_close(
    actual: Any, expected: float, what: str, *, rel: float = 1e-6, abs_tol: float = 1e-9,
    hint: str | None = None,
) -> None:
    """A number equal to ``expected`` up to rounding."""
    if not _is_number(actual):
        _fail(f"{what}は数値であるはずですが、{_type_name(type(actual))} が入っています。", hint)
    if math.isnan(float(actual)) or not math.isclose(float(actual), float(expected), rel_tol=rel, abs_tol=abs_tol):
        _fail(f"{what}が違います。あなたの答え: {actual:,}", hint)


def expect_columns(table: Any, columns: Iterable[str], what: str = "表", *, exact: bool = False,
                   hint: str | None = None) -> None:
    """The DataFrame has these columns (in this order when ``exact``)."""
    import pandas as pd

    expect_type(table, pd.DataFrame, what)
    wanted = list(columns)
    present = [str(c) for c in table.columns]
    missing = [c for c in wanted if c not in present]
    if missing:
        _fail(f"{what}に列 {', '.join(missing)} がありません。今ある列: {', '.join(present)}", hint)
    if exact and present != wanted:
        _fail(f"{what}の列は {', '.join(wanted)} の順で、それ以外の列は含めません。今ある列: {', '.join(present)}", hint)


def expect_rows(table: Any, expected: int, what: str = "表", hint: str | None = None) -> None:
    """The table (or Series) has ``expected`` rows."""
    if len(table) != expected:
        _fail(f"{what}の行数が {len(table):,} 行です。{expected:,} 行になるはずです。", hint)


def expect_frame(
    actual: Any, expected: Any, what: str = "表", *, check_order: bool = True,
    check_index: bool = False, check_dtype: bool = False, rel: float = 1e-6, hint: str | None = None,
) -> None:
    """Compare two DataFrames and say the first difference in plain words."""
    import pandas as pd

    expect_type(actual, pd.DataFrame, what)
    expect_columns(actual, [str(c) for c in expected.columns], what, hint=hint)
    expect_rows(actual, len(expected), what, hint=hint)
    left = actual[list(expected.columns)]
    right = expected
    if not check_order:
        keys = list(expected.columns)
        left = left.sort_values(keys).reset_index(drop=True)
        right = right.sort_values(keys).reset_index(drop=True)
    elif not check_index:
        left = left.reset_index(drop=True)
        right = right.reset_index(drop=True)
    try:
        pd.testing.assert_frame_equal(left, right, check_dtype=check_dtype, rtol=rel,
                                      check_index_type=False, check_column_type=False)
    except AssertionError:
        for column in expected.columns:
            try:
                pd.testing.assert_series_equal(left[column], right[column], check_dtype=check_dtype,
                                               rtol=rel, check_index_type=False, check_names=False)
            except AssertionError:
                differs = left[column].astype("string").ne(right[column].astype("string")).fillna(True)
                first = int(differs.to_numpy().argmax())
                _fail(
                    f"{what}の列「{column}」の値が違います（上から {first + 1} 行目: "
                    f"あなたの値 {left[column].iloc[first]!r}）。",
                    hint,
                )
        _fail(f"{what}の内容が期待と違います。", hint)


def passed(message: str = "OK") -> None:
    """Say that every visible check passed (a test cell ends with this, never with a bare value)."""
    print(f"✔ {message}")
