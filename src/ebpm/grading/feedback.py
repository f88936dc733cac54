"""Japanese feedback pages for learners, made by stock ``nbgrader generate_feedback``.

The course's nbgrader_config.py adds ``ClearHiddenTests`` to the feedback preprocessors, but a
failing test's traceback still prints the hidden lines around the failing line. This step runs
nbgrader's generate_feedback through ``feedback_app`` (which adds ``hidden.ClearHiddenTracebacks``)
with the Japanese template in ``templates/ebpm_feedback`` (a translation of nbgrader's own), then
proves, page by page, that no line of a hidden test reached the HTML.
"""
from __future__ import annotations

import ast
import html
import re
import textwrap
import subprocess
import sys
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


def generate(layout: CourseLayout, assignment: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Feedback HTML for every autograded learner of ``assignment``."""
    command = [sys.executable, "-m", "ebpm.grading.feedback_app", assignment, "--force", *template_options()]
    return subprocess.run(command, cwd=layout.root, env=nbgrader_env(), capture_output=True, text=True,
                          timeout=timeout)


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
    text = page.read_text(encoding="utf-8")
    return [html.unescape(re.sub(r"<[^>]+>", "", block)) for block in re.findall(r"<pre[^>]*>(.*?)</pre>", text, re.S)]


def page_text(page: Path) -> str:
    """The visible text of an HTML page (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def leaked_hidden_tests(layout: CourseLayout, assignment: str) -> list[str]:
    """Pages that show a hidden test (empty when every page is clean).

    A page leaks when it shows the hidden-test marker or a whole statement of a hidden test that the
    learner did not write themselves (a learner's own ``import re`` is theirs to see)."""
    problems = []
    secrets_of: dict[str, dict[str, str]] = {}
    for page in sorted((layout.feedback).glob(f"*/{assignment}/*.html")):
        source = layout.source / assignment / f"{page.stem}.ipynb"
        if page.stem not in secrets_of:
            secrets_of[page.stem] = hidden_statements(source) if source.is_file() else {}
        student = page.relative_to(layout.feedback).parts[0]
        own = _learner_statements(layout.autograded / student / assignment / f"{page.stem}.ipynb")
        secrets = {key: code for key, code in secrets_of[page.stem].items() if key not in own}
        blocks = page_code(page)
        leaked = ["BEGIN HIDDEN TESTS"] if any("BEGIN HIDDEN TESTS" in block for block in blocks) else []
        if secrets and not leaked:
            shown: set[str] = set()
            for block in blocks:
                shown |= set(_statements(block))
            leaked = [code for key, code in secrets.items() if key in shown]
        if leaked:
            problems.append(f"{page.relative_to(layout.feedback)}: 非公開テストが見えています（{leaked[0]}）")
    return problems

