"""Benchmark: `ebpm grade` against stock serial `nbgrader autograde` on the same submissions.

    python benchmarks/grade_benchmark.py [--learners 40] [--jobs N [N ...]] [--isolation on|off|both]

N synthetic learners hand in every pre-study notebook in solutions/prestudy; each notebook is,
at random (seeded), the reference solution, the blank learner version, or one of the course's
wrong-answer cases (tests/wrong_answers/prestudy/). Identical course copies are graded, one by
stock `nbgrader autograde prestudy --force` (one serial process), then one by `ebpm grade` for
each --jobs value (feedback and report off, so both do the same work). Both run in the environment
of an instructor's fresh shell (tests.roundtrip.stock_env: PATH, HOME, LANG and nothing that ebpm or
this process set), from the repository's own nbgrader_config.py. Prints wall time, the ratio, seconds
per submission, the peak memory of each process tree (sum of RSS, sampled), its CPU seconds, and
whether every gradebook cell (every column autograde writes) matches. ``--isolation both`` grades a
further copy with the learner code's isolation (bubblewrap) turned off (``EBPM_GRADE_ISOLATION=off``),
right after the isolated one, and prints the cost of isolation per submission as ratios (CPU seconds
are not comparable there: a sandboxed kernel's are not counted). Not a test: timing depends on the machine.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ebpm import course  # noqa: E402
from ebpm.grading.runner import default_jobs, nbgrader_command, tree_rss  # noqa: E402
from tests.roundtrip import gradebook_cells, replace_answer, stock_env, wrong_answers  # noqa: E402

ASSIGNMENT = "prestudy"


def make_course(folder: Path) -> Path:
    root = folder / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copy(REPO / course.CONFIG_FILE, root / course.CONFIG_FILE)
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT)
    subprocess.run([*nbgrader_command(), "generate_assignment", ASSIGNMENT, "--force"], cwd=root,
                   env=stock_env(), check=True, capture_output=True)
    return root


def make_submissions(root: Path, learners: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    cases = wrong_answers(ASSIGNMENT)
    notebooks = sorted(p.stem for p in (root / "solutions" / ASSIGNMENT).glob("*.ipynb"))
    for index in range(learners):
        folder = root / "_grading" / "submitted" / f"learner{index:03d}" / ASSIGNMENT
        folder.mkdir(parents=True)
        for notebook in notebooks:
            kind = rng.choice(["reference", "reference", "blank", "wrong"])
            options = [c for c in cases if c.notebook == notebook]
            if kind == "wrong" and options:
                case = rng.choice(options)
                shutil.copy(root / "notebooks" / ASSIGNMENT / f"{notebook}.ipynb", folder / f"{notebook}.ipynb")
                replace_answer(folder / f"{notebook}.ipynb", case.answer, case.code)
            else:
                source = "solutions" if kind != "blank" else "notebooks"
                shutil.copy(root / source / ASSIGNMENT / f"{notebook}.ipynb", folder / f"{notebook}.ipynb")
        (folder / "timestamp.txt").write_text("2026-04-01T10:00:00+09:00", encoding="utf-8")


def tree_pss(processes: list[psutil.Process]) -> int:
    """Proportional memory of a process tree, in bytes: a page shared by n processes (the libraries every
    kernel maps) counts 1/n in each, so the sum is what the tree really holds (RSS counts it n times)."""
    total = 0
    for process in processes:
        try:
            total += process.memory_full_info().pss
        except (psutil.Error, AttributeError):
            pass
    return total


def timed(command: list[str], cwd: Path, extra_env: dict[str, str] | None = None
          ) -> tuple[float, float, int, float, float]:
    """Wall seconds, peak memory of the whole process tree (MB, sum of RSS), exit code, CPU seconds of
    the tree, peak proportional memory (MB, sum of PSS)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env={**stock_env(), **(extra_env or {})}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    peak = peak_pss = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        rounds = 0
        while not stop.is_set():
            try:
                root = psutil.Process(process.pid)
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, tree_rss(tree) / 2**20)
                if rounds % 3 == 0:  # PSS reads /proc/*/smaps: slower, so every third sample
                    peak_pss = max(peak_pss, tree_pss(tree) / 2**20)
            except psutil.Error:
                pass
            rounds += 1
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, peak, code, cpu, peak_pss


def cell_scores(root: Path) -> dict:
    return gradebook_cells(root, ASSIGNMENT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", "-n", type=int, default=40)
    parser.add_argument("--jobs", "-j", type=int, nargs="+", default=None,
                        help="ebpm grade の並列数（複数指定すると、それぞれを同じ実行の中で測ります。既定: ebpm grade と同じコア数 + 1）")
    parser.add_argument("--isolation", choices=["on", "off", "both"], default="on",
                        help="受講者のコードの隔離（bubblewrap）: on（既定）、off、both（両方を続けて測り、比を出す）")
    args = parser.parse_args(argv)
    job_counts = args.jobs or [default_jobs()]
    modes = {"on": ["on"], "off": ["off"], "both": ["on", "off"]}[args.isolation]
    from ebpm.grading import sandbox

    print(f"隔離: {'bubblewrap を使えます' if sandbox.probe().available else sandbox.probe().reason}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ebpm-bench-") as tmp:
        stock = make_course(Path(tmp) / "stock")
        make_submissions(stock, args.learners)
        notebooks = len(list((stock / "solutions" / ASSIGNMENT).glob("*.ipynb")))
        print(f"{args.learners} 人 × {notebooks} 本（課題 {ASSIGNMENT}）、コア {os.cpu_count()}", flush=True)
        stock_s, stock_mb, stock_code, stock_cpu, stock_pss = timed([*nbgrader_command(), "autograde", ASSIGNMENT, "--force"],
                                                         stock)
        print(f"stock nbgrader autograde（直列）: {stock_s:7.1f} 秒  {stock_s / args.learners:5.2f} 秒/提出  "
              f"ピーク {stock_mb:6.0f} MB（PSS {stock_pss:5.0f} MB）  CPU {stock_cpu:7.1f} 秒  終了コード {stock_code}",
              flush=True)
        expected = cell_scores(stock)
        ebpm = [sys.executable, "-m", "ebpm.cli"]  # this checkout's ebpm (PYTHONPATH), like the venv's `ebpm`
        all_same = len(expected) > 0
        for jobs in job_counts:
            measured = {}
            for mode in modes:
                ours = make_course(Path(tmp) / f"ours-{jobs}-{mode}")
                make_submissions(ours, args.learners)
                ours_s, ours_mb, ours_code, ours_cpu, ours_pss = measured[mode] = timed(
                    [*ebpm, "grade", ASSIGNMENT, "--root", str(ours), "--jobs", str(jobs), "--no-feedback", "--no-report"],
                    ours, {sandbox.OFF_ENV: "off"} if mode == "off" else None)
                got = cell_scores(ours)
                same = got == expected
                all_same &= same
                label = f"ebpm grade（並列 {jobs}、隔離 {mode}）"
                print(f"{label}: {ours_s:7.1f} 秒  {ours_s / args.learners:5.2f} 秒/提出  "
                      f"ピーク {ours_mb:6.0f} MB（PSS {ours_pss:5.0f} MB）  CPU {ours_cpu:7.1f} 秒  終了コード {ours_code}")
                print(f"  速度比（stock / ebpm）: {stock_s / ours_s:.2f} 倍、メモリ比 {ours_mb / stock_mb:.2f} 倍"
                      f"（PSS {ours_pss / max(stock_pss, 1):.2f} 倍）、得点: {'一致' if same else '不一致'}"
                      f"（{len(expected)} セル）", flush=True)
                for key in sorted(k for k in set(expected) | set(got) if expected.get(k) != got.get(k))[:20]:
                    print(f"    {key}: stock={expected.get(key)} ebpm={got.get(key)}")
            if len(measured) == 2:
                (on_s, on_mb, _, _, on_pss), (off_s, off_mb, _, _, off_pss) = measured["on"], measured["off"]
                # no CPU ratio: a sandboxed kernel's CPU time reaches this process's rusage only if every
                # bwrap above it is waited for, and jupyter_client ends kernels by killing them
                print(f"  隔離の費用（並列 {jobs}、on / off）: 時間 {on_s / off_s:.2f} 倍（1 提出あたり "
                      f"{(on_s - off_s) / args.learners:+.2f} 秒）、"
                      f"ピークメモリ {on_mb / max(off_mb, 1):.2f} 倍（PSS {on_pss / max(off_pss, 1):.2f} 倍）", flush=True)
        return 0 if all_same else 1


if __name__ == "__main__":
    sys.exit(main())
