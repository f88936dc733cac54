"""Run one stock ``nbgrader autograde A --student S --force`` with limits, in its own process tree.

Each run gets its own copy of the gradebook (so parallel runs never write one SQLite file)
and its own copy of the course data (``EBPM_DATA_DIR``), so learner code that writes to the
data it reads spoils only its own copy. Limits:

- per cell: ``Execute.timeout`` (nbgrader interrupts the cell, scores it 0, runs the rest);
- per submission: a wall-clock limit; when it passes, every process of the run (nbgrader and
  the kernel, which jupyter_client starts in a session of its own) is killed;
- memory: ``RLIMIT_AS`` set before nbgrader starts, inherited by the kernel, so a memory hog
  gets ``MemoryError`` (or its kernel dies) instead of taking the machine down.
"""
from __future__ import annotations

import glob
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil


_ACTIVE: dict[int, dict[int, psutil.Process]] = {}  # running autogrades: pid → processes seen


def kill_all() -> None:
    """Stop every running autograde and its kernel (used when the batch is interrupted)."""
    for pid, seen in list(_ACTIVE.items()):
        _kill(list(seen.values()))
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# Failures caused by the grading machine rather than the submission: retried on the next run.
TRANSIENT = {"iopub_timeout", "internal_error"}


@dataclass(frozen=True)
class Limits:
    cell_timeout: int | None = None  # seconds; None keeps nbgrader_config.py's Execute.timeout
    wall_timeout: float = 900.0      # seconds for the whole submission
    memory_mb: int | None = 4096     # address space per process (nbgrader and the kernel)
    # How long nbclient waits for a cell's output after its reply. nbgrader's 4 s fails a whole
    # submission when the machine is busy (parallel runs); it never changes a score otherwise.
    iopub_timeout: int | None = 30


@dataclass
class RunOutcome:
    returncode: int | None
    seconds: float
    peak_mb: float
    log: Path
    reason_kind: str = ""
    reason: str = ""
    killed: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.reason


def nbgrader_command() -> list[str]:
    bin_dir = Path(sys.executable).parent
    program = bin_dir / "nbgrader"
    return [str(program)] if program.exists() else [sys.executable, "-m", "nbgrader"]


def nbgrader_env(data_dir: Path | None = None) -> dict[str, str]:
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    # nbgrader runs `alembic` as a program, so the environment's bin/ must be on PATH.
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.setdefault("MPLBACKEND", "Agg")
    # One BLAS thread per kernel: runs are already parallel, and each thread reserves address space.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    if data_dir is not None:
        env["EBPM_DATA_DIR"] = str(data_dir)
    return env


def _limit_memory(memory_mb: int | None):
    def apply() -> None:
        if memory_mb:
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def tree_rss(processes: list[psutil.Process]) -> int:
    """Resident memory of a process tree, in bytes (sampled: the peak is a lower bound)."""
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


def _kill(processes: list[psutil.Process]) -> None:
    for process in processes:
        try:
            process.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(processes, timeout=5)


def run_autograde(root: Path, assignment: str, student: str, db_path: Path, log_path: Path,
                  limits: Limits, data_dir: Path | None = None) -> RunOutcome:
    """One stock autograde of one submission; never raises for what the learner's code does."""
    command = [*nbgrader_command(), "autograde", assignment, "--student", glob.escape(student), "--force",
               f"--CourseDirectory.db_url=sqlite:///{db_path}"]
    if limits.cell_timeout:
        command.append(f"--Execute.timeout={int(limits.cell_timeout)}")
    if limits.iopub_timeout:
        command.append(f"--Execute.iopub_timeout={int(limits.iopub_timeout)}")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    seen: dict[int, psutil.Process] = {}
    killed = False
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=root, env=nbgrader_env(data_dir), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_limit_memory(limits.memory_mb),
        )
        status, usage = 0, None
        next_scan, peak = 0.0, 0.0
        _ACTIVE[process.pid] = seen
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            if now >= next_scan:  # remember the kernel (it lives in a session of its own); measure the tree
                try:
                    top = psutil.Process(process.pid)
                    for child in top.children(recursive=True):
                        seen.setdefault(child.pid, child)
                    peak = max(peak, tree_rss([top, *seen.values()]))
                except psutil.Error:
                    pass
                next_scan = now + 0.25
            if now - start > limits.wall_timeout:
                killed = True
                try:  # nbgrader first, so that it records nothing about a kernel it sees dying
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                _kill([*seen.values()])
                _, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        _ACTIVE.pop(process.pid, None)
    # a kernel left behind by a crashed nbgrader must not keep running
    _kill([p for p in seen.values() if p.is_running()])
    seconds = time.perf_counter() - start
    outcome = RunOutcome(process.returncode, seconds, peak / 2**20, log_path, killed=killed)
    if killed:
        outcome.reason_kind = "wall_timeout"
        outcome.reason = (f"採点が制限時間（{limits.wall_timeout:.0f} 秒）を超えたため打ち切りました。"
                          "無限ループや、中断を受け付けないコードがないか確かめてください。")
    elif process.returncode != 0:
        outcome.reason_kind, outcome.reason = classify_failure(log_path.read_text(encoding="utf-8", errors="replace"))
    return outcome


def classify_failure(log: str) -> tuple[str, str]:
    """A Japanese reason for a failed autograde, read from nbgrader's log."""
    if "DeadKernelError" in log or "Kernel died" in log or "kernel died" in log:
        return "kernel_died", ("実行中に Python（カーネル）が停止しました（os._exit の呼び出しや、メモリの使い過ぎなど）。"
                               "このノートブックは採点できませんでした。")
    if "Timeout waiting for IOPub output" in log:
        return "iopub_timeout", ("実行結果の受け取りが時間切れになりました（採点するマシンが混み合っている可能性）。"
                                 "`ebpm grade` をもう一度実行すると、この提出だけ採点し直します。")
    if "UnresponsiveKernelError" in log or "kernel became unresponsive" in log:
        return "kernel_unresponsive", "カーネルが応答しなくなりました（中断できない無限ループなど）。"
    if "No notebooks found" in log:
        return "no_notebooks", "採点できるノートブックがありません（ファイル名が課題と違う可能性があります）。"
    if "NotJSONError" in log or "does not appear to be JSON" in log or "JSONDecodeError" in log:
        return "invalid_json", "ノートブックのファイルが壊れていて読めません。"
    if "MemoryError" in log:
        return "memory", "メモリ不足で採点できませんでした。"
    lines = [line for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line]
    last = (errors or lines or ["（ログなし）"])[-1].strip()
    return "autograde_error", f"nbgrader の自動採点が失敗しました: {last[:300]}"
