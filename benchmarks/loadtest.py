"""Load test of a real JupyterHub on this machine: how many learners one server holds.

    python benchmarks/loadtest.py --users 10 20 40 --out test-artifacts/loadtest
    python benchmarks/loadtest.py --users 10 20 40 60 --model runall paced --out test-artifacts/loadtest

For each N it starts a JupyterHub on 127.0.0.1 (configurable-http-proxy from .node/, a password
authenticator, SimpleLocalProcessSpawner: no operating-system users), and N simulated learners arrive
over ``--ramp`` seconds. Each learner
1. logs in through the hub's login form (username and password),
2. starts their server and waits until the hub reports it ready,
3. opens prestudy 00 as the learner distribution ships it (`ebpm dist` copies notebooks/ unchanged),
   placed in their home as nbgitpuller would, types the reference answers into the answer cells and saves,
4. starts a kernel and executes every code cell through the kernel websocket, one after another,
5. clicks Validate (nbgrader's validate endpoint, which runs the whole notebook again in the server).
Two models of step 4 (``--model``):
- ``runall``: every learner presses Run All as soon as the notebook is open (the worst moment of a day);
- ``paced``: a training day as beginners work: before each code cell the learner reads the text above it
  and types, a think time drawn uniformly from ``--think LOW HIGH`` seconds (default 20-60: our beginner
  readers needed tens of seconds per cell), then runs that one cell; Validate comes at the end.
Any error (HTTP, a cell that raised, a validation failure, a timeout) counts as a failure.

Measured per N: login → server ready, per-cell latency (p50/p95/max), validate time, failures, peak
memory per learner (their server + kernel, RSS), the whole machine's memory and CPU. Everything is
bounded: at most MAX_USERS learners, ``--deadline`` seconds per N, after which the hub and every
server are stopped. Only loopback addresses are used.

Writes ``loadtest.json``, ``loadtest.md`` (a table) and ``loadtest.png`` (Japanese labels) into --out.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]  # when run as a script: this checkout's tests/ and src/

from ebpm.grading.runner import tree_rss  # noqa: E402
from tests.servers import free_port, write_hub_config  # noqa: E402

BIN = Path(sys.executable).parent
CHP = ROOT / ".node" / "node_modules" / ".bin" / "configurable-http-proxy"
ASSIGNMENT = "prestudy"
MAX_USERS = 60
PASSWORD = secrets.token_hex(8)
GOAL_P95_SECONDS = 5.0
MODELS = {"runall": "全員がいっせいに Run All", "paced": "1 セルずつ読んで実行"}
THINK_SECONDS = (20.0, 60.0)  # paced: reading and typing before each code cell

def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class LearnerResult:
    name: str
    login_to_ready: float | None = None
    cell_seconds: list[float] = field(default_factory=list)
    validate_seconds: float | None = None
    failure: str = ""
    peak_rss_mb: float = 0.0


@dataclass
class RunResult:
    users: int
    ramp_seconds: float
    seconds: float
    learners: list[LearnerResult]
    machine_peak_used_mb: float
    machine_baseline_used_mb: float
    hub_peak_rss_mb: float
    total_peak_rss_mb: float
    cpu_mean_percent: float
    cpu_peak_percent: float
    cores: int
    stopped_by_deadline: bool = False
    model: str = "runall"
    think_seconds: tuple[float, float] | None = None

    @property
    def failures(self) -> list[str]:
        return [f"{r.name}: {r.failure}" for r in self.learners if r.failure]

    def summary(self) -> dict:
        cells = [s for r in self.learners for s in r.cell_seconds]
        ready = [r.login_to_ready for r in self.learners if r.login_to_ready is not None]
        validate = [r.validate_seconds for r in self.learners if r.validate_seconds is not None]
        peaks = [r.peak_rss_mb for r in self.learners if r.peak_rss_mb]
        return {
            "users": self.users,
            "model": self.model,
            "failures": len(self.failures),
            "ready_p50_s": percentile(ready, 50), "ready_max_s": max(ready, default=float("nan")),
            "cell_p50_s": percentile(cells, 50), "cell_p95_s": percentile(cells, 95),
            "cell_max_s": max(cells, default=float("nan")),
            "validate_p50_s": percentile(validate, 50), "validate_max_s": max(validate, default=float("nan")),
            "learner_peak_mb_mean": statistics.fmean(peaks) if peaks else float("nan"),
            "learner_peak_mb_max": max(peaks, default=float("nan")),
            "machine_peak_mb": self.machine_peak_used_mb,
            "machine_added_mb": self.machine_peak_used_mb - self.machine_baseline_used_mb,
            "total_peak_mb": self.total_peak_rss_mb,
            "hub_peak_mb": self.hub_peak_rss_mb,
            "cpu_mean_pct": self.cpu_mean_percent, "cpu_peak_pct": self.cpu_peak_percent,
            "seconds": self.seconds,
            "meets_goal": not self.failures and percentile(cells, 95) < GOAL_P95_SECONDS,
        }


# --- the hub ---------------------------------------------------------------------------------------

class LoadHub:
    """A JupyterHub on loopback for ``users`` learners (homes prepared before they log in)."""

    def __init__(self, tmp: Path, users: list[str], timeout: float):
        self.tmp, self.users = tmp, users
        self.port, self.hub_port, self.api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.service_token = secrets.token_hex(16)
        self.timeout = timeout
        self.process: subprocess.Popen | None = None

    def api(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {token or self.service_token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers, timeout=60, **kwargs)

    def start(self) -> None:
        environment = {
            "TZ": "Asia/Tokyo",
            "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "EBPM_EXCHANGE": str(self.tmp / "exchange"),
        }
        if os.environ.get("PYTHONPATH"):
            environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
        config = write_hub_config(
            self.tmp, port=self.port, hub_port=self.hub_port, api_port=self.api_port, proxy=CHP, password=PASSWORD,
            users=self.users, environment=environment, service="loadtest", service_token=self.service_token,
            timeout=int(self.timeout),
            # a training day starts everyone at once: do not make learners wait behind the default limit of 100
            concurrent_spawn_limit=0,
        )
        log = open(self.tmp / "jupyterhub.log", "w")
        env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}
        env.pop("JUPYTERHUB_API_TOKEN", None)
        self.process = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)],
                                        cwd=self.tmp, stdout=log, stderr=subprocess.STDOUT, env=env,
                                        start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub が起動しませんでした:\n{self.log_tail()}")
            try:
                if self.api("GET", "/").ok:
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterHub が 120 秒以内に応答しませんでした:\n{self.log_tail()}")
            time.sleep(0.3)

    def log_tail(self) -> str:
        path = self.tmp / "jupyterhub.log"
        return path.read_text(encoding="utf-8", errors="replace")[-3000:] if path.exists() else ""

    def server_pid(self, user: str) -> int | None:
        model = self.api("GET", f"/users/{user}").json()
        return model.get("servers", {}).get("", {}).get("state", {}).get("pid")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the hub stops the servers it spawned
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


# --- one learner -----------------------------------------------------------------------------------

def _answered(learner_notebook: Path, solution: Path) -> dict:
    """The learner version with the reference answers typed into its answer cells (no markers)."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nbformat.read(solution, as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    notebook = nbformat.read(learner_notebook, as_version=4)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):  # code and written (Markdown) answers
            lines = answers[meta["grade_id"]].splitlines()
            cell.source = "\n".join(l for l in lines if l.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    return json.loads(nbformat.writes(notebook))


def think_times(answered: dict, think: tuple[float, float] | None, rng: random.Random) -> list[float]:
    """Seconds a learner spends reading and typing before each code cell (none for runall)."""
    cells = [c for c in answered["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    return [rng.uniform(*think) if think else 0.0 for _ in cells]


class Learner:
    def __init__(self, hub: LoadHub, name: str, notebook_path: str, answered: dict, deadline: float,
                 cell_timeout: float, think: list[float] | None = None):
        self.hub, self.name, self.path = hub, name, notebook_path
        self.answered, self.deadline, self.cell_timeout = answered, deadline, cell_timeout
        self.think = think or []
        self.result = LearnerResult(name)
        self.token = ""

    def _user(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        response = requests.request(method, f"{self.hub.url}/user/{self.name}{path}", headers=headers,
                                    timeout=max(5.0, self.deadline - time.monotonic()), **kwargs)
        if not response.ok:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.text[:200]}")
        return response

    def run(self) -> None:
        try:
            self._run()
        except Exception as error:  # every kind of failure is counted, with what it was
            self.result.failure = f"{type(error).__name__}: {str(error)[:700]}"

    def _run(self) -> None:
        start = time.monotonic()
        session = requests.Session()
        form = session.get(f"{self.hub.url}/hub/login", timeout=60)
        form.raise_for_status()
        login = session.post(f"{self.hub.url}/hub/login", timeout=60, allow_redirects=False, data={
            "username": self.name, "password": PASSWORD, "_xsrf": session.cookies.get("_xsrf", "")})
        if login.status_code != 302 or "jupyterhub-session-id" not in session.cookies:
            raise RuntimeError(f"login: HTTP {login.status_code}")
        created = self.hub.api("POST", f"/users/{self.name}/tokens", json={"note": "loadtest", "expires_in": 7200})
        created.raise_for_status()
        self.token = created.json()["token"]
        started = self.hub.api("POST", f"/users/{self.name}/server", token=self.token)
        if started.status_code not in (201, 202):
            raise RuntimeError(f"start server: HTTP {started.status_code} {started.text[:200]}")
        while not self.hub.api("GET", f"/users/{self.name}", token=self.token).json()["servers"].get("", {}).get("ready"):
            if time.monotonic() > self.deadline:
                raise TimeoutError("server not ready before the deadline")
            time.sleep(0.5)
        self._user("GET", "/api/status")
        self.result.login_to_ready = time.monotonic() - start

        self._user("GET", f"/api/contents/{self.path}", params={"content": 1})  # opening the notebook
        self._user("PUT", f"/api/contents/{self.path}",
                   json={"type": "notebook", "format": "json", "content": self.answered})
        kernel = self._user("POST", "/api/sessions", json={
            "path": self.path, "name": Path(self.path).name, "type": "notebook", "kernel": {"name": "python3"}}
        ).json()["kernel"]["id"]
        try:
            self._execute_all(kernel)
        finally:
            try:
                self._user("DELETE", f"/api/kernels/{kernel}")
            except Exception:
                pass
        begin = time.monotonic()
        validated = self._user("POST", "/assignments/validate", data={"path": self.path}).json()
        self.result.validate_seconds = time.monotonic() - begin
        if not validated.get("success") or validated.get("value"):
            # a failed validate answers with a traceback: its last lines name the cause
            raise RuntimeError(f"validate: {json.dumps(validated, ensure_ascii=False)[-600:]}")

    def _execute_all(self, kernel: str) -> None:
        import websocket

        url = f"ws://127.0.0.1:{self.hub.port}/user/{self.name}/api/kernels/{kernel}/channels"
        socket = websocket.create_connection(url, header=[f"Authorization: token {self.token}"], timeout=30)
        session_id = uuid.uuid4().hex
        pauses = iter(self.think)
        try:
            for index, cell in enumerate(self.answered["cells"]):
                if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
                    continue
                pause = next(pauses, 0.0)
                if pause:  # reading the text above and typing; the kernel idles, the websocket stays open
                    time.sleep(min(pause, max(0.0, self.deadline - time.monotonic())))
                    socket.ping()
                begin = time.monotonic()
                error = self._execute(socket, session_id, "".join(cell["source"]))
                self.result.cell_seconds.append(time.monotonic() - begin)
                if error:
                    raise RuntimeError(f"cell {index}: {error}")
        finally:
            socket.close()

    def _execute(self, socket, session_id: str, code: str) -> str:
        """Run one cell; '' when it finished without error, else the error's name and value."""
        msg_id = uuid.uuid4().hex
        socket.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.name, "session": session_id, "msg_type": "execute_request",
                       "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        replied, idle, error = False, False, ""
        limit = time.monotonic() + self.cell_timeout
        while not (replied and idle):
            socket.settimeout(max(0.1, min(limit, self.deadline) - time.monotonic()))
            message = json.loads(socket.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message.get("msg_type") or message["header"]["msg_type"]
            if kind == "execute_reply":
                replied = True
                if message["content"].get("status") != "ok":
                    error = f"{message['content'].get('ename')}: {message['content'].get('evalue', '')[:200]}"
            elif kind == "status" and message["content"].get("execution_state") == "idle":
                idle = True
            elif kind == "error":
                error = f"{message['content'].get('ename')}: {message['content'].get('evalue', '')[:200]}"
            elif kind == "stream" and message["content"].get("name") == "stderr":
                error = error or f"stderr: {message['content'].get('text', '')[:200]}"
        return error


# --- measuring -------------------------------------------------------------------------------------

def process_tree(pid: int) -> list[psutil.Process]:
    """The process ``pid`` and everything it started; empty when it has ended."""
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return []


class Monitor(threading.Thread):
    """Samples, every ``interval`` seconds, each learner's server + kernel RSS, the hub's, and the machine."""

    def __init__(self, hub: LoadHub, learners: list[Learner], interval: float = 0.5):
        super().__init__(daemon=True)
        self.hub, self.learners, self.interval = hub, learners, interval
        self.stop_event = threading.Event()
        self.pids: dict[str, int] = {}
        self.machine_peak = psutil.virtual_memory().used
        self.hub_peak = 0
        self.total_peak = 0  # the hub, the proxy and every learner's server and kernels, at one moment
        self.cpu: list[float] = []
        psutil.cpu_percent(None)

    def run(self) -> None:
        while not self.stop_event.wait(self.interval):
            self.cpu.append(psutil.cpu_percent(None))
            self.machine_peak = max(self.machine_peak, psutil.virtual_memory().used)
            if self.hub.process:
                # the hub and the proxy; the learners' servers are counted per learner below
                hub_rss = 0
                try:
                    hub_process = psutil.Process(self.hub.process.pid)
                    hub_rss = hub_process.memory_info().rss + sum(
                        c.memory_info().rss for c in hub_process.children() if "configurable-http" in " ".join(c.cmdline()))
                except psutil.Error:
                    pass
                self.hub_peak = max(self.hub_peak, hub_rss)
            total = hub_rss
            for learner in self.learners:
                pid = self.pids.get(learner.name)
                if pid is None and learner.token:
                    try:
                        pid = self.hub.server_pid(learner.name)
                    except (requests.RequestException, ValueError):
                        pid = None
                    if pid:
                        self.pids[learner.name] = pid
                if pid:
                    rss = tree_rss(process_tree(pid))
                    total += rss
                    learner.result.peak_rss_mb = max(learner.result.peak_rss_mb, rss / 2**20)
            self.total_peak = max(self.total_peak, total)


# --- one run ---------------------------------------------------------------------------------------

def learner_material() -> tuple[Path, Path]:
    """Prestudy 00 as learners get it, and its solution source.

    The learner distribution (`ebpm dist`, nbgitpuller) carries notebooks/ byte for byte
    (tests/test_dist.py), so the release notebook is the file a learner opens."""
    from ebpm import course

    notebook = sorted((course.release_dir() / ASSIGNMENT).glob("*.ipynb"))[0]
    return notebook, course.solutions_dir() / ASSIGNMENT / notebook.name


def run_once(users: int, *, material: tuple[Path, Path], ramp: float | None = None, deadline: float = 600,
             cell_timeout: float = 120, seed: int = 0, model: str = "runall",
             think: tuple[float, float] = THINK_SECONDS) -> RunResult:
    """N learners on a fresh hub; everything is stopped after ``deadline`` seconds at the latest.
    ``model``: "runall" or "paced" (``think``: the range of seconds before each code cell)."""
    if not 1 <= users <= MAX_USERS:
        raise ValueError(f"users must be between 1 and {MAX_USERS}")
    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}")
    for needed in (CHP, BIN / "jupyterhub", BIN / "jupyterhub-singleuser"):
        if not needed.exists():
            raise FileNotFoundError(f"{needed} がありません。`make system-deps setup` で入れてください。")
    learner_notebook, solution = material
    ramp = users * 0.5 if ramp is None else ramp
    names = [f"learner{i:03d}" for i in range(users)]
    answered = _answered(learner_notebook, solution)
    relative = f"ebpm-course/notebooks/{ASSIGNMENT}/{learner_notebook.name}"
    baseline = psutil.virtual_memory().used
    with tempfile.TemporaryDirectory(prefix="ebpm-load-") as folder:
        tmp = Path(folder)
        for name in names:  # what nbgitpuller leaves in a learner's home
            target = tmp / "home" / name / relative
            target.parent.mkdir(parents=True)
            shutil.copy2(learner_notebook, target)
            (tmp / "home" / name / "ebpm-course" / "data").symlink_to(learner_notebook.parents[2] / "data")
        (tmp / "exchange").mkdir()
        start = time.monotonic()
        end = start + deadline
        hub = LoadHub(tmp, names, timeout=deadline)
        pacing = random.Random(seed + 1)
        learners = [Learner(hub, name, relative, answered, end, cell_timeout,
                            think_times(answered, think if model == "paced" else None, pacing)) for name in names]
        monitor = Monitor(hub, learners)
        stopped_by_deadline = False
        try:
            hub.start()
            for name in names:
                assert hub.api("POST", "/users", json={"usernames": [name]}).status_code in (201, 409)
            monitor.start()
            threads = []
            rng = random.Random(seed)
            arrivals = sorted(rng.uniform(0, ramp) for _ in names)
            began = time.monotonic()
            for learner, arrival in zip(learners, arrivals):
                time.sleep(max(0.0, began + arrival - time.monotonic()))
                thread = threading.Thread(target=learner.run, daemon=True)
                thread.start()
                threads.append(thread)
            for thread in threads:
                thread.join(timeout=max(0.0, end - time.monotonic()))
            stopped_by_deadline = any(t.is_alive() for t in threads)
            for learner, thread in zip(learners, threads):
                if thread.is_alive() and not learner.result.failure:
                    learner.result.failure = f"not finished within the deadline ({deadline:.0f} s)"
        finally:
            monitor.stop_event.set()
            hub.stop()
            log = hub.log_tail()
        seconds = time.monotonic() - start
    cpu = monitor.cpu or [float("nan")]
    result = RunResult(
        users=users, ramp_seconds=ramp, seconds=seconds, learners=[l.result for l in learners],
        machine_peak_used_mb=monitor.machine_peak / 2**20, machine_baseline_used_mb=baseline / 2**20,
        hub_peak_rss_mb=monitor.hub_peak / 2**20, total_peak_rss_mb=monitor.total_peak / 2**20, cpu_mean_percent=statistics.fmean(cpu), cpu_peak_percent=max(cpu),
        cores=psutil.cpu_count() or 1, stopped_by_deadline=stopped_by_deadline,
        model=model, think_seconds=think if model == "paced" else None,
    )
    if result.failures:
        result.hub_log_tail = log  # type: ignore[attr-defined]
    return result


# --- the report ------------------------------------------------------------------------------------

COLUMNS = [
    ("model", "モデル", "{}"), ("users", "受講者数 N", "{:d}"), ("failures", "失敗", "{:d}"),
    ("ready_p50_s", "ログイン→サーバー準備 中央値 (秒)", "{:.1f}"), ("ready_max_s", "同 最大 (秒)", "{:.1f}"),
    ("cell_p50_s", "セル実行 p50 (秒)", "{:.2f}"), ("cell_p95_s", "セル実行 p95 (秒)", "{:.2f}"),
    ("cell_max_s", "セル実行 最大 (秒)", "{:.2f}"), ("validate_p50_s", "Validate 中央値 (秒)", "{:.1f}"),
    ("learner_peak_mb_mean", "1 人あたりメモリ 平均ピーク (MB)", "{:.0f}"),
    ("learner_peak_mb_max", "同 最大 (MB)", "{:.0f}"),
    ("total_peak_mb", "ハブと全受講者の合計 ピーク (MB)", "{:.0f}"), ("machine_peak_mb", "マシン全体の使用量 ピーク (MB)", "{:.0f}"),
    ("hub_peak_mb", "ハブ＋プロキシ (MB)", "{:.0f}"), ("cpu_mean_pct", "CPU 平均 (%)", "{:.0f}"),
    ("cpu_peak_pct", "CPU ピーク (%)", "{:.0f}"), ("meets_goal", "目標達成", "{}"),
]


def table(rows: list[dict]) -> str:
    """A Markdown table of the summaries (Japanese headers)."""
    lines = ["| " + " | ".join(title for _, title, _ in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = []
        for key, _, fmt in COLUMNS:
            value = row[key]
            if key == "meets_goal":
                cells.append("はい" if value else "いいえ")
            else:
                cells.append(MODELS[value] if key == "model" else fmt.format(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ebpm import plotting

    plotting.setup()
    users = sorted({r["users"] for r in rows})
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for model, label in MODELS.items():
        mine = [r for r in rows if r["model"] == model]
        if not mine:
            continue
        shown = [r["users"] for r in mine]
        left.plot(shown, [r["cell_p95_s"] for r in mine], marker="o", label=f"p95（{label}）")
        left.plot(shown, [r["cell_max_s"] for r in mine], marker="o", linestyle=":", label=f"最大（{label}）")
    left.axhline(GOAL_P95_SECONDS, color="#c0392b", linestyle="--", label=f"目標 p95 < {GOAL_P95_SECONDS:.0f} 秒")
    left.set_xlabel("同時に使う受講者数 N")
    left.set_ylabel("1 セルの実行時間（秒）")
    left.set_title("セルの応答時間")
    left.legend()
    for model, label in MODELS.items():
        mine = [r for r in rows if r["model"] == model]
        if mine:
            right.plot([r["users"] for r in mine], [r["total_peak_mb"] / 1024 for r in mine], marker="o",
                       label=f"ハブと全受講者の合計（{label}）")
    right.plot([r["users"] for r in rows], [r["learner_peak_mb_max"] * r["users"] / 1024 for r in rows],
               marker=".", linestyle=":", label="1 人の最大 × N（見積もりの上限）")
    right.set_xlabel("同時に使う受講者数 N")
    for axes in (left, right):
        axes.set_xticks(users)
    right.set_ylabel("メモリ（GB）")
    right.set_title("メモリのピーク")
    right.legend()
    figure.suptitle(f"JupyterHub 負荷試験（{psutil.cpu_count()} コア、"
                    f"{psutil.virtual_memory().total / 2**30:.0f} GB）")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(results: list[RunResult], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    rows = [r.summary() for r in results]
    details = [{**r.summary(), "failures_detail": r.failures, "hub_log_tail": getattr(r, "hub_log_tail", ""),
                "ramp_seconds": r.ramp_seconds,
                "stopped_by_deadline": r.stopped_by_deadline, "learners": [asdict(l) for l in r.learners]}
               for r in results]
    paths = [out / "loadtest.json", out / "loadtest.md", out / "loadtest.png"]
    paths[0].write_text(json.dumps(details, ensure_ascii=False, indent=1), encoding="utf-8")
    verdicts = []
    for model, label in MODELS.items():
        if any(r["model"] == model for r in rows):
            meeting = [r["users"] for r in rows if r["model"] == model and r["meets_goal"]]
            verdicts.append(f"{label}: 目標（失敗なし、セル実行 p95 < {GOAL_P95_SECONDS:.0f} 秒）を満たした最大の N: "
                            + (str(max(meeting)) if meeting else "なし"))
    paths[1].write_text(table(rows) + "\n" + "\n".join(verdicts) + "\n", encoding="utf-8")
    plot(rows, paths[2])
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="JupyterHub の負荷試験（127.0.0.1 のみ）")
    parser.add_argument("--users", type=int, nargs="+", default=[10, 20, 40], help="同時に使う受講者数（複数可）")
    parser.add_argument("--ramp", type=float, default=None, help="全員がログインし終えるまでの秒数（既定: N × 0.5）")
    parser.add_argument("--model", nargs="+", choices=sorted(MODELS), default=["runall"],
                        help="runall: 全員がいっせいに Run All。paced: 1 セルずつ、考える時間をはさんで実行")
    parser.add_argument("--think", type=float, nargs=2, default=list(THINK_SECONDS), metavar=("LOW", "HIGH"),
                        help="paced: 各コードセルの前に読んで入力する秒数の範囲（既定: 20 60）")
    parser.add_argument("--deadline", type=float, default=None,
                        help="N ごとの制限時間（秒。既定: runall 900、paced は 900 ＋ セル数 × HIGH）")
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "loadtest", help="結果の書き出し先")
    args = parser.parse_args(argv)
    results = []
    material = learner_material()
    cells = len(think_times(_answered(*material), (1, 1), random.Random(0)))
    for model in args.model:
        deadline = args.deadline or (900 + (cells * args.think[1] if model == "paced" else 0))
        for users in args.users:
            result = run_once(users, material=material, ramp=args.ramp, deadline=deadline, model=model,
                              think=tuple(args.think))
            summary = result.summary()
            print(f"{MODELS[model]} N={users}: 失敗 {summary['failures']}、セル p95 {summary['cell_p95_s']:.2f} 秒、"
                  f"準備 最大 {summary['ready_max_s']:.1f} 秒（{result.seconds:.0f} 秒）", flush=True)
            for failure in result.failures[:5]:
                print(f"  {failure}")
            results.append(result)
    for path in write_report(results, args.out):
        print(f"書き出しました: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
