"""`ebpm grade` on a corpus of bad submissions: every outcome as expected, scores as stock nbgrader.

One module-scoped run (about 3 minutes on 2 cores): course A is graded by `ebpm grade` in two
batches (the second with short wall and memory limits), course B by stock serial
`nbgrader autograde`, from the same submissions (tests/grading_corpus/cases.toml).
"""
from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ebpm import course, datapackage
from ebpm.grading import feedback, journal, layout as layouts, merge, pipeline, submissions
from ebpm.grading.runner import Limits
from tests.grading_cases import ASSIGNMENT, NOTEBOOK, cases, import_zip, make_course, submit

# one pytest-xdist worker runs this whole module, so its expensive shared fixture is built once
pytestmark = pytest.mark.xdist_group("grading")

CELL_TIMEOUT = 15
CASES = cases()
DUEDATE = datetime(2026, 4, 1, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def _student(case) -> str:
    return submissions.safe_id(case.learner) if case.via == "import" else case.learner


def _prepare(root):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / '_grading' / 'gradebook.db'}", "ebpm") as gradebook:
        gradebook.update_or_create_assignment(ASSIGNMENT, duedate=DUEDATE.astimezone(ZoneInfo("UTC")).replace(tzinfo=None))
        gradebook.update_or_create_student("absent01", last_name="未提出 花子")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    # the grader's own IPython profile: a learner's startup file must never reach it
    grader_ipython = tmp_path_factory.mktemp("grader_ipython")
    environment = pytest.MonkeyPatch()
    environment.setenv("IPYTHONDIR", str(grader_ipython))
    root = make_course(tmp_path_factory.mktemp("ebpm_grade"))
    stock = make_course(tmp_path_factory.mktemp("stock"))
    _prepare(root)
    _prepare(stock)
    main = [c for c in CASES if c.batch == "main"]
    for case in main:
        if case.via == "submitted":
            submit(case, root)
    archive = import_zip([c for c in main if c.via == "import"], root, root.parent / "提出物.zip")
    first = pipeline.grade(pipeline.Options(
        import_path=archive, import_assignment=ASSIGNMENT, jobs=2, progress=False,
        limits=Limits(cell_timeout=CELL_TIMEOUT, wall_timeout=400, memory_mb=3072)), root)
    # the same submissions, graded by stock nbgrader in one serial run
    for case in CASES:
        if case.compare:
            shutil.copytree(root / "_grading" / "submitted" / _student(case),
                            stock / "_grading" / "submitted" / _student(case))
    _stock_autograde(stock)
    # the runaway cases, with short limits, through the command line
    for case in CASES:
        if case.batch == "limits":
            submit(case, root)
    from ebpm import cli

    args = ["grade", "--root", str(root), "--jobs", "2", "--cell-timeout", str(CELL_TIMEOUT), "--wall-timeout", "25",
            "--memory-mb", "1536", "--no-feedback"]
    for case in CASES:
        if case.batch == "limits":
            args += ["--student", case.learner]
    code = cli.main(args)
    # nothing changed: a rerun regrades nothing
    again = pipeline.grade(pipeline.Options(jobs=2, progress=False, feedback=False, report=False), root)
    layout = layouts.load(root)
    yield {"root": root, "stock": stock, "first": first, "again": again, "cli_code": code, "layout": layout,
           "entries": journal.read(layout.journal), "grader_ipython": grader_ipython}
    environment.undo()


def _stock_autograde(stock):
    # stock nbgrader exits non-zero when any submission fails (a dead kernel, a broken file): expected here
    import subprocess

    from ebpm.grading.runner import nbgrader_command, nbgrader_env

    subprocess.run([*nbgrader_command(), "autograde", ASSIGNMENT, "--force", f"--Execute.timeout={CELL_TIMEOUT}",
                    f"--Execute.iopub_timeout={Limits().iopub_timeout}"],
                   cwd=stock, env=nbgrader_env(), capture_output=True, timeout=900)


def _cells(root) -> dict:
    """(student, notebook, cell) → every column autograde writes."""
    from nbgrader.api import Gradebook

    rows = {}
    with Gradebook(f"sqlite:///{root / '_grading' / 'gradebook.db'}", "ebpm") as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            for notebook in submission.notebooks:
                base = (submission.student.id, notebook.name)
                rows[(*base, "_submission")] = (submission.timestamp, notebook.late_submission_penalty, notebook.flagged)
                for grade in notebook.grades:
                    rows[(*base, grade.cell.name)] = tuple(getattr(grade, f) for f in merge.GRADE_FIELDS)
                for comment in notebook.comments:
                    rows[(*base, "comment:" + comment.cell.name)] = tuple(getattr(comment, f) for f in merge.COMMENT_FIELDS)
    return rows


def test_corpus_has_at_least_twenty_bad_submissions():
    bad = [c for c in CASES if c.id != "reference"]
    assert len(bad) >= 20
    assert len({c.learner for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_case_has_its_expected_outcome(batch, case):
    entry = batch["entries"].get(f"{ASSIGNMENT}/{_student(case)}")
    assert entry is not None, f"{case.id}: no result in the journal"
    expect = case.expect
    kinds = {f["kind"] for f in entry.findings}
    context = f"{case.id} ({case.why}): status={entry.status} score={entry.score} reason={entry.reason} flags={sorted(kinds)}"
    assert entry.status == expect["status"], context
    if "score" in expect:
        assert entry.score == expect["score"], context
    if "reason" in expect:
        assert entry.reason_kind == expect["reason"], context
    for kind in expect.get("flags", []):
        assert kind in kinds, context
    for kind in expect.get("no_flags", []):
        assert kind not in kinds, context
    if expect.get("cells"):
        cells = _cells(batch["root"])
        for cell, score in expect["cells"].items():
            assert cells[(_student(case), NOTEBOOK, cell)][0] == score, f"{context}: {cell}"


def test_every_submission_ends_with_a_score_or_a_japanese_reason(batch):
    entries = batch["entries"]
    assert len(entries) == len(CASES)
    for entry in entries.values():
        if entry.status == "graded":
            assert entry.score is not None and entry.max_score == 10
        else:
            assert entry.reason and any("\u3040" <= ch <= "\u30ff" for ch in entry.reason), entry


def test_scores_are_identical_to_stock_autograde(batch):
    ours, theirs = _cells(batch["root"]), _cells(batch["stock"])
    compared = {_student(c) for c in CASES if c.compare}
    ours = {k: v for k, v in ours.items() if k[0] in compared}
    assert set(theirs) == set(ours)
    different = {k: (ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]}
    assert not different, different
    assert len(compared) >= 15


def test_gradebook_is_intact_without_duplicates(batch):
    db = batch["root"] / "_grading" / "gradebook.db"
    assert merge.integrity_ok(db)
    connection = sqlite3.connect(db)
    try:
        counts = connection.execute(
            "SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id HAVING COUNT(*) > 1").fetchall()
        grades = connection.execute("SELECT COUNT(*) FROM grade").fetchone()[0]
        notebooks = connection.execute("SELECT COUNT(*) FROM submitted_notebook").fetchone()[0]
    finally:
        connection.close()
    assert counts == []
    # a learner who handed in no notebook at all is invisible to nbgrader (stock does the same)
    assert notebooks == len([c for c in CASES if not c.no_notebook])
    assert grades == notebooks * 6  # five test cells and one written answer per notebook


def test_data_is_untouched(batch):
    assert datapackage.verify(batch["root"] / "data") == []
    assert not (batch["root"] / "data" / "evil.txt").exists()
    # the repository's own data/ (other work may regenerate it meanwhile, so look for our marks only)
    repo_data = course.repo_root() / "data"
    assert not (repo_data / "evil.txt").exists()
    assert "偽の施設" not in (repo_data / "synthetic" / "facilities.csv").read_text(encoding="utf-8")
    assert {"synthetic/facilities.csv", "evil.txt"} <= set(batch["first"].data_restored)


def test_a_learners_ipython_startup_file_reaches_no_other_kernel(batch):
    written = list(batch["grader_ipython"].rglob("00-everyone-passes.py"))
    assert written == [], f"a learner's startup file landed in the grader's IPython profile: {written}"


def test_an_unchanged_batch_is_not_graded_again(batch):
    again = batch["again"]
    assert again.graded == 0 and again.failed == 0 and again.skipped == len(CASES)
    assert batch["cli_code"] == 0


def test_learner_names_are_mapped_to_safe_ids(batch):
    table = submissions.read_learner_table(batch["layout"])
    for case in CASES:
        if case.via == "import":
            assert _student(case).startswith("learner-")
            assert table[_student(case)] == case.learner
            assert batch["entries"][f"{ASSIGNMENT}/{_student(case)}"].display_name == case.learner


def test_feedback_is_japanese_and_hides_hidden_tests(batch):
    layout = batch["layout"]
    pages = sorted(layout.feedback.glob(f"*/{ASSIGNMENT}/*.html"))
    assert len(pages) >= 15
    assert feedback.hidden_test_lines(layout.source / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    assert feedback.leaked_hidden_tests(layout, ASSIGNMENT) == []
    text = feedback.page_text(layout.feedback / "ref01" / ASSIGNMENT / f"{NOTEBOOK}.html")
    assert "あなたの回答" in text and "得点" in text
    assert "Student's answer" not in text and "BEGIN HIDDEN TESTS" not in text
    # a test that fails inside its hidden part: the message stays, the hidden code does not
    failed = feedback.page_text(layout.feedback / "hidden01" / ASSIGNMENT / f"{NOTEBOOK}.html")
    assert "✘ building_years" in failed  # the check's Japanese message (AnswerError renders as that line only)
    assert 'reference[["施設名", "分類", "建築年"]], "building_years")' not in failed


def test_exports_open_in_excel_and_report_flags_what_needs_a_look(batch):
    import pandas as pd

    exports = batch["layout"].exports
    raw = (exports / "grades.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(exports / "grades.csv", encoding="utf-8-sig")
    assert {"受講者ID", "氏名", "得点", f"{NOTEBOOK}/ex-count-test"} <= set(table.columns)
    assert "山田 太郎" in set(table["氏名"])
    assert table.loc[table["受講者ID"] == "absent01", "状態"].item() == "未提出"
    long = pd.read_csv(exports / "grades_long.csv", encoding="utf-8-sig")
    assert len(long) == 6 * len([c for c in CASES if not c.no_notebook])
    report = (exports / "report.html").read_text(encoding="utf-8")
    assert report.count("data:image/png;base64,") >= 2
    for phrase in ("未提出 花子", "hook01", "不正の疑い", "採点できず", "期限後の提出", "さくら🌸"):
        assert phrase in report, phrase


def test_safe_ids_are_stable_and_plain_ids_are_kept():
    assert submissions.safe_id("tanaka01") == "tanaka01"
    mapped = submissions.safe_id("山田 太郎")
    assert mapped.startswith("learner-") and mapped == submissions.safe_id("山田 太郎")
    # the same name typed with a decomposed kana (macOS) is the same learner
    assert submissions.safe_id("がくせい") == submissions.safe_id("か\u3099くせい")


def test_hidden_lines_are_dropped_from_a_traceback_frame():
    from ebpm.grading.hidden import clean_frame, hidden_line_numbers

    source = "x = 1\nassert x\n### BEGIN HIDDEN TESTS\nassert secret(x)\n### END HIDDEN TESTS"
    frame = ("\x1b[36mCell\x1b[39m \x1b[32mIn[3]\x1b[39m, line 4\n      2 assert x\n      3 ### BEGIN HIDDEN TESTS\n"
             "\x1b[32m----> 4\x1b[39m assert secret(x)\n      5 ### END HIDDEN TESTS")
    cleaned = clean_frame(frame, hidden_line_numbers(source))
    assert "secret" not in cleaned and "HIDDEN" not in cleaned and "assert x" in cleaned
    library = "File /x/feedback.py:3, in f()\n      3 secret = 1"
    assert clean_frame(library, {3}) == library


def test_a_worker_grades_one_submission_after_another_and_is_replaced_after_a_kill(tmp_path):
    """One worker process serves many submissions; a wall-time kill leaves no process behind."""
    import psutil

    from ebpm.grading.runner import Worker, autograde_argv

    root = make_course(tmp_path)
    reference = next(c for c in CASES if c.id == "reference")
    submit(reference, root)
    db = root / "_grading" / "gradebook.db"
    logs = tmp_path / "logs"
    worker = Worker(root, memory_mb=None)
    try:
        unknown = autograde_argv("no_such_assignment", reference.learner, db, Limits())
        first = worker.run(unknown, "x/1", logs / "1.log", wall_timeout=120)
        pid = worker.process.pid
        graded = worker.run(autograde_argv(ASSIGNMENT, reference.learner, db, Limits()), "p/1", logs / "2.log",
                            wall_timeout=120)
        assert worker.process.pid == pid, "the worker should have been reused"
        # stock nbgrader fails an unknown assignment with exit code 1, and grades the reference
        assert first[0] == 1 and graded[0] == 0
        assert "no_such_assignment" in (logs / "1.log").read_text(encoding="utf-8")
        code, _, _, killed = worker.run(autograde_argv(ASSIGNMENT, reference.learner, db, Limits()), "p/2",
                                        logs / "3.log", wall_timeout=0.5)
        assert killed and code is None and not worker.alive()
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        again = worker.run(unknown, "x/2", logs / "4.log", wall_timeout=120)
        assert again[0] == 1 and worker.process.pid != pid
    finally:
        worker.close()
    assert worker.process is None
