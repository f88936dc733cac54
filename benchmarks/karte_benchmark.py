"""Benchmark: まちのデータカルテ for one town, a prefecture and every municipality, batch renderer
against the papermill notebook.

    python benchmarks/karte_benchmark.py [--data ../shared/realdata/finance_population]
        [--boundaries ../shared/realdata/boundaries/smartnews_N03-21_43_210101_s0010.geojson]
        [--cases one prefecture all one-papermill prefecture-papermill] [--repeat 3] [--jobs 2] [--json OUT]

Each case runs ``repeat`` times in a fresh process (so "one" is a cold start: Python, pandas,
matplotlib and the files are read anew; the operating system's file cache is not dropped):
- ``one``: ``ebpm karte 434825`` (芦北町), as a user types it;
- ``prefecture``: ``ebpm karte --prefecture 43 --jobs N`` (every municipality of 熊本県 and its index);
- ``all``: ``ebpm karte --all --jobs N`` (every municipality in the files, with the national index);
- ``<case>-papermill``: the same towns through the notebook, one kernel per town
  (``report.build(..., renderer="papermill")``), for comparison.
Prints, per case, the median wall time of the runs, seconds per town, the peak memory of the process
tree (sum of RSS, sampled every 0.2 s, so a lower bound) and the load average before and after.
Not a test: timings depend on the machine; run it on a quiet one (``uptime``).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from ebpm.grading.runner import tree_rss  # noqa: E402

REALDATA = REPO.parent / "shared" / "realdata"
TOWN = "434825"
PREFECTURE = "43"
CASES = ("one", "prefecture", "all", "one-papermill", "prefecture-papermill", "all-papermill")
DEFAULT_CASES = ("one", "prefecture", "one-papermill", "prefecture-papermill", "all")


def _which(case: str) -> list[str]:
    base = case.removesuffix("-papermill")
    return {"one": [TOWN], "prefecture": ["--prefecture", PREFECTURE], "all": ["--all"]}[base]


def command(case: str, data: Path, boundaries: Path | None, out: Path, jobs: int) -> list[str]:
    """The batch cases run the installed CLI as printed in the docs; the papermill ones this script's child mode."""
    tail = ["--data", str(data), "--out", str(out), "--jobs", str(jobs), "--no-progress"]
    if boundaries is not None:
        tail += ["--boundaries", str(boundaries)]
    if case.endswith("-papermill"):
        return [sys.executable, str(Path(__file__).resolve()), "--child-papermill", *_which(case), *tail]
    return [sys.executable, "-c", "import sys; from ebpm.cli import main; sys.exit(main())", "karte",
            *_which(case), *tail]


def measure(argv: list[str], env: dict) -> dict:
    """Wall time, exit status and sampled peak memory of the process tree of one run."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(process.pid)
        while not stop.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            peak = max(peak, tree_rss(tree))
            stop.wait(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, err = process.communicate()
    stop.set()
    watcher.join()
    towns = sum(1 for line in out.splitlines() if "karte.html" in line)
    return {"seconds": time.perf_counter() - started, "returncode": process.returncode, "peak_mb": peak / 2**20,
            "towns": towns, "stderr_tail": err.strip().splitlines()[-3:]}


def child_papermill(argv: list[str]) -> int:
    """The same batch through the notebook (a kernel per town), with the CLI's arguments."""
    from ebpm.cli import main as cli_main
    from ebpm.karte import report

    original = report.build

    def build(*args, **kwargs):
        return original(*args, **{**kwargs, "renderer": "papermill"})

    report.build = build
    return cli_main(["karte", *argv])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REALDATA / "finance_population")
    parser.add_argument("--boundaries", type=Path,
                        default=REALDATA / "boundaries" / "smartnews_N03-21_43_210101_s0010.geojson")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(DEFAULT_CASES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"データのフォルダがありません: {args.data}", file=sys.stderr)
        return 2
    boundaries = args.boundaries if args.boundaries and args.boundaries.exists() else None
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    report = {"load_before": os.getloadavg(), "cpus": os.cpu_count(), "cases": {}}
    print(f"負荷（uptime の load average）: {report['load_before']}、CPU {report['cpus']} 個")
    for case in args.cases:
        runs = []
        for number in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="karte_bench_") as folder:
                run = measure(command(case, args.data, boundaries, Path(folder) / "karte", args.jobs), env)
            run["load_after"] = os.getloadavg()
            runs.append(run)
            status = "" if run["returncode"] == 0 else f"（終了コード {run['returncode']}: {run['stderr_tail']}）"
            print(f"{case} #{number + 1}: {run['seconds']:.1f} 秒、{run['towns']} 団体、"
                  f"最大メモリ {run['peak_mb']:.0f} MB、負荷 {run['load_after'][0]:.2f}{status}", flush=True)
        seconds = statistics.median(r["seconds"] for r in runs)
        towns = max(r["towns"] for r in runs) or 1
        report["cases"][case] = {"median_seconds": seconds, "towns": towns, "seconds_per_town": seconds / towns,
                                 "peak_mb": max(r["peak_mb"] for r in runs), "runs": runs}
    report["load_after"] = os.getloadavg()
    print(f"\n{'case':<22}{'median s':>10}{'towns':>8}{'s/town':>9}{'peak MB':>9}")
    for case, row in report["cases"].items():
        print(f"{case:<22}{row['median_seconds']:>10.1f}{row['towns']:>8}{row['seconds_per_town']:>9.2f}"
              f"{row['peak_mb']:>9.0f}")
    print(f"負荷（終了時）: {report['load_after']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if all(r["returncode"] == 0 for c in report["cases"].values() for r in c["runs"]) else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-papermill":
        sys.exit(child_papermill(sys.argv[2:]))
    sys.exit(main())
