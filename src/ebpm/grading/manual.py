"""Hand-graded written answers survive a regrade unless the answer itself changed.

Stock ``nbgrader autograde`` marks every answer that has a manual score as needing manual
grading again ("review it"), even when nothing changed, so after ``ebpm grade --force`` the
formgrader would list already graded answers as to do. Before a submission is graded again,
``graded_by_hand`` notes a hash of every answer the instructor has graded (from the autograded
notebook the instructor saw); after the merge, ``keep`` clears the flag of each answer whose
text is the same, and returns the answers that changed, which stay to be graded again.

A stock ``nbgrader autograde A --force`` typed between two batches does the same to every graded
answer, outside ebpm. So at the end of every batch ``remember`` writes, for each written answer,
the hash of the text the instructor sees (``_grading/manual_fingerprints.json``), with the manual
score and comment once they are settled; at the start of the next batch ``restore`` settles again
every answer that waits for a manual grade although its text is the one graded. An answer that
ebpm itself left to be graded again (its text changed) is remembered without a hash, so it is
never settled by mistake.
"""
from __future__ import annotations

import hashlib
import json
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


FINGERPRINTS = "manual_fingerprints.json"


def _fingerprint_path(layout: CourseLayout) -> Path:
    return layout.grading / FINGERPRINTS


def _written_grades(gradebook, assignments: list[str]):
    """(assignment, learner, notebook, grade) of every answer graded by hand (no autograder score)."""
    from nbgrader.api import MissingEntry

    for assignment in assignments:
        try:
            found = gradebook.assignment_submissions(assignment)
        except MissingEntry:
            continue
        for submission in found:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.auto_score is None and grade.cell.cell_type == "markdown":
                        yield assignment, submission.student.id, notebook, grade


def _comment(notebook, cell_name: str):
    return next((c for c in notebook.comments if c.cell.name == cell_name), None)


def remember(layout: CourseLayout, assignments: list[str]) -> None:
    """Note, for every written answer, the hash of its text and (when settled) its manual score and comment."""
    from nbgrader.api import Gradebook

    path = _fingerprint_path(layout)
    known = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        for assignment, student, notebook, grade in _written_grades(gradebook, assignments):
            key = f"{assignment}/{student}/{notebook.name}/{grade.cell.name}"
            waiting_again = grade.manual_score is not None and grade.needs_manual_grade
            digest = None if waiting_again else answer_hash(
                layout.autograded / student / assignment / f"{notebook.name}.ipynb", grade.cell.name)
            comment = _comment(notebook, grade.cell.name)
            settled = grade.manual_score is not None and not grade.needs_manual_grade
            known[key] = {"sha256": digest, "score": grade.manual_score if settled else None,
                          "comment": comment.manual_comment if settled and comment is not None else None}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(known, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.replace(path)


def restore(layout: CourseLayout, assignments: list[str]) -> list[str]:
    """Settle again every written answer that waits for a manual grade although its text is the one
    graded (after a stock ``nbgrader autograde --force``); returns "assignment/learner/notebook/cell" of each."""
    from nbgrader.api import Gradebook

    path = _fingerprint_path(layout)
    if not path.is_file():
        return []
    known = json.loads(path.read_text(encoding="utf-8"))
    restored = []
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        for assignment, student, notebook, grade in _written_grades(gradebook, assignments):
            key = f"{assignment}/{student}/{notebook.name}/{grade.cell.name}"
            before = known.get(key)
            if not grade.needs_manual_grade or not before or before["sha256"] is None:
                continue
            score = grade.manual_score if grade.manual_score is not None else before["score"]
            if score is None:
                continue
            now = answer_hash(layout.autograded / student / assignment / f"{notebook.name}.ipynb", grade.cell.name)
            if now != before["sha256"]:
                continue
            grade.manual_score = score
            grade.needs_manual_grade = False
            comment = _comment(notebook, grade.cell.name)
            if comment is not None and comment.manual_comment is None and before["comment"] is not None:
                comment.manual_comment = before["comment"]
            restored.append(key)
        gradebook.db.commit()
    return restored
