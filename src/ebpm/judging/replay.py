"""Replay a solution notebook once and try answers at each answer cell from the state there.

``python -m ebpm.judging.replay`` reads a job (JSON on stdin) and writes the results (JSON on
stdout). It runs the notebook's code cells in one IPython shell, as a kernel would (inline plots,
the course's cell-run record). At each answer cell it forks: the child runs a case's code or a mutant
instead of the reference answer, then the cells up to the next answer cell, and reports each test
cell's outcome (an error, or anything on stderr, loses the points as under nbgrader) and a
fingerprint of the answer variables. The parent then runs the reference answer and goes on, so
every try starts from the exact state a learner's answer meets, without re-running the notebook.
"""
from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CHILD_SECONDS = 60


def solution_region(source: str) -> tuple[str, str, str]:
    """(before, solution, after) of an answer cell's source."""
    if BEGIN not in source or END not in source:
        return "", source, ""
    before, rest = source.split(BEGIN, 1)
    solution, after = rest.split(END, 1)
    return before + BEGIN + "\n", solution.strip("\n"), "\n" + END + after


def assigned_names(source: str) -> list[str]:
    """Top-level names an answer assigns, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name not in names:
            names.append(node.name)  # an answer may be a function the learner writes
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and name.id not in names:
                    names.append(name.id)
    return names


def fingerprint(value: Any) -> str:
    """A text that is equal for equal answers (tables, numbers, plots) and differs otherwise."""
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return "frame:" + value.to_csv()
    if isinstance(value, pd.Series):
        return f"series:{value.name}:" + value.to_csv()
    if isinstance(value, (bool, np.bool_)):
        return f"bool:{bool(value)}"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"number:{float(value)!r}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(fingerprint(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{fingerprint(v)}" for k, v in value.items()) + "}"
    if isinstance(value, np.ndarray):
        return "array:" + repr(value.tolist())
    if hasattr(value, "__code__"):
        return _function_fingerprint(value)
    module = type(value).__module__
    if module.startswith("matplotlib"):
        return _plot_fingerprint(value)
    return f"{type(value).__name__}:{value!r}"


def _function_fingerprint(function: Any) -> str:
    """A learner's function by what it does: its compiled code and default values.

    Its repr holds a memory address that every forked try reuses, so two different functions
    would look the same; two functions with the same code and defaults behave the same.
    """
    import hashlib
    import marshal

    code = function.__code__
    defaults = repr(getattr(function, "__defaults__", None))
    digest = hashlib.sha256(marshal.dumps(code.replace(co_filename="", co_name="", co_qualname="")) + defaults.encode())
    return f"function:{digest.hexdigest()}"


def _plot_fingerprint(value: Any) -> str:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    axes = value.axes if isinstance(value, Figure) else [value] if isinstance(value, Axes) else []
    parts = []
    for ax in axes:
        parts.append(repr((ax.get_title(), ax.get_xlabel(), ax.get_ylabel())))
        parts += [repr(line.get_xydata().tolist()) for line in ax.get_lines()]
        parts += [repr((p.get_x(), p.get_y(), p.get_width(), p.get_height())) for p in ax.patches if hasattr(p, "get_width")]
        parts += [repr(c.get_offsets().tolist()) for c in ax.collections if hasattr(c, "get_offsets")]
        parts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return f"plot:{type(value).__name__}:" + "|".join(parts)


class Replay:
    def __init__(self, notebook: Path) -> None:
        import nbformat
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        self.cells = nbformat.read(notebook, as_version=4).cells
        config = Config()
        config.HistoryManager.enabled = False  # no history thread: the process forks
        class Shell(InteractiveShell):
            def enable_gui(self, gui=None):  # the inline backend needs no event loop
                return None

        self.shell = Shell.instance(config=config)
        self.shell.run_line_magic("matplotlib", "inline")
        from ebpm import cellrecord

        cellrecord.install()  # ebpm was imported before this shell existed

    def run(self, source: str) -> tuple[bool, str]:
        """Run one cell as a kernel would; (passed, what the learner would read if it failed)."""
        stderr, stdout = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            result = self.shell.run_cell(source, store_history=True)
        self.last_output = stdout.getvalue()
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            text = getattr(error, "text", None) or f"{type(error).__name__}: {error}"
            return False, str(text)
        if stderr.getvalue().strip():
            return False, "標準エラーへの出力: " + stderr.getvalue().strip()[:300]
        return True, ""

    def answer_cells(self) -> list[int]:
        return [i for i, cell in enumerate(self.cells) if _meta(cell).get("solution") and cell.cell_type == "code"]

    def tests_after(self, index: int) -> list[int]:
        """Cells run after the answer cell at ``index`` up to the next answer cell."""
        following = []
        for position in range(index + 1, len(self.cells)):
            cell = self.cells[position]
            if cell.cell_type != "code":
                continue
            if _meta(cell).get("solution"):
                break
            following.append(position)
        return following

    def table_columns(self) -> list[list[str]]:
        import pandas as pd

        return [[str(c) for c in value.columns] for name, value in self.shell.user_ns.items()
                if isinstance(value, pd.DataFrame) and not name.startswith("_")]

    def try_answer(self, index: int, source: str, names: list[str]) -> dict:
        """Fork, run ``source`` as the answer cell and the cells after it; return what happened."""
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read)
            signal.alarm(CHILD_SECONDS)
            report: dict[str, Any] = {"tests": {}}
            try:
                self.run(source)
                namespace = self.shell.user_ns
                report["fingerprint"] = [fingerprint(namespace[n]) if n in namespace else "<missing>" for n in names]
                for position in self.tests_after(index):
                    cell = self.cells[position]
                    passed, message = self.run(cell.source)
                    if _meta(cell).get("grade"):
                        report["tests"][_meta(cell)["grade_id"]] = {"passed": passed, "message": message,
                                                                    "output": self.last_output[-2000:]}
            except BaseException as error:  # noqa: BLE001 - reported, never raised in the child
                report["crash"] = f"{type(error).__name__}: {error}"
            with os.fdopen(write, "w", encoding="utf-8") as pipe:
                json.dump(report, pipe, ensure_ascii=False)
            os._exit(0)
        os.close(write)
        with os.fdopen(read, encoding="utf-8") as pipe:
            text = pipe.read()
        _, status = os.waitpid(pid, 0)
        if not text:
            return {"tests": {}, "crash": f"時間切れ、または異常終了（{status}）"}
        return json.loads(text)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def replay(job: dict) -> dict:
    """Run one notebook; at each answer cell try the job's cases and (if asked) its mutants."""
    from ebpm.judging import mutate

    os.chdir(job["workdir"])
    started = time.perf_counter()
    book = Replay(Path(job["notebook"]))
    cases_by_answer: dict[str, list[dict]] = {}
    for case in job.get("cases", []):
        cases_by_answer.setdefault(case["answer"], []).append(case)
    results: dict[str, Any] = {"answers": {}, "reference": {}}
    answers = set(book.answer_cells())
    for index, cell in enumerate(book.cells):
        if cell.cell_type != "code":
            continue
        if index not in answers:
            passed, message = book.run(cell.source)
            if _meta(cell).get("grade"):
                results["reference"][_meta(cell)["grade_id"]] = {"passed": passed, "message": message}
            continue
        grade_id = _meta(cell)["grade_id"]
        clock = time.perf_counter()
        before, solution, after = solution_region(cell.source)
        names = assigned_names(solution)
        entry: dict[str, Any] = {"tests": [book.cells[i].metadata["nbgrader"]["grade_id"] for i in book.tests_after(index)
                                           if _meta(book.cells[i]).get("grade")],
                                 "cases": {}, "mutants": []}
        for case in cases_by_answer.get(grade_id, []):
            entry["cases"][case["id"]] = book.try_answer(index, case["code"], names)
        tried = []
        if job.get("mutate"):
            for mutant in mutate.mutants(solution, book.table_columns()):
                outcome = book.try_answer(index, before + mutant.source + after, names)
                tried.append((mutant, outcome))
        if job.get("inject"):
            entry["injected"] = inject_errors(book, index, before, solution, after, names)
        passed, message = book.run(cell.source)
        reference_print = [fingerprint(book.shell.user_ns[n]) if n in book.shell.user_ns else "<missing>" for n in names]
        for mutant, outcome in tried:
            entry["mutants"].append({
                "operator": mutant.operator, "diff": mutant.diff,
                "status": _status(outcome, reference_print, entry["tests"]),
            })
        entry["seconds"] = round(time.perf_counter() - clock, 2)
        results["answers"][grade_id] = entry
    results["seconds"] = round(time.perf_counter() - started, 2)
    return results


def inject_errors(book: Replay, index: int, before: str, solution: str, after: str, names: list[str]) -> list[dict]:
    """Try each beginner error of ``ebpm.judging.inject`` at this answer; what the test cells said."""
    from ebpm.judging import inject

    tried = []
    for error in inject.injections(solution, book.shell.user_ns):
        outcome = book.try_answer(index, before + error.source + after, names)
        tried.append({**error.as_dict(), "tests": outcome.get("tests", {}), "crash": outcome.get("crash", "")})
    return tried


def _status(outcome: dict, reference_print: list[str], tests: list[str]) -> str:
    if outcome.get("fingerprint") == reference_print:
        return "equivalent"
    if outcome.get("crash") or not tests:
        return "killed" if tests else "untested"
    if all(outcome["tests"].get(t, {}).get("passed") for t in tests):
        return "survived"
    return "killed"


def main() -> None:
    job = json.load(sys.stdin)
    out = sys.stdout
    sys.stdout = io.StringIO()  # keep whatever the notebook prints out of the JSON answer
    results = replay(job)
    json.dump(results, out, ensure_ascii=False)


if __name__ == "__main__":
    main()
