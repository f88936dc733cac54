"""One object per autograded exercise: what is right, the known mistakes and their hints.

A notebook's test cell is short and reveals nothing of the answer: it calls
``exercises.sort.check(globals())`` in its visible part and ``exercises.sort.check(globals(),
hidden=True)`` between the hidden-test markers (see ``ebpm.authoring.exercise_tests_source``).

Each module here (one per notebook, named ``<assignment>_<number>``) computes the expected values
from the course data and defines the checks. ``check`` tells apart the three states of an answer
(see ``ebpm.feedback``), runs the exercise's ``judge`` (visible) or ``hidden`` judge (grading only),
and when a check fails, names the mistake if the answer equals a known wrong variant.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ebpm import cellrecord, feedback, textnorm
from ebpm.feedback import AnswerError

COPIED = "計算した結果ではなく、画面の数字を書き写していませんか"


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: what it produces (``value``) or how to spot it (``test``), and its hint."""

    hint: str
    value: Callable[[], Any] | None = None
    test: Callable[[Any], bool] | None = None
    explain: Callable[[Any], str | None] | None = None  # a hint worded from the answer itself (or None)
    #: Also diagnose an answer cell that stopped with an error (the cause shows in the cell, not the value).
    on_error: bool = False

    def hint_for(self, answer: Any) -> str | None:
        """The hint this mistake gives for ``answer``, or None when the answer is not this mistake."""
        if self.explain is not None:
            try:
                return self.explain(answer)
            except Exception:  # a diagnosis that cannot be made for this answer does not apply
                return None
        return self.hint if self.matches(answer) else None

    def matches(self, answer: Any) -> bool:
        try:
            if self.test is not None and bool(self.test(answer)):
                return True
            return self.value is not None and same(answer, self.value())
        except Exception:  # a mistake that cannot be computed for this answer simply does not match
            return False


@dataclass
class Exercise:
    """An autograded exercise: the answer variable(s), the judges and the known mistakes.

    ``judge`` receives the answer (or one argument per variable when ``variable`` is a tuple) and
    raises ``AnswerError`` (through ``ebpm.feedback``'s ``expect_*``) when it is wrong.
    """

    variable: str | tuple[str, ...]
    judge: Callable[..., None]
    hint: str
    passed: str = "正解です。"
    mistakes: tuple[Mistake, ...] = ()
    hidden: Callable[..., None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: The answer variables (all when True) whose point is a computation: a value typed in (copied from the
    #: screen) earns no points, even when it is the right number.
    computed: bool | tuple[str, ...] = False

    @property
    def variables(self) -> tuple[str, ...]:
        return (self.variable,) if isinstance(self.variable, str) else tuple(self.variable)

    def check(self, namespace: Mapping[str, Any], *, hidden: bool = False) -> None:
        """Check the learner's answer in ``namespace`` (a test cell passes ``globals()``)."""
        try:
            answers = [feedback.answered(name, namespace, hint=self.hint) for name in self.variables]
        except AnswerError as error:
            raise earlier_step(self, namespace, self._diagnose_stopped_cell(error)) from None
        judge = self.hidden if hidden and self.hidden is not None else self.judge
        try:
            judge(*answers)
        except AnswerError as error:
            raise earlier_step(self, namespace, cause_in_code(self, namespace, error) or self._diagnose(answers, error)) from None
        except Exception:  # a shape the judge did not foresee: say so in Japanese, never in English
            shown = "、".join(f"`{n}` は {feedback.type_name(type(a))}" for n, a in zip(self.variables, answers))
            raise AnswerError(f"答えの形が想定と違うため、確かめられませんでした（{shown}）。", self.hint) from None
        if self.computed:
            names = self.variables if self.computed is True else self.computed
            typed = [name for name in names if _typed_in(name)]
            if typed:
                raise AnswerError(f"{COPIED}（{'、'.join(f'`{n}`' for n in typed)} に数字をそのまま書いています）。",
                                  "画面に出ている数字ではなく、計算する式やコードで答えを作ってください。")
        if not hidden:
            feedback.passed(self.passed)

    def _diagnose_stopped_cell(self, error: AnswerError) -> AnswerError:
        """An answer cell that stopped with an error: a mistake seen in the cell itself may name the cause."""
        if error.kind == "cell_error":
            for mistake in self.mistakes:
                hint = mistake.hint_for(None) if mistake.on_error else None
                if hint:
                    return error.with_hint(hint)
        return error

    def _diagnose(self, answers: list[Any], error: AnswerError) -> AnswerError:
        answer = answers[0] if len(answers) == 1 else tuple(answers)
        for mistake in self.mistakes:
            hint = mistake.hint_for(answer)
            if hint:
                return error.with_hint(hint)
        return error


def _typed_in(name: str) -> bool:
    """Whether the latest answer cell gave ``name`` a value typed in rather than computed."""
    run = cellrecord.last_answer_run(name)
    return run is not None and run.error is None and cellrecord.assigns_typed_value(run.source, name)


# ---- text as people type it -------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def text_key(value: Any) -> str:
    """The form in which text answers are compared: full-width and half-width, 〜 ～ and ~, spaces and
    letter case do not count (a Japanese IME types ％ and （ ）, a keyboard % and ( ); both are right)."""
    return _SPACES.sub("", textnorm.normalize_text(str(value))).casefold()


def same_text(left: Any, right: Any) -> bool:
    """Whether two texts are the same answer once width, tildes, spacing and case are set aside."""
    return isinstance(left, str) and isinstance(right, str) and text_key(left) == text_key(right)


def has_text(text: Any, part: str) -> bool:
    """Whether ``part`` appears in ``text``, width, tildes, spacing and case set aside."""
    return isinstance(text, str) and text_key(part) in text_key(text)


_TILDES = str.maketrans({"〜": "~", "～": "~", "\u3030": "~"})
_SPELLING_STEPS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("波ダッシュ「〜」とチルダ「～」「~」の違い", lambda s: s.translate(_TILDES)),
    ("全角と半角の違い", textnorm.normalize_text),
    ("空白の有無", lambda s: _SPACES.sub("", s)),
    ("大文字と小文字の違い", str.casefold),
)


def _differences(typed: str, written: str) -> str:
    """What differs between two spellings that ``text_key`` takes for the same, in words."""
    import difflib

    said = []
    for words, step in _SPELLING_STEPS:
        closer_typed, closer_written = step(typed), step(written)
        if difflib.SequenceMatcher(None, closer_typed, closer_written).ratio() > \
                difflib.SequenceMatcher(None, typed, written).ratio():
            said.append(words)  # this step brought the two spellings closer: it is one of the differences
        typed, written = closer_typed, closer_written
    return "、".join(said) or "文字の書き方の違い"


def spelling_differences(source: str, values: Iterable[Any]) -> list[tuple[str, str]]:
    """(typed, written in the data) for each text literal of ``source`` that is not one of ``values``
    but is one of them once width, tildes, spacing and case are set aside."""
    written = {str(v) for v in values if isinstance(v, str)}
    by_key: dict[str, str] = {}
    for value in sorted(written):
        by_key.setdefault(text_key(value), value)
    pairs = []
    for literal in cellrecord.text_literals(source):
        match = by_key.get(text_key(literal))
        if literal not in written and match is not None and (literal, match) not in pairs:
            pairs.append((literal, match))
    return pairs


def spelled_differently(variable: str, values: Callable[[], Iterable[Any]], where: str) -> Mistake:
    """A mistake diagnosed from the data: the answer cell selects with a text that the data spells
    another way (full-width/half-width, 〜/~, letter case, spaces), so fewer rows than meant were chosen.

    ``values`` gives the spellings in the data; ``where`` names the column in the message.
    """
    def explain(_answer: Any) -> str | None:
        run = cellrecord.last_answer_run(variable)
        pairs = spelling_differences(run.source, values()) if run is not None else []
        if not pairs:
            return None
        shown = "、".join(f"あなたは「{typed}」、データは「{data}」（{_differences(typed, data)}）" for typed, data in pairs)
        return (f"{where}の値の書き方が、データと違います: {shown}。見た目は似ていても別の文字なので、"
                "その行が選ばれていません。データにあるとおりの文字で書いてください（値は表示して、コピーすると確実です）。")
    return Mistake("", explain=explain, on_error=True)


def when(condition: Callable[[Any], bool], test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """A mistake test that applies only once ``condition`` holds (an earlier part of the answer is right),
    so that a hint never names the wrong cause."""
    return lambda answer: bool(condition(answer)) and bool(test(answer))


def is_number_near(expected: Callable[[], float], tolerance: float, at: int | None = None) -> Callable[[Any], bool]:
    """A mistake test: the answer (or its ``at``-th part) is this wrong number, within ``tolerance``."""
    def test(answer: Any) -> bool:
        value = answer if at is None else answer[at]
        return feedback.is_number(value) and abs(float(value) - float(expected())) <= tolerance
    return test


def ols(formula: str, data: Any, **fit: Any) -> Any:
    """A statsmodels OLS fit, as the evaluation workshop's answers make it."""
    import statsmodels.formula.api as smf

    return smf.ols(formula, data=data).fit(**fit)


def same(left: Any, right: Any, rel: float = 1e-9) -> bool:
    """Whether two answers are the same value (numbers up to ``rel``; tables ignoring the index)."""
    import numpy as np
    import pandas as pd

    if isinstance(left, pd.DataFrame) or isinstance(right, pd.DataFrame):
        if not (isinstance(left, pd.DataFrame) and isinstance(right, pd.DataFrame)):
            return False
        if list(map(str, left.columns)) != list(map(str, right.columns)) or left.shape != right.shape:
            return False
        try:
            pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True),
                                          check_dtype=False, check_column_type=False, rtol=rel)
            return True
        except (AssertionError, TypeError, ValueError):
            return False
    if isinstance(left, pd.Series) or isinstance(right, pd.Series):
        if not (isinstance(left, pd.Series) and isinstance(right, pd.Series)) or len(left) != len(right):
            return False
        if list(map(str, left.index)) != list(map(str, right.index)):
            return False
        return same(list(left), list(right), rel)
    if feedback.is_number(left) and feedback.is_number(right):
        a, b = float(left), float(right)
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)
    if isinstance(left, (list, tuple, np.ndarray)) and isinstance(right, (list, tuple, np.ndarray)):
        return len(left) == len(right) and all(same(a, b, rel) for a, b in zip(left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k], rel) for k in left)
    try:
        return bool(left == right)
    except (ValueError, TypeError):
        return False


def load(name: str):
    """A fresh copy of a course dataset (read from disk once per kernel)."""
    return _read(name).copy()


@cache
def _read(name: str):
    from ebpm import datasets

    return datasets.load(name)


# ---- causes outside the answer's value ----------------------------------------------------------

def cause_in_code(exercise: Exercise, namespace: Mapping[str, Any], error: AnswerError) -> AnswerError | None:
    """``error`` with the hint a slip in the answer cell's code calls for (see ``ebpm.diagnosis``)."""
    slip = feedback.cause_in_code(exercise.variables, namespace)
    return error.with_hint(slip.message) if slip is not None else None


def earlier_step(exercise: Exercise, namespace: Mapping[str, Any], error: AnswerError) -> AnswerError:
    """``error``, or the earlier exercise to fix first when this answer builds on one that is still wrong.

    A wrong table from an earlier step makes this step wrong (or stop) too; blaming this step would
    send the learner to the wrong cell.
    """
    import sys

    if error.kind == "not_answered":
        return error
    sources = [run.source for run in map(cellrecord.last_answer_run, exercise.variables) if run is not None]
    used = {node.id for source in sources for node in _names_read(source)}
    module = sys.modules.get(exercise.judge.__module__)
    for other in vars(module).values() if module else ():
        if not isinstance(other, Exercise) or other is exercise or not set(other.variables) & used:
            continue
        if any(name not in namespace for name in other.variables):
            continue
        try:
            other.judge(*(namespace[name] for name in other.variables))
        except AnswerError as wrong:
            names = "、".join(f"`{name}`" for name in other.variables)
            return AnswerError(
                f"この答えは、前の演習で作った {names} を使っていますが、{names} がまだ正しくありません"
                f"（{wrong.detail}）。先に前の演習を直して、その回答セルとテストのセルを実行してから、"
                "この回答セルをもう一度実行してください。", error.hint, kind=error.kind)
        except Exception:  # the earlier judge cannot tell for this value: no claim is made
            continue
    return error


def _names_read(source: str) -> list:
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)]
