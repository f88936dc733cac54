"""``ebpm cases`` and ``ebpm mutants``: every notebook replayed once, in parallel, with a cache.

The mutation results are cached in tests/mutants/results.json by a hash of everything that can
change them (the solution notebook, its exercise module, the feedback code, the mutator, the data
descriptor, the accepted survivors); a notebook whose hash changed is analysed again.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ebpm import course
from ebpm.errors import EbpmError
from ebpm.judging import cases as case_data

SHARED_SOURCES = ("src/ebpm/feedback.py", "src/ebpm/cellrecord.py", "src/ebpm/diagnosis.py", "src/ebpm/exercises/__init__.py",
                  "src/ebpm/judging/mutate.py", "src/ebpm/judging/replay.py", "data/datapackage.json")


@dataclass
class NotebookResult:
    key: str  # assignment/notebook
    raw: dict
    problems: list[str] = field(default_factory=list)


def notebook_key(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def accepted_file(key: str) -> Path:
    return course.repo_root() / "tests" / "mutants" / "accepted" / f"{key}.toml"


def accepted_survivors(key: str) -> dict[tuple[str, str], str]:
    """(exercise, diff) → reason, for the survivors a reviewer accepted."""
    file = accepted_file(key)
    if not file.is_file():
        return {}
    entries = tomllib.loads(file.read_text(encoding="utf-8")).get("mutant", [])
    return {(e["exercise"], e["diff"]): e["reason"] for e in entries}


def content_hash(notebook: Path) -> str:
    root = course.repo_root()
    digest = hashlib.sha256(notebook.read_bytes())
    modules = sorted(set(re.findall(r"from ebpm\.exercises import (\w+)", notebook.read_text(encoding="utf-8"))))
    for relative in [*SHARED_SOURCES, *(f"src/ebpm/exercises/{m}.py" for m in modules)]:
        path = root / relative
        digest.update(relative.encode())
        digest.update(path.read_bytes() if path.is_file() else b"-")
    accepted = accepted_file(notebook_key(notebook))
    digest.update(accepted.read_bytes() if accepted.is_file() else b"-")
    return digest.hexdigest()


_EBPM_IMPORT = re.compile(r"^\s*(?:from[ \t]+(ebpm(?:\.\w+)*)[ \t]+import[ \t]+(\([\w\s,]+\)|[\w \t,]+)|import\s+(ebpm(?:\.\w+)*))",
                          re.M)


def library_files(text: str) -> set[Path]:
    """The files of src/ebpm that ``text`` imports, directly or through them (a plain reading of the import
    lines: enough to know which library code a notebook's answers and checks run)."""
    package = Path(__file__).resolve().parents[1]
    found: set[Path] = set()
    todo = [text]
    while todo:
        for match in _EBPM_IMPORT.finditer(todo.pop()):
            dotted = match.group(1) or match.group(3)
            names = [n.strip() for n in (match.group(2) or "").replace("(", " ").replace(")", " ").split(",")]
            names = [n.split()[0] for n in names if n.split()]  # "x as y" imports x
            candidates = [dotted] + [f"{dotted}.{n}" for n in names if n.isidentifier()]
            for name in candidates:
                base = package.parent.joinpath(*name.split("."))
                for file in (base.with_suffix(".py"), base / "__init__.py"):
                    if file.is_file() and file not in found:
                        found.add(file)
                        todo.append(file.read_text(encoding="utf-8"))
    return found


def cases_hash(notebook: Path) -> str:
    """content_hash plus the notebook's wrong- and alternative-answer cases, every library file the notebook
    imports (directly or not) and the code that judges the cases: what `ebpm cases` and `ebpm mutants` record
    in tests/mutants/cases.json once every case behaved."""
    digest = hashlib.sha256(content_hash(notebook).encode())
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                     for c in cells if c["cell_type"] == "code")
    for file in sorted(library_files(code)):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    for kind in (case_data.WRONG, case_data.ALTERNATIVE):
        file = case_data.cases_dir(kind) / notebook.parent.name / f"{notebook.stem}.toml"
        digest.update(file.read_bytes() if file.is_file() else b"-")
    digest.update(inspect.getsource(case_problems).encode())  # what judges them (not this module's bookkeeping)
    return digest.hexdigest()


def cases_cache_path() -> Path:
    return course.repo_root() / "tests" / "mutants" / "cases.json"


def read_cases_cache() -> dict:
    path = cases_cache_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def record_cases(notebooks: list[Path], results: list[NotebookResult]) -> None:
    """Record the notebooks whose every case behaved (and forget the others): what the tests check in full
    only when it changed (tests/judged.py)."""
    cache = read_cases_cache()
    for notebook, result in zip(notebooks, results):
        cases = case_data.all_cases(notebook.parent.name, notebook.stem)
        if case_problems(result.raw, cases):
            cache.pop(result.key, None)
        else:
            cache[result.key] = {"hash": cases_hash(notebook)}
    cases_cache_path().parent.mkdir(parents=True, exist_ok=True)
    cases_cache_path().write_text(json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                  encoding="utf-8")


def cases_changed(notebooks: list[Path]) -> set[str]:
    """Keys of the notebooks whose cases have not been seen to behave at their present hash."""
    cache = read_cases_cache()
    return {notebook_key(n) for n in notebooks if cache.get(notebook_key(n), {}).get("hash") != cases_hash(n)}


def replay(notebook: Path, cases: list, mutate: bool, timeout: int = 900, inject: bool = False) -> dict:
    """Run ``python -m ebpm.judging.replay`` on one notebook in a temporary working folder.

    ``cases`` are tried at their answer cells; ``mutate`` adds the mutants, ``inject`` the beginner
    errors of ``ebpm.judging.inject``.
    """
    with tempfile.TemporaryDirectory(prefix="ebpm-judge-") as workdir:
        job = {"notebook": str(notebook), "workdir": workdir, "mutate": mutate, "inject": inject,
               "cases": [c.as_job() for c in cases]}
        env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
        done = subprocess.run([sys.executable, "-m", "ebpm.judging.replay"], input=json.dumps(job),
                              capture_output=True, text=True, timeout=timeout, env=env, cwd=workdir)
    if done.returncode != 0:
        raise EbpmError(f"{notebook_key(notebook)} を再生できませんでした:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def case_problems(raw: dict, cases: list[case_data.Case]) -> list[str]:
    """What the cases expected and did not get (empty when every case behaves)."""
    problems = []
    for name, outcome in raw["reference"].items():
        if not outcome["passed"]:
            problems.append(f"模範解答で {name} が通りません: {outcome['message']}")
    for case in cases:
        entry = raw["answers"].get(case.answer)
        if entry is None:
            problems.append(f"{case.id}: 回答セル {case.answer} がありません")
            continue
        outcome = entry["cases"][case.id]
        tests = outcome.get("tests", {})
        if case.kind == case_data.WRONG:
            if not case.hint:
                problems.append(f"{case.id}: hint（表示されるはずのヒント）が書かれていません")
            for target in case.fails:
                result = tests.get(target)
                if result is None:
                    problems.append(f"{case.id}: テストセル {target} が回答 {case.answer} の後にありません")
                elif result["passed"]:
                    problems.append(f"{case.id} ({case.why}): {target} が満点のままです")
                elif case.hint and case.hint not in result["message"]:
                    problems.append(f"{case.id}: {target} のメッセージにヒント「{case.hint}」がありません: "
                                    f"{result['message'][:300]}")
        else:
            for target in entry["tests"]:
                result = tests.get(target, {"passed": False, "message": "実行されませんでした"})
                if not result["passed"]:
                    problems.append(f"{case.id} ({case.why}): 正しい別解なのに {target} で減点されます: "
                                    f"{result['message'][:300]}")
    return problems


def mutant_problems(key: str, raw: dict) -> list[str]:
    accepted = accepted_survivors(key)
    problems = []
    for exercise, entry in raw["answers"].items():
        for mutant in entry["mutants"]:
            if mutant["status"] == "survived" and (exercise, mutant["diff"]) not in accepted:
                problems.append(f"{exercise}: 生き残った変異 [{mutant['operator']}] {mutant['diff']}")
    return problems


def cached_problems(key: str, entry: dict) -> list[str]:
    """Survivors recorded in the cache that the accepted list does not explain."""
    accepted = accepted_survivors(key)
    return [f"{exercise}: 生き残った変異（キャッシュ） {diff}"
            for exercise, row in entry.get("answers", {}).items()
            for diff in row.get("survivors", []) if (exercise, diff) not in accepted]


def summarise(raw: dict) -> dict:
    """Per exercise: mutants, killed, equivalent, survivors (diffs), seconds."""
    table = {}
    for exercise, entry in raw["answers"].items():
        counts = Counter(m["status"] for m in entry["mutants"])
        table[exercise] = {
            "mutants": len(entry["mutants"]), "killed": counts["killed"], "equivalent": counts["equivalent"],
            "survivors": [m["diff"] for m in entry["mutants"] if m["status"] == "survived"],
            "seconds": entry["seconds"],
        }
    return table


def cache_path() -> Path:
    return course.repo_root() / "tests" / "mutants" / "results.json"


def read_cache() -> dict:
    path = cache_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def write_cache(cache: dict) -> None:
    cache_path().parent.mkdir(parents=True, exist_ok=True)
    cache_path().write_text(json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def run(notebooks: list[Path], *, mutate: set[str], jobs: int | None = None,
        progress=None, select=None) -> list[NotebookResult]:
    """Replay each notebook with its cases (and mutants for the keys in ``mutate``), in parallel.

    ``select(notebook, cases)`` may narrow a notebook's cases (the tests' rotating sample); by default all.
    """
    def one(notebook: Path) -> NotebookResult:
        key = notebook_key(notebook)
        cases = case_data.all_cases(notebook.parent.name, notebook.stem)
        if select is not None:
            cases = select(notebook, cases)
        raw = replay(notebook, cases, mutate=key in mutate)
        result = NotebookResult(key, raw, case_problems(raw, cases))
        if key in mutate:
            result.problems += mutant_problems(key, raw)
        if progress:
            progress(result)
        return result

    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        return list(pool.map(one, notebooks))


def format_summary(results: list[NotebookResult]) -> str:
    lines = [f"{'notebook / exercise':58} {'mutants':>7} {'killed':>6} {'equiv':>5} {'surv':>4} {'秒':>6}"]
    totals = Counter()
    for result in results:
        summary = summarise(result.raw)
        if not any(row["mutants"] for row in summary.values()):
            continue
        lines.append(result.key)
        for exercise, row in summary.items():
            lines.append(f"  {exercise:56} {row['mutants']:>7} {row['killed']:>6} {row['equivalent']:>5} "
                         f"{len(row['survivors']):>4} {row['seconds']:>6.1f}")
            for diff in row["survivors"]:
                lines.append(f"      生存: {diff}")
            totals.update({"mutants": row["mutants"], "killed": row["killed"], "equivalent": row["equivalent"],
                           "survivors": len(row["survivors"])})
    lines.append(f"合計: 変異 {totals['mutants']}、検出 {totals['killed']}、等価 {totals['equivalent']}、"
                 f"生存 {totals['survivors']}")
    return "\n".join(lines)


def cli_cases(selectors: list[str], jobs: int | None) -> int:
    notebooks = course.solution_notebooks(selectors or None)
    started = time.perf_counter()
    results = run(notebooks, mutate=set(), jobs=jobs)
    count = sum(len(case_data.all_cases(n.parent.name, n.stem)) for n in notebooks)
    record_cases(notebooks, results)
    return _report(results, f"{len(notebooks)} 本のノートブックで {count} 件のケースを {time.perf_counter() - started:.1f} 秒で確かめました。")


def cli_mutants(selectors: list[str], jobs: int | None, use_cache: bool) -> int:
    notebooks = course.solution_notebooks(selectors or None)
    cache = read_cache() if use_cache else {}
    hashes = {notebook_key(n): content_hash(n) for n in notebooks}
    todo = {key for key, digest in hashes.items() if cache.get(key, {}).get("hash") != digest}
    started = time.perf_counter()
    results = run(notebooks, mutate=todo, jobs=jobs,
                  progress=lambda r: print(f"  {r.key}: {r.raw['seconds']:.1f} 秒", flush=True))
    cache = read_cache()
    for result in results:
        if result.key in todo:
            cache[result.key] = {"hash": hashes[result.key], "answers": summarise(result.raw)}
        else:
            result.problems += cached_problems(result.key, cache.get(result.key, {}))
    write_cache(cache)
    record_cases(notebooks, results)  # every case was replayed here too
    print(format_summary([r for r in results if r.key in todo]))
    reused = sorted(set(hashes) - todo)
    if reused:
        print(f"（変更のない {len(reused)} 本はキャッシュの結果を使いました: --no-cache で全部やり直します）")
    return _report(results, f"{len(notebooks)} 本を {time.perf_counter() - started:.1f} 秒で確かめました"
                            f"（変異を作り直したのは {len(todo)} 本）。")


def _report(results: list[NotebookResult], headline: str) -> int:
    problems = [(r.key, p) for r in results for p in r.problems]
    for key, problem in problems:
        print(f"✘ {key}: {problem}")
    print(headline)
    if problems:
        print(f"問題が {len(problems)} 件あります。")
        return 1
    print("問題はありません。")
    return 0
