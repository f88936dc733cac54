"""`ebpm check`: prove that every notebook runs and that every exercise test means something.

For each instructor notebook, a short list of steps (each one function):
1. ``execute_solution``: run it with papermill from a fresh temporary folder; nothing may be
   written to stderr (a warning would score a test cell 0 in nbgrader).
2. ``validate_executed``: nbgrader's Validator passes that execution.
3. ``execute_learner``: run the learner version; the only errors allowed are
   ``NotImplementedError`` in answer cells and the failures this causes in test cells.
4. ``validate_executed(invert=True)``: ``Validator(invert=True)`` passes, so no test passes on the stubs.

The Validator judges the execution of steps 1 and 3 (its own clear-and-execute preprocessors
are switched off), so each notebook runs twice, not four times; stock nbgrader's own execution
is proven by the round trip in tests/test_roundtrip.py.

Notebooks run in parallel, one fresh process per run so that the kernel's peak memory can be
read exactly from the operating system (``RUSAGE_CHILDREN``).
"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from ebpm import course
from ebpm.errors import lost_kernel_port_race

STUB_ERROR = "NotImplementedError"
CELL_TIMEOUT = 120  # seconds a cell may run (the slowest course cell takes a few seconds)


@dataclass
class RunResult:
    """What one execution of one notebook showed."""

    notebook: str
    variant: str  # "solution" or "learner"
    seconds: float = 0.0
    peak_mb: float = 0.0
    points: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _points(notebook) -> float:
    return float(sum(_nbgrader_meta(c).get("points", 0) for c in notebook.cells if _nbgrader_meta(c).get("grade")))


def _cell_label(index: int, cell) -> str:
    grade_id = _nbgrader_meta(cell).get("grade_id")
    return f"セル {index + 1}" + (f"（{grade_id}）" if grade_id else "")


def _stderr_problems(notebook) -> list[str]:
    problems = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = "".join(output.get("text", "")).strip().splitlines()
                problems.append(f"{_cell_label(index, cell)}: 標準エラー出力に書き込みがあります: {text[0] if text else ''}")
    return problems


def _kernel_env() -> dict:
    env = dict(os.environ)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def execute_solution(source: Path, workdir: Path) -> tuple[object, list[str]]:
    """Run the instructor notebook with papermill from ``workdir``."""
    import logging

    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.ERROR)
    output = workdir / source.name
    problems: list[str] = []
    try:
        papermill.execute_notebook(
            str(source), str(output), cwd=str(workdir), kernel_name="python3",
            progress_bar=False, log_output=False, report_mode=False, execution_timeout=CELL_TIMEOUT,
        )
    except PapermillExecutionError as error:
        problems.append(f"セル {error.exec_count or error.cell_index + 1}: {error.ename}: {error.evalue}")
    except Exception as error:  # the kernel died, a timeout, a broken notebook file
        problems.append(f"{type(error).__name__}: {error}")
    if not output.exists():
        return None, problems
    executed = nbformat.read(output, as_version=4)
    if not problems:
        problems.extend(_stderr_problems(executed))
    return executed, problems


def _validator(invert: bool):
    from nbgrader.validator import Validator

    validator = Validator(config=course.nbgrader_config())
    validator.invert = invert
    validator.preprocessors = []  # judge the execution we already have (see the module docstring)
    validator.log.setLevel("CRITICAL")
    return validator


def _describe_validation(results: dict) -> list[str]:
    problems = []
    for kind, cells in results.items():
        for cell in cells:
            first = (cell.get("source") or "").strip().splitlines()
            problems.append(f"Validator（{kind}）: {first[0] if first else ''} {cell.get('error', '')}".strip())
    return problems


def validate_executed(notebook, name: str, workdir: Path, invert: bool = False) -> list[str]:
    """nbgrader's Validator on an executed notebook (``invert``: no test may pass)."""
    import nbformat

    copy = workdir / ("validate_learner" if invert else "validate") / name
    copy.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, copy)
    return _describe_validation(_validator(invert=invert).validate(str(copy)))


def execute_learner(learner: Path, workdir: Path) -> tuple[object, list[str]]:
    """Run the learner version; errors are allowed only where a stub makes them."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(learner, as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(workdir)}})
    problems: list[str] = []
    try:
        client.execute(env=_kernel_env())
    except Exception as error:
        return notebook, [f"{type(error).__name__}: {error}"]
    stubs = 0
    for index, cell in enumerate(notebook.cells):
        meta = _nbgrader_meta(cell)
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if meta.get("solution"):
            stubs += 1
            if not errors or errors[0].get("ename") != STUB_ERROR:
                found = errors[0].get("ename") if errors else "エラーなし"
                problems.append(f"{_cell_label(index, cell)}: 回答セルのスタブは NotImplementedError になるはずですが {found} でした")
        elif meta.get("grade"):
            if not errors:
                problems.append(f"{_cell_label(index, cell)}: 未回答なのにテストが通りました（テストが甘い）")
        elif errors:
            problems.append(f"{_cell_label(index, cell)}: 演習以外のセルでエラー: {errors[0].get('ename')}: {errors[0].get('evalue')}")
    if not stubs and any(_nbgrader_meta(c).get("grade") for c in notebook.cells):
        problems.append("回答セルのスタブが見つかりません")
    return notebook, problems


def _transient(problem: str) -> bool:
    """A failure of the machinery, not of the notebook: a kernel that lost a race for a TCP port at
    start, or a cell whose reply never came (seen once under load in a widget cell; the kernel sat
    idle, cf. jupyter/nbclient#312). A notebook that really fails, fails again."""
    return lost_kernel_port_race(problem) or "CellTimeoutError" in problem


def _run(label: str, variant: str, path: str) -> RunResult:
    """One run in a fresh process; once more after a transient failure (see ``_transient``)."""
    result = _run_once(label, variant, path)
    if any(_transient(problem) for problem in result.problems):
        result = _run_once(label, variant, path)
    return result


def _run_once(label: str, variant: str, path: str) -> RunResult:
    """One run: execute, then validate, timing and measuring the kernel."""
    import nbformat

    # The kernel inherits this process's stderr; its start-up log lines are noise in a report.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    notebook_path = Path(path)
    result = RunResult(notebook=label, variant=variant)
    result.points = _points(nbformat.read(notebook_path, as_version=4))
    with tempfile.TemporaryDirectory(prefix="ebpm-check-") as tmp:
        workdir = Path(tmp)
        start = time.perf_counter()
        execute = execute_solution if variant == "solution" else execute_learner
        executed, problems = execute(notebook_path, workdir)
        result.seconds = time.perf_counter() - start
        if not problems:
            problems = validate_executed(executed, notebook_path.name, workdir, invert=variant != "solution")
    result.problems = problems
    result.peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def _warm_up() -> None:
    """Build matplotlib's font cache once, so no kernel reports it on stderr."""
    import matplotlib.font_manager  # noqa: F401
    import matplotlib_fontja  # noqa: F401


def check(assignments: list[str] | None = None, jobs: int | None = None, progress: bool | None = None) -> list[RunResult]:
    """Run every selected notebook (solution and learner versions) and return the results."""
    _warm_up()
    tasks = []
    for solution in course.solution_notebooks(assignments):
        label = solution.relative_to(course.solutions_dir()).as_posix()
        tasks.append((label, "solution", str(solution)))
        learner = course.learner_notebook(solution)
        if learner.exists():
            tasks.append((label, "learner", str(learner)))
        else:
            tasks.append((label, "learner-missing", str(solution)))
    jobs = jobs or os.cpu_count() or 1
    results: list[RunResult] = []
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=len(tasks), desc="ノートブックを実行中", unit="本")
    runnable = [t for t in tasks if t[1] != "learner-missing"]
    for label, variant, _ in tasks:
        if variant == "learner-missing":
            results.append(RunResult(label, "learner", problems=["学習者版がありません（`ebpm build` を実行してください）"]))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), max_tasks_per_child=1) as pool:
        futures = [pool.submit(_run, *task) for task in runnable]
        for future in as_completed(futures):
            results.append(future.result())
            if bar:
                bar.update(1)
    if bar:
        bar.close()
    order = {label: i for i, (label, _, _) in enumerate(tasks)}
    results.sort(key=lambda r: (order[r.notebook], r.variant != "solution"))
    return results


def summary_table(results: list[RunResult]) -> str:
    """One row a notebook: status, seconds, peak kernel memory, points."""
    by_notebook: dict[str, dict[str, RunResult]] = {}
    for result in results:
        by_notebook.setdefault(result.notebook, {})[result.variant] = result
    header = f"{'notebook':<58} {'status':<6} {'solution s':>10} {'learner s':>9} {'peak MB':>8} {'points':>6}"
    lines = [header, "-" * len(header)]
    for label, runs in by_notebook.items():
        solution, learner = runs.get("solution"), runs.get("learner")
        ok = all(r.ok for r in runs.values())
        peak = max(r.peak_mb for r in runs.values())
        lines.append(
            f"{label:<58} {'OK' if ok else 'FAIL':<6} {solution.seconds if solution else 0:>10.1f} "
            f"{learner.seconds if learner else 0:>9.1f} {peak:>8.0f} {solution.points if solution else 0:>6.0f}"
        )
    failures = [r for r in results if not r.ok]
    for result in failures:
        for problem in result.problems:
            lines.append(f"FAIL {result.notebook} [{result.variant}] {problem}")
    return "\n".join(lines)
