"""Gradebook copies for parallel runs, and the serial merge of one submission's rows.

Each autograde run writes to its own copy of the gradebook. Afterwards the main process copies
that submission's rows (student, submission timestamp and extension, each notebook's flag and
late penalty, every grade's auto/manual score, extra credit and needs_manual_grade, every
comment) into the main gradebook in one transaction. Merges happen one at a time, so SQLite
never sees two writers, and the result is what stock serial autograde would have written.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import (Comment, Grade, Gradebook, MissingEntry, Student, SubmittedAssignment,
                          SubmittedNotebook)

STUDENT_FIELDS = ("first_name", "last_name", "email", "lms_user_id")
GRADE_FIELDS = ("auto_score", "manual_score", "extra_credit", "needs_manual_grade")
COMMENT_FIELDS = ("auto_comment", "manual_comment")


def snapshot(main_db: Path, copy: Path) -> None:
    """A consistent copy of the main gradebook (SQLite's online backup, not a file copy)."""
    copy.parent.mkdir(parents=True, exist_ok=True)
    if copy.exists():
        copy.unlink()
    source = sqlite3.connect(f"file:{main_db}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


@dataclass
class SubmissionRows:
    """Everything autograde writes about one submission, keyed by names (not row ids)."""

    student: dict
    timestamp: object
    extension: object
    notebooks: dict[str, dict] = field(default_factory=dict)


def read_submission(db_url: str, course_id: str, assignment: str, student: str) -> SubmissionRows | None:
    with Gradebook(db_url, course_id) as gradebook:
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
    return True


def integrity_ok(db_path: Path) -> bool:
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        connection.close()
