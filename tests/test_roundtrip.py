"""Stock nbgrader round trip: reference scores full marks, blank scores 0, and a sample of the wrong- and
alternative-answer cases scores under nbgrader as the fast replay (tests/test_judging.py) says; and
`ebpm grade` gives stock's scores on the same submissions, cell by cell. Graded today (TODAY): the notebooks
changed since stock last graded them (tests/mutants/stock.json) or since the caches were written, plus a
rotating sample; EBPM_FULL=1 grades every notebook, see docs/testing.md."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat

import pytest

from ebpm import course
from ebpm.grading import journal, layout as layouts
from ebpm.judging import analysis
from ebpm.judging import cases as case_data
import tests.judged
from tests.roundtrip import (
    BLANK, REFERENCE, autograde_in_parallel, ebpm_grade_settled, exercise_tests, from_copies, gradable_assignments,
    gradebook_cells, graded_today, make_course, nbgrader_fingerprint, read_stock_record, sample_cases, scores,
    submit_course,
)

EBPM_COPY = "course-ebpm"  # beside the stock course copies: the same submissions, graded by `ebpm grade`

ASSIGNMENTS = gradable_assignments()
# The sampled cases are handed in by three learners rather than one learner per case (25 submissions in place
# of 54): sample_cases picks at most one case of each kind per notebook, and nbgrader grades every notebook on
# its own, so each case's cells are graded as before. The wrong answers are handed in by one learner, in every
# notebook; the alternatives by two learners who take every other notebook, so that autograde's 0-point rows
# for notebooks a learner did not hand in are still compared between stock and `ebpm grade`.
SAMPLE_LEARNERS = ("sample-wrong", "sample-alternative-1", "sample-alternative-2")

# The whole course is one combined course copy, with one stock `nbgrader autograde "*"` per copy and one
# `ebpm grade` for every assignment, rather than a course, a release and three grading processes per
# assignment (each nbgrader or ebpm start costs seconds before the first notebook runs). In the group of
# tests/test_judging.py, so the fast replay it checks against stock is the one test_judging runs (tests/judged.py).
pytestmark = pytest.mark.xdist_group("judging")

# Stock nbgrader and `ebpm grade` grade, on every run, the notebooks changed since stock was last seen to grade
# them (tests/mutants/stock.json, written by `benchmarks/fidelity.py --record` after a whole-course comparison
# with no differing cell) or since the replay caches were written, and STOCK_SAMPLE more, rotating with the
# sample's seed (tests.roundtrip.graded_today). Grading all 24 notebooks four times over, twice, took about
# 380 s of each run; an unchanged notebook's stock verdicts are the record's, and
# test_notebooks_not_graded_today_were_graded_at_their_present_hash checks that the record covers them. What
# `ebpm grade` adds to stock on any notebook (the sandbox, merging, feedback pages, tamper findings) is also
# proven on every run on the grading corpus (tests/test_grading.py).
TODAY = graded_today()
GRADED = list(TODAY)


def learner(case: case_data.Case) -> str:
    """The learner who handed in ``case`` (see SAMPLE_LEARNERS)."""
    if case.kind == case_data.WRONG:
        return SAMPLE_LEARNERS[0]
    return SAMPLE_LEARNERS[1 + sorted(TODAY[case.assignment]).index(case.notebook) % 2]


def _selected(session: pytest.Session) -> list[str]:
    """The assignments whose tests this run selected (all in `make test`; one with `-k prestudy`)."""
    chosen = {item.callspec.params["graded"] for item in session.items
              if item.module.__name__ == __name__ and hasattr(item, "callspec") and "graded" in item.callspec.params}
    return [a for a in GRADED if a in chosen] or GRADED


@pytest.fixture(scope="module")
def course_graded(request, tmp_path_factory):
    """The selected assignments released in one course copy; for today's notebooks of each (TODAY) the
    reference, the blank release and the sampled cases handed in, and graded by stock nbgrader in independent
    copies.

    Slow on purpose (each of today's notebooks autograded about four times by stock nbgrader): the proof, with
    nbgrader as an instructor runs it in an untouched environment, that the reference scores full marks and
    the blank release 0, and that the fast replay which judges every case and mutant agrees with stock. One
    combined course, one release, one `nbgrader autograde "*"` per copy."""
    selected = _selected(request.session)
    root = make_course(tmp_path_factory.mktemp("roundtrip"), *selected)
    students: dict[str, int] = {}
    sampled = {}
    for assignment in selected:
        sampled[assignment] = [c for c in sample_cases(assignment) if c.notebook in TODAY[assignment]]
        for student, count in submit_course(root, assignment, sampled[assignment], set(TODAY[assignment]),
                                            learner=learner).items():
            students[student] = students.get(student, 0) + count
        # A learner's module beside the notebook must not shadow the real library during grading.
        reference_folder = root / "_grading" / "submitted" / REFERENCE / assignment
        (reference_folder / "pandas.py").write_text("raise ImportError('shadowed pandas')\n", encoding="utf-8")
    shutil.copytree(root, root.with_name(EBPM_COPY))  # before stock grading moves the submissions away
    copies = autograde_in_parallel(root, "*", students, workers=os.cpu_count() or 1)
    return root, copies, sampled


@pytest.fixture(params=GRADED)
def graded(request, course_graded):
    """One assignment's view of the stock grading: its scores, sampled cases, today's notebooks and autograded
    folders."""
    assignment = request.param
    _, copies, sampled = course_graded
    table = from_copies(copies, assignment, scores)
    graded_root = next(c for c in copies if (c / "_grading" / "autograded" / REFERENCE).is_dir())
    releases = sorted(p.stem for p in (graded_root / "notebooks" / assignment).glob("*.ipynb")
                      if p.stem in TODAY[assignment])
    autograded = {student: copy / "_grading" / "autograded" / student / assignment
                  for copy in copies for student in [REFERENCE, BLANK, *SAMPLE_LEARNERS]
                  if (copy / "_grading" / "autograded" / student / assignment).is_dir()}
    return assignment, graded_root, table, sampled[assignment], releases, autograded


@pytest.fixture(scope="module")
def ebpm_course_graded(course_graded):
    """`ebpm grade` (with feedback) of every assignment on the submissions stock graded, as an instructor
    runs it: its own process, in the same untouched environment as stock (tests.roundtrip.stock_env)."""
    root, _, sampled = course_graded
    ours = root.with_name(EBPM_COPY)
    done = ebpm_grade_settled(ours, *sampled, "--no-report")
    return done, ours, journal.read(layouts.load(ours).journal)


@pytest.fixture
def ebpm_graded(ebpm_course_graded, course_graded, graded):
    """One assignment's part of ebpm_course_graded, with stock's gradebook cells beside it."""
    done, ours, entries = ebpm_course_graded
    _, copies, _ = course_graded
    assignment = graded[0]
    mine = {key: entry for key, entry in entries.items() if entry.assignment == assignment}
    return done, gradebook_cells(ours, assignment), from_copies(copies, assignment, gradebook_cells), mine


def test_ebpm_grade_gives_stock_scores_cell_by_cell(ebpm_graded, graded):
    done, ours, stock, entries = ebpm_graded
    assignment, _, _, cases, notebooks, _ = graded
    assert done.returncode == 0, done.stdout + done.stderr  # also: no feedback page shows a hidden test
    assert len(stock) >= len(notebooks) * 2 + len(cases)
    missing = {key[:2] for key in set(stock) - set(ours)}
    assert not missing, f"{assignment}: not in ebpm's gradebook: {sorted(missing)}; {done.stdout[-2000:]}"
    assert set(ours) == set(stock)
    # the 0-point rows autograde writes for the notebooks of the assignment a learner did not hand in are
    # compared too (where the assignment has more than one notebook: the skills check's forms have one each)
    every = {p.stem for p in (course.solutions_dir() / assignment).glob("*.ipynb")}
    partial = {c.notebook for c in cases if learner(c) == SAMPLE_LEARNERS[1]}
    assert partial <= set(notebooks) and (partial < every or len(every) == 1)
    if partial:
        assert {key[1] for key in stock if key[0] == SAMPLE_LEARNERS[1]} == every
    different = {key: (ours[key], stock[key]) for key in ours if ours[key] != stock[key]}
    assert not different, f"{assignment}: {len(different)} of {len(ours)} cells differ from stock: {different}"


# Findings that say "a human should look": none may come from the course's own cells, the reference,
# the blank release or an honest wrong answer.
TAMPER_KINDS = {"monkeypatch", "grader_hooks", "process_exit", "file_writes", "data_write", "data_changed",
                "test_edited", "test_deleted", "duplicated_cells", "silent_test"}


def test_ebpm_grade_flags_nothing_in_honest_submissions(ebpm_graded, graded):
    _, _, _, entries = ebpm_graded
    assignment, _, _, cases, *_ = graded
    assert len(entries) == 2 + len({learner(case) for case in cases})
    failed = {key: f"{entry.reason_kind}: {entry.reason}" for key, entry in entries.items() if entry.status != "graded"}
    assert not failed, f"{assignment}: honest submissions were not graded: {failed}"
    flagged = {key: [f["message"] for f in entry.findings if f["kind"] in TAMPER_KINDS]
               for key, entry in entries.items()}
    flagged = {key: messages for key, messages in flagged.items() if messages}
    assert not flagged, f"{assignment}: honest submissions were flagged: {flagged}"


def test_notebooks_not_graded_today_were_graded_at_their_present_hash():
    """Every notebook left out today was graded by stock nbgrader, with `ebpm grade` agreeing cell by cell, at
    its present hash (cases, checks, library, judging code) and under the present nbgrader settings: a guard on
    the selection (tests.roundtrip.graded_today), which must grade whatever the record does not cover."""
    record, settings = read_stock_record(), nbgrader_fingerprint()
    assert set(GRADED) <= set(ASSIGNMENTS) and all(TODAY.values())
    for notebook in course.solution_notebooks(ASSIGNMENTS):
        if notebook.stem in TODAY.get(notebook.parent.name, ()):
            continue
        entry = record.get(analysis.notebook_key(notebook))
        assert entry, f"{analysis.notebook_key(notebook)}: never graded by stock (run benchmarks/fidelity.py --record)"
        assert entry["cases"] == analysis.cases_hash(notebook) and entry["nbgrader"] == settings, (
            f"{analysis.notebook_key(notebook)} changed since stock graded it, yet it is not graded today")


def test_reference_scores_full_marks(graded):
    assignment, root, table, _, notebooks, _ = graded
    for notebook in notebooks:
        cells = table[(REFERENCE, notebook)]
        assert cells, f"{notebook}: no autograded cells"
        lost = {cell: score for cell, score in cells.items() if score[0] != score[1]}
        assert not lost, f"{assignment}/{notebook}: the reference solution lost points: {lost}"


def test_learner_files_other_than_notebooks_are_not_copied(graded):
    assignment, root, *_ = graded
    autograded = root / "_grading" / "autograded" / REFERENCE / assignment
    assert autograded.is_dir()
    assert not (autograded / "pandas.py").exists()


def test_blank_scores_zero_on_every_autograded_cell(graded):
    assignment, _, table, _, notebooks, _ = graded
    for notebook in notebooks:
        cells = table[(BLANK, notebook)]
        scored = {cell: score for cell, score in cells.items() if score[0] != 0}
        assert not scored, f"{assignment}/{notebook}: the blank stub scored points: {scored}"


def test_sampled_wrong_answers_lose_points_and_show_their_hint(graded):
    assignment, root, table, cases, _, autograded = graded
    for case in (c for c in cases if c.kind == case_data.WRONG):
        cells = table[(learner(case), case.notebook)]
        outputs = _test_outputs(autograded[learner(case)] / f"{case.notebook}.ipynb")
        for target in case.fails:
            got, full = cells[target]
            assert got < full, f"{case.id} ({case.why}): {target} still scored {got}/{full}"
            assert case.hint in outputs[target], f"{case.id}: {target} does not show {case.hint!r}:\n{outputs[target]}"
            # the learner reads the message, not a traceback through the library
            assert "Traceback" not in outputs[target] and "site-packages" not in outputs[target], outputs[target]


def test_sampled_alternative_answers_earn_full_marks(graded):
    assignment, root, table, cases, *_ = graded
    for case in (c for c in cases if c.kind == case_data.ALTERNATIVE):
        targets = exercise_tests(root / "solutions" / assignment / f"{case.notebook}.ipynb")[case.answer]
        cells = table[(learner(case), case.notebook)]
        lost = {t: cells[t] for t in targets if cells[t][0] != cells[t][1]}
        assert not lost, f"{case.id} ({case.why}): a valid answer lost points: {lost}"


@pytest.fixture(scope="module")
def replays(request, course_graded):
    """The replay of every notebook with its cases: the one tests/test_judging.py checks when it runs in this
    process too (`make test`: the same xdist group), else a replay of the selected assignments' notebooks."""
    if any(item.module.__name__ == tests.judged.JUDGING_MODULE for item in request.session.items):
        return tests.judged.judged()[0]
    _, _, sampled = course_graded
    notebooks = [n for n in course.solution_notebooks() if n.parent.name in sampled and n.stem in TODAY[n.parent.name]]
    graded_by_stock = {case for cases in sampled.values() for case in cases}
    results = analysis.run(notebooks, mutate=set(), select=lambda _, cases: [c for c in cases if c in graded_by_stock])
    return {result.key: result for result in results}


def test_fast_replay_agrees_with_stock_nbgrader(graded, replays):
    """The replay that judges every case and mutant gives nbgrader's verdict on the sample."""
    assignment, root, table, cases, notebooks, _ = graded
    compared = 0
    for case in cases:
        raw = replays[f"{assignment}/{case.notebook}"].raw
        fast = raw["answers"][case.answer]["cases"][case.id]["tests"]
        for target in raw["answers"][case.answer]["tests"]:
            got, full = table[(learner(case), case.notebook)][target]
            assert fast[target]["passed"] == (got == full), (
                f"{case.id}/{target}: replay says passed={fast[target]['passed']}, nbgrader gave {got}/{full}")
            compared += 1
    assert compared >= len(cases)


def _test_outputs(notebook: Path) -> dict[str, str]:
    """Test cell grade id → the text of its error outputs (ename, evalue and traceback)."""
    found = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id:
            found[grade_id] = "\n".join(
                "\n".join([o.get("ename", ""), o.get("evalue", ""), *o.get("traceback", [])])
                for o in cell.get("outputs", []) if o.get("output_type") == "error")
    return found


def test_feedback_hides_hidden_tests(graded, ebpm_graded):
    """Neither the test cells nor the tracebacks of failed tests show hidden tests in the feedback that
    `ebpm grade` made (the pages instructors hand out), for every learner of the assignment."""
    assignment, root, _, cases, notebooks, _ = graded
    feedback = root.parent / EBPM_COPY / "_grading" / "feedback"
    learners = [REFERENCE, BLANK, *SAMPLE_LEARNERS]
    checked = 0
    for notebook in notebooks:
        source = root / "solutions" / assignment / f"{notebook}.ipynb"
        assert "BEGIN HIDDEN TESTS" in source.read_text(encoding="utf-8")  # the checks below mean something
        hidden = _hidden_lines(source)
        for learner in learners:
            page = feedback / learner / assignment / f"{notebook}.html"
            if not page.is_file():
                continue
            html = page.read_text(encoding="utf-8")
            assert "BEGIN HIDDEN TESTS" not in html, page
            for line in hidden:
                assert html.find(_escaped(line)) == -1, f"{learner}/{page.name} shows a hidden test line: {line}"
            checked += 1
    assert checked >= 2 * len(notebooks) + len(cases)


def _hidden_lines(notebook: Path) -> list[str]:
    """Distinctive lines that appear only inside hidden tests (long enough not to occur by chance)."""
    hidden, visible = [], []
    for cell in nbformat.read(notebook, as_version=4).cells:
        source = cell.source
        while "### BEGIN HIDDEN TESTS" in source:
            before, rest = source.split("### BEGIN HIDDEN TESTS", 1)
            inside, _, source = rest.partition("### END HIDDEN TESTS")
            visible += before.splitlines()
            hidden += inside.splitlines()
        visible += source.splitlines()
    shown = {line.strip() for line in visible}
    return [line.strip() for line in hidden if len(line.strip()) > 40 and line.strip() not in shown]


def _escaped(line: str) -> str:
    import html

    return html.escape(line, quote=False)
