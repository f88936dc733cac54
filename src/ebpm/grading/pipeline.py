"""The steps of `ebpm grade` put together: import, inspect, run, merge, journal, feedback, report."""
from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from ebpm.errors import EbpmError, lost_kernel_port_race
from ebpm.grading import (bundles, dataguard, feedback, inspect, journal, layout as layouts, learners, manual, merge,
                          runner, sandbox, shards, submissions)
from ebpm.grading.dataguard import DataGuard
from ebpm.grading.inspect import Finding
from ebpm.grading.runner import Limits


DATA_WRITES = "data-writes.log"  # in a run's workspace: the writes to data/ its kernels were refused


@dataclass
class Options:
    assignments: list[str] = field(default_factory=list)
    students: list[str] = field(default_factory=list)
    import_path: Path | None = None
    import_assignment: str | None = None
    replace: bool = False  # take in a copy older than the version kept (submissions.import_learners)
    jobs: int | None = None
    force: bool = False
    limits: Limits = field(default_factory=Limits)
    feedback: bool = True
    report: bool = True
    progress: bool | None = None
    shard: shards.Shard | None = None  # grade only this shard's learners (--shard K/N)


@dataclass
class BatchResult:
    layout: layouts.CourseLayout
    entries: dict[str, journal.Entry]
    graded: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    jobs: int = 1
    integrity: bool = True
    data_restored: list[str] = field(default_factory=list)
    data_problems: list[str] = field(default_factory=list)
    feedback_problems: list[str] = field(default_factory=list)
    exports: list[Path] = field(default_factory=list)
    imported: submissions.ImportResult | None = None
    bundles: list[Path] = field(default_factory=list)
    isolation: str = ""  # Japanese, when learner code ran without bubblewrap: why, and what that means
    manual_restored: list[str] = field(default_factory=list)  # written answers settled again (manual.restore)


@dataclass
class _Run:
    submission: submissions.Submission
    findings: list[Finding]
    outcome: runner.RunOutcome | None = None
    part_db: Path | None = None
    workspace: Path | None = None
    data_before: dict = field(default_factory=dict)
    graded_by_hand: dict = field(default_factory=dict)  # answers the instructor graded before this run


def _score(layout: layouts.CourseLayout, assignment: str, student: str) -> tuple[float | None, float | None]:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return None, None
        return float(submission.score), float(submission.max_score)


def _assignments(layout: layouts.CourseLayout, options: Options) -> list[str]:
    if options.assignments:
        return list(options.assignments)
    if not layout.submitted.is_dir():
        return []
    return sorted({p.name for d in layout.submitted.iterdir() if d.is_dir() for p in d.iterdir() if p.is_dir()})


def grade(options: Options, root: Path | None = None) -> BatchResult:
    start = time.perf_counter()
    result_import = None
    layout = layouts.load(root)
    layout.grading.mkdir(parents=True, exist_ok=True)
    if not merge.gradebook_exists(layout.db_url):
        raise EbpmError(f"成績簿 {layout.db_path or layout.db_url} がありません。先に `.venv/bin/ebpm release <課題>` で課題を登録してください。")
    if options.import_path:
        if not options.import_assignment:
            raise EbpmError("--import には --assignment（取り込む課題）も指定してください。")
        _registered(layout, options.import_assignment)
        imported = submissions.import_learners(layout, options.import_path, options.import_assignment,
                                                options.replace)
        result_import = imported
        table = learners.read_table(layout)
        learners.register(layout, {s.student: table[s.student] for s in imported.submissions})
        if not options.assignments:
            options.assignments = [options.import_assignment]
    assignments = _assignments(layout, options)
    references = {a: inspect.reference_notebooks(layout.db_url, layout.course_id, a, layout.release, layout.source)
                  for a in assignments}
    found = submissions.discover(layout, assignments, options.students or None)
    if options.shard:
        found = [s for s in found if options.shard.takes(s.student)]
    entries = journal.read(layout.journal)
    named = set(options.students)
    todo = [s for s in found if (options.force and not _set_aside_before(entries, s, named)) or s.key not in entries
            or entries[s.key].content_hash != s.content_hash or entries[s.key].reason_kind in runner.TRANSIENT]
    jobs = max(1, options.jobs or runner.default_jobs())
    result = BatchResult(layout, entries, skipped=len(found) - len(todo), jobs=jobs, imported=result_import)
    result.manual_restored = manual.restore(layout, assignments)  # after a stock autograde --force
    todo, alone = _after_a_dead_batch(layout, todo, entries, named, result)
    isolation = sandbox.probe()
    if not isolation.available:
        result.isolation = sandbox.fallback_notice(isolation)
    elif todo or alone:
        sandbox.warm_matplotlib(runner.nbgrader_env())
    lock = threading.Lock()
    running: set[str] = set()   # submissions whose autograde has started and not been finished
    suspects: set[str] = set()  # running when the real data/ was found changed
    with tempfile.TemporaryDirectory(prefix="ebpm-grade-") as tmp:
        work = Path(tmp)
        guard = DataGuard(layout.data, work)
        grader = runner.Grader(layout.root, options.limits)

        def prepare_and_run(submission: submissions.Submission, solo: bool = False) -> _Run:
            try:
                return _prepare_and_run(submission, solo)
            except Exception as error:  # a bug of ours must cost one submission, not the batch
                return _Run(submission, [Finding("internal_error", f"ebpm grade の内部エラー: {type(error).__name__}: "
                                                 f"{error}", blocking=True)])

        def _prepare_and_run(submission: submissions.Submission, solo: bool = False) -> _Run:
            with lock:
                running.add(submission.key)
                journal.started(layout.journal, submission.key, submission.content_hash, solo or jobs == 1,
                                isolation.available)
            # A submission that cannot be graded still goes through stock autograde, so that the
            # gradebook ends up exactly as stock nbgrader leaves it; the pre-check gives the reason.
            run = _Run(submission, inspect.precheck(submission, references[submission.assignment]))
            folder = work / f"{submission.assignment}__{submission.student}"
            folder.mkdir()
            run.part_db = folder / "gradebook.db"
            with lock:
                merge.snapshot(layout.db_url, run.part_db, layout.course_id, submission.assignment, submission.student)
                run.graded_by_hand = manual.graded_by_hand(layout, submission.assignment, submission.student)
            log = layout.logs / submission.assignment / f"{submission.student}.log"
            for attempt in range(2):
                run.workspace = workspace = folder / f"run{attempt}"
                run.data_before = guard.make_copy(workspace / "data")
                runner.prepare_ipython_dir(workspace / "ipython")
                dataguard.install_guard(workspace / "ipython" / "profile_default", [workspace / "data", layout.data],
                                        workspace / DATA_WRITES)
                box = _sandbox(layout, work, workspace, submission, options.limits, isolation)
                run.outcome = grader.run(submission.assignment, submission.student, run.part_db, log, workspace, box)
                if run.outcome.ok or run.outcome.killed or not _lost_port_race(log):
                    break
            return run

        show = sys.stderr.isatty() if options.progress is None else options.progress
        bar = None
        if show and (todo or alone):
            from tqdm import tqdm

            bar = tqdm(total=len(todo) + len(alone), desc="採点中", unit="件")
        pool = ThreadPoolExecutor(max_workers=jobs)
        previous = _stop_on_sigterm()
        grader.__enter__()
        pending: set[Future] = {pool.submit(prepare_and_run, s) for s in todo}
        try:
            while pending or alone:
                if not pending:  # running when a batch died: now each on its own, after everyone else
                    pending = {pool.submit(prepare_and_run, alone.pop(0), True)}
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    entry = _finish(layout, future.result(), guard, lock, references, running, suspects)
                    journal.append(layout.journal, entry)
                    entries[entry.key] = entry
                    if entry.status == "graded":
                        result.graded += 1
                    else:
                        result.failed += 1
                    if bar:
                        bar.update(1)
        except BaseException:
            for future in pending:
                future.cancel()
            runner.kill_all()
            pool.shutdown(wait=True, cancel_futures=True)
            journal.released(layout.journal, sorted(running))  # stopped by the instructor, not by a submission
            guard.final_check()
            raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
            if bar:
                bar.close()
            grader.__exit__()
        pool.shutdown(wait=True)
        result.data_restored = guard.final_check() + guard.restored
    from ebpm import datapackage

    if (layout.data / datapackage.DESCRIPTOR).is_file():
        result.data_problems = datapackage.verify(layout.data)
    result.integrity = merge.integrity_ok(layout.db_url)
    manual.remember(layout, assignments)
    if options.feedback:
        for assignment in assignments:
            _flag_withheld(layout, entries, assignment, feedback.generate(layout, assignment))
        for assignment in assignments:  # the proof: nothing published shows a hidden test
            result.feedback_problems += feedback.leaked_hidden_tests(layout, assignment)
        withheld: list[feedback.Leak] = []
        result.bundles = bundles.write_bundles(layout, assignments, withheld)
        for assignment in assignments:
            _flag_withheld(layout, entries, assignment, [leak for leak in withheld if leak.assignment == assignment])
    result.seconds = time.perf_counter() - start
    if options.report:
        from ebpm.grading import report  # pandas and matplotlib: loaded only when a report is made

        cells, subs = report.grade_rows(layout, assignments)
        result.exports = report.write_csv(layout, cells, subs, entries)
        result.exports.append(report.write_html(layout, assignments, cells, subs, entries, batch={
            "graded": result.graded, "failed": result.failed, "skipped": result.skipped,
            "seconds": result.seconds, "jobs": jobs, "integrity": result.integrity,
            "data": data_summary(result), "isolation": result.isolation}))
    return result


BATCH_KILLED = "batch_killed"
HIDDEN_LEAK = "hidden_leak"


def _flag_withheld(layout: layouts.CourseLayout, entries: dict[str, journal.Entry], assignment: str,
                   leaks: list) -> None:
    """Flag each submission whose feedback would have shown hidden-test text (the page was not given out)."""
    for leak in leaks:
        entry = entries.get(f"{assignment}/{leak.student}")
        if entry is None:
            continue
        message = leak.message(assignment)
        if any(f.get("message") == message for f in entry.findings):
            continue
        entry.findings = [*entry.findings, Finding(HIDDEN_LEAK, message, tamper=True).to_dict()]
        journal.append(layout.journal, entry)


def _set_aside_before(entries: dict[str, journal.Entry], submission: submissions.Submission, named: set[str]) -> bool:
    """Set aside by an earlier batch for stopping it, unchanged since, and not asked for by name."""
    entry = entries.get(submission.key)
    return (entry is not None and entry.reason_kind == BATCH_KILLED and entry.content_hash == submission.content_hash
            and submission.student not in named)


def _after_a_dead_batch(layout: layouts.CourseLayout, todo: list[submissions.Submission],
                        entries: dict[str, journal.Entry], named: set[str], result: BatchResult):
    """Submissions that were running when an earlier batch died (its process gone without a word).

    Learner code in a sandbox cannot reach the batch, so a batch that died then was stopped by something
    else (Ctrl+C is released, so: a power cut, the OOM killer, ``kill -9``): its submissions are graded as
    usual. Without a sandbox, one that ran alone is what most likely stopped it: set aside, flagged, with
    the reason, and not run again (unless it changes or the instructor names it with --student). Several
    that ran together are graded again, one at a time after everyone else, so that if one stops this
    batch too the next batch knows which. Returns (the submissions to grade as usual, those to grade
    alone at the end)."""
    from datetime import datetime

    dead = journal.unfinished(layout.journal)
    usual, alone = [], []
    for submission in todo:
        mark = dead.get(submission.key)
        if (mark is None or mark.isolated or mark.content_hash != submission.content_hash
                or submission.student in named):
            usual.append(submission)
        elif not mark.alone:
            alone.append(submission)
        else:
            when = datetime.fromisoformat(mark.at).strftime("%Y-%m-%d %H:%M") if mark.at else "前回"
            reason = (f"{when} に始めた採点（ebpm grade）が、この提出だけを採点している最中に途中で止まりました。"
                      "この提出のコードが採点全体を止めたと考えられるため、今回は採点せずに取り分けました。"
                      "ノートブックを確かめてから（停電など別の理由で止まった場合も）、採点するときは "
                      f"`ebpm grade --student {submission.student}` のように名前を指定してください。")
            entry = journal.Entry(submission.assignment, submission.student, submission.content_hash, "failed",
                                  display_name=submission.display_name, reason=reason, reason_kind=BATCH_KILLED,
                                  findings=[Finding(BATCH_KILLED, "採点全体（ebpm grade）を止めた疑いがあります（理由は「採点できず」の欄）。",
                                                    tamper=True).to_dict()])
            journal.append(layout.journal, entry)
            entries[entry.key] = entry
            result.failed += 1
    return usual, alone


def _sandbox(layout: layouts.CourseLayout, work: Path, workspace: Path, submission: submissions.Submission,
             limits: Limits, isolation: sandbox.Probe) -> sandbox.Sandbox | None:
    """The mounts of one run's kernels: its autograded copy writable, its data copy read-only, and every
    other grading file (gradebook, journal, other learners, hidden tests, the batch's scratch) out of sight."""
    if not isolation.available:
        return None
    log = workspace / DATA_WRITES
    log.touch()
    from jupyter_core.paths import jupyter_runtime_dir

    # Jupyter's runtime folder: connection files and the cookie secret of any Jupyter server running here
    hidden = [work, layout.grading, layout.submitted, layout.autograded, layout.feedback, layout.source,
              Path(jupyter_runtime_dir())]
    if layout.db_path is not None:
        hidden.append(layout.db_path.parent)
    hidden = [p.resolve() for p in hidden if p.is_dir()]
    hidden = [p for p in hidden if not any(p != q and p.is_relative_to(q) for q in hidden)]
    own = layout.autograded / submission.student / submission.assignment
    env = runner.nbgrader_env()
    home, home_keep = sandbox.home_view(env)
    return sandbox.Sandbox(
        isolation.bwrap, tuple(dict.fromkeys(hidden)), writable=(own, workspace / "ipython", log),
        readonly=(workspace / "data",), copies=sandbox.copy_matplotlib_dirs(workspace / "matplotlib", env),
        memory_mb=limits.memory_mb, home=home, home_keep=home_keep)


def _registered(layout: layouts.CourseLayout, assignment: str) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise EbpmError(f"課題 {assignment} が成績簿に登録されていません。先に `.venv/bin/ebpm release {assignment}` "
                            "を実行してください。") from None


def _lost_port_race(log: Path) -> bool:
    """A kernel of this run died at start-up for a taken port (no learner code ran): grade it again."""
    return log.is_file() and lost_kernel_port_race(log.read_text(encoding="utf-8", errors="replace"))


def _stop_on_sigterm():
    """Make `kill` (SIGTERM) stop a batch like Ctrl+C: running autogrades and kernels are killed,
    the journal keeps every finished submission. Returns the previous handler (None off the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, stop)


def data_summary(result: BatchResult) -> str:
    if result.data_problems:
        return f"datapackage.json と一致しないファイルがあります: {'; '.join(result.data_problems[:3])}"
    if result.data_restored:
        return f"採点中に変更されたファイルを元に戻しました: {', '.join(sorted(set(result.data_restored)))}"
    return "変更はありません"


def _finish(layout: layouts.CourseLayout, run: _Run, guard: DataGuard, lock: threading.Lock,
            references: dict, running: set[str], suspects: set[str]) -> journal.Entry:
    """Merge one finished run and write what happened (main thread only)."""
    submission = run.submission
    findings = list(run.findings)
    entry = journal.Entry(submission.assignment, submission.student, submission.content_hash, "failed",
                          display_name=submission.display_name)
    blocking = [f for f in findings if f.blocking]
    outcome = run.outcome
    if outcome is not None:
        with lock:
            merged = merge.merge_submission(layout.db_url, f"sqlite:///{run.part_db}", layout.course_id,
                                            submission.assignment, submission.student)
        entry.seconds, entry.peak_mb = round(outcome.seconds, 2), round(outcome.peak_mb, 1)
        if not outcome.killed:  # a killed run left only a half-made copy: nothing to read there
            findings += inspect.postcheck(layout.autograded / submission.student / submission.assignment,
                                          references[submission.assignment])
            if merged:
                with lock:
                    changed = manual.keep(layout, submission.assignment, submission.student, run.graded_by_hand)
                if changed:
                    findings.append(Finding("manual_answer_changed", "手で採点した記述の回答が変わったので、もう一度"
                                            f"採点してください: {', '.join(changed)}"))
        refused = dataguard.refused_writes(run.workspace / DATA_WRITES)
        if refused:
            findings.append(Finding("data_write", "採点中に教材データ（data/）へ書き込もうとしました（拒否しました）: "
                                    f"{', '.join(refused[:5])}", tamper=True))
        touched = dataguard.touched_files(run.workspace / "data", run.data_before)
        if touched:
            findings.append(Finding("data_changed", "採点中に教材データを書き換えました（採点用の複製で、元の data/ は無事です。"
                                    f"元に戻した場合も含みます）: {', '.join(touched[:5])}", tamper=True))
        restored = guard.quick_check()
        with lock:
            if restored:  # whoever was running may have done it: each of them is flagged when it ends
                suspects |= running
                guard.last_change = ", ".join(restored[:5])
            running.discard(submission.key)
            suspected = submission.key in suspects
            suspects.discard(submission.key)
        if suspected:
            who = "この提出" if restored and not running else "この提出か、同時に採点していた提出"
            findings.append(Finding("data_changed", f"{who}が元の data/ を書き換えました（元に戻しました）: "
                                    f"{guard.last_change}", tamper=True))
        if outcome.ok and merged and not blocking:
            entry.status = "graded"
            entry.score, entry.max_score = _score(layout, submission.assignment, submission.student)
        else:
            entry.reason_kind = outcome.reason_kind or "autograde_error"
            entry.reason = outcome.reason or "自動採点の結果が成績簿にありません。"
        if outcome.killed:  # as nbgrader does for a failed submission: no half-made autograded copy
            shutil.rmtree(layout.autograded / submission.student / submission.assignment, ignore_errors=True)
        dataguard.remove_copy(run.part_db.parent)
    with lock:
        running.discard(submission.key)
    if blocking:
        entry.status = "failed"
        entry.reason_kind, entry.reason = blocking[0].kind, " ".join(f.message for f in blocking)
    entry.findings = [f.to_dict() for f in findings]
    return entry
