"""`ebpm grade` with the gradebook on a real PostgreSQL server (started and stopped by this module).

nbgrader_config.py takes the gradebook URL from EBPM_GRADEBOOK_URL. Every run here is the real
command line (`python -m ebpm.cli grade`) in a course folder, so nbgrader and the grading workers
read the URL the way an instructor's would:
- the same submissions graded into SQLite and into PostgreSQL get the same rows, cell by cell;
- two instructors' batches on different assignments, at the same time, into one gradebook, lose no row
  (both create the same learners, so their merges collide);
- a batch killed (SIGKILL) halfway resumes: finished submissions are reused, none is held twice, even
  one that was merged but never written to the journal;
- two shards of one assignment (`ebpm grade --shard 1/2` and `2/2`, each in its own copy of the course, as on
  two machines) graded at the same time into one gradebook give the rows of one unsharded run, cell by cell.
The course is generated once (one `nbgrader generate_assignment`) into a template database; every batch
runs in its own copy of that folder and of that database, so no test sees another's gradebook.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from sqlalchemy import create_engine, text

from ebpm import course
from ebpm.grading import journal, merge, shards
from tests.grading_cases import ASSIGNMENT, NOTEBOOK, TIMESTAMP, cases, write_case
from tests.servers import PostgresServer

pytestmark = pytest.mark.xdist_group("postgres")

SECOND = "prestudy_b"  # the same notebook under another assignment name
TEMPLATE = "generated"  # the database the generated course is registered in; tests work in copies of it
CASE_IDS = ("reference", "blank", "partly-solved")
CASES = [c for c in cases() if c.id in CASE_IDS]
LEARNERS = sorted(c.learner for c in CASES)
GRADES_PER_NOTEBOOK = 6  # five test cells and one written answer


@pytest.fixture(scope="module")
def postgres():
    if PostgresServer.find_bin() is None:
        message = ("PostgreSQL がありません（Debian の postgresql パッケージ）。"
                   "`make system-deps`（scripts/install_system_deps.sh）で入れてください。")
        if os.environ.get("EBPM_ALLOW_SKIP"):
            pytest.skip(message)
        pytest.fail(message)
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _env(db_url: str | None) -> dict[str, str]:
    from ebpm.grading.runner import nbgrader_env

    env = nbgrader_env()
    env.pop("EBPM_GRADEBOOK_URL", None)
    if db_url:
        env["EBPM_GRADEBOOK_URL"] = db_url
    return env


def _generate(root: Path, db_url: str | None, assignment: str) -> None:
    """`nbgrader generate_assignment` into db_url (an assignment name or a glob such as "*")."""
    _run(root, db_url, Path(sys.executable).parent / "nbgrader", "generate_assignment", assignment, "--force")


@pytest.fixture(scope="module")
def generated(postgres, tmp_path_factory) -> Path:
    """A course folder with pre-study notebook 0 under both assignment names, generated into the
    PostgreSQL database TEMPLATE. Nothing writes to either afterwards: tests grade in copies (_clone,
    ``create_database(..., template=TEMPLATE)``)."""
    root = tmp_path_factory.mktemp("generated") / "course"
    for assignment in (ASSIGNMENT, SECOND):
        (root / "solutions" / assignment).mkdir(parents=True)
        shutil.copy(course.solutions_dir() / ASSIGNMENT / f"{NOTEBOOK}.ipynb", root / "solutions" / assignment)
    shutil.copy(course.repo_root() / course.CONFIG_FILE, root / course.CONFIG_FILE)
    shutil.copytree(course.repo_root() / "data", root / "data")
    _generate(root, postgres.create_database(TEMPLATE), "*")
    assert not (root / "_grading" / "gradebook.db").exists()  # nbgrader wrote to the server
    for assignment in (ASSIGNMENT, SECOND):
        assert (root / "notebooks" / assignment / f"{NOTEBOOK}.ipynb").is_file()
    return root


def _clone(generated: Path, folder: Path) -> Path:
    """An instructor's own copy of the generated course folder."""
    return Path(shutil.copytree(generated, folder / "course", symlinks=True))


def _submit_all(root: Path, assignments=(ASSIGNMENT,)) -> None:
    """Each case's notebook (built from the repository's own notebooks) in every assignment's folder."""
    for case in CASES:
        for assignment in assignments:
            folder = root / "_grading" / "submitted" / case.learner / assignment
            write_case(case, course.repo_root(), folder)
            (folder / "timestamp.txt").write_text(TIMESTAMP, encoding="utf-8")


def _run(root: Path, db_url: str | None, *command) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], cwd=root, env=_env(db_url), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _grade_command(root: Path, assignment: str, jobs: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ebpm.cli", "grade", assignment, "--root", str(root), "--jobs", str(jobs),
            "--no-feedback", "--no-report", "--cell-timeout", "30", *extra]


def _rows(db_url: str, assignment: str) -> dict:
    """(student, notebook, cell) → every column autograde writes, read through nbgrader's API."""
    from nbgrader.api import Gradebook

    rows = {}
    with Gradebook(db_url, "ebpm") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            for notebook in submission.notebooks:
                base = (submission.student.id, notebook.name)
                rows[(*base, "_submission")] = (submission.timestamp, notebook.late_submission_penalty,
                                                notebook.flagged)
                for grade in notebook.grades:
                    rows[(*base, grade.cell.name)] = tuple(getattr(grade, f) for f in merge.GRADE_FIELDS)
                for comment in notebook.comments:
                    rows[(*base, "comment:" + comment.cell.name)] = tuple(
                        getattr(comment, f) for f in merge.COMMENT_FIELDS)
    return rows


def _counts(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return {table: connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
                    for table in ("student", "submitted_assignment", "submitted_notebook", "grade", "comment")}
    finally:
        engine.dispose()


def _start_batch(root: Path, db_url: str | None, assignment: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(_grade_command(root, assignment, 1, *extra), cwd=root, env=_env(db_url),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def batches(postgres, generated, tmp_path_factory):
    """Three `ebpm grade` batches at the same time: two instructors, each with their own clone of the
    course, grading different assignments into one PostgreSQL gradebook, and the same submissions
    graded into the course's default SQLite file (the reference). Tests only read what it made."""
    url = postgres.create_database("shared", template=TEMPLATE)
    first = _clone(generated, tmp_path_factory.mktemp("one"))
    second = _clone(generated, tmp_path_factory.mktemp("two"))
    reference = _clone(generated, tmp_path_factory.mktemp("sqlite"))
    _generate(reference, None, ASSIGNMENT)  # into the default SQLite gradebook
    assert (reference / "_grading" / "gradebook.db").is_file()
    _submit_all(first, (ASSIGNMENT,))
    _submit_all(second, (SECOND,))
    _submit_all(reference)
    runs = [_start_batch(first, url, ASSIGNMENT), _start_batch(second, url, SECOND),
            _start_batch(reference, None, ASSIGNMENT)]
    outputs = [run.communicate(timeout=900)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert not (first / "_grading" / "gradebook.db").exists()
    sqlite_rows = _rows(f"sqlite:///{reference / '_grading' / 'gradebook.db'}", ASSIGNMENT)
    assert {key[0] for key in sqlite_rows} == set(LEARNERS)
    return {"url": url, "sqlite_rows": sqlite_rows}


@pytest.mark.slow
def test_a_batch_graded_into_postgresql_has_the_same_rows_as_sqlite(batches):
    rows, sqlite_rows = _rows(batches["url"], ASSIGNMENT), batches["sqlite_rows"]
    assert set(rows) == set(sqlite_rows)
    different = {k: (rows[k], sqlite_rows[k]) for k in rows if rows[k] != sqlite_rows[k]}
    assert not different, different
    # the learners' scores differ, so rows copied from the wrong learner would be caught
    totals = {learner: sum(v[0] or 0 for k, v in rows.items()
                           if k[0] == learner and not k[2].startswith(("_", "comment:")))
              for learner in LEARNERS}
    assert len(set(totals.values())) == len(LEARNERS), totals


@pytest.mark.slow
def test_two_batches_at_once_on_different_assignments_lose_no_row(batches):
    url = batches["url"]
    counts = _counts(url)
    assert counts["student"] == len(LEARNERS)  # both batches created the same learners: no duplicate
    assert counts["submitted_assignment"] == 2 * len(LEARNERS)
    assert counts["submitted_notebook"] == 2 * len(LEARNERS)
    assert counts["grade"] == 2 * len(LEARNERS) * GRADES_PER_NOTEBOOK
    # the second assignment holds the same notebook and the same answers: the same rows
    assert _rows(url, SECOND) == batches["sqlite_rows"]
    assert merge.integrity_ok(url)


def _kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL a batch and everything it started (workers, kernels), as a power cut would."""
    family = [process.pid] + [p.pid for p in psutil.Process(process.pid).children(recursive=True)]
    for pid in family:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=30)


@pytest.mark.slow
def test_a_killed_batch_resumes_without_duplicates(postgres, generated, batches, tmp_path):
    url = postgres.create_database("resume", template=TEMPLATE)
    root = _clone(generated, tmp_path)
    _submit_all(root)
    journal_path = root / "_grading" / "grade_journal.jsonl"
    batch = subprocess.Popen(_grade_command(root, ASSIGNMENT, 1), cwd=root, env=_env(url),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while len(journal.read(journal_path)) < 2:  # with one job at a time, the third is then running
        assert batch.poll() is None, "the batch ended before it could be killed"
        assert time.monotonic() < deadline, "no submission was graded within 300 s"
        time.sleep(0.2)
    _kill_tree(batch)
    finished = journal.read(journal_path)
    assert 2 <= len(finished) < len(LEARNERS), "the batch was not killed halfway"
    # the worst moment: a submission merged into the gradebook but not yet in the journal
    lines = journal_path.read_text(encoding="utf-8").splitlines()
    journal_path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    forgotten = json.loads(lines[-1])["student"]
    assert forgotten in {k[0] for k in _rows(url, ASSIGNMENT)}

    resumed = _run(root, url, *_grade_command(root, ASSIGNMENT, 2))
    assert f"前回の結果を再利用 {len(finished) - 1} 件" in resumed.stdout, resumed.stdout
    counts = _counts(url)
    assert counts["submitted_assignment"] == len(LEARNERS)
    assert counts["grade"] == len(LEARNERS) * GRADES_PER_NOTEBOOK
    assert _rows(url, ASSIGNMENT) == batches["sqlite_rows"]
    assert set(journal.read(journal_path)) == {f"{ASSIGNMENT}/{learner}" for learner in LEARNERS}
    assert merge.integrity_ok(url)


@pytest.mark.slow
def test_two_shards_at_once_give_the_rows_of_one_run(postgres, generated, batches, tmp_path_factory):
    """The only test of `--shard` against a real shared gradebook: two shards at the same time, each in its own
    copy of the course (two machines), every gradebook cell equal to the unsharded run of ``batches``."""
    url = postgres.create_database("sharded", template=TEMPLATE)
    takes = {k: sorted(learner for learner in LEARNERS if shards.bucket(learner, 2) == k) for k in (1, 2)}
    assert all(takes.values()), takes  # both shards have work: a lost or doubled learner would show
    roots = {k: _clone(generated, tmp_path_factory.mktemp(f"shard{k}")) for k in (1, 2)}
    for root in roots.values():
        _submit_all(root)  # every machine sees every submission; the shard chooses
    runs = {k: _start_batch(root, url, ASSIGNMENT, "--shard", f"{k}/2") for k, root in roots.items()}
    outputs = {k: run.communicate(timeout=900)[0] for k, run in runs.items()}
    assert {k: run.returncode for k, run in runs.items()} == {1: 0, 2: 0}, outputs
    for k, root in roots.items():
        graded = sorted(entry.student for entry in journal.read(root / "_grading" / "grade_journal.jsonl").values())
        assert graded == takes[k], (k, outputs[k])
    unsharded = _rows(batches["url"], ASSIGNMENT)
    rows = _rows(url, ASSIGNMENT)
    assert set(rows) == set(unsharded)
    different = {key: (rows[key], unsharded[key]) for key in rows if rows[key] != unsharded[key]}
    assert not different, different
    counts = _counts(url)
    assert counts["student"] == counts["submitted_assignment"] == len(LEARNERS)
    assert counts["grade"] == len(LEARNERS) * GRADES_PER_NOTEBOOK
    assert merge.integrity_ok(url)


def test_shard_is_stable_and_every_learner_has_exactly_one():
    learners = [f"staff{i:03d}" for i in range(500)]
    for count in (1, 2, 3, 8):
        owners = [[k for k in range(1, count + 1) if shards.Shard(k, count).takes(learner)] for learner in learners]
        assert all(len(owner) == 1 for owner in owners)
        sizes = [sum(1 for owner in owners if owner == [k]) for k in range(1, count + 1)]
        assert min(sizes) > 500 / count * 0.7, sizes  # spread evenly enough to share the work
    assert shards.bucket("ref01", 2) == 1 and shards.bucket("blank01", 2) == 2  # the same on every machine
    assert str(shards.parse(" 2/3 ")) == "2/3"
    for wrong in ("0/2", "3/2", "2", "a/b", "1/0", ""):
        with pytest.raises(Exception, match="「K/N」の形で"):
            shards.parse(wrong)
