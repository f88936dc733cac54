"""Everything an exercise asks for has been shown before it (issue #25, "a concept used before it is taught").

Read statically from the solution notebooks (no kernel, well under a second): for every autograded exercise,
- each answer variable the test cell reads is named in the prompt, so a learner knows what to create;
- each Python name the prompt's code spans expect the learner to use (`widgets.interactive(...)`,
  `control_rate`, `plt.subplots()`) is defined in a code cell above or introduced in a Markdown cell above;
- a call the prompt leaves for the learner to fill in (`widgets.IntRangeSlider(...)`) has been shown above
  with its parameters (a call with keyword arguments), or the prompt spells them out itself.
Japanese placeholders in a prompt (`表["列"]`, `指標のリスト`) are words, not names, and are not checked.
"""
from __future__ import annotations

import ast
import builtins
import importlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat
import pytest

from ebpm import course
from ebpm.judging.replay import assigned_names, solution_region

CODE_SPAN = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"\w/\w|\.\w+$")
TEST_CALL = re.compile(r"from ebpm\.exercises import (\w+) as exercises\nexercises\.(\w+)\.check")


@dataclass
class Known:
    """What a learner has met above a cell: names, dotted names, and calls shown with their parameters."""

    names: set[str] = field(default_factory=lambda: set(dir(builtins)))
    called: set[str] = field(default_factory=set)  # functions and methods, taught in this or an earlier notebook
    attributes: set[str] = field(default_factory=set)  # likewise (fit.params, ax.set_title)

    def learn_code(self, source: str) -> None:
        tree = _parse(source)
        if tree is None:
            return
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                self.names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                self.names.add(node.name)
            elif isinstance(node, ast.alias):
                self.names.add((node.asname or node.name).split(".")[0])
            elif isinstance(node, ast.arg):
                self.names.add(node.arg)
            elif isinstance(node, ast.Call):
                self.called.add(_callee(node))
            if isinstance(node, ast.Attribute):
                self.attributes.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
                self.names.add(node.value)  # a column named in code (df["paup"]) is a name met above

    def learn_text(self, text: str) -> None:
        for span in CODE_SPAN.findall(text):
            self.learn_code(span)


def _parse(source: str) -> ast.Module | None:
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _callee(node: ast.Call) -> str:
    """The last part of a called name (widgets.IntSlider → IntSlider)."""
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "?")


# Names of kinds of thing that the prose uses as words (「Series を渡します」), explained in prestudy 0.
WORDS = {"Series", "DataFrame", "Axes"}


def _is_word(name: str) -> bool:
    """A Japanese placeholder (表, 指標のリスト) or a word of the prose rather than a Python name."""
    return not name.isascii() or name in WORDS


def _spans(prompt: str) -> list[tuple[str, ast.Module]]:
    """The prompt's code spans that read as Python (a path such as `out/brief.html` or `hh:mm` does not)."""
    spans = []
    for span in CODE_SPAN.findall(prompt):
        tree = _parse(span)
        if tree is not None and not PATH.search(span) and not any(isinstance(n, ast.AnnAssign) for n in tree.body):
            spans.append((span, tree))
    return spans


def _introduced(spans: list[tuple[str, ast.Module]], answers: set[str], known_attributes: set[str]) -> set[str]:
    """Names the prompt itself gives the learner: a name written alone (`total`: …, `groupby`), a name it
    has the learner assign or loop over, the parameters of a function it has the learner write."""
    made = set(answers)
    for span, tree in spans:
        if span.strip().isidentifier():
            made.add(span.strip())
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                made.add(node.id)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                made.add(node.func.id)  # a method the prompt names, written without its table (`idxmax()`)
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in known_attributes:
                made.add(node.value.id)  # an attribute shown above, written alone (`params["項"]`)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in answers:
                made |= {a.id for a in node.args if isinstance(a, ast.Name)}  # select_indicator(indicator, area, years)
    return made


def prompt_problems(prompt: str, known: Known, answers: set[str]) -> list[str]:
    """What the prompt expects the learner to use that nothing above has shown."""
    problems = []
    for name in sorted(answers):
        if not re.search(rf"`[^`]*\b{re.escape(name)}\b[^`]*`", prompt):
            problems.append(f"答えの変数 {name} が問題文に書かれていません")
    spans = _spans(prompt)
    introduced = _introduced(spans, answers, known.attributes)
    for span, tree in spans:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and not _is_word(node.id) \
                    and node.id not in known.names | introduced:
                problems.append(f"`{span}` の {node.id} が、上のセルで定義も説明もされていません")
            if isinstance(node, ast.Call) and any(isinstance(a, ast.Constant) and a.value is Ellipsis for a in node.args) \
                    and not node.keywords and _callee(node) not in known.called | set(dir(builtins)) | introduced:
                problems.append(f"`{span}` の {_callee(node)}(...) は、上のセルで一度も使われておらず、"
                                "引数（パラメータ）の書き方が示されていません")
    return problems


def exercise_prompts(notebook: Path, taught: Known | None = None) -> list[tuple[str, str, Known, set[str]]]:
    """(grade id, prompt, what is known above the prompt, answer variables) for each autograded exercise.

    ``taught`` holds the functions and attributes of the notebooks before this one (the course builds on
    them); names of variables and imports count only from this notebook, whose kernel starts empty.
    """
    cells = _cells(notebook)
    known = Known()
    if taught is not None:
        known.called |= taught.called
        known.attributes |= taught.attributes
    found = []
    for index, cell in enumerate(cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and str(meta.get("grade_id", "")).endswith("-prompt"):
            answer = next((c for c in cells[index + 1:] if c.metadata.get("nbgrader", {}).get("solution")), None)
            test = next((c for c in cells[index + 1:] if TEST_CALL.search(c.source)), None)
            if test is not None and answer is not None:
                module, name = TEST_CALL.search(test.source).groups()
                exercise = getattr(importlib.import_module(f"ebpm.exercises.{module}"), name)
                # the variables the answer cell makes (an exercise may also read a parameter such as SEED)
                made = set(exercise.variables) & set(assigned_names(solution_region(answer.source)[1]))
                found.append((meta["grade_id"], cell.source, _copy(known), made))
        if cell.cell_type == "code":
            known.learn_code(cell.source)
        else:
            known.learn_text(cell.source)
    return found


def _copy(known: Known) -> Known:
    return Known(set(known.names), set(known.called), set(known.attributes))


@cache
def _cells(notebook: Path) -> list:
    return nbformat.read(notebook, as_version=4).cells


@cache
def taught_before(notebook: Path) -> Known:
    """The functions and attributes that the notebooks before ``notebook`` (in course order) use."""
    position = NOTEBOOKS.index(notebook)
    taught = _copy(taught_before(NOTEBOOKS[position - 1])) if position else Known()
    if position:
        for cell in _cells(NOTEBOOKS[position - 1]):
            (taught.learn_code if cell.cell_type == "code" else taught.learn_text)(cell.source)
    return taught


NOTEBOOKS = course.solution_notebooks()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda n: f"{n.parent.name}/{n.stem}")
def test_every_name_a_prompt_expects_is_shown_above_it(notebook):
    problems = [f"{grade_id}: {problem}" for grade_id, prompt, known, answers
                in exercise_prompts(notebook, taught_before(notebook))
                for problem in prompt_problems(prompt, known, answers)]
    assert not problems, "\n".join(problems)


def test_a_name_never_shown_is_found():
    known = Known()
    known.learn_code("import ipywidgets as widgets\nrows = [1]")
    prompt = "関数 `plot(rows)` を作り、`widgets.interactive(plot, years=widgets.IntRangeSlider(...))` を変数 `tool` に入れます。`total.sum()` を使います。"
    problems = prompt_problems(prompt, known, {"tool", "plot"})
    assert problems == ["`widgets.interactive(plot, years=widgets.IntRangeSlider(...))` の IntRangeSlider(...) は、"
                        "上のセルで一度も使われておらず、引数（パラメータ）の書き方が示されていません",
                        "`total.sum()` の total が、上のセルで定義も説明もされていません"]
    assert prompt_problems("答えを作ってください。", known, {"tool"}) == ["答えの変数 tool が問題文に書かれていません"]


def test_names_shown_above_pass():
    known = Known()
    known.learn_code("import ipywidgets as widgets\nslider = widgets.IntRangeSlider(value=(1, 2), min=0, max=9)")
    known.learn_text("`control_rate` は比較群の受診率です。")
    prompt = "`widgets.IntRangeSlider(...)` と `control_rate` を使い、変数 `answer` に入れます。`表[\"列\"]` の形です。"
    assert prompt_problems(prompt, known, {"answer"}) == []
