"""Keep hidden tests out of the tracebacks that feedback shows.

``ClearHiddenTests`` removes hidden tests from a test cell's source, but a failing test's
traceback (IPython's ``Cell In[9], line 8`` frame) prints the lines around the failing line,
and those can be hidden tests. ``ClearHiddenTracebacks`` runs before ``ClearHiddenTests`` (it
needs the markers to know which lines are hidden) and drops those lines from every error
output of the cell. The final ``AnswerError: ...`` line, the learner's message, stays.
"""
from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FRAME = re.compile(r"^(?:Cell In\s*\[\d*\]|Input In \[\d*\]|<ipython-input-)")
_NUMBERED = re.compile(r"^\s*(?:-*>)?\s*(\d+)\b")


def hidden_line_numbers(source: str) -> set[int]:
    """1-based numbers of the lines from BEGIN HIDDEN TESTS to END HIDDEN TESTS (inclusive)."""
    hidden, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        if BEGIN in line:
            inside = True
        if inside:
            hidden.add(number)
        if END in line:
            inside = False
    return hidden


def clean_frame(frame: str, hidden: set[int]) -> str:
    """One traceback entry without the numbered source lines that are hidden."""
    lines = frame.split("\n")
    if not lines or not _FRAME.match(_ANSI.sub("", lines[0]).strip()):
        return frame
    kept = [lines[0]]
    for line in lines[1:]:
        match = _NUMBERED.match(_ANSI.sub("", line))
        if match and int(match.group(1)) in hidden:
            continue
        kept.append(line)
    return "\n".join(kept)


class ClearHiddenTracebacks(Preprocessor):
    enabled = Bool(True).tag(config=True)  # nbconvert's preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and BEGIN in cell.source:
            hidden = hidden_line_numbers(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [clean_frame(frame, hidden) for frame in output.get("traceback", [])]
        return cell, resources


_LIBRARY_FRAME = re.compile(r"^\s*File\s+\S")


def is_library_frame(frame: str) -> bool:
    """An entry for code in a file (the course library, pandas...), not the notebook's own cell."""
    return bool(_LIBRARY_FRAME.match(_ANSI.sub("", frame)))


class ClearLibraryFrames(Preprocessor):
    """Learners' feedback shows the notebook's own frames and the final message only: frames of
    library files (``File /srv/.../ebpm/feedback.py:120``) are internals with server paths."""

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [frame for frame in output.get("traceback", [])
                                           if not is_library_frame(frame)]
        return cell, resources
