"""Run stock nbgrader's autograde for one submission after another, several at once, inside the
batch process, with limits.

Each run is exactly ``nbgrader autograde A --student S --force`` (a fresh ``AutogradeApp`` given that
command line) against its own copy of the gradebook (so parallel runs never write one SQLite file),
with its own copy of the course data (``EBPM_DATA_DIR``) and IPython folder for its kernels. Runs go
in threads of this process, so one nbgrader (and one set of its imports) serves them all: the grading
tree holds this process and one kernel per parallel run, as stock holds its process and one kernel
(issue 15: separate worker processes cost an nbgrader's memory each, 2.5-3.5 times stock's in all).

What is this run's and not another's reaches its kernels through ``RunKernelManager``, the kernel
manager nbgrader's ``Execute`` starts: the run's environment variables, its log as the kernel's
stdout/stderr, the memory limit, and the run's sandbox (``sandbox.Sandbox``: the kernel's argv is
prefixed with bubblewrap, so learner code can write only the submission's own autograded copy).
Nothing else: kernels start as under stock nbgrader, from the grader's own environment
(``nbgrader_env``). Limits:

- per cell: ``Execute.timeout`` (nbgrader interrupts the cell, scores it 0, runs the rest);
- per submission: a wall-clock limit; when it passes, the run's kernels and everything they started
  are killed, and no further kernel starts for it (nbgrader records the failure, the run ends);
- memory: ``RLIMIT_AS`` on each kernel, so a memory hog gets ``MemoryError`` (or its kernel dies)
  instead of taking the machine down (set inside the sandbox by ``prlimit`` before the kernel starts,
  else on the kernel's process right after it starts).

The memory limit can change a result only where an allocation fails, and that always shows: a
``MemoryError`` (numpy's included) in a cell is flagged ``memory``, a dead kernel leaves the
submission ungraded with a reason. The course's own kernels stay far below it: 1.4 GB of address
space at most (VmPeak sampled while grading the reference, blank and wrong answers of ws1-ws4,
2026-12-01) against 4 GB.
"""
from __future__ import annotations

import contextlib
import glob
import itertools
import os
import resource
import shutil
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import psutil


# Failures caused by the grading machine rather than the submission: retried on the next run.
TRANSIENT = {"iopub_timeout", "internal_error"}


@dataclass(frozen=True)
class Limits:
    cell_timeout: int | None = None  # seconds; None keeps nbgrader_config.py's Execute.timeout
    wall_timeout: float = 900.0      # seconds for the whole submission
    memory_mb: int | None = 4096     # address space of each kernel
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
    """Runs at once: one per core. Each parallel run holds a kernel (about 200 MB for the course's
    notebooks): 40 learners x 5 notebooks on 2 cores took 259 s and 603 MB with 2 runs, against stock's
    757 s and 352 MB (benchmarks/grade_benchmark.py, 2026-12-01); a third run would add a third kernel
    and take the tree past twice stock's memory."""
    return os.cpu_count() or 1


class _Run:
    """What one autograde run gives its kernels, and what it knows of them."""

    def __init__(self, key: str, env: dict[str, str], log, memory_mb: int | None, sandbox=None) -> None:
        self.key = key
        self.env = env
        self.log = log
        self.memory_mb = memory_mb
        self.sandbox = sandbox  # a sandbox.Sandbox: the run's kernels start inside bubblewrap
        self.setenv: dict[str, str] = {}  # what nbgrader sets in os.environ for the kernels it starts
        self.cancelled = threading.Event()
        self.kernels: list[psutil.Process] = []
        self.seen: dict[int, psutil.Process] = {}  # every process of the run met while it ran
        self.peak = 0                              # bytes, the largest sum of RSS sampled
        self.deadline = float("inf")
        self.timed_out = False
        self.lock = threading.Lock()

    def kernel_env(self) -> dict[str, str]:
        env = nbgrader_env()
        for name, value in [*self.env.items(), *self.setenv.items()]:
            if value:
                env[name] = value
            else:
                env.pop(name, None)
        return env

    def started(self, pid: int) -> None:
        if self.memory_mb:  # before the kernel has run a line of the learner's code
            limit = self.memory_mb * 1024 * 1024
            try:
                resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))
            except (ProcessLookupError, PermissionError, ValueError):
                pass
        try:
            with self.lock:
                self.kernels.append(psutil.Process(pid))
        except psutil.Error:
            pass

    def processes(self) -> list[psutil.Process]:
        """The run's kernels and everything they started that is still there."""
        with self.lock:
            kernels = list(self.kernels)
        found: dict[int, psutil.Process] = {}
        for kernel in kernels:
            try:
                if kernel.is_running():
                    found.setdefault(kernel.pid, kernel)
                    for child in kernel.children(recursive=True):
                        found.setdefault(child.pid, child)
            except psutil.Error:
                pass
        return list(found.values())

    def kill(self) -> None:
        """Stop the run: no kernel starts any more, and the running ones die with what they started."""
        self.cancelled.set()
        processes = self.processes()
        for process in processes:
            try:  # each kernel leads a session of its own; its group catches what it started
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _kill(processes)


_current = threading.local()  # the _Run of the thread that runs an autograde
_RUNS: set[_Run] = set()      # runs in progress, so that an interrupted batch can stop them all
_RUNS_LOCK = threading.Lock()
_SYS_PATH_LOCK = threading.Lock()
_RUN_NUMBERS = itertools.count(1)


def kill_all() -> None:
    """Stop every run in progress and its kernels (used when the batch is interrupted)."""
    with _RUNS_LOCK:
        runs = list(_RUNS)
    for run in runs:
        run.kill()


class RunCancelled(RuntimeError):
    """A kernel was to start for a run that has been stopped."""


def _kernel_manager_class():
    from jupyter_client.manager import AsyncKernelManager

    class RunKernelManager(AsyncKernelManager):
        """nbgrader's kernel manager, giving each kernel what belongs to its run (see the module's docstring)."""

        def __init__(self, **kwargs):
            run = getattr(_current, "run", None)
            if run is not None:
                kwargs.setdefault("log", run.logger)
            super().__init__(**kwargs)
            self._ebpm_run = run

        async def _async_signal_kernel(self, signum: int) -> None:
            # A sandboxed kernel leads a session of its own inside bubblewrap, which forwards no signal:
            # an interrupt (a cell's time limit) goes to the kernel's own process group, as stock's does.
            run = self._ebpm_run
            kernel = _sandboxed_kernel(getattr(self.provisioner, "pid", None)) if run and run.sandbox else None
            if kernel is None:
                return await super()._async_signal_kernel(signum)
            try:
                os.killpg(kernel.pid, signum)
            except OSError:
                kernel.send_signal(signum)

        async def _async_pre_start_kernel(self, **kw):
            run = getattr(_current, "run", None)
            if run is not None:
                if run.cancelled.is_set():
                    raise RunCancelled("採点を打ち切ったため、カーネルを起動しません。")
                kw["env"] = run.kernel_env()
                kw["stdout"] = kw["stderr"] = run.log
            kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
            if run is not None and run.sandbox is not None:
                kernel_cmd = run.sandbox.wrap(kernel_cmd, self.connection_file, kw.get("cwd"))
            return kernel_cmd, kw

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            await super()._async_launch_kernel(kernel_cmd, **kw)
            run = getattr(_current, "run", None)
            pid = getattr(self.provisioner, "pid", None)
            if run is not None and pid:
                run.started(pid)
                if run.cancelled.is_set():
                    run.kill()

    return RunKernelManager


def _sandboxed_kernel(bwrap_pid: int | None) -> psutil.Process | None:
    """The kernel inside a sandbox: the first process below bubblewrap's own two (outer, and init of
    the PID namespace) that is not bubblewrap."""
    if not bwrap_pid:
        return None
    try:
        for process in psutil.Process(bwrap_pid).children(recursive=True):
            if process.name() != "bwrap":
                return process
    except psutil.Error:
        pass
    return None


_PATCH_LOCK = threading.Lock()


def _setenv_for_runs(stock_setenv):
    @contextlib.contextmanager
    def setenv(**values: str):
        run = getattr(_current, "run", None)
        if run is None:
            with stock_setenv(**values):
                yield
            return
        saved = dict(run.setenv)
        run.setenv.update(values)
        try:
            yield
        finally:
            run.setenv.clear()
            run.setenv.update(saved)

    setenv.for_runs = True
    return setenv


def _use_run_kernel_manager() -> None:
    """Make nbgrader's kernels belong to their run, in this process only.

    nbgrader's ``Execute`` fixes its kernel manager class (a keyword beats configuration), so the class
    it names is replaced by one that only adds what belongs to a run. And nbgrader hands kernels
    ``NBGRADER_EXECUTION`` by setting it in ``os.environ`` around a notebook and deleting it after, which
    two runs at once would undo for each other: inside a run, that setting goes to the run's kernels.
    """
    import nbgrader.preprocessors.execute as execute
    import nbgrader.utils as utils

    with _PATCH_LOCK:
        if getattr(execute.AsyncKernelManager, "__name__", "") != "RunKernelManager":
            execute.AsyncKernelManager = _kernel_manager_class()
        if not getattr(utils.setenv, "for_runs", False):
            utils.setenv = _setenv_for_runs(utils.setenv)


def _autograde(argv: list[str], run: _Run) -> int:
    """One stock autograde in this thread: the exit code the command line would give."""
    import logging

    from nbgrader.apps.autogradeapp import AutogradeApp

    _current.run = run
    handler = logging.StreamHandler(run.log)
    app = AutogradeApp(log=run.logger)
    run.logger.addHandler(handler)
    handler.setLevel(app.log_level)
    try:
        with _SYS_PATH_LOCK:
            app.initialize(argv)
            # the app puts its working folder (the course root, the same for every run) on sys.path
            # each time; once is what stock has
            sys.path[:] = list(dict.fromkeys(sys.path))
        handler.setLevel(app.log_level)
        handler.setFormatter(app._log_formatter_cls(fmt=app.log_format.replace("%(color)s", "").replace(
            "%(end_color)s", ""), datefmt=app.log_datefmt))
        app.start()
        code = 0
    except SystemExit as stop:
        code = _exit_code(stop.code)
    except Exception:  # the command line would print a traceback and exit 1
        run.log.write(traceback.format_exc())
        code = 1
    finally:
        try:
            app.deinit_logging()  # closes the `.nbgrader.log` handler, if the course sets `logfile`
        except Exception:
            pass
        run.logger.removeHandler(handler)
        run.log.flush()
        _current.run = None
    return code


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


class Grader:
    """Runs stock autogrades inside this process, each in the thread that asks for it; one watcher
    thread measures every run's kernels and enforces the wall limit."""

    TICK = 0.25  # seconds between two looks at the runs' kernels

    def __init__(self, root: Path, limits: Limits) -> None:
        self.root = root
        self.limits = limits
        self._watched: set[_Run] = set()
        self._watch_lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        _use_run_kernel_manager()

    def run(self, assignment: str, student: str, db_path: Path, log_path: Path,
            workspace: Path | None = None, sandbox=None) -> RunOutcome:
        """One stock autograde of one submission; never raises for what the learner's code does.

        With a ``workspace``, the run's kernels read the course data from ``workspace/data`` (a copy
        made by the caller) and keep IPython's profile in ``workspace/ipython``: a learner's code that
        writes a startup file or history reaches no other learner's kernel and not the instructor's.
        With a ``sandbox`` (``sandbox.Sandbox``), every kernel of the run starts inside it.
        """
        import logging

        env = {}
        if workspace is not None:
            env = {"EBPM_DATA_DIR": str(workspace / "data"), "IPYTHONDIR": str(workspace / "ipython")}
        log_path.parent.mkdir(parents=True, exist_ok=True)
        name = f"AutogradeApp.run{next(_RUN_NUMBERS)}"  # one logger per run: logs never mix
        argv = autograde_argv(assignment, student, db_path, self.limits)
        with open(log_path, "w", encoding="utf-8", errors="replace") as log:
            run = _Run(f"{assignment}/{student}", env, log, self.limits.memory_mb, sandbox)
            run.logger = logging.getLogger(name)
            run.logger.propagate = False
            run.logger.setLevel(logging.DEBUG)
            start = time.perf_counter()
            run.deadline = start + self.limits.wall_timeout
            with _RUNS_LOCK:
                _RUNS.add(run)
            self._watch(run)
            try:
                code = _autograde(argv, run)
            finally:
                with self._watch_lock:
                    self._watched.discard(run)
                seconds = time.perf_counter() - start
                run.cancelled.set()
                self._look(run)
                # nothing the learner's code started may outlive its submission
                _kill([p for p in run.seen.values() if p.is_running()])
                with _RUNS_LOCK:
                    _RUNS.discard(run)
                logging.Logger.manager.loggerDict.pop(name, None)
        killed = run.timed_out
        outcome = RunOutcome(None if killed else code, seconds, run.peak / 2**20, log_path, killed=killed)
        if killed:
            outcome.reason_kind = "wall_timeout"
            outcome.reason = (f"採点が制限時間（{self.limits.wall_timeout:.0f} 秒）を超えたため打ち切りました。"
                              "無限ループや、中断を受け付けないコードがないか確かめてください。")
        elif code != 0:
            text = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
            outcome.reason_kind, outcome.reason = classify_failure(text)
        return outcome

    def _watch(self, run: _Run) -> None:
        with self._watch_lock:
            self._watched.add(run)
            if self._watcher is None or not self._watcher.is_alive():
                self._watcher = threading.Thread(target=self._watch_runs, name="ebpm grade watcher", daemon=True)
                self._watcher.start()

    def _watch_runs(self) -> None:
        """Until no run is left: measure each run's kernels; stop a run that passes its wall limit."""
        while True:
            with self._watch_lock:
                runs = list(self._watched)
                if not runs:
                    self._watcher = None
                    return
            for run in runs:
                self._look(run)
                if not run.timed_out and time.perf_counter() > run.deadline:
                    run.timed_out = True
                    run.kill()  # nbgrader sees the dead kernel, records the failure and ends the run
            time.sleep(self.TICK)

    @staticmethod
    def _look(run: _Run) -> None:
        processes = run.processes()
        for process in processes:
            run.seen.setdefault(process.pid, process)
        run.peak = max(run.peak, tree_rss(processes))

    def __enter__(self) -> "Grader":
        # nbgrader moves into the course root and back around every run; with several runs at once that
        # is harmless only when every run starts from there
        self._saved_cwd = os.getcwd()
        os.chdir(self.root)
        return self

    def __exit__(self, *exc) -> None:
        os.chdir(self._saved_cwd)


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
