"""`ebpm grade` on a corpus of bad submissions: every outcome as expected, scores as stock nbgrader.

One module-scoped run (about 4 minutes on 2 cores): course A is graded by `ebpm grade` in two
batches (the second with short wall and memory limits), course B by stock serial
`nbgrader autograde`, from the same submissions (tests/grading_corpus/cases.toml), in an environment
ebpm has not touched (tests.roundtrip.stock_env).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ebpm import course, datapackage
from ebpm.grading import bundles, cli as grade_cli, feedback, journal, layout as layouts, merge, pipeline, sandbox, submissions
from ebpm.grading.runner import Limits
from tests.grading_cases import ASSIGNMENT, NOTEBOOK, cases, import_zip, make_course, submit
from tests.roundtrip import gradebook_cells, stock_env

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


ISOLATED = sandbox.probe().available
HOSTILE_MARK = b"EBPM" + b"-OWNED"  # what the hostile cases write wherever they can (never spelt out in their code)


def _checksums(folder, skip=()) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not any(p.is_relative_to(s) for s in skip)}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    if not ISOLATED:  # the kills-parent case would kill this very process
        pytest.fail(f"bubblewrap cannot run here, and the corpus holds hostile submissions: {sandbox.probe().reason}")
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
    # everything learner code must leave as it is: the course outside _grading/, every submission handed in
    # before the batch, the gradebook's rows of the assignment and learner list as they stood
    before = {"course": _checksums(root, skip=[root / "_grading"]),
              "submitted": _checksums(root / "_grading" / "submitted")}
    first = pipeline.grade(pipeline.Options(
        import_path=archive, import_assignment=ASSIGNMENT, jobs=2, progress=False,
        limits=Limits(cell_timeout=CELL_TIMEOUT, wall_timeout=400, memory_mb=3072)), root)
    after = {"course": _checksums(root, skip=[root / "_grading"]),
             "submitted": {k: v for k, v in _checksums(root / "_grading" / "submitted").items()
                           if k in before["submitted"]},
             "marked": [p for p in [*root.rglob("*"), *grader_ipython.rglob("*")] if p.is_file()
                        and HOSTILE_MARK in p.read_bytes()]}
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

    # the wall limit must stay above an honest run's time on a busy 2-core machine (memory-hog runs to its end:
    # 26 s there under a load of 20, sandboxed kernels included); uninterruptible-loop waits it out
    args = ["grade", "--root", str(root), "--jobs", "2", "--cell-timeout", str(CELL_TIMEOUT), "--wall-timeout", "40",
            "--memory-mb", "1536", "--no-feedback"]
    for case in CASES:
        if case.batch == "limits":
            args += ["--student", case.learner]
    code = cli.main(args)
    # nothing changed: a rerun regrades nothing
    again = pipeline.grade(pipeline.Options(jobs=2, progress=False, feedback=False, report=False), root)
    layout = layouts.load(root)
    yield {"root": root, "stock": stock, "first": first, "again": again, "cli_code": code, "layout": layout,
           "entries": journal.read(layout.journal), "grader_ipython": grader_ipython, "before": before, "after": after}
    environment.undo()


def _stock_autograde(stock):
    # stock nbgrader as an instructor runs it, in an environment ebpm has not touched; it exits
    # non-zero when any submission fails (a dead kernel, a broken file): expected here
    import subprocess

    from ebpm.grading.runner import nbgrader_command

    subprocess.run([*nbgrader_command(), "autograde", ASSIGNMENT, "--force", f"--Execute.timeout={CELL_TIMEOUT}"],
                   cwd=stock, env=stock_env(), capture_output=True, timeout=900)


def _cells(root) -> dict:
    """(student, notebook, cell) → every column autograde writes."""
    return gradebook_cells(root, ASSIGNMENT)


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
    if ISOLATED:  # read-only mounts: the write never happened, so nothing may claim it did
        for kind in expect.get("flags_as_root", []) + expect.get("flags_unisolated", []):
            assert kind not in kinds, context
    else:
        for kind in expect.get("flags_unisolated", []):
            assert kind in kinds, context
        if os.geteuid() == 0:  # file permissions do not stop root: the write went through and must be seen
            for kind in expect.get("flags_as_root", []):
                assert kind in kinds, context
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
    if ISOLATED:  # the shell writes of writes-repo-data and deletes-data met a read-only file system
        assert batch["first"].data_restored == []
    else:
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
    assert feedback.hidden_statements(layout.source / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
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


def _hand_in(root, student: str, first_answer_prefix: str = "") -> None:
    """The reference notebook as ``student``'s submission, its first answer cell starting with some code."""
    import nbformat

    notebook = nbformat.read(root / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    answer = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")
    answer.source = first_answer_prefix + answer.source
    folder = root / "_grading" / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{NOTEBOOK}.ipynb")


def test_runs_at_once_keep_their_own_kernels_and_a_wall_timeout_stops_only_its_own(tmp_path):
    """Autogrades run in threads of one process: each run's kernels get that run's environment (its data
    copy, nbgrader's NBGRADER_EXECUTION), a run stopped at its wall time leaves no process behind and
    costs no other run anything, and the next run goes on as usual."""
    import threading

    import nbformat
    import psutil

    from ebpm.grading.runner import Grader

    root = make_course(tmp_path)
    show_env = ("import os\nprint('RUN-ENV', os.environ.get('EBPM_DATA_DIR'), os.environ.get('NBGRADER_EXECUTION'), "
                "os.environ.get('MPLBACKEND'))\n")
    for student in ("envA", "envB", "envC"):
        _hand_in(root, student, show_env)
    _hand_in(root, "hang01", "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n"
                             "    time.sleep(0.1)\n")
    db = root / "_grading" / "gradebook.db"
    outcomes = {}
    for student in ("envA", "envB", "envC", "hang01"):
        (tmp_path / "work" / student / "data").mkdir(parents=True)
        shutil.copy(db, db.with_name(f"{student}.db"))  # one gradebook per run, as `ebpm grade` gives them
    usual = Grader(root, Limits())
    short = Grader(root, Limits(wall_timeout=8))
    with usual:
        runs = [threading.Thread(target=lambda s=s, g=g: outcomes.__setitem__(s, g.run(
                    ASSIGNMENT, s, db.with_name(f"{s}.db"), tmp_path / "logs" / f"{s}.log", tmp_path / "work" / s)))
                for s, g in (("envA", usual), ("envB", usual), ("hang01", short))]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join(300)
        assert not any(thread.is_alive() for thread in runs)
        after = usual.run(ASSIGNMENT, "envC", db.with_name("envC.db"), tmp_path / "logs" / "envC.log",
                          tmp_path / "work" / "envC")
    assert outcomes["hang01"].killed and outcomes["hang01"].reason_kind == "wall_timeout"
    for student, outcome in (("envA", outcomes["envA"]), ("envB", outcomes["envB"]), ("envC", after)):
        assert outcome.ok and not outcome.killed, (student, outcome.reason)
        graded = nbformat.read(root / "_grading" / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb",
                               as_version=4)
        printed = "".join(o.get("text", "") for c in graded.cells if c.cell_type == "code" for o in c.outputs)
        # the run's own data copy, nbgrader's marker, and the kernel's own backend (none set by ebpm)
        assert (f"RUN-ENV {tmp_path / 'work' / student / 'data'} autograde module://matplotlib_inline.backend_inline"
                in printed), printed[:500]
    for student in ("envA", "envB", "envC", "hang01"):  # each log tells of its own run only
        log = (tmp_path / "logs" / f"{student}.log").read_text(encoding="utf-8")
        assert f"'{student}'" in log and not any(f"'{other}'" in log for other in ("envA", "envB", "envC", "hang01")
                                                 if other != student), (student, log[:800])
    leftovers = [p for p in psutil.Process().children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE]
    assert not leftovers, [p.cmdline() for p in leftovers]


HOSTILE = [c for c in CASES if c.learner.startswith("hostile")]


def test_hostile_submissions_change_nothing_outside_their_own_copy_and_are_named(batch):
    """One batch with honest learners and hostile ones (gradebook and _grading/ writes, data/ deleted, the
    kernel's parent killed, hidden tests printed): the batch finished and graded everyone (the cases above),
    nothing outside each submission's own autograded copy changed, and each hostile one is flagged and named."""
    assert len(HOSTILE) >= 4
    assert batch["after"]["course"] == batch["before"]["course"]  # data/, solutions/, notebooks/, config
    assert batch["after"]["submitted"] == batch["before"]["submitted"]
    # its own autograded copy, and the feedback folder nbgrader makes from that copy (timestamp.txt travels)
    own = [batch["root"] / "_grading" / folder / "hostile01" for folder in ("autograded", "feedback")]
    assert batch["after"]["marked"] and all(any(p.is_relative_to(o) for o in own) for p in batch["after"]["marked"]), \
        batch["after"]["marked"]
    summary = "\n".join(grade_cli.summary_lines(batch["first"]))
    assert batch["first"].isolation == "" and "隔離せずに" not in summary
    for case in HOSTILE:
        assert f"要確認（不正の疑い） {ASSIGNMENT}/{case.learner}（" in summary, case.id
    assert batch["first"].feedback_problems == []


def test_no_feedback_page_or_bundle_shows_hidden_tests(batch):
    layout = batch["layout"]
    withheld = feedback.page_text(layout.feedback / "hostile04" / ASSIGNMENT / f"{NOTEBOOK}.html")
    assert "お渡しできません" in withheld and "BEGIN HIDDEN" not in withheld
    ids = {bundles.file_name(e.display_name or e.student, e.student): e.student for e in batch["entries"].values()}
    archives = sorted((layout.grading / "feedback_bundles").glob("*.zip"))
    assert len(archives) >= 15
    pages = 0
    for archive in archives:
        student = ids.get(archive.stem, "")
        with zipfile.ZipFile(archive) as bundle:
            for name in bundle.namelist():
                text = bundle.read(name).decode("utf-8")
                assert "HIDDEN TESTS" not in text, (archive.name, name)
                if name.endswith(f"/{ASSIGNMENT}/{NOTEBOOK}.html"):
                    pages += 1
                    assert feedback.shown_hidden_tests(layout, ASSIGNMENT, student, NOTEBOOK, text) == "", name
    assert pages >= 15


def test_feedback_pages_explain_errors_name_exercises_and_fetch_nothing(batch):
    """What a learner reads: an answer cell that stopped shows the Japanese explanation, not a traceback;
    exercises are named by their titles, not grade ids; no page (nor bundle) loads a script or style from
    the internet."""
    import re

    layout = batch["layout"]
    partial = feedback.page_text(layout.feedback / "partial01" / ASSIGNMENT / f"{NOTEBOOK}.html")
    assert "このセルはエラー（NotImplementedError）で止まりました" in partial and "このエラーの意味" in partial
    assert not [b for b in feedback.page_code(layout.feedback / "partial01" / ASSIGNMENT / f"{NOTEBOOK}.html")
                if "Traceback" in b]
    assert "演習 1: 施設の数を数える" in partial and "テスト: 演習 3" in partial
    assert not re.search(r"\bex-[a-z]+(-test)?\b", partial), re.findall(r"\bex-[a-z]+(?:-test)?\b", partial)[:5]
    remote = re.compile(r"<(?:script|link)\b[^>]*(?:src|href)=[\"']?(?:https?:)?//", re.I)
    pages = [p.read_text(encoding="utf-8") for p in layout.feedback.glob(f"*/{ASSIGNMENT}/*.html")]
    for archive in (layout.grading / "feedback_bundles").glob("*.zip"):
        with zipfile.ZipFile(archive) as bundle:
            pages += [bundle.read(n).decode("utf-8") for n in bundle.namelist() if n.endswith(".html")]
    assert len(pages) >= 30 and not [m.group(0) for page in pages for m in remote.finditer(page)]
