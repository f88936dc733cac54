"""Japanese feedback pages for learners, made by stock ``nbgrader generate_feedback``.

The course's nbgrader_config.py adds ``ClearHiddenTests`` to the feedback preprocessors, but a
failing test's traceback still prints the hidden lines around the failing line. This step runs
nbgrader's generate_feedback through ``feedback_app`` (which adds ``hidden.ClearHiddenTracebacks``)
with the Japanese template in ``templates/ebpm_feedback`` (a translation of nbgrader's own), then
proves, page by page, that no line of a hidden test reached the HTML.
"""
from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import nbformat

from ebpm.grading.layout import CourseLayout
from ebpm.grading.runner import nbgrader_env

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAME = "ebpm_feedback"
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def template_options() -> list[str]:
    return [f"--HTMLExporter.template_name={TEMPLATE_NAME}",
            f"--HTMLExporter.extra_template_basedirs={TEMPLATES}"]


def generate(layout: CourseLayout, assignment: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Feedback HTML for every autograded learner of ``assignment``."""
    command = [sys.executable, "-m", "ebpm.grading.feedback_app", assignment, "--force", *template_options()]
    return subprocess.run(command, cwd=layout.root, env=nbgrader_env(), capture_output=True, text=True,
                          timeout=timeout)


def hidden_test_lines(source_notebook: Path) -> list[str]:
    """Lines that appear only inside the hidden-test markers of an instructor notebook."""
    notebook = nbformat.read(source_notebook, as_version=4)
    hidden, visible = [], []
    for cell in notebook.cells:
        for block in _HIDDEN.findall(cell.source):
            hidden.extend(line.strip() for line in block.splitlines() if len(line.strip()) > 8)
        visible.append(_HIDDEN.sub("", cell.source))
    shown = "\n".join(visible)
    return [line for line in hidden if line not in shown]


def page_text(page: Path) -> str:
    """The visible text of an HTML page (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def leaked_hidden_tests(layout: CourseLayout, assignment: str) -> list[str]:
    """Pages that show a hidden test (empty when every page is clean)."""
    problems = []
    for page in sorted((layout.feedback).glob(f"*/{assignment}/*.html")):
        source = layout.source / assignment / f"{page.stem}.ipynb"
        text = page_text(page)
        secrets = ["BEGIN HIDDEN TESTS", *hidden_test_lines(source)] if source.is_file() else ["BEGIN HIDDEN TESTS"]
        leaked = [line for line in secrets if line in text]
        if leaked:
            problems.append(f"{page.relative_to(layout.feedback)}: 非公開テストが見えています（{leaked[0]}）")
    return problems
