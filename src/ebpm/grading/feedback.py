"""Japanese feedback pages for learners, made by stock ``nbgrader generate_feedback``.

The course's nbgrader_config.py adds ``ClearHiddenTests`` to the feedback preprocessors, but a
failing test's traceback still prints the hidden lines around the failing line. This step runs
nbgrader's generate_feedback through ``feedback_app`` (which adds ``hidden.ClearHiddenTracebacks``)
with the Japanese template in ``templates/ebpm_feedback`` (a translation of nbgrader's own) into a
staging folder, then checks page by page that no line of a hidden test reached the HTML before a page
is put in the feedback folder (from where nbgrader's release_feedback and the bundles take it). A page
that shows one, because of what the learner's code printed or for any other reason, is never published:
a short Japanese notice takes its place, and the batch flags the submission.
"""
from __future__ import annotations

import ast
import html
import os
import re
import tempfile
import textwrap
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ebpm.grading import codecheck
from ebpm.grading.layout import CourseLayout
from ebpm.grading.runner import nbgrader_env

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAME = "ebpm_feedback"
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
_TRACEBACK_NUMBER = re.compile(r"^\s*-*>?\s*\d+\s")  # "----> 8 " or "      8 " before a quoted line


def template_options() -> list[str]:
    return [f"--HTMLExporter.template_name={TEMPLATE_NAME}",
            f"--HTMLExporter.extra_template_basedirs={TEMPLATES}"]


@dataclass(frozen=True)
class Leak:
    student: str
    notebook: str
    shown: str  # the hidden-test text the page would have shown
    assignment: str = ""

    def message(self, assignment: str) -> str:
        return (f"{self.student}/{assignment}/{self.notebook}.html: フィードバックに非公開テストが含まれるため、"
                f"このページは渡さず、お知らせのページに替えました（{self.shown[:120]}）")


WITHHELD = ("<!DOCTYPE html><html lang='ja'><head><meta charset='utf-8'><title>フィードバック（{title}）</title></head>"
            "<body><h1>{title}</h1><p>このノートブックのフィードバックは、採点の都合でこのページではお渡しできません。"
            "得点は一覧のページのとおりです。内容については講師にお問い合わせください。</p></body></html>")


def generate(layout: CourseLayout, assignment: str, timeout: float = 1800) -> list[Leak]:
    """Feedback HTML for every autograded learner of ``assignment``; returns the pages withheld for
    showing hidden-test text (each replaced by a notice in the feedback folder)."""
    layout.feedback.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".feedback-staging-", dir=layout.feedback.parent) as staging:
        command = [sys.executable, "-m", "ebpm.grading.feedback_app", assignment, "--force", *template_options(),
                   f"--CourseDirectory.feedback_directory={staging}"]
        subprocess.run(command, cwd=layout.root, env=nbgrader_env(), capture_output=True, text=True, timeout=timeout)
        leaks = leaks_in(layout, assignment, Path(staging))
        withheld = {(leak.student, leak.notebook) for leak in leaks}
        for page in sorted(Path(staging).glob(f"*/{assignment}/*")):
            target = layout.feedback / page.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            if page.suffix == ".html" and (page.relative_to(staging).parts[0], page.stem) in withheld:
                target.write_text(WITHHELD.format(title=html.escape(page.stem)), encoding="utf-8")
            elif page.is_file():
                os.replace(page, target)
    return leaks


def _statements(code: str) -> dict[str, str]:
    """Every statement (nested ones too) of a piece of code: layout-independent key → its code; line by
    line when the whole does not parse (a traceback quotes single numbered lines)."""
    statements = codecheck.parse_cell(code)
    if not statements:
        statements = []
        for line in code.splitlines():
            try:
                statements += codecheck.parse(_TRACEBACK_NUMBER.sub("", line).strip())
            except (SyntaxError, ValueError):
                pass
    return {codecheck.statement_key(node): ast.unparse(node) for s in statements for node in ast.walk(s)
            if isinstance(node, ast.stmt)}


def hidden_statements(source_notebook: Path) -> dict[str, str]:
    """The statements of the hidden tests that appear nowhere else in the instructor notebook."""
    notebook = nbformat.read(source_notebook, as_version=4)
    hidden: dict[str, str] = {}
    visible: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for block in _HIDDEN.findall(cell.source):
            hidden.update(_statements(textwrap.dedent(block)))
        visible |= set(_statements(_HIDDEN.sub("", cell.source)))
    return {key: code for key, code in hidden.items() if key not in visible}


def _learner_statements(autograded_notebook: Path) -> set[str]:
    """Statements of the cells the learner wrote (not the test cells, which nbgrader restored)."""
    if not autograded_notebook.is_file():
        return set()
    notebook = nbformat.read(autograded_notebook, as_version=4)
    keys: set[str] = set()
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and not (meta.get("grade") and not meta.get("solution")):
            keys |= set(_statements(cell.source))
    return keys


def page_code(page: Path) -> list[str]:
    """The code and output blocks (``<pre>``) of a feedback page, as plain text."""
    return _blocks(page.read_text(encoding="utf-8"))


def _blocks(text: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", block)) for block in re.findall(r"<pre[^>]*>(.*?)</pre>", text, re.S)]


def page_text(page: Path) -> str:
    """The visible text of an HTML page (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def leaked_hidden_tests(layout: CourseLayout, assignment: str) -> list[str]:
    """Pages of the feedback folder that show a hidden test (empty when every page is clean)."""
    return [leak.message(assignment) for leak in leaks_in(layout, assignment, layout.feedback)]


def leaks_in(layout: CourseLayout, assignment: str, folder: Path) -> list[Leak]:
    """Feedback pages under ``folder`` (``<student>/<assignment>/<notebook>.html``) that show a hidden test.

    A page leaks when it shows the hidden-test marker or a whole statement of a hidden test that the
    learner did not write themselves (a learner's own ``import re`` is theirs to see)."""
    found = []
    for page in sorted(folder.glob(f"*/{assignment}/*.html")):
        student = page.relative_to(folder).parts[0]
        shown = shown_hidden_tests(layout, assignment, student, page.stem, page.read_text(encoding="utf-8"))
        if shown:
            found.append(Leak(student, page.stem, shown))
    return found


_SECRETS: dict[tuple[str, float], dict[str, str]] = {}


def _hidden_of(source: Path) -> dict[str, str]:
    if not source.is_file():
        return {}
    key = (str(source), source.stat().st_mtime)
    if key not in _SECRETS:
        _SECRETS[key] = hidden_statements(source)
    return _SECRETS[key]


def shown_hidden_tests(layout: CourseLayout, assignment: str, student: str, notebook: str, page_html: str) -> str:
    """The first hidden-test text an HTML page about ``student``'s ``notebook`` would show ("" if none)."""
    secrets = _hidden_of(layout.source / assignment / f"{notebook}.ipynb")
    own = _learner_statements(layout.autograded / student / assignment / f"{notebook}.ipynb")
    secrets = {key: code for key, code in secrets.items() if key not in own}
    blocks = _blocks(page_html)
    if "BEGIN HIDDEN TESTS" in html.unescape(page_html):  # anywhere on the page, in any form
        return "BEGIN HIDDEN TESTS"
    if secrets:
        shown: set[str] = set()
        for block in blocks:
            shown |= set(_statements(block))
        leaked = [code for key, code in secrets.items() if key in shown]
        if leaked:
            return leaked[0]
    return ""
