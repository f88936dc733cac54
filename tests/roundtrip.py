"""An nbgrader round trip in a throw-away course folder, driven by stock nbgrader commands."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import nbformat

from ebpm import course
from ebpm.errors import lost_kernel_port_race
from ebpm.judging import analysis, cases
from tests import sampling

REFERENCE = "reference"
BLANK = "blank"
HUNG_CELL = "Timeout waiting for execute reply"  # nbclient's log line when a cell hits Execute.timeout


# What stock nbgrader was seen to grade, and at which hashes: written by `benchmarks/fidelity.py --record`
# for every assignment where stock and `ebpm grade` agreed on every gradebook cell of every case, the
# reference scored full marks and the blank 0 (docs/testing.md).
STOCK_RECORD = course.repo_root() / "tests" / "mutants" / "stock.json"
STOCK_SAMPLE = 4  # unchanged notebooks graded by stock on every run besides the changed ones, rotating


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


def nbgrader_fingerprint() -> str:
    """nbgrader's version and the course's nbgrader settings: what stock's verdicts depend on besides the notebook."""
    import nbgrader

    return _digest(nbgrader.__version__.encode(), (course.repo_root() / course.CONFIG_FILE).read_bytes())


def grading_fingerprint() -> str:
    """The code of `ebpm grade` (src/ebpm/grading): what its side of the comparison depends on besides stock's."""
    files = sorted((course.repo_root() / "src" / "ebpm" / "grading").rglob("*.py"))
    return _digest(*(part for f in files for part in (f.name.encode(), f.read_bytes())))


def read_stock_record() -> dict:
    return json.loads(STOCK_RECORD.read_text(encoding="utf-8")) if STOCK_RECORD.is_file() else {}


def stock_unseen(notebooks: list[Path]) -> set[str]:
    """Keys of the notebooks that stock nbgrader has not graded at their present hash (cases, checks, library
    and judging code: analysis.cases_hash) under the present nbgrader and settings."""
    record, settings = read_stock_record(), nbgrader_fingerprint()
    return {analysis.notebook_key(n) for n in notebooks
            if record.get(analysis.notebook_key(n), {}).get("cases") != analysis.cases_hash(n)
            or record.get(analysis.notebook_key(n), {}).get("nbgrader") != settings}


def gradable_assignments() -> list[str]:
    """Assignments with something to grade: the questionnaires have no graded cells (tests/test_questionnaire.py
    hands them in through `ebpm grade`)."""
    from ebpm import docs

    return [a for a in course.assignment_ids()
            if any(docs.notebook_stats(n).points for n in course.solution_notebooks([a]))]


@functools.cache
def graded_today() -> dict[str, tuple[str, ...]]:
    """Assignment → the notebooks (stems) the round trip hands in and grades by stock nbgrader and by `ebpm grade`
    in this run: those changed since stock last graded them (tests/mutants/stock.json) or since the replay
    caches were written, and STOCK_SAMPLE more, rotating with the seed (tests/sampling.py); every notebook of
    every gradable assignment with EBPM_FULL=1."""
    notebooks = course.solution_notebooks(gradable_assignments())
    keys = {analysis.notebook_key(n) for n in notebooks}
    if sampling.full():
        chosen = keys
    else:
        cache = analysis.read_cache()
        changed = stock_unseen(notebooks) | analysis.cases_changed(notebooks)
        changed |= {analysis.notebook_key(n) for n in notebooks
                    if cache.get(analysis.notebook_key(n), {}).get("hash") != analysis.content_hash(n)}
        chosen = changed | sampling.pick(keys - changed, STOCK_SAMPLE, "roundtrip")
    today: dict[str, tuple[str, ...]] = {}
    for key in sorted(chosen):
        assignment, stem = key.split("/")
        today[assignment] = (*today.get(assignment, ()), stem)
    return {a: today[a] for a in gradable_assignments() if a in today}


def wrong_answers(assignment: str | None = None) -> list[cases.Case]:
    """Every wrong-answer case under tests/wrong_answers/ (of one assignment)."""
    return cases.load(cases.WRONG, assignment)


def sample_cases(assignment: str) -> list[cases.Case]:
    """The cases graded by stock nbgrader: the first wrong and first alternative answer of each notebook.

    Every case runs through the fast replay in tests/test_judging.py; this sample proves that the
    replay agrees with nbgrader as an instructor runs it.
    """
    chosen: dict[tuple[str, str], cases.Case] = {}
    for case in cases.all_cases(assignment):
        chosen.setdefault((case.notebook, case.kind), case)
    return list(chosen.values())


def exercise_tests(notebook: Path) -> dict[str, list[str]]:
    """Answer cell grade id → the test cells that follow it (up to the next answer cell)."""
    tests: dict[str, list[str]] = {}
    current = None
    for cell in nbformat.read(notebook, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("solution"):
            current = meta["grade_id"]
            tests[current] = []
        elif meta.get("grade") and current:
            tests[current].append(meta["grade_id"])
    return tests


def stock_env() -> dict[str, str]:
    """The environment of an instructor who opened a fresh shell and activated the course's environment.

    Built from nothing rather than from this process's environment, so that no setting of the test
    run or of ebpm (a matplotlib backend, thread counts, an IPython folder) can reach stock nbgrader:
    only PATH (the environment's bin/ first), HOME and LANG. PYTHONPATH is passed on only when it names
    this checkout's own src/ (a git worktree in place of the editable install an instructor has).
    """
    bin_dir = Path(sys.executable).parent
    env = {"PATH": os.pathsep.join([str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin"]),
           "HOME": os.environ.get("HOME", str(Path.home())), "LANG": os.environ.get("LANG", "C.UTF-8")}
    own_src = str(course.repo_root() / "src")
    if own_src in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        env["PYTHONPATH"] = own_src
    return env


def _nbgrader_command(*args: str) -> tuple[list[str], dict]:
    return [str(Path(sys.executable).parent / "nbgrader"), *args], stock_env()


def nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    command, env = _nbgrader_command(*args)
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def autograde_in_parallel(root: Path, assignment: str, students: dict[str, int], workers: int,
                          timeout: float = 1800) -> list[Path]:
    """Stock `nbgrader autograde`, in ``workers`` independent copies of the course at once.

    Each copy has its own gradebook, so the runs cannot disturb each other; students are shared
    out by their number of notebooks. Returns the course copies (each with its own gradebook).
    ``timeout`` is per copy, in seconds.
    """
    submitted = root / "_grading" / "submitted"
    copies = [root.with_name(f"{root.name}-worker{i}") for i in range(max(1, min(workers, len(students))))]
    loads = [0] * len(copies)
    for copy in copies:
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("submitted"))
    for student, notebooks in sorted(students.items(), key=lambda item: -item[1]):
        lightest = loads.index(min(loads))
        loads[lightest] += notebooks
        shutil.move(submitted / student, copies[lightest] / "_grading" / "submitted" / student)
    command, env = _nbgrader_command("autograde", assignment, "--force")

    def log(copy: Path) -> Path:
        return copy.with_name(f"{copy.name}.log")

    def start(copy: Path) -> subprocess.Popen:
        # Output to a file, not a pipe: a copy whose log outgrew the pipe's buffer would block while this
        # process waits on another copy, and the copies would run one after the other.
        with log(copy).open("w", encoding="utf-8") as output:
            return subprocess.Popen(command, cwd=copy, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)

    running = [(copy, start(copy)) for copy in copies]
    for copy, process in running:
        process.wait(timeout=timeout)
        output = log(copy).read_text(encoding="utf-8", errors="replace")
        if (process.returncode != 0 and lost_kernel_port_race(output)) or HUNG_CELL in output:
            # Transient: two kernels started at once were handed the same free TCP port, or a cell's
            # reply never came (no course cell comes near the time limit); run that copy again.
            process = start(copy)
            process.wait(timeout=timeout)
            output = log(copy).read_text(encoding="utf-8", errors="replace")
        if process.returncode != 0:
            raise AssertionError(f"nbgrader autograde failed in {copy.name}:\n{output[-20000:]}")
    return copies


def make_course(tmp: Path, *assignments: str) -> Path:
    """A course folder with the repository's config and the sources of the given assignments, released
    by stock `nbgrader generate_assignment` (one run for all of them: nbgrader reads the assignment
    argument as a glob, so "*" releases every assignment folder under solutions/)."""
    root = tmp / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copy(course.repo_root() / course.CONFIG_FILE, root / course.CONFIG_FILE)
    for assignment in assignments:
        shutil.copytree(course.solutions_dir() / assignment, root / "solutions" / assignment)
    nbgrader(root, "generate_assignment", assignments[0] if len(assignments) == 1 else "*", "--force")
    return root


def replace_answer(notebook: Path, grade_id: str, code: str) -> None:
    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    if len(cells) != 1 or not cells[0].metadata["nbgrader"].get("solution"):
        raise AssertionError(f"{notebook.name}: answer cell {grade_id!r} not found")
    cells[0].source = code
    nbformat.write(nb, notebook)


def submit(root: Path, student: str, assignment: str, notebooks: dict[str, Path]) -> Path:
    folder = root / "_grading" / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in notebooks.items():
        shutil.copy(source, folder / f"{name}.ipynb")
    return folder


def submit_course(root: Path, assignment: str, chosen: list[cases.Case],
                  notebooks: set[str] | None = None,
                  learner: Callable[[cases.Case], str] = lambda case: case.id) -> dict[str, int]:
    """Hand in the reference solutions, the blank release and the cases, each case by ``learner(case)``
    (by default one learner per case).

    A case's notebook is the full reference solution with the case's answer cell replaced (a learner
    who answered everything else right, as the fast replay assumes). Several cases may share a learner
    when they are in different notebooks: nbgrader grades each notebook on its own, so a learner who
    hands in one case per notebook is graded as the same cases handed in by separate learners, with
    fewer learners to set up. ``notebooks`` (stems) limits the reference and the blank to those
    notebooks. Returns learner → number of notebooks handed in (what autograde_in_parallel shares out).
    """
    sources = {p.stem: p for p in sorted((root / "solutions" / assignment).glob("*.ipynb"))
               if notebooks is None or p.stem in notebooks}
    releases = {p.stem: p for p in sorted((root / "notebooks" / assignment).glob("*.ipynb")) if p.stem in sources}
    submit(root, REFERENCE, assignment, sources)
    submit(root, BLANK, assignment, releases)
    students = {REFERENCE: len(sources), BLANK: len(releases)}
    handed_in: set[tuple[str, str]] = set()
    for case in chosen:
        who = learner(case)
        if who in (REFERENCE, BLANK) or (who, case.notebook) in handed_in:
            raise AssertionError(f"{case.id}: learner {who!r} has already handed in {case.notebook}")
        handed_in.add((who, case.notebook))
        folder = submit(root, who, assignment, {case.notebook: sources[case.notebook]})
        replace_answer(folder / f"{case.notebook}.ipynb", case.answer, case.code)
        students[who] = students.get(who, 0) + 1
    return students


def from_copies(copies: list[Path], assignment: str, read) -> dict:
    """One table from the course copies stock graded: each learner's rows come from the copy that
    autograded them (``read`` is gradebook_cells or scores; its keys start with the learner)."""
    table: dict = {}
    for copy in copies:
        autograded = copy / "_grading" / "autograded"
        graded = {p.name for p in autograded.iterdir()} if autograded.is_dir() else set()
        table.update({key: value for key, value in read(copy, assignment).items() if key[0] in graded})
    return table


def scores(root: Path, assignment: str) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    """(student, notebook) → {grade_id: (auto score, max score)} for every autograded cell."""
    from nbgrader.api import Gradebook

    result: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    with Gradebook("sqlite:///" + str(root / "_grading" / "gradebook.db"), "ebpm") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            for notebook in submission.notebooks:
                result[(submission.student.id, notebook.name)] = {
                    grade.name: (grade.auto_score, grade.max_score)
                    for grade in notebook.grades
                    if grade.cell.cell_type == "code"
                }
    return result


def gradebook_cells(root: Path, assignment: str) -> dict[tuple, tuple]:
    """(student, notebook, cell) → every column autograde writes, for a cell-by-cell comparison."""
    from nbgrader.api import Gradebook

    from ebpm.grading.merge import COMMENT_FIELDS, GRADE_FIELDS

    rows: dict[tuple, tuple] = {}
    with Gradebook("sqlite:///" + str(root / "_grading" / "gradebook.db"), "ebpm") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            for notebook in submission.notebooks:
                base = (submission.student.id, notebook.name)
                rows[(*base, "_submission")] = (submission.timestamp, notebook.late_submission_penalty,
                                                notebook.flagged)
                for grade in notebook.grades:
                    rows[(*base, grade.cell.name)] = tuple(getattr(grade, f) for f in GRADE_FIELDS)
                for comment in notebook.comments:
                    rows[(*base, "comment:" + comment.cell.name)] = tuple(getattr(comment, f) for f in COMMENT_FIELDS)
    return rows


def ebpm_grade(root: Path, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    """`ebpm grade` as an instructor runs it: its own process, in the same untouched environment as stock."""
    command = [sys.executable, "-m", "ebpm.cli", "grade", "--root", str(root), *args]
    return subprocess.run(command, cwd=root, env=stock_env(), capture_output=True, text=True, timeout=timeout)


def ebpm_grade_settled(root: Path, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    """ebpm_grade, run once more if a submission failed for a passing reason (a busy machine's output
    timeout): what the batch's message tells an instructor to do; it regrades only those submissions,
    as autograde_in_parallel retries a stock copy."""
    from ebpm.grading import journal, layout, runner

    done = ebpm_grade(root, *args, timeout=timeout)
    if any(entry.reason_kind in runner.TRANSIENT for entry in journal.read(layout.load(root).journal).values()):
        done = ebpm_grade(root, *args, timeout=timeout)
    return done
