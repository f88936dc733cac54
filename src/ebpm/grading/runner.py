"""Run stock ``nbgrader autograde A --student S --force`` for one submission after another,
in long-lived worker processes (``ebpm.grading.worker``), with limits.

Each run gets its own copy of the gradebook (so parallel runs never write one SQLite file)
and its own copy of the course data (``EBPM_DATA_DIR``), so learner code that writes to the
data it reads spoils only its own copy. A worker keeps nbgrader imported between submissions,
which saves the 2-3 s start-up of a new nbgrader process per submission. Limits:

- per cell: ``Execute.timeout`` (nbgrader interrupts the cell, scores it 0, runs the rest);
- per submission: a wall-clock limit; when it passes, the worker and every process it started
  (the kernel lives in a session of its own) are killed, and a new worker takes the next one;
- memory: ``RLIMIT_AS`` set before the worker starts, inherited by every kernel, so a memory hog
  gets ``MemoryError`` (or its kernel dies) instead of taking the machine down.

No other limit or setting reaches the kernels: their environment is the grader's own (``nbgrader_env``).
The memory limit can change a result only where an allocation fails, and that always shows: a
``MemoryError`` (numpy's included) in a cell is flagged ``memory``, a dead kernel leaves the
submission ungraded with a reason. The course's own kernels stay far below it: 1.4 GB of address
space at most (VmPeak sampled while grading the reference, blank and wrong answers of ws1-ws4,
2026-12-01) against 4 GB.
"""
from __future__ import annotations

import glob
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil


_WORKERS: set["Worker"] = set()  # live workers, so that an interrupted batch can stop them all
_WORKERS_LOCK = threading.Lock()


def kill_all() -> None:
    """Stop every worker and its kernels (used when the batch is interrupted)."""
    with _WORKERS_LOCK:
        workers = list(_WORKERS)
    for worker in workers:
        worker.kill()


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


def nbgrader_env() -> dict[str, str]:
    """The grader's own environment, unchanged but for the environment's bin/ first on PATH
    (nbgrader runs `alembic` as a program; an instructor with the environment activated has it there).

    Nothing else may be added: kernels must run exactly as under stock nbgrader. A matplotlib backend
    set here (``MPLBACKEND=Agg``) kept figures open between cells, so the reference answers of the
    plotting exercises lost points that stock nbgrader gives (issue 15); a BLAS thread count can change
    the last bits of a floating-point sum, and so a result at a tolerance's edge.
    """
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def prepare_ipython_dir(target: Path) -> Path:
    """A run's own IPython folder, with the grader's profile settings and startup files copied in, so that
    kernels start exactly as under stock nbgrader while whatever they write stays in the run."""
    # IPython's own rule (IPython.paths.get_ipython_dir), without importing IPython into the batch process
    grader_dir = Path(os.environ.get("IPYTHONDIR") or Path.home() / ".ipython").expanduser()
    profile = grader_dir / "profile_default"
    copy = target / "profile_default"
    copy.mkdir(parents=True, exist_ok=True)
    if profile.is_dir():
        for item in profile.glob("*.py"):
            shutil.copy2(item, copy / item.name)
        if (profile / "startup").is_dir():
            shutil.copytree(profile / "startup", copy / "startup", dirs_exist_ok=True)
    return target


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


def autograde_argv(assignment: str, student: str, db_path: Path, limits: Limits) -> list[str]:
    """The arguments of ``nbgrader autograde`` for one submission against its gradebook copy."""
    argv = [assignment, "--student", glob.escape(student), "--force", f"--CourseDirectory.db_url=sqlite:///{db_path}"]
    if limits.cell_timeout:
        argv.append(f"--Execute.timeout={int(limits.cell_timeout)}")
    if limits.iopub_timeout:
        argv.append(f"--Execute.iopub_timeout={int(limits.iopub_timeout)}")
    return argv


def default_jobs() -> int:
    """Workers for a batch: one more than the cores, because a worker spends part of each notebook
    waiting for its kernel to start and stop (measured: 40 learners x 5 notebooks on 2 cores took
    292 s with 2 workers and 257 s with 3; benchmarks/grade_benchmark.py)."""
    return (os.cpu_count() or 1) + 1


class WorkerError(RuntimeError):
    """A worker could not be started (a broken environment, not a learner's fault)."""


class Worker:
    """One grading worker process, used by one thread; runs one submission at a time and is
    started again after a kill."""

    START_TIMEOUT = 180.0

    def __init__(self, root: Path, memory_mb: int | None) -> None:
        self.root = root
        self.memory_mb = memory_mb
        self.process: subprocess.Popen | None = None
        self._buffer = b""

    def _start(self) -> None:
        startup_log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ebpm.grading.worker"], cwd=self.root, env=nbgrader_env(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=startup_log,
            start_new_session=True, preexec_fn=_limit_memory(self.memory_mb),
        )
        self._buffer = b""
        with _WORKERS_LOCK:
            _WORKERS.add(self)
        reply = self._read_reply(time.perf_counter() + self.START_TIMEOUT)
        if not reply or "ready" not in reply:
            self.kill()
            self._forget()
            startup_log.seek(0)
            detail = startup_log.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            raise WorkerError("採点用のプロセスを起動できませんでした: " + (" / ".join(detail) or "応答がありません"))
        startup_log.close()

    def _read_reply(self, deadline: float) -> dict | None:
        """The next reply line, or None when the deadline passes or the worker has gone."""
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            wait = deadline - time.perf_counter()
            if wait <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], wait)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def run(self, argv: list[str], key: str, log_path: Path, wall_timeout: float,
            env: dict[str, str] | None = None) -> tuple[int | None, float, float, bool]:
        """Grade one submission: (exit code, seconds, peak MB of worker and kernels, killed).

        ``env`` sets (or, with an empty value, removes) environment variables for this run's kernels.
        """
        if not self.alive():
            self._start()
        process = self.process
        assert process is not None and process.stdin is not None
        log_path.parent.mkdir(parents=True, exist_ok=True)
        task = {"key": key, "argv": argv, "log": str(log_path), "env": env or {}}
        start = time.perf_counter()
        top = psutil.Process(process.pid)
        seen: dict[int, psutil.Process] = {}
        peak, killed, code = 0.0, False, None
        try:
            process.stdin.write((json.dumps(task) + "\n").encode("utf-8"))
            process.stdin.flush()
        except BrokenPipeError:
            pass
        while True:
            reply = self._read_reply(time.perf_counter() + 0.25)
            if reply is not None:
                code = reply["returncode"]
                break
            if process.poll() is not None:  # the worker died (an interpreter crash, or kill_all)
                code = process.wait()
                break
            try:  # remember the kernels (each lives in a session of its own); measure the tree
                for child in top.children(recursive=True):
                    seen.setdefault(child.pid, child)
                peak = max(peak, tree_rss([top, *seen.values()]))
            except psutil.Error:
                pass
            if time.perf_counter() - start > wall_timeout:
                killed = True
                self.kill()
                break
        seconds = time.perf_counter() - start
        # nothing the learner's code started may outlive its submission
        _kill([p for p in seen.values() if p.is_running()])
        if not self.alive():
            self._forget()
        return code, seconds, peak / 2**20, killed

    def kill(self) -> None:
        """Kill the worker (first, so that it records nothing about kernels it sees dying) and its kernels."""
        process = self.process
        if process is None:
            return
        try:
            children = psutil.Process(process.pid).children(recursive=True)
        except psutil.Error:
            children = []
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        _kill(children)
        process.wait()

    def _forget(self) -> None:
        with _WORKERS_LOCK:
            _WORKERS.discard(self)
        if self.process is not None:
            for stream in (self.process.stdin, self.process.stdout):
                try:
                    if stream:
                        stream.close()
                except OSError:
                    pass
        self.process = None

    def close(self) -> None:
        """Let the worker finish (end of input), or kill it when it does not."""
        if not self.alive():
            self._forget()
            return
        assert self.process is not None
        try:
            self.process.stdin.close()  # type: ignore[union-attr]
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
        self._forget()


class WorkerPool:
    """One worker per grading thread, started on first use; ``run`` grades one submission."""

    def __init__(self, root: Path, limits: Limits) -> None:
        self.root = root
        self.limits = limits
        self._local = threading.local()
        self._all: list[Worker] = []
        self._lock = threading.Lock()

    def _worker(self) -> Worker:
        worker = getattr(self._local, "worker", None)
        if worker is None:
            worker = self._local.worker = Worker(self.root, self.limits.memory_mb)
            with self._lock:
                self._all.append(worker)
        return worker

    def run(self, assignment: str, student: str, db_path: Path, log_path: Path,
            workspace: Path | None = None) -> RunOutcome:
        """One stock autograde of one submission; never raises for what the learner's code does.

        With a ``workspace``, the run's kernels read the course data from ``workspace/data`` (a copy
        made by the caller) and keep IPython's profile in ``workspace/ipython``: a learner's code that
        writes a startup file or history reaches no other learner's kernel and not the instructor's.
        """
        env = {}
        if workspace is not None:
            env = {"EBPM_DATA_DIR": str(workspace / "data"), "IPYTHONDIR": str(workspace / "ipython")}
        code, seconds, peak_mb, killed = self._worker().run(
            autograde_argv(assignment, student, db_path, self.limits), f"{assignment}/{student}", log_path,
            self.limits.wall_timeout, env)
        outcome = RunOutcome(code, seconds, peak_mb, log_path, killed=killed)
        if killed:
            outcome.reason_kind = "wall_timeout"
            outcome.reason = (f"採点が制限時間（{self.limits.wall_timeout:.0f} 秒）を超えたため打ち切りました。"
                              "無限ループや、中断を受け付けないコードがないか確かめてください。")
        elif code != 0:
            log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
            outcome.reason_kind, outcome.reason = classify_failure(log)
        return outcome

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.close()


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
