"""What a learner's feedback page says in place of nbgrader's internals.

``ExplainErrors``: an answer cell that stopped with an error shows the error in a few Japanese lines
(which line stopped, and 「このエラーの意味: …」 that ``ebpm`` printed under the traceback while
grading) instead of the whole traceback. Test cells keep their own short message.
``ExerciseTitles``: every graded cell carries the title of its exercise (the heading of the prompt
above it, 「演習 1: 施設の数を数える（1 点）」), which the page shows instead of the grade id.
Both change only the page: scores were recorded before feedback is made.
"""
from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

EXPLANATION = "このエラーの意味:"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_POINTED = re.compile(r"^-+>\s*(\d+)\s?(.*)$")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell) -> bool:
    meta = _nbgrader(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def exercise_titles(notebook) -> dict[str, str]:
    """grade id → the heading of the nearest Markdown cell above it that has one."""
    titles, heading = {}, ""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = _HEADING.match(line.strip())
                if match:
                    heading = match.group(1)
                    break
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id and heading:
            titles[grade_id] = heading
    return titles


def explained(traceback: list[str], ename: str) -> list[str] | None:
    """The few lines shown for an answer cell's error, or None when ebpm gave no explanation."""
    plain = [_ANSI.sub("", part) for part in traceback]
    lines = [line for part in plain for line in part.splitlines()]
    explanation = next((line for line in reversed(lines) if line.startswith(EXPLANATION)), None)
    if explanation is None:
        return None
    pointed = [match for line in lines if (match := _POINTED.match(line.strip()))]
    where = ""
    if pointed:
        number, code = pointed[-1].group(1), pointed[-1].group(2).strip()
        where = f"（{number} 行目: {code}）" if code else f"（{number} 行目）"
    return [f"\x1b[1;31mこのセルはエラー（{ename}）で止まりました{where}。\x1b[0m",
            f"\x1b[1;34m{explanation}\x1b[0m"]


class ExplainErrors(Preprocessor):
    """Answer cells' error outputs: the Japanese explanation instead of the raw traceback."""

    enabled = Bool(True).tag(config=True)  # nbconvert's preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and not is_test_cell(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    short = explained(list(output.get("traceback", [])), output.get("ename", ""))
                    if short is not None:
                        output["traceback"] = short
        return cell, resources


class ExerciseTitles(Preprocessor):
    """Put each graded cell's exercise title in ``metadata.ebpm_exercise`` for the template."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        titles = exercise_titles(nb)
        for cell in nb.cells:
            grade_id = _nbgrader(cell).get("grade_id")
            if grade_id in titles:
                cell.metadata["ebpm_exercise"] = titles[grade_id]
        return nb, resources
