"""Gradebook copies for parallel runs, and the serial merge of one submission's rows.

Each autograde run writes to its own SQLite copy of the gradebook. Afterwards the main process
copies that submission's rows (student, submission timestamp and extension, each notebook's flag
and late penalty, every grade's auto/manual score, extra credit and needs_manual_grade, every
comment) into the main gradebook in one transaction. Merges happen one at a time, so SQLite
never sees two writers, and the result is what stock serial autograde would have written.

The main gradebook may also be a server (PostgreSQL, ``postgresql+psycopg://...``). Its run copy
is still a SQLite file, holding only what autograde reads and writes: the assignment's definition
(notebooks and cells) and this learner's rows for it. Several `ebpm grade` batches (one per
instructor or assignment) may then merge into the server at the same time: a merge that collides
with another batch's (both creating the same learner) is rolled back and tried again.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import (Base, Comment, Grade, Gradebook, MissingEntry, Student, SubmittedAssignment,
                          SubmittedNotebook)
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

MERGE_ATTEMPTS = 5

STUDENT_FIELDS = ("first_name", "last_name", "email", "lms_user_id")
GRADE_FIELDS = ("auto_score", "manual_score", "extra_credit", "needs_manual_grade")
COMMENT_FIELDS = ("auto_comment", "manual_comment")


def is_sqlite(db_url: str) -> bool:
    return db_url.startswith("sqlite:")


def sqlite_path(db_url: str) -> Path:
    return Path(db_url[len("sqlite:///"):])


def gradebook_exists(db_url: str) -> bool:
    """True when the gradebook has nbgrader's tables (SQLite: the file exists)."""
    if is_sqlite(db_url):
        return sqlite_path(db_url).is_file()
    from sqlalchemy import inspect as inspect_schema

    engine = create_engine(db_url)
    try:
        return "submitted_assignment" in inspect_schema(engine).get_table_names()
    finally:
        engine.dispose()


def snapshot(main_url: str, copy: Path, course_id: str = "", assignment: str = "", student: str = "") -> None:
    """The run copy of the main gradebook: a consistent copy of a SQLite file (online backup), or
    one submission's share of a server gradebook."""
    copy.parent.mkdir(parents=True, exist_ok=True)
    if copy.exists():
        copy.unlink()
    if not is_sqlite(main_url):
        _copy_submission_share(main_url, copy, course_id, assignment, student)
        return
    source = sqlite3.connect(f"file:{sqlite_path(main_url)}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _copy_submission_share(main_url: str, copy: Path, course_id: str, assignment: str, student: str) -> None:
    """Copy into a new SQLite gradebook the rows autograde of (assignment, student) reads or updates:
    the assignment, its notebooks and cells, the learner, and the learner's earlier grading of it."""
    Gradebook(f"sqlite:///{copy}", course_id).close()  # nbgrader's own schema and alembic stamp
    t = Base.metadata.tables
    source, target = create_engine(main_url), create_engine(f"sqlite:///{copy}")
    try:
        with source.connect() as src, target.begin() as dst:
            def copy_rows(table: str, *where) -> list[str]:
                found = [dict(row) for row in src.execute(select(t[table]).where(*where)).mappings()]
                if found:
                    dst.execute(t[table].insert(), found)
                return [row["id"] for row in found]

            assignments = copy_rows("assignment", t["assignment"].c.name == assignment,
                                    t["assignment"].c.course_id == course_id)
            notebooks = copy_rows("notebook", t["notebook"].c.assignment_id.in_(assignments))
            cells = copy_rows("base_cell", t["base_cell"].c.notebook_id.in_(notebooks))
            copy_rows("source_cell", t["source_cell"].c.notebook_id.in_(notebooks))
            for kind in ("grade_cells", "solution_cells", "task_cells"):
                copy_rows(kind, t[kind].c.id.in_(cells))
            copy_rows("student", t["student"].c.id == student)
            submitted = copy_rows("submitted_assignment", t["submitted_assignment"].c.assignment_id.in_(assignments),
                                  t["submitted_assignment"].c.student_id == student)
            parts = copy_rows("submitted_notebook", t["submitted_notebook"].c.assignment_id.in_(submitted))
            for table in ("grade", "comment"):
                copy_rows(table, t[table].c.notebook_id.in_(parts))
    finally:
        source.dispose()
        target.dispose()


@dataclass
class SubmissionRows:
    """Everything autograde writes about one submission, keyed by names (not row ids)."""

    student: dict
    timestamp: object
    extension: object
    notebooks: dict[str, dict] = field(default_factory=dict)


def read_submission(db_url: str, course_id: str, assignment: str, student: str) -> SubmissionRows | None:
    with Gradebook(db_url, course_id) as gradebook:
        return _read_rows(gradebook, assignment, student)


def read_submissions(db_url: str, course_id: str, assignment: str, students: list[str]
                     ) -> tuple[dict[str, SubmissionRows | None], set[str]]:
    """The rows of several learners' submissions (None: no submission) and which learners the gradebook knows,
    through one connection (opening a gradebook costs about as much as reading a hundred submissions)."""
    with Gradebook(db_url, course_id) as gradebook:
        known = {student.id for student in gradebook.students}
        return {student: _read_rows(gradebook, assignment, student) for student in students}, known


def _read_rows(gradebook: Gradebook, assignment: str, student: str) -> SubmissionRows | None:
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return None
    row = gradebook.find_student(student)
    rows = SubmissionRows(
        student={f: getattr(row, f) for f in STUDENT_FIELDS},
        timestamp=submission.timestamp, extension=submission.extension,
    )
    for notebook in submission.notebooks:
        rows.notebooks[notebook.name] = {
            "flagged": notebook.flagged,
            "late_submission_penalty": notebook.late_submission_penalty,
            "grades": {g.cell.name: {f: getattr(g, f) for f in GRADE_FIELDS} for g in notebook.grades},
            "comments": {c.cell.name: {f: getattr(c, f) for f in COMMENT_FIELDS} for c in notebook.comments},
        }
    return rows


def _new_submission(gradebook: Gradebook, assignment: str, student: Student) -> SubmittedAssignment:
    """The submission with all its notebooks, grades and comments, as ``add_submission`` builds it."""
    with gradebook.db.no_autoflush:
        return _build_submission(gradebook, assignment, student)


def _build_submission(gradebook: Gradebook, assignment: str, student: Student) -> SubmittedAssignment:
    submission = SubmittedAssignment(assignment=gradebook.find_assignment(assignment), student=student)
    for notebook in submission.assignment.notebooks:
        submitted = SubmittedNotebook(notebook=notebook, assignment=submission)
        for cell in notebook.grade_cells:
            Grade(cell_id=cell.id, notebook=submitted)
        for cell in notebook.solution_cells:
            Comment(cell_id=cell.id, notebook=submitted)
        for cell in notebook.task_cells:
            Comment(cell_id=cell.id, notebook=submitted)
            Grade(cell_id=cell.id, notebook=submitted)
    gradebook.db.add(submission)
    return submission


def merge_submission(main_url: str, part_url: str, course_id: str, assignment: str, student: str) -> bool:
    """Copy one submission from a run's gradebook into the main one; False if the run wrote none."""
    rows = read_submission(part_url, course_id, assignment, student)
    if rows is None:
        return False
    _retry_collisions(lambda: _write_submission(main_url, course_id, assignment, student, rows))
    return True


def write_rows(main_url: str, course_id: str, assignment: str, student: str, rows: SubmissionRows) -> None:
    """Write one submission's rows, as ``read_submission`` read them, into a gradebook (undoing an import)."""
    _retry_collisions(lambda: _write_submission(main_url, course_id, assignment, student, rows))


def _retry_collisions(write, attempts: int = MERGE_ATTEMPTS) -> None:
    """Run a transaction again when it collided with another batch's (a unique key or a
    serialization failure on a server gradebook, a busy SQLite file); the loser was rolled back."""
    for attempt in range(attempts):
        try:
            write()
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def _write_submission(main_url: str, course_id: str, assignment: str, student: str, rows: SubmissionRows) -> None:
    with Gradebook(main_url, course_id) as gradebook:
        session = gradebook.db
        try:
            try:
                learner = gradebook.find_student(student)
            except MissingEntry:
                learner = Student(id=student)
                session.add(learner)
            for name, value in rows.student.items():
                setattr(learner, name, value)
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                session.flush()
                submission = _new_submission(gradebook, assignment, learner)
                session.flush()
            submission.timestamp = rows.timestamp
            submission.extension = rows.extension
            for notebook in submission.notebooks:
                source = rows.notebooks.get(notebook.name)
                if source is None:
                    continue
                notebook.flagged = source["flagged"]
                notebook.late_submission_penalty = source["late_submission_penalty"]
                for grade in notebook.grades:
                    for name, value in source["grades"].get(grade.cell.name, {}).items():
                        setattr(grade, name, value)
                for comment in notebook.comments:
                    for name, value in source["comments"].get(comment.cell.name, {}).items():
                        setattr(comment, name, value)
            session.commit()
        except Exception:
            session.rollback()
            raise


# The keys nbgrader's gradebook must hold once each; a server has unique constraints for most of
# them, but the check costs little and reads the same on every database.
_DUPLICATE_CHECKS = (
    "SELECT assignment_id, student_id FROM submitted_assignment GROUP BY assignment_id, student_id HAVING COUNT(*) > 1",
    "SELECT assignment_id, notebook_id FROM submitted_notebook GROUP BY assignment_id, notebook_id HAVING COUNT(*) > 1",
    "SELECT notebook_id, cell_id FROM grade GROUP BY notebook_id, cell_id HAVING COUNT(*) > 1",
    "SELECT notebook_id, cell_id FROM comment GROUP BY notebook_id, cell_id HAVING COUNT(*) > 1",
)


def integrity_ok(db_url: str | Path) -> bool:
    """SQLite's own integrity check, then no submission, notebook, grade or comment held twice.
    A path means a SQLite file."""
    if isinstance(db_url, Path):
        db_url = f"sqlite:///{db_url}"
    if is_sqlite(db_url):
        connection = sqlite3.connect(sqlite_path(db_url))
        try:
            if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                return False
        finally:
            connection.close()
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return not any(connection.execute(text(query)).first() for query in _DUPLICATE_CHECKS)
    finally:
        engine.dispose()
