"""The skills check (issue 27): its two forms are parallel in structure, data pitfalls and judging power.

A learner takes one form before the course and the other after it, so a difference in scores must come
from the learner, not from the form: the same items, cells, points and checks, the same pitfalls in the
data in the same numbers, and mutation analysis that kills about as many mutants per item in both.
"""
from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest

from ebpm import authoring, catalog, course, datasets, lgcode
from ebpm.evaluation import skills
from ebpm.exercises import skills_check_a, skills_check_b
from ebpm.feedback import AnswerError
from ebpm.judging import analysis
from ebpm.synth import skills_check as data
from ebpm.synth import world

FORMS = {"a": skills_check_a, "b": skills_check_b}
KILLED_MARGIN = 1  # killed mutants per item may differ by this many between the forms


def _notebook(form: str) -> nbformat.NotebookNode:
    return nbformat.read(course.solutions_dir() / f"skills_check_{form}" / f"skills_check_{form}.ipynb", as_version=4)


def _graded(form: str) -> list[tuple[str, str, object]]:
    """(grade id, cell type, points) of every nbgrader cell, in notebook order."""
    return [(cell.metadata["nbgrader"]["grade_id"], cell.cell_type, cell.metadata["nbgrader"].get("points"))
            for cell in _notebook(form).cells if "nbgrader" in cell.metadata]


def _neutral(text: str, form: str) -> str:
    """A cell's text with the form's own names (datasets, module) and the forms' letters made neutral."""
    return re.sub(r"[AB] 票", "? 票", text.replace(f"skills_check_{form}", "skills_check_?"))


def test_interface_ids_and_points():
    assert list(skills.SKILLS) == ["markers", "rate", "join", "chart", "comparison", "kpi"]
    assert skills.POINTS_PER_SKILL == 2
    assert dict(skills.FORMS) == {"A": "skills_check_a", "B": "skills_check_b"}
    assert [skills.answer_cell_id(s) for s in ("markers", "kpi")] == ["sc-markers", "sc-kpi"]
    assert skills.test_cell_id("join") == "sc-join-test"
    with pytest.raises(KeyError):
        skills.test_cell_id("pyramid")


@pytest.mark.parametrize("form", FORMS)
def test_each_skill_has_one_answer_and_one_test_cell_with_its_points(form):
    graded = _graded(form)
    tests = [(grade_id, points) for grade_id, kind, points in graded if grade_id.endswith("-test")]
    assert tests == [(skills.test_cell_id(s), skills.POINTS_PER_SKILL) for s in skills.SKILLS]
    answers = [grade_id for grade_id, kind, points in graded if kind == "code" and not grade_id.endswith("-test")]
    assert answers == [skills.answer_cell_id(s) for s in skills.SKILLS]
    sources = {c.metadata["nbgrader"]["grade_id"]: c.source for c in _notebook(form).cells if "nbgrader" in c.metadata}
    for skill in skills.SKILLS:  # the course's standard test cell, calling this form's check of the skill
        assert sources[skills.test_cell_id(skill)] == authoring.exercise_tests_source(f"skills_check_{form}", skill)


def test_forms_are_the_same_notebook_but_for_their_names():
    a, b = _notebook("a"), _notebook("b")
    assert _graded("a") == _graded("b")
    assert [c.cell_type for c in a.cells] == [c.cell_type for c in b.cells]
    assert [c.id.replace("-a-", "-?-") for c in a.cells] == [c.id.replace("-b-", "-?-") for c in b.cells]
    for left, right in zip(a.cells, b.cells):
        assert _neutral(left.source, "a") == _neutral(right.source, "b"), left.id


def test_forms_check_the_same_way():
    for skill in skills.SKILLS:
        left, right = getattr(skills_check_a, skill), getattr(skills_check_b, skill)
        assert left.variables == right.variables, skill
        assert left.computed == right.computed, skill
        assert left.judge.__code__ is right.judge.__code__, skill  # one check, parameterised by the form's data
        assert [m.hint for m in left.mistakes] == [m.hint for m in right.mistakes], skill


def test_catalogue_lists_both_forms_first_as_effect_measurement():
    first = catalog.assignments()[:2]
    assert [a.id for a in first] == list(skills.FORMS.values())
    assert {a.kind for a in first} == {"効果測定"}
    for assignment in first:
        form = assignment.id[-1]
        assert set(assignment.notebooks[0].datasets) == {data.dataset_name(form, p)
                                                          for p in ("estat", "rate", "join6", "join5", "trend", "did")}


# ---- the data: the same pitfalls, in the same numbers ----------------------------------------------

def _estat_cells(form: str) -> pd.Series:
    return pd.read_csv(datasets.path(data.dataset_name(form, "estat")), skiprows=data.ESTAT_PREAMBLE, dtype=str)["空き家数"]


def _pitfalls(form: str) -> dict[str, object]:
    cells = _estat_cells(form)
    population = datasets.load(data.dataset_name(form, "join6"))
    cars = datasets.load(data.dataset_name(form, "join5"))
    shared = set(population["団体コード"].map(lgcode.to_5digit)) & set(cars["団体コード"])
    did = datasets.load(data.dataset_name(form, "did"))
    return {
        "estat rows": len(cells),
        "markers": {m: int((cells == m).sum()) for m in data.MARKER_LEGEND},
        "thousands separators": int(cells.str.contains(",").sum()),
        "estat preamble": datasets.path(data.dataset_name(form, "estat")).read_text(encoding="utf-8")
        .splitlines()[data.ESTAT_PREAMBLE].split(","),
        "rate rows": len(datasets.load(data.dataset_name(form, "rate"))),
        "6-digit codes": (len(population), set(population["団体コード"].str.len())),
        "5-digit codes": (len(cars), set(cars["団体コード"].str.len())),
        "codes in both": len(shared),
        "codes that join as written": len(set(population["団体コード"]) & set(cars["団体コード"])),
        "trend years": list(datasets.load(data.dataset_name(form, "trend"))["年"]),
        "treated, comparison towns": (did.loc[did["施策町"] == 1, "団体コード"].nunique(),
                                      did.loc[did["施策町"] == 0, "団体コード"].nunique()),
        "did rows": len(did),
    }


def test_data_pitfalls_are_the_same_in_both_forms():
    a, b = _pitfalls("a"), _pitfalls("b")
    assert a == b
    assert a["markers"] == data.MARKER_COUNTS and a["codes that join as written"] == 0
    assert a["thousands separators"] == a["estat rows"] - sum(data.MARKER_COUNTS.values())


def test_forms_differ_in_their_numbers():
    """Form A's right answers are wrong in form B: the forms cannot be answered from each other."""
    for form, other in (("a", "b"), ("b", "a")):
        right = pd.to_numeric(_estat_cells(other).str.replace(",", ""), errors="coerce").mean()
        with pytest.raises(AnswerError):
            FORMS[form].markers.judge(right)
        checkup = datasets.load(data.dataset_name(other, "did"))
        with pytest.raises(AnswerError):
            FORMS[form].comparison.judge(data.did_by(checkup, "mean"))


@pytest.mark.parametrize("form", FORMS)
def test_data_uses_only_fictional_municipalities(form):
    fictional = {m.code for m in world.MUNICIPALITIES}
    codes = set(datasets.load(data.dataset_name(form, "join6"))["団体コード"])
    codes |= set(datasets.load(data.dataset_name(form, "did"))["団体コード"])
    codes |= {lgcode.to_6digit(c) for c in datasets.load(data.dataset_name(form, "join5"))["団体コード"]}
    codes |= {lgcode.to_6digit(c) for c in pd.read_csv(datasets.path(data.dataset_name(form, "estat")),
                                                      skiprows=data.ESTAT_PREAMBLE, dtype=str)["団体コード"]}
    assert codes <= fictional and all(lgcode.is_valid(c) for c in codes)


@pytest.mark.parametrize("form", FORMS)
def test_comparison_data_tells_other_aggregations_apart(form):
    checkup = datasets.load(data.dataset_name(form, "did"))
    for how in data.DID_OTHER_AGGREGATIONS:
        assert abs(data.did_by(checkup, how) - data.did_by(checkup, "mean")) >= data.DID_MARGIN, how


@pytest.mark.parametrize("form", FORMS)
def test_data_is_registered_as_synthetic(form):
    resources = datasets.resources()
    for part in ("estat", "rate", "join6", "join5", "trend", "did"):
        entry = resources[data.dataset_name(form, part)]
        assert entry["synthetic"]["seed"] == data.SEEDS[form]
        assert entry["licenses"][0]["name"] == "CC0-1.0" and entry["hash"].startswith("sha256:")
        assert entry["description"].startswith(world.SYNTHETIC_NOTE)


# ---- judging power: mutation analysis of both forms --------------------------------------------------

def test_mutation_analysis_is_current_and_comparable_between_forms():
    cache = analysis.read_cache()
    rows = {}
    for form in FORMS:
        key = f"skills_check_{form}/skills_check_{form}"
        assert key in cache, f"{key}: run `ebpm mutants -j 1 {key}`"
        assert cache[key]["hash"] == analysis.content_hash(course.solutions_dir() / f"{key}.ipynb"), \
            f"{key}: the cached mutation analysis is stale; run `ebpm mutants -j 1 {key}`"
        rows[form] = cache[key]["answers"]
    for skill in skills.SKILLS:
        a, b = rows["a"][skills.answer_cell_id(skill)], rows["b"][skills.answer_cell_id(skill)]
        assert a["mutants"] == b["mutants"], skill  # the same reference answer, so the same mutants
        assert abs(a["killed"] - b["killed"]) <= KILLED_MARGIN, (skill, a, b)
        assert a["killed"] > 0 and not a["survivors"] and not b["survivors"], skill


def test_thin_modules_name_the_shared_checks_they_were_analysed_with():
    """The caches hash skills_check_a.py and skills_check_b.py, not the shared module they import: each
    carries the shared module's sha256, so a change to the shared checks changes them and is analysed again."""
    import hashlib

    shared = (course.repo_root() / "src" / "ebpm" / "exercises" / "skills_check.py").read_bytes()
    for module in FORMS.values():
        assert module.SHARED_CHECKS_SHA256 == hashlib.sha256(shared).hexdigest(), (
            f"{module.__name__}: update SHARED_CHECKS_SHA256, then run `ebpm mutants -j 1` and `ebpm diagnose -j 1` "
            "on both forms")


def test_the_skills_check_never_counts_toward_completion(tmp_path):
    """The notebooks promise it: the HR list counts every assignment in the gradebook but the skills check."""
    import shutil

    from nbgrader.api import Gradebook

    from ebpm.grading import completion, layout as layouts

    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(course.repo_root() / course.CONFIG_FILE, root / course.CONFIG_FILE)
    layout = layouts.load(root)
    layout.grading.mkdir(parents=True, exist_ok=True)
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        for assignment in ("skills_check_a", "prestudy", "skills_check_b"):
            gradebook.update_or_create_assignment(assignment)
        gradebook.update_or_create_student("tanaka01", last_name="田中", first_name="花子")
    assert completion.completion(layout).assignments == ["prestudy"]
