"""The pure pieces of the full-course fidelity comparison (benchmarks/fidelity.py): the cell-by-cell diff,
the counts per notebook, the reference/blank score checks and the choice of notebooks. No grading here:
the comparison itself takes tens of minutes and is run by hand (tests/test_roundtrip.py runs a sample)."""
from __future__ import annotations

import json

import pytest

from benchmarks import fidelity
from ebpm import course
from tests.roundtrip import BLANK, REFERENCE

NB = "00_first"
# case-1 handed in only 00_first; autograde records 01_other for it too (as 0 points)
HANDED_IN = {(REFERENCE, NB), (BLANK, NB), ("case-1", NB)}


def _rows(**changes) -> dict[tuple, tuple]:
    rows = {
        (REFERENCE, NB, "_submission"): (None, 0.0, False),
        (REFERENCE, NB, "ex-a-test"): (1.0, None, None, False),
        (BLANK, NB, "_submission"): (None, 0.0, False),
        (BLANK, NB, "ex-a-test"): (0.0, None, None, False),
        ("case-1", NB, "_submission"): (None, 0.0, False),
        ("case-1", NB, "ex-a-test"): (0.0, None, None, False),
        ("case-1", "01_other", "_submission"): (None, 0.0, False),
        ("case-1", "01_other", "ex-b-test"): (0.0, None, None, False),
    }
    for key, value in changes.items():
        learner, cell = key.split("__")
        if value is None:
            rows.pop((learner, NB, cell))
        else:
            rows[(learner, NB, cell)] = value
    return rows


def test_identical_gradebooks_have_no_difference():
    assert fidelity.compare(_rows(), _rows()) == []
    counts = fidelity.tally(_rows(), _rows(), [], HANDED_IN)
    assert counts == {"00_first": {"submissions": 3, "cells": 6, "cells_not_handed_in": 0, "differing": 0},
                      "01_other": {"submissions": 0, "cells": 0, "cells_not_handed_in": 2, "differing": 0}}
    assert fidelity.totals(counts) == {"submissions": 3, "cells": 6, "cells_not_handed_in": 2, "differing": 0}


def test_a_changed_column_and_a_cell_only_one_side_has_are_both_differences():
    stock = _rows()
    ours = _rows(**{"case-1__ex-a-test": (1.0, None, None, False), "blank___submission": None})
    differences = fidelity.compare(stock, ours)
    assert [(d.learner, d.cell) for d in differences] == [("blank", "_submission"), ("case-1", "ex-a-test")]
    assert differences[0].stock == repr((None, 0.0, False)) and differences[0].ebpm == fidelity.MISSING
    assert differences[1].stock == repr((0.0, None, None, False)) and differences[1].ebpm == repr((1.0, None, None, False))
    counts = fidelity.tally(stock, ours, differences, HANDED_IN)
    assert counts[NB] == {"submissions": 3, "cells": 6, "cells_not_handed_in": 0, "differing": 2}  # both sides' cells
    text = fidelity.report("prestudy", counts, differences, [])
    assert "case-1 / 00_first / ex-a-test" in text and fidelity.MISSING in text


def test_a_submission_neither_side_graded_is_a_problem():
    assert fidelity.missing_submissions("stock", _rows(), HANDED_IN) == []
    lost = _rows(**{"blank___submission": None})
    assert fidelity.missing_submissions("ebpm", lost, HANDED_IN) == ["ebpm: blank/00_first が成績簿にありません"]


def test_reference_must_score_full_marks_and_blank_zero():
    good = {(REFERENCE, NB): {"ex-a-test": (1.0, 1.0)}, (BLANK, NB): {"ex-a-test": (0.0, 1.0)}}
    assert fidelity.score_problems("stock", good, [NB]) == []
    lost = {**good, (REFERENCE, NB): {"ex-a-test": (0.5, 1.0)}}
    scored = {**good, (BLANK, NB): {"ex-a-test": (1.0, 1.0)}}
    [problem] = fidelity.score_problems("ebpm", lost, [NB])
    assert problem.startswith("ebpm: reference/00_first") and "満点" in problem
    [problem] = fidelity.score_problems("stock", scored, [NB])
    assert problem.startswith("stock: blank/00_first") and "0 点" in problem
    missing = fidelity.score_problems("stock", good, [NB, "01_other"])
    assert len(missing) == 2 and all("01_other" in p for p in missing)


def test_selection_of_assignments_and_notebooks():
    every = [a for a in course.assignment_ids() if not a.startswith("questionnaire_")]
    assert fidelity.selection([], []) == {a: None for a in every}  # the questionnaires grade nothing
    with pytest.raises(SystemExit, match="自動採点のセルがありません"):
        fidelity.selection(["questionnaire_before"], [])
    first = every[0]
    notebook = sorted((course.solutions_dir() / first).glob("*.ipynb"))[0].stem
    assert fidelity.selection([], [f"{first}/{notebook}.ipynb"]) == {first: {notebook}}
    assert fidelity.selection([first], [f"{first}/{notebook}"]) == {first: None}  # the whole assignment wins
    with pytest.raises(SystemExit, match="solutions/ にありません"):
        fidelity.selection([], [f"{first}/no_such_notebook"])
    with pytest.raises(SystemExit, match="課題 nope がありません"):
        fidelity.selection(["nope"], [])


def test_record_keeps_only_assignments_without_difference_or_problem(tmp_path):
    record = tmp_path / "stock.json"
    record.write_text('{"old/kept": {"cases": "h0", "nbgrader": "n0", "grading": "g0"}}', encoding="utf-8")
    prints = {"nbgrader": "n1", "grading": "g1", "notebooks": {"a/00": "h1", "a/01": "h2", "b/00": "h3", "c/00": "h4"}}
    results = [{"assignment": "a", "differences": [], "problems": [], "totals": {"cells": 5}},
               {"assignment": "b", "differences": [{"cell": "x"}], "problems": [], "totals": {"cells": 5}},
               {"assignment": "c", "differences": [], "problems": ["stock: reference/00 が満点ではありません"],
                "totals": {"cells": 5}}]
    assert fidelity.record(results, prints, record) == ["a/00", "a/01"]
    kept = json.loads(record.read_text(encoding="utf-8"))
    assert kept == {"a/00": {"cases": "h1", "nbgrader": "n1", "grading": "g1"},
                    "a/01": {"cases": "h2", "nbgrader": "n1", "grading": "g1"},
                    "old/kept": {"cases": "h0", "nbgrader": "n0", "grading": "g0"}}
