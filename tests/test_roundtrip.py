"""Stock nbgrader round trip: reference scores full marks, blank scores 0, and a sample of the wrong- and
alternative-answer cases scores under nbgrader as the fast replay (tests/test_judging.py) says; and
`ebpm grade` gives stock's scores on the same submissions, cell by cell, for every notebook."""
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
from tests.roundtrip import (
    BLANK, REFERENCE, autograde_in_parallel, ebpm_grade_settled, exercise_tests, from_copies, gradebook_cells,
    make_course, sample_cases, scores, submit_course,
)

EBPM_COPY = "course-ebpm"  # beside the stock course copies: the same submissions, graded by `ebpm grade`

ASSIGNMENTS = course.assignment_ids()


# one pytest-xdist worker grades one assignment (the fixture is built once per assignment)
@pytest.fixture(scope="module", params=[pytest.param(a, marks=pytest.mark.xdist_group(f"roundtrip-{a}"))
                                        for a in ASSIGNMENTS], ids=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """Grade one assignment: the reference, the blank release and every wrong-answer case."""
    assignment = request.param
    root = make_course(tmp_path_factory.mktemp(assignment), assignment)
    releases = sorted(p.stem for p in (root / "notebooks" / assignment).glob("*.ipynb"))
    cases = sample_cases(assignment)
    students = submit_course(root, assignment, cases)
    # A learner's module beside the notebook must not shadow the real library during grading.
    reference_folder = root / "_grading" / "submitted" / REFERENCE / assignment
    (reference_folder / "pandas.py").write_text("raise ImportError('shadowed pandas')\n", encoding="utf-8")
    shutil.copytree(root, root.with_name(EBPM_COPY))  # before stock grading moves the submissions away
    copies = autograde_in_parallel(root, assignment, students, workers=os.cpu_count() or 1)
    table = from_copies(copies, assignment, scores)
    graded_root = next(c for c in copies if (c / "_grading" / "autograded" / REFERENCE).is_dir())
    autograded = {student: copy / "_grading" / "autograded" / student / assignment
                  for copy in copies for student in students if (copy / "_grading" / "autograded" / student).is_dir()}
    return assignment, graded_root, table, cases, releases, autograded


@pytest.fixture(scope="module")
def ebpm_graded(graded):
    """`ebpm grade` (with feedback) on the submissions stock graded, as an instructor runs it: its own
    process, in the same untouched environment as stock (tests.roundtrip.stock_env)."""
    assignment, root, *_ = graded
    ours = root.with_name(EBPM_COPY)
    done = ebpm_grade_settled(ours, assignment, "--no-report")
    copies = sorted(root.parent.glob(f"{root.name.rsplit('-worker', 1)[0]}-worker*"))
    stock = from_copies(copies, assignment, gradebook_cells)
    entries = journal.read(layouts.load(ours).journal)
    return done, gradebook_cells(ours, assignment), stock, entries


def test_ebpm_grade_gives_stock_scores_cell_by_cell(ebpm_graded, graded):
    done, ours, stock, entries = ebpm_graded
    assignment, _, _, cases, notebooks, _ = graded
    assert done.returncode == 0, done.stdout + done.stderr  # also: no feedback page shows a hidden test
    assert len(stock) >= len(notebooks) * 2 + len(cases)
    missing = {key[:2] for key in set(stock) - set(ours)}
    assert not missing, f"{assignment}: not in ebpm's gradebook: {sorted(missing)}; {done.stdout[-2000:]}"
    assert set(ours) == set(stock)
    different = {key: (ours[key], stock[key]) for key in ours if ours[key] != stock[key]}
    assert not different, f"{assignment}: {len(different)} of {len(ours)} cells differ from stock: {different}"


# Findings that say "a human should look": none may come from the course's own cells, the reference,
# the blank release or an honest wrong answer.
TAMPER_KINDS = {"monkeypatch", "grader_hooks", "process_exit", "file_writes", "data_write", "data_changed",
                "test_edited", "test_deleted", "duplicated_cells", "silent_test"}


def test_ebpm_grade_flags_nothing_in_honest_submissions(ebpm_graded, graded):
    _, _, _, entries = ebpm_graded
    assignment, _, _, cases, *_ = graded
    assert len(entries) == 2 + len(cases)
    failed = {key: f"{entry.reason_kind}: {entry.reason}" for key, entry in entries.items() if entry.status != "graded"}
    assert not failed, f"{assignment}: honest submissions were not graded: {failed}"
    flagged = {key: [f["message"] for f in entry.findings if f["kind"] in TAMPER_KINDS]
               for key, entry in entries.items()}
    flagged = {key: messages for key, messages in flagged.items() if messages}
    assert not flagged, f"{assignment}: honest submissions were flagged: {flagged}"


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
        cells = table[(case.id, case.notebook)]
        outputs = _test_outputs(autograded[case.id] / f"{case.notebook}.ipynb")
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
        cells = table[(case.id, case.notebook)]
        lost = {t: cells[t] for t in targets if cells[t][0] != cells[t][1]}
        assert not lost, f"{case.id} ({case.why}): a valid answer lost points: {lost}"


def test_fast_replay_agrees_with_stock_nbgrader(graded):
    """The replay that judges every case and mutant gives nbgrader's verdict on the sample."""
    assignment, root, table, cases, notebooks, _ = graded
    for notebook in notebooks:
        sampled = [c for c in cases if c.notebook == notebook]
        raw = analysis.replay(root / "solutions" / assignment / f"{notebook}.ipynb", sampled, mutate=False)
        for case in sampled:
            fast = raw["answers"][case.answer]["cases"][case.id]["tests"]
            for target in raw["answers"][case.answer]["tests"]:
                got, full = table[(case.id, notebook)][target]
                assert fast[target]["passed"] == (got == full), (
                    f"{case.id}/{target}: replay says passed={fast[target]['passed']}, nbgrader gave {got}/{full}")


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
    feedback = root.with_name(EBPM_COPY) / "_grading" / "feedback"
    learners = [REFERENCE, BLANK] + [case.id for case in cases]
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
