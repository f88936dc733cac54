"""``ebpm diagnose``: the feedback's explanations proven like the verdicts.

Two sources of beginner code, both tried at their answer cells through the notebook replay
(``ebpm.judging.replay``, one replay per notebook):
- the diagnosis corpus, tests/diagnosis/<assignment>/<notebook>.toml: labelled cases, each with the
  code, its cause, the words the explanation must contain and must not contain;
- the error mutator (``ebpm.judging.inject``): each beginner error kind injected into each
  reference answer; the explanation must name the injected cause.
The injected results are cached in tests/diagnosis/injected.json by a hash of everything that can
change them, as mutation analysis caches its own; a notebook whose hash changed is tried again.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
import tomllib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ebpm import course
from ebpm.judging import analysis

SOURCES = ("src/ebpm/diagnosis.py", "src/ebpm/judging/inject.py", "src/ebpm/judging/diagnose.py")
# Words that show English from Python or pandas pasted into a message (code in backquotes is fine).
ENGLISH = re.compile(r"(?<![`\w])[A-Za-z]+(?: [a-z]+){3,}|Traceback|not in index|is not defined|are in the")
# What an injected error came to: named (the explanation names its cause), accepted (the answer still
# earns the points: the form was not the point, as with a full-width digit), other (a wrong or no cause).
NAMED, ACCEPTED, OTHER = "named", "accepted", "other"


@dataclass(frozen=True)
class DiagnosisCase:
    id: str
    assignment: str
    notebook: str
    answer: str
    code: str
    cause: str
    contains: tuple[str, ...]
    excludes: tuple[str, ...] = ()

    def as_job(self) -> dict:
        return {"id": self.id, "answer": self.answer, "code": self.code}


def corpus_dir() -> Path:
    return course.repo_root() / "tests" / "diagnosis"


def load(assignment: str | None = None, notebook: str | None = None) -> list[DiagnosisCase]:
    """The corpus (of one assignment or notebook), in file order."""
    found = []
    for file in sorted(corpus_dir().glob("*/*.toml")):
        if (assignment and file.parent.name != assignment) or (notebook and file.stem != notebook):
            continue
        for raw in tomllib.loads(file.read_text(encoding="utf-8")).get("case", []):
            found.append(DiagnosisCase(
                id=raw["id"], assignment=file.parent.name, notebook=file.stem, answer=raw["answer"],
                code=raw["code"].strip("\n"), cause=raw["cause"], contains=tuple(raw["contains"]),
                excludes=tuple(raw.get("excludes", ())),
            ))
    return found


def failing_messages(outcome: dict) -> list[str]:
    return [test["message"] for test in outcome.get("tests", {}).values() if not test["passed"]]


def english_in(message: str) -> list[str]:
    """English sentences inside a learner-facing message (outside `code`)."""
    return ENGLISH.findall(re.sub(r"`[^`]*`", "", message))


def case_problems(raw: dict, cases: list[DiagnosisCase]) -> list[str]:
    """What each corpus case's explanation lacks, or says that it must not."""
    problems = []
    for case in cases:
        entry = raw["answers"].get(case.answer)
        if entry is None:
            problems.append(f"{case.id}: 回答セル {case.answer} がありません")
            continue
        outcome = entry["cases"][case.id]
        messages = failing_messages(outcome)
        if outcome.get("crash") or not messages:
            problems.append(f"{case.id} ({case.cause}): どのテストも失敗しませんでした {outcome.get('crash', '')}")
            continue
        text = "\n".join(messages)
        missing = [word for word in case.contains if word not in text]
        wrong = [word for word in case.excludes if word in text]
        english = english_in(text)
        if missing or wrong or english:
            problems.append(f"{case.id} ({case.cause}): 含むべき語 {missing}、含んではいけない語 {wrong}、"
                            f"英語 {english}: {text[:400]}")
    return problems


def injected_status(tried: dict) -> str:
    messages = failing_messages(tried)
    if not messages and not tried.get("crash"):
        return ACCEPTED
    text = "\n".join(messages)
    return NAMED if any(word in text for word in tried["names"]) and not english_in(text) else OTHER


def summarise(raw: dict) -> dict:
    """Per exercise: injected, named, accepted, and the others (kind, diff, the message)."""
    table = {}
    for exercise, entry in raw["answers"].items():
        tried = entry.get("injected", [])
        statuses = [injected_status(t) for t in tried]
        table[exercise] = {
            "injected": len(tried), "named": statuses.count(NAMED), "accepted": statuses.count(ACCEPTED),
            "others": [{"kind": t["kind"], "diff": t["diff"],
                        "message": ("\n".join(failing_messages(t)) or t.get("crash", ""))[:300]}
                       for t, status in zip(tried, statuses) if status == OTHER],
        }
    return table


def content_hash(notebook: Path) -> str:
    digest = hashlib.sha256(analysis.content_hash(notebook).encode())
    for relative in SOURCES:
        digest.update((course.repo_root() / relative).read_bytes())
    return digest.hexdigest()


def cache_path() -> Path:
    return corpus_dir() / "injected.json"


def read_cache() -> dict:
    path = cache_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def write_cache(cache: dict) -> None:
    cache_path().parent.mkdir(parents=True, exist_ok=True)
    cache_path().write_text(json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


@dataclass
class NotebookResult:
    key: str
    raw: dict
    problems: list[str]


def run(notebooks: list[Path], *, inject: set[str], jobs: int | None = None, progress=None) -> list[NotebookResult]:
    """Replay each notebook with its corpus cases (and the injected errors for the keys in ``inject``)."""
    def one(notebook: Path) -> NotebookResult:
        key = analysis.notebook_key(notebook)
        cases = load(notebook.parent.name, notebook.stem)
        if not cases and key not in inject:
            return NotebookResult(key, {"answers": {}, "seconds": 0.0}, [])
        raw = analysis.replay(notebook, cases, mutate=False, inject=key in inject)
        result = NotebookResult(key, raw, case_problems(raw, cases))
        if progress:
            progress(result)
        return result

    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        return list(pool.map(one, notebooks))


def format_table(rows: dict[str, dict]) -> str:
    """Per notebook: injected errors, explained naming their cause, accepted, the rest."""
    lines = [f"{'notebook':58} {'注入':>4} {'原因を説明':>6} {'正解扱い':>5} {'その他':>4}"]
    totals = Counter()
    for key, answers in rows.items():
        counts = Counter()
        for row in answers.values():
            counts.update({"injected": row["injected"], "named": row["named"], "accepted": row["accepted"],
                           "others": len(row["others"])})
        totals.update(counts)
        lines.append(f"{key:58} {counts['injected']:>4} {counts['named']:>10} {counts['accepted']:>8} {counts['others']:>6}")
        for exercise, row in answers.items():
            for other in row["others"]:
                lines.append(f"    {exercise} [{other['kind']}] {other['diff']}")
                lines.append(f"        → {' '.join(other['message'].split())[:200]}")
    lines.append(f"合計: 注入 {totals['injected']}、原因を説明 {totals['named']}、正解扱い {totals['accepted']}、"
                 f"その他 {totals['others']}")
    return "\n".join(lines)


def cli_diagnose(selectors: list[str], jobs: int | None, use_cache: bool) -> int:
    """Run the corpus on the selected notebooks and the error mutator where the cache is stale."""
    notebooks = course.solution_notebooks(selectors or None)
    cache = read_cache() if use_cache else {}
    hashes = {analysis.notebook_key(n): content_hash(n) for n in notebooks}
    todo = {key for key, digest in hashes.items() if cache.get(key, {}).get("hash") != digest}
    started = time.perf_counter()
    results = run(notebooks, inject=todo, jobs=jobs,
                  progress=lambda r: print(f"  {r.key}: {r.raw['seconds']:.1f} 秒", flush=True))
    cache = read_cache()
    for result in results:
        if result.key in todo:
            cache[result.key] = {"hash": hashes[result.key], "answers": summarise(result.raw)}
    write_cache(cache)
    print(format_table({key: cache[key]["answers"] for key in hashes if key in cache}))
    reused = sorted(set(hashes) - todo)
    if reused:
        print(f"（変更のない {len(reused)} 本は、注入したエラーの結果をキャッシュから使いました: --no-cache で全部やり直します）")
    count = sum(len(load(n.parent.name, n.stem)) for n in notebooks)
    problems = [(r.key, p) for r in results for p in r.problems]
    for key, problem in problems:
        print(f"✘ {key}: {problem}")
    print(f"{len(notebooks)} 本のノートブックで、診断のケース {count} 件を {time.perf_counter() - started:.1f} 秒で"
          f"確かめました（エラーを注入し直したのは {len(todo)} 本）。")
    if problems:
        print(f"説明が原因を言い当てていないケースが {len(problems)} 件あります。")
        return 1
    print("診断のケースはすべて、原因を言い当てる説明になっています。")
    return 0
