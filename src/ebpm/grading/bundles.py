"""Feedback for learners without a hub: one folder and one zip per learner, named by the learner.

``_grading/feedback_bundles/<氏名>/`` holds ``index.html`` (each assignment's notebooks with
score, full marks and a link to the notebook's feedback page, notebooks not handed in, the
instructor's comments, the total) and the feedback pages made by ``ebpm grade``
(``<assignment>/<notebook>.html``); ``<氏名>.zip`` is the same folder to attach to a mail. Every page and
every instructor's comment is checked for hidden-test text before it goes into a bundle; one that shows
some is replaced by a notice (``feedback.WITHHELD``) and reported.
"""
from __future__ import annotations

import html
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ebpm.evaluation import is_evaluation
from ebpm.grading import learners as learner_table
from ebpm.grading.layout import CourseLayout

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def file_name(name: str, student: str) -> str:
    """A file name from a learner's name that Windows, macOS and zip all accept."""
    cleaned = _UNSAFE.sub("_", learner_table.display_form(name)).strip(". ")
    return cleaned or student


@dataclass
class NotebookRow:
    name: str
    title: str
    score: float | None
    max_score: float
    handed_in: bool
    page: str | None
    comments: list[tuple[str, str]] = field(default_factory=list)
    waiting: int = 0  # written answers not graded yet


def _title(assignment: str, notebook: str | None = None) -> str:
    """The catalogue's title of an assignment, or of one of its notebooks."""
    from ebpm import catalog

    try:
        entry = catalog.assignment(assignment)
    except KeyError:
        return notebook or assignment
    if notebook is None:
        return entry.title
    return next((n.title for n in entry.notebooks if n.file == notebook), notebook)


def _exercise_titles(layout: CourseLayout, assignment: str, notebook: str) -> dict[str, str]:
    """grade id → exercise title, from the learner version (what the learner saw)."""
    import nbformat

    from ebpm.grading.feedback_pages import exercise_titles

    for folder in (layout.release, layout.source):
        path = folder / assignment / f"{notebook}.ipynb"
        if path.is_file():
            return exercise_titles(nbformat.read(path, as_version=4))
    return {}


def _rows(layout: CourseLayout, gradebook, assignment: str, student: str) -> list[NotebookRow] | None:
    from nbgrader.api import MissingEntry

    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return None
    submitted = layout.submitted / student / assignment
    rows = []
    for notebook in sorted(submission.notebooks, key=lambda n: n.name):
        page = layout.feedback / student / assignment / f"{notebook.name}.html"
        handed_in = (submitted / f"{notebook.name}.ipynb").is_file()
        titles = _exercise_titles(layout, assignment, notebook.name)
        comments = [(titles.get(c.cell.name, c.cell.name), c.manual_comment) for c in notebook.comments
                    if (c.manual_comment or "").strip()]
        rows.append(NotebookRow(notebook.name, _title(assignment, notebook.name),
                                float(notebook.score) if handed_in else None, float(notebook.max_score), handed_in,
                                f"{assignment}/{notebook.name}.html" if handed_in and page.is_file() else None,
                                comments, sum(1 for g in notebook.grades if g.needs_manual_grade) if handed_in else 0))
    return rows


def index_html(name: str, sections: dict[str, list[NotebookRow] | None]) -> str:
    parts = [f"<!DOCTYPE html><html lang='ja'><head><meta charset='utf-8'><title>{html.escape(name)} さんのフィードバック"
             "</title><style>body{font-family:'Hiragino Sans','Noto Sans JP','Yu Gothic',Meiryo,sans-serif;margin:2em;}"
             "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.3em .7em}"
             "th{background:#eef3f7}.missing{color:#b03a2e}</style></head><body>",
             f"<h1>{html.escape(name)} さんのフィードバック</h1>",
             "<p>ノートブックの名前を押すと、設問ごとの得点とテストの結果（どこが違ったかとヒント）が開きます。</p>"]
    total = full = 0.0
    for assignment, rows in sections.items():
        parts.append(f"<h2>{html.escape(_title(assignment))}</h2>")
        if rows is None:
            parts.append("<p class='missing'>この課題は提出されていません。</p>")
            continue
        parts.append("<table><tr><th>ノートブック</th><th>得点</th><th>満点</th><th>状態</th></tr>")
        for row in rows:
            title = html.escape(row.title)
            link = f"<a href='{html.escape(row.page)}'>{title}</a>" if row.page else title
            status = "提出済み" if row.handed_in else "<span class='missing'>未提出</span>"
            if row.waiting:
                status += f"（記述問題 {row.waiting} 問は採点中です。点数はまだ入っていません）"
            score = f"{row.score:g}" if row.score is not None else "0"
            parts.append(f"<tr><td>{link}</td><td>{score}</td><td>{row.max_score:g}</td><td>{status}</td></tr>")
            if not is_evaluation(assignment):   # the skills check measures the course: not in the learner's total
                total += row.score or 0.0
                full += row.max_score
        parts.append("</table>")
        missing = [row.title for row in rows if not row.handed_in]
        if missing:
            parts.append("<p class='missing'>提出されていないノートブック: " + html.escape("、".join(missing)) + "</p>")
        comments = [(row.title, cell, text) for row in rows for cell, text in row.comments]
        if comments:
            parts.append("<h3>講師からのコメント</h3><ul>")
            parts += [f"<li><b>{html.escape(title)}</b>（{html.escape(cell)}）: {html.escape(text)}</li>"
                      for title, cell, text in comments]
            parts.append("</ul>")
    parts.append(f"<h2>合計</h2><p>{total:g} 点 / {full:g} 点満点（提出した課題の合計。効果測定のスキルチェックは含みません）</p></body></html>")
    return "\n".join(parts)


def _withhold_hidden(layout: CourseLayout, student: str, sections: dict[str, list[NotebookRow] | None],
                     withheld: list) -> dict[tuple[str, str], str]:
    """The pages of a bundle to copy (assignment, page) → their HTML, with hidden-test text kept out:
    a leaking page becomes a notice, a leaking comment is left out; each is added to ``withheld``."""
    from ebpm.grading import feedback

    pages = {}
    for assignment, rows in sections.items():
        for row in rows or []:
            for index, (cell, text) in enumerate(row.comments):
                shown = feedback.shown_hidden_tests(layout, assignment, student, row.name,
                                                    f"<pre>{html.escape(text)}</pre>")
                if shown:
                    row.comments[index] = (cell, "（採点用の非公開テストを含むため、このコメントは省きました）")
                    withheld.append(feedback.Leak(student, row.name, shown, assignment))
            if row.page:
                page = (layout.feedback / student / row.page).read_text(encoding="utf-8")
                shown = feedback.shown_hidden_tests(layout, assignment, student, row.name, page)
                if shown:
                    page = feedback.WITHHELD.format(title=html.escape(row.title))
                    withheld.append(feedback.Leak(student, row.name, shown, assignment))
                pages[(assignment, row.page)] = page
    return pages


def write_bundles(layout: CourseLayout, assignments: list[str], withheld: list | None = None) -> list[Path]:
    """A folder and a zip per learner who handed in anything; returns the zips. What was kept out for
    showing hidden-test text is added to ``withheld`` (``feedback.Leak``)."""
    from nbgrader.api import Gradebook

    withheld = [] if withheld is None else withheld

    out = layout.grading / "feedback_bundles"
    known = learner_table.read_table(layout)
    zips, used = [], set()
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        for student in sorted(gradebook.students, key=lambda s: s.id):
            sections = {a: _rows(layout, gradebook, a, student.id) for a in assignments}
            # an evaluation assignment (効果測定) not handed in is not missing work: each learner takes it at their own time
            sections = {a: rows for a, rows in sections.items() if rows is not None or not is_evaluation(a)}
            if all(rows is None for rows in sections.values()):
                continue
            entry = known.get(student.id)
            name = entry.name if entry else (" ".join(n for n in (student.last_name, student.first_name) if n)
                                             or student.id)
            folder_name = file_name(name, student.id)
            if folder_name in used:  # two names that differ only in characters a file name cannot hold
                folder_name = f"{folder_name}_{student.id}"
            used.add(folder_name)
            folder = out / folder_name
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            for (assignment, page), text in _withhold_hidden(layout, student.id, sections, withheld).items():
                target = folder / page
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            (folder / "index.html").write_text(index_html(name, sections), encoding="utf-8")
            archive = folder.with_suffix(".zip")
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
                for file in sorted(folder.rglob("*")):
                    if file.is_file():
                        bundle.write(file, (Path(folder.name) / file.relative_to(folder)).as_posix())
            zips.append(archive)
    return zips
