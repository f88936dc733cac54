"""Hand-graded written answers survive a regrade unless the answer itself changed.

Stock ``nbgrader autograde`` marks every answer that has a manual score as needing manual
grading again ("review it"), even when nothing changed, so after ``ebpm grade --force`` the
formgrader would list already graded answers as to do. Before a submission is graded again,
``graded_by_hand`` notes a hash of every answer the instructor has graded (from the autograded
notebook the instructor saw); after the merge, ``keep`` clears the flag of each answer whose
text is the same, and returns the answers that changed, which stay to be graded again.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat

from ebpm.grading.layout import CourseLayout


def answer_hash(notebook: Path, grade_id: str) -> str | None:
    """SHA-256 of the source of the cell with ``grade_id`` (None when the notebook or cell is missing)."""
    try:
        cells = nbformat.read(notebook, as_version=4).cells
    except Exception:  # a notebook that cannot be read has no answer to compare
        return None
    for cell in cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return hashlib.sha256(cell.source.encode("utf-8")).hexdigest()
    return None


def _submission(gradebook, assignment: str, student: str):
    from nbgrader.api import MissingEntry

    try:
        return gradebook.find_submission(assignment, student)
    except MissingEntry:
        return None


def graded_by_hand(layout: CourseLayout, assignment: str, student: str) -> dict[tuple[str, str], str]:
    """(notebook, cell) → hash of each answer that has a manual score and is not waiting for one."""
    from nbgrader.api import Gradebook

    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        submission = _submission(gradebook, assignment, student)
        if submission is None:
            return {}
        marked = [(notebook.name, grade.cell.name) for notebook in submission.notebooks for grade in notebook.grades
                  if grade.manual_score is not None and not grade.needs_manual_grade]
    folder = layout.autograded / student / assignment
    hashes = {key: answer_hash(folder / f"{key[0]}.ipynb", key[1]) for key in marked}
    return {key: value for key, value in hashes.items() if value is not None}


def keep(layout: CourseLayout, assignment: str, student: str, before: dict[tuple[str, str], str]) -> list[str]:
    """Clear "needs manual grade" where the graded answer is unchanged; returns the changed ones."""
    from nbgrader.api import Gradebook

    if not before:
        return []
    folder = layout.autograded / student / assignment
    changed = []
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        submission = _submission(gradebook, assignment, student)
        if submission is None:
            return []
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                key = (notebook.name, grade.cell.name)
                if key not in before or grade.manual_score is None:
                    continue
                if answer_hash(folder / f"{notebook.name}.ipynb", grade.cell.name) == before[key]:
                    grade.needs_manual_grade = False
                else:
                    changed.append(f"{notebook.name}/{grade.cell.name}")
        gradebook.db.commit()
    return changed


def remaining(layout: CourseLayout, assignments: list[str]) -> dict[tuple[str, str], int]:
    """(assignment, learner) → how many answers still wait for a manual grade."""
    from nbgrader.api import Gradebook, MissingEntry

    counts: dict[tuple[str, str], int] = {}
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        for assignment in assignments:
            try:
                submissions = gradebook.assignment_submissions(assignment)
            except MissingEntry:
                continue
            for submission in submissions:
                waiting = sum(1 for notebook in submission.notebooks for grade in notebook.grades
                              if grade.needs_manual_grade)
                if waiting:
                    counts[(assignment, submission.student.id)] = waiting
    return counts
