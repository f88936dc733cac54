"""Checks for exercise test cells that tell the learner, in Japanese, what is wrong.

A test cell says one of three things (and ✔ when all is well):
- 「まだ回答されていません」: the answer cell still holds its stub (``raise NotImplementedError()``);
- 「回答のセルがエラーで止まっています」: the answer cell raised; the error is named in plain words,
  with the exercise's own hint;
- what differs, with a hint (chosen by the mistake diagnosed where one is known).

A failed check raises ``AnswerError``, which IPython shows as the Japanese message alone, without the
internal traceback; it is still an error output, so nbgrader scores the cell exactly as before.
Checks never write to stderr (nbgrader scores a test cell 0 when anything is written there).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from ebpm import cellrecord, diagnosis
from ebpm.cellrecord import explain_error

_NOT_ANSWERED = (
    "まだ回答されていません。上の回答セルにある `raise NotImplementedError()` の行を消して、"
    "変数 `{name}` を作るコードを書き、回答セルを実行（Shift + Enter）してから、このセルをもう一度実行してください。"
)
_NOT_CREATED = (
    "変数 `{name}` がまだ作られていません。回答セルで `{name} = ...` と書いて実行しましたか？"
    "名前のつづり（大文字・小文字、_ の位置）も確かめてください。{near}"
)
_CELL_FAILED = "回答のセルがエラーで止まっています（{ename}）。{explanation}"
_LEFTOVER_RAISE = (
    "（注意）答えはできていますが、回答セルに `raise NotImplementedError()` が残っていて、赤いエラーが"
    "表示されています。その行を消してから、回答セルをもう一度実行してください。"
)


class AnswerError(AssertionError):
    """A check that failed; the message is meant for the learner.

    ``detail`` says what differs and ``hint`` what to try; ``kind`` is ``not_answered``,
    ``cell_error`` or ``wrong``. IPython shows only the message (``_render_traceback_``).
    """

    def __init__(self, detail: str, hint: str | None = None, *, kind: str = "wrong") -> None:
        self.detail = detail
        self.hint = hint
        self.kind = kind
        super().__init__(self.text)

    @property
    def text(self) -> str:
        return self.detail if not self.hint else f"{self.detail}\nヒント: {self.hint}"

    def with_hint(self, hint: str | None) -> "AnswerError":
        return AnswerError(self.detail, hint, kind=self.kind)

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of formatting the traceback: the learner sees the message only.
        red, reset = "\x1b[1;31m", "\x1b[0m"
        lines = self.text.splitlines() or [""]
        return [f"{red}✘ {lines[0]}{reset}", *lines[1:]]


def _fail(message: str, hint: str | None = None) -> None:
    raise AnswerError(message, hint)


def answered(name: str, namespace: Mapping[str, Any], hint: str | None = None) -> Any:
    """Return the learner's answer ``namespace[name]``, or say why it is not there.

    Tells apart an untouched stub, an answer cell that stopped with an error (named in plain
    words, with ``hint``), and a variable that was never created.
    """
    run = cellrecord.last_answer_run(name)
    defined = name in namespace and namespace[name] is not Ellipsis
    if run is not None and run.error is not None:
        if run.is_stub_error:
            if not run.stub_only and defined and run.assigned_before_error(name):
                print(_LEFTOVER_RAISE)
                return namespace[name]
            if run.stub_only or not defined:
                raise AnswerError(_NOT_ANSWERED.format(name=name), kind="not_answered")
        elif not (defined and run.assigned_before_error(name)):
            ename, explanation = explain_error(run.error, namespace, run.source)
            raise AnswerError(_CELL_FAILED.format(ename=ename, explanation=explanation), hint, kind="cell_error")
    if not defined:
        if run is None and cellrecord.stub_is_latest():
            raise AnswerError(_NOT_ANSWERED.format(name=name), kind="not_answered")
        raise AnswerError(_NOT_CREATED.format(name=name, near=_near_names(name, namespace)), hint,
                          kind="not_answered" if run is None else "wrong")
    return namespace[name]


# Slips in the answer's code that name the cause of a wrong value better than the value can.
SILENT_CAUSES = ("unbracketed-condition", "mixed-tables", "unaggregated", "value-typo", "width-variant", "letter-case", "string-vs-number",
                 "number-vs-string", "keyword-typo", "lowercase-constant")


def cause_in_code(names: Iterable[str], namespace: Mapping[str, Any]) -> diagnosis.Slip | None:
    """The slip in the latest answer cell that made its value wrong (a filter value no row holds, a
    number compared as text, conditions joined without brackets), or None."""
    for name in names:
        run = cellrecord.last_answer_run(name)
        if run is not None and run.error is None:
            slip = diagnosis.first_slip(run.source, namespace, SILENT_CAUSES)
            if slip is not None:
                return slip
    return None


def sorted_column(table: Any, exclude: str | None = None) -> tuple[str, bool] | None:
    """(column, descending) of a numeric column other than ``exclude`` that the rows are sorted by.

    Tells "sorted by the wrong column" apart from "sorted the wrong way" (``ascending=False`` was
    there, but on another column).
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or len(table) < 2:
        return None
    for column in table.columns:
        values = table[column]
        if str(column) == exclude or not pd.api.types.is_numeric_dtype(values) or values.nunique() < 2:
            continue
        if values.is_monotonic_decreasing:
            return str(column), True
        if values.is_monotonic_increasing:
            return str(column), False
    return None


def _near_names(name: str, namespace: Mapping[str, Any]) -> str:
    import difflib

    names = [key for key in namespace if not key.startswith("_") and key not in {"In", "Out"}]
    near = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    return f"似た名前の変数: {'、'.join(near)}" if near else ""


def expect(condition: Any, message: str, hint: str | None = None) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    try:
        ok = bool(condition)
    except (ValueError, TypeError):  # e.g. a whole Series handed where one value was expected
        ok = False
    if not ok:
        _fail(message, hint)


def expect_type(value: Any, types: type | tuple[type, ...], what: str, hint: str | None = None) -> None:
    """``value`` must be an instance of ``types`` (named in Japanese in the message)."""
    if not isinstance(value, types):
        wanted = types if isinstance(types, tuple) else (types,)
        names = "、".join(type_name(t) for t in wanted)
        _fail(f"{what}の型が {type_name(type(value))} です。{names} を期待しています。", hint)


def type_name(kind: type) -> str:
    """A type's name in plain Japanese."""
    import numpy as np
    import pandas as pd

    names = {
        pd.DataFrame: "DataFrame（表）",
        pd.Series: "Series（1 列のデータ）",
        int: "整数 (int)",
        float: "小数 (float)",
        str: "文字列 (str)",
        list: "リスト (list)",
        tuple: "タプル (tuple)",
        dict: "辞書 (dict)",
        bool: "真偽値 (bool)",
        type(None): "None（何もない値）",
        np.ndarray: "配列 (ndarray)",
    }
    if kind in names:
        return names[kind]
    if issubclass(kind, np.integer):
        return "整数 (int)"
    if issubclass(kind, np.floating):
        return "小数 (float)"
    if kind.__module__.startswith("matplotlib"):
        return f"グラフの部品 ({kind.__name__})"
    return kind.__name__


def show_value(value: Any) -> str:
    """A value as a learner would write it: years without commas, large counts with them."""
    import numpy as np

    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (int, np.integer)):
        number = int(value)
        return str(number) if 1000 <= abs(number) <= 2100 else f"{number:,}"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return "NaN（値なし）"
        if number.is_integer() and abs(number) < 1e15:
            return show_value(int(number))
        return f"{number:,.6g}" if abs(number) >= 1e6 else f"{number:.6g}"
    if isinstance(value, str):
        return f"「{value}」"
    if isinstance(value, (list, tuple)) and len(value) <= 12:
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    import pandas as pd

    if isinstance(value, (pd.Series, pd.DataFrame)):  # a whole table pasted into a message helps nobody
        return f"{type_name(type(value))}、{len(value):,} 行"
    return diagnosis.shorten(repr(value), 80)


def expect_equal(actual: Any, expected: Any, what: str, hint: str | None = None) -> None:
    """``actual == expected`` for plain values (numbers, strings, lists, dicts)."""
    if is_number(expected):
        expect_close(actual, expected, what, hint=hint)
        return
    try:
        same = bool(actual == expected)
    except (ValueError, TypeError):
        same = False
    if not same:
        if type(actual) is not type(expected) and not (isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple))):
            _fail(f"{what}の型が {type_name(type(actual))} です。{type_name(type(expected))} を期待しています。", hint)
        _fail(f"{what}が違います。あなたの答え: {show_value(actual)}", hint)


def is_number(value: Any) -> bool:
    import numbers

    import numpy as np

    return isinstance(value, (numbers.Number, np.number)) and not isinstance(value, (bool, np.bool_))


def expect_close(
    actual: Any, expected: float, what: str, *, rel: float = 1e-6, abs_tol: float = 1e-9,
    hint: str | None = None,
) -> None:
    """A number equal to ``expected`` up to ``rel`` (relative) or ``abs_tol`` (absolute)."""
    if not is_number(actual):
        _fail(f"{what}は 1 つの数値であるはずですが、{type_name(type(actual))} が入っています。", hint)
    if math.isnan(float(actual)) or not math.isclose(float(actual), float(expected), rel_tol=rel, abs_tol=abs_tol):
        _fail(f"{what}が違います。あなたの答え: {show_value(actual)}", hint)


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
    try:
        rows = len(table)
    except TypeError:
        _fail(f"{what}は表のはずですが、{type_name(type(table))} が入っています。", hint)
    if rows != expected:
        _fail(f"{what}の行数が {rows:,} 行です。{expected:,} 行になるはずです。", hint)


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
        try:
            left = left.sort_values(keys).reset_index(drop=True)
        except TypeError:
            _fail(f"{what}の値に、並べ替えられない混ざった型（数値と文字列など）があります。", hint)
        right = right.sort_values(keys).reset_index(drop=True)
    elif not check_index:
        left = left.reset_index(drop=True)
        right = right.reset_index(drop=True)
    try:
        pd.testing.assert_frame_equal(left, right, check_dtype=check_dtype, rtol=rel,
                                      check_index_type=False, check_column_type=False)
    except (AssertionError, TypeError, ValueError):
        for column in expected.columns:
            try:
                pd.testing.assert_series_equal(left[column], right[column], check_dtype=check_dtype,
                                               rtol=rel, check_index_type=False, check_names=False)
            except (AssertionError, TypeError, ValueError):
                differs = left[column].astype("string").ne(right[column].astype("string")).fillna(True)
                first = int(differs.to_numpy().argmax())
                _fail(
                    f"{what}の列「{column}」の値が違います（上から {first + 1} 行目: "
                    f"あなたの値 {show_value(left[column].iloc[first])}）。",
                    hint,
                )
        _fail(f"{what}の内容が期待と違います。", hint)


def passed(message: str = "OK") -> None:
    """Say that every visible check passed (a test cell ends with this, never with a bare value)."""
    print(f"✔ {message}")
