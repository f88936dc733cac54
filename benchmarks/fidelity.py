"""Fidelity: `ebpm grade` against untouched stock `nbgrader autograde`, every gradebook cell of the course.

    python benchmarks/fidelity.py [ASSIGNMENT ...] [--notebook ASSIGNMENT/NOTEBOOK ...]
                                  [--workers 2] [--ebpm-jobs N] [--json OUT] [--keep]

For each assignment (default: all of solutions/), a throw-away course copy is built as the round trip
builds it (tests/roundtrip.py: the repository's nbgrader_config.py, `nbgrader generate_assignment` in
stock_env()). Learners hand in: the reference solutions, the blank release, and one learner per
wrong-answer case (tests/wrong_answers/) and per alternative-answer case (tests/alternative_answers/),
each the full reference notebook with the case's answer cell replaced. Stock `nbgrader autograde
ASSIGNMENT --force` grades them in --workers course copies (each with its own gradebook), with the
environment of an instructor's fresh shell (stock_env: nothing of ebpm's); `ebpm grade ASSIGNMENT
--no-feedback --no-report` (the real CLI, its own process, same environment) grades identical
submissions in a separate copy. Every gradebook cell (every column autograde writes) of every
submission is compared; the reference must score full marks and the blank 0 on both sides.
Exit status 0 only when no cell differs and those two hold. Not part of `make test`: the whole
course takes tens of minutes (tests/test_roundtrip.py compares a sample).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ebpm import course  # noqa: E402
from ebpm.judging import cases as case_data  # noqa: E402
from tests.roundtrip import (  # noqa: E402
    BLANK, REFERENCE, STOCK_RECORD as RECORD, autograde_in_parallel, ebpm_grade_settled, from_copies,
    gradable_assignments, grading_fingerprint, gradebook_cells, make_course, nbgrader_fingerprint, scores,
    submit_course,
)

EBPM_COPY = "course-ebpm"
MISSING = "（なし）"  # shown for a cell that one side's gradebook does not have
TIMEOUT = 6 * 3600  # seconds per grading command: a whole assignment, serially, on a slow machine


@dataclass(frozen=True)
class Difference:
    learner: str
    notebook: str
    cell: str
    stock: str
    ebpm: str


def compare(stock: dict[tuple, tuple], ours: dict[tuple, tuple]) -> list[Difference]:
    """Every (learner, notebook, cell) whose row differs, or that only one side has, sorted."""
    return [Difference(*key, stock=_shown(stock, key), ebpm=_shown(ours, key))
            for key in sorted(set(stock) | set(ours), key=lambda k: tuple(map(str, k)))
            if stock.get(key, MISSING) != ours.get(key, MISSING)]


def _shown(table: dict[tuple, tuple], key: tuple) -> str:
    return repr(table[key]) if key in table else MISSING


FIELDS = ("submissions", "cells", "cells_not_handed_in", "differing")


def tally(stock: dict[tuple, tuple], ours: dict[tuple, tuple], differences: list[Difference],
          handed_in: set[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Notebook → submissions (the learners who handed it in), the cells compared for them, the cells
    compared for learners who did not hand it in (autograde records those notebooks too, as 0 points)
    and the cells that differ (of either kind)."""
    counts: dict[str, dict[str, int]] = {}
    for learner, notebook, _ in set(stock) | set(ours):
        row = counts.setdefault(notebook, dict.fromkeys(FIELDS, 0))
        row["cells" if (learner, notebook) in handed_in else "cells_not_handed_in"] += 1
    for learner, notebook in handed_in:
        counts.setdefault(notebook, dict.fromkeys(FIELDS, 0))["submissions"] += 1
    for difference in differences:
        counts[difference.notebook]["differing"] += 1
    return dict(sorted(counts.items()))


def score_problems(side: str, table: dict[tuple[str, str], dict[str, tuple[float, float]]],
                   notebooks: list[str]) -> list[str]:
    """What is wrong with one side's scores: the reference must score full marks, the blank 0, on every
    autograded cell of every notebook (``table`` as tests.roundtrip.scores gives it)."""
    problems = []
    for notebook in notebooks:
        for learner, wrong in ((REFERENCE, lambda got, full: got != full), (BLANK, lambda got, full: got != 0)):
            cells = table.get((learner, notebook))
            if not cells:
                problems.append(f"{side}: {learner}/{notebook} に自動採点のセルがありません")
                continue
            bad = {cell: score for cell, score in sorted(cells.items()) if wrong(*score)}
            if bad:
                expected = "満点" if learner == REFERENCE else "0 点"
                problems.append(f"{side}: {learner}/{notebook} が{expected}ではありません: {bad}")
    return problems


def missing_submissions(side: str, table: dict[tuple, tuple], handed_in: set[tuple[str, str]]) -> list[str]:
    """Handed-in notebooks that one side's gradebook does not have (both sides losing one would not
    show up as a difference)."""
    return [f"{side}: {learner}/{notebook} が成績簿にありません" for learner, notebook in sorted(handed_in)
            if (learner, notebook, "_submission") not in table]


def report(assignment: str, counts: dict[str, dict[str, int]], differences: list[Difference],
           problems: list[str]) -> str:
    """The lines printed for one assignment: a table per notebook, the totals, then every difference."""
    lines = [f"{assignment}（提出 / 比べたセル / 未提出の人の 0 点のセル / 一致しないセル）"]
    for notebook, c in [*counts.items(), ("合計", totals(counts))]:
        lines.append(f"  {notebook:<40} {c['submissions']:>5} {c['cells']:>7} {c['cells_not_handed_in']:>7}"
                     f" {c['differing']:>6}")
    for d in differences:
        lines.append(f"  不一致: {d.learner} / {d.notebook} / {d.cell}: stock={d.stock} ebpm={d.ebpm}")
    lines += [f"  問題: {problem}" for problem in problems]
    return "\n".join(lines)


def totals(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    return {field: sum(c[field] for c in counts.values()) for field in FIELDS}


def check_assignment(assignment: str, notebooks: set[str] | None, workers: int, ebpm_jobs: int | None,
                     keep: bool, progress) -> dict:
    """Grade one assignment both ways in a throw-away folder; the figures and findings as a dict."""
    folder = Path(tempfile.mkdtemp(prefix=f"fidelity-{assignment}-"))
    try:
        started = time.monotonic()
        root = make_course(folder, assignment)
        chosen = [c for c in case_data.all_cases(assignment) if notebooks is None or c.notebook in notebooks]
        students = submit_course(root, assignment, chosen, notebooks)
        handed_in = {(p.parent.parent.name, p.stem) for p in (root / "_grading" / "submitted").glob(f"*/{assignment}/*.ipynb")}
        graded = sorted(notebook for learner, notebook in handed_in if learner == REFERENCE)
        ours = root.with_name(EBPM_COPY)
        shutil.copytree(root, ours)  # before stock grading moves the submissions away
        setup_s = time.monotonic() - started
        progress(f"{assignment}: {len(students)} 人（模範解答・白紙・ケース {len(chosen)} 件）、"
                 f"ノートブック {len(graded)} 本を用意しました（{setup_s:.0f} 秒）。stock で採点します")

        started = time.monotonic()
        copies = autograde_in_parallel(root, assignment, students, workers=workers, timeout=TIMEOUT)
        stock_s = time.monotonic() - started
        stock = from_copies(copies, assignment, gradebook_cells)
        stock_scores = from_copies(copies, assignment, scores)
        progress(f"{assignment}: stock nbgrader autograde {stock_s:.0f} 秒。ebpm grade で採点します")

        started = time.monotonic()
        jobs = ("--jobs", str(ebpm_jobs)) if ebpm_jobs else ()
        done = ebpm_grade_settled(ours, assignment, "--no-feedback", "--no-report", *jobs, timeout=TIMEOUT)
        ebpm_s = time.monotonic() - started
        mine = gradebook_cells(ours, assignment)
        progress(f"{assignment}: ebpm grade {ebpm_s:.0f} 秒（終了コード {done.returncode}）")

        differences = compare(stock, mine)
        problems = (missing_submissions("stock", stock, handed_in) + missing_submissions("ebpm", mine, handed_in)
                    + score_problems("stock", stock_scores, graded) + score_problems("ebpm", scores(ours, assignment), graded))
        if done.returncode != 0:
            problems.append(f"ebpm grade の終了コードが {done.returncode} です:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        counts = tally(stock, mine, differences, handed_in)
        return {"assignment": assignment, "learners": len(students), "cases": len(chosen), "notebooks": counts,
                "totals": totals(counts), "seconds": {"setup": round(setup_s, 1), "stock": round(stock_s, 1),
                                                      "ebpm": round(ebpm_s, 1)},
                "differences": [asdict(d) for d in differences], "problems": problems,
                "folder": str(folder) if keep else None}
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def fingerprints(notebooks: list[Path]) -> dict:
    """What the verdicts depend on, so that a later run can tell which notebooks changed since this one: per
    notebook the hash `ebpm cases` records (the notebook, its checks, the library it imports, its cases and the
    judging code), and nbgrader's and the grading code's fingerprints."""
    from ebpm.judging import analysis

    return {"nbgrader": nbgrader_fingerprint(), "grading": grading_fingerprint(),
            "notebooks": {analysis.notebook_key(n): analysis.cases_hash(n) for n in notebooks}}


def record(results: list[dict], prints: dict, path: Path = RECORD) -> list[str]:
    """Add the notebooks of every assignment that showed no difference and no problem to the record of what
    stock nbgrader was seen to grade (tests/mutants/stock.json; tests/test_roundtrip.py grades the rest again).
    Returns the keys recorded."""
    kept = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    clean = {r["assignment"] for r in results if not r["differences"] and not r["problems"] and r["totals"]["cells"]}
    recorded = sorted(key for key in prints["notebooks"] if key.split("/")[0] in clean)
    for key in recorded:
        kept[key] = {"cases": prints["notebooks"][key], "nbgrader": prints["nbgrader"], "grading": prints["grading"]}
    path.write_text(json.dumps(dict(sorted(kept.items())), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return recorded


def selection(assignments: list[str], notebooks: list[str]) -> dict[str, set[str] | None]:
    """Assignment → the notebooks to check (None: all of them), from the command line."""
    known = course.assignment_ids()
    chosen: dict[str, set[str] | None] = {}
    for spec in notebooks:
        assignment, _, notebook = spec.strip("/").partition("/")
        notebook = notebook.removesuffix(".ipynb")
        if not (course.solutions_dir() / assignment / f"{notebook}.ipynb").is_file():
            raise SystemExit(f"ノートブック {spec} が solutions/ にありません（例: prestudy/00_jupyter_and_pandas_first_steps）")
        chosen.setdefault(assignment, set()).add(notebook)
    for assignment in assignments:
        if assignment not in known:
            raise SystemExit(f"課題 {assignment} がありません。あるのは {', '.join(known)} です")
        chosen[assignment] = None
    gradable = gradable_assignments()
    ungraded = sorted(set(chosen) - set(gradable))
    if ungraded:
        raise SystemExit(f"課題 {', '.join(ungraded)} には自動採点のセルがありません（比べるものがありません）")
    # the questionnaires have nothing to grade: tests/test_questionnaire.py hands them in through `ebpm grade`
    return chosen or {assignment: None for assignment in gradable}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="課題（既定: すべて）")
    parser.add_argument("--notebook", action="append", default=[], metavar="ASSIGNMENT/NOTEBOOK",
                        help="このノートブックだけ（複数可）")
    parser.add_argument("--workers", type=int, default=2, help="stock nbgrader を並べて動かすコースの複製の数")
    parser.add_argument("--ebpm-jobs", type=int, default=None, help="ebpm grade の --jobs（既定: ebpm grade の既定）")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="数字を JSON で書き出す")
    parser.add_argument("--keep", action="store_true", help="採点に使った一時フォルダを残す")
    parser.add_argument("--record", action="store_true",
                        help="一致した課題のノートブックを tests/mutants/stock.json に記録する（make test はそれ以外を stock で採点し直します）")
    args = parser.parse_args(argv)
    chosen = selection(args.assignments, args.notebook)

    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.0f} 秒] {message}", flush=True)

    # hashed before grading: the record names the files that were graded, even if they are edited meanwhile
    prints = fingerprints([n for n in course.solution_notebooks(list(chosen))
                           if chosen[n.parent.name] is None or n.stem in chosen[n.parent.name]])
    results = []
    for assignment, notebooks in chosen.items():
        result = check_assignment(assignment, notebooks, args.workers, args.ebpm_jobs, args.keep, progress)
        results.append(result)
        print(report(assignment, result["notebooks"],
                     [Difference(**d) for d in result["differences"]], result["problems"]), flush=True)
        if args.record:  # after each assignment, so that a run stopped part-way keeps what it proved
            recorded = record([result], prints)
            progress(f"{RECORD.relative_to(REPO).as_posix()} に {assignment} の {len(recorded)} 本を記録しました")
    grand = {field: sum(r["totals"][field] for r in results) for field in FIELDS}
    problems = sum(len(r["problems"]) for r in results)
    seconds = {side: round(sum(r["seconds"][side] for r in results), 1) for side in ("setup", "stock", "ebpm")}
    print(f"全体: 提出 {grand['submissions']}、比べたセル {grand['cells']} と未提出の 0 点のセル "
          f"{grand['cells_not_handed_in']}、一致しないセル {grand['differing']}、問題 {problems}"
          f"（stock {seconds['stock']:.0f} 秒、ebpm {seconds['ebpm']:.0f} 秒、合計 {time.monotonic() - started:.0f} 秒）",
          flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "command": ["python", "benchmarks/fidelity.py", *(argv if argv is not None else sys.argv[1:])],
            "workers": args.workers, "ebpm_jobs": args.ebpm_jobs, "totals": grand, "problems": problems,
            "seconds": seconds, "assignments": results,
            "fingerprints": prints,
        }, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if grand["differing"] == 0 and problems == 0 and grand["cells"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
