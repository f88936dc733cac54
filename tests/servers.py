"""Starting and stopping the local servers that end-to-end tests talk to (JupyterLab, JupyterHub)."""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import requests


# Below Linux's ephemeral range (32768-60999): the kernel hands those to every bind(0), so kernels'
# ZMQ sockets and JupyterHub's single-user servers, started by other tests meanwhile, could take a port
# between our check and the server's bind (a CI run lost its hub that way: the proxy API port answered 404).
_TEST_PORTS = range(20000, 32768)
_handed_out: set[int] = set()
_pick = random.SystemRandom()  # not the global generator: a seeded test run would give every worker the same ports


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, outside the ephemeral range, and not
    handed out before in this process (a hub needs three at once before any of them is bound)."""
    for _ in range(200):
        port = _pick.choice(_TEST_PORTS)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise OSError(f"no free port in {_TEST_PORTS.start}-{_TEST_PORTS.stop - 1}")


def wait_for(ready: Callable[[], bool], process: subprocess.Popen, what: str, *, timeout: float = 180,
             describe_failure: Callable[[], str] = lambda: "") -> None:
    """Poll ``ready()`` until it is true; fail at once if the server process has stopped.
    A refused connection counts as not ready yet."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped (exit {process.returncode}) while waiting for {what}:\n"
                                 f"{describe_failure()}")
        try:
            if ready():
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not ready within {timeout:.0f} s:\n{describe_failure()}")
        time.sleep(0.3)


def wait_until_up(process: subprocess.Popen, url: str, *, params: dict | None = None, timeout: float = 180,
                  describe_failure: Callable[[], str] = lambda: "") -> None:
    """Poll ``url`` until it answers OK; fail at once if the server process has stopped."""
    wait_for(lambda: requests.get(url, params=params, timeout=2).ok, process, url, timeout=timeout,
             describe_failure=describe_failure)


def stop(process: subprocess.Popen) -> None:
    """End a server started with ``start_new_session=True`` and everything it started."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def write_hub_config(folder: Path, *, port: int, hub_port: int, api_port: int, proxy: Path, password: str,
                     users: Iterable[str], environment: dict[str, str], service: str, service_token: str,
                     admin_users: Iterable[str] = (), timeout: int = 180, concurrent_spawn_limit: int | None = None,
                     subconfig: Path | None = None) -> Path:
    """Write ``folder/jupyterhub_config.py`` for a test JupyterHub on 127.0.0.1 and return its path.

    The proxy is ``proxy`` (configurable-http-proxy) on ``port`` with its API on ``api_port``; the hub
    keeps its sqlite database and cookie secret in ``folder``. ``users`` log in with ``password``
    (dummy authenticator); each gets a home ``folder/home/<name>`` from SimpleLocalProcessSpawner (no
    operating-system users) and a jupyterhub-singleuser of this Python opening /lab with ``environment``.
    One service ``service`` (token ``service_token``) may manage users, servers and tokens.
    ``concurrent_spawn_limit`` None keeps JupyterHub's default; ``subconfig`` is loaded last.
    """
    singleuser = Path(sys.executable).parent / "jupyterhub-singleuser"
    lines = [
        "c = get_config()",
        'c.JupyterHub.ip = "127.0.0.1"',
        f"c.JupyterHub.port = {port}",
        'c.JupyterHub.hub_ip = "127.0.0.1"',
        f"c.JupyterHub.hub_port = {hub_port}",
        f"c.ConfigurableHTTPProxy.api_url = {f'http://127.0.0.1:{api_port}'!r}",
        f"c.ConfigurableHTTPProxy.command = {[str(proxy)]!r}",
        f"c.JupyterHub.db_url = {f'sqlite:///{folder}/jupyterhub.sqlite'!r}",
        f"c.JupyterHub.cookie_secret_file = {str(folder / 'cookie_secret')!r}",
        'c.JupyterHub.authenticator_class = "dummy"',
        f"c.DummyAuthenticator.password = {password!r}",
        f"c.Authenticator.allowed_users = set({sorted(users)!r})",
    ]
    if admin_users:
        lines.append(f"c.Authenticator.admin_users = set({sorted(admin_users)!r})")
    lines += [
        'c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"',
        f"c.SimpleLocalProcessSpawner.home_dir_template = {str(folder / 'home' / '{username}')!r}",
        f"c.Spawner.cmd = {[str(singleuser)]!r}",
        f"c.Spawner.args = {['--allow-root'] if os.getuid() == 0 else []!r}",
        'c.Spawner.default_url = "/lab"',
        f"c.Spawner.start_timeout = {timeout}",
        f"c.Spawner.http_timeout = {timeout}",
        f"c.Spawner.environment = {environment!r}",
    ]
    if concurrent_spawn_limit is not None:
        lines.append(f"c.JupyterHub.concurrent_spawn_limit = {concurrent_spawn_limit}")
    scopes = ["admin:users", "admin:servers", "admin:server_state", "tokens", "list:users"]
    lines += [
        f"c.JupyterHub.services = {[{'name': service, 'api_token': service_token}]!r}",
        f"c.JupyterHub.load_roles = {[{'name': f'{service}-driver', 'scopes': scopes, 'services': [service]}]!r}",
    ]
    if subconfig is not None:
        lines.append(f"load_subconfig({str(subconfig)!r})")
    path = folder / "jupyterhub_config.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class PostgresServer:
    """A throw-away PostgreSQL server (Debian's postgresql package) in a temporary folder.

    initdb and the server run as ``nobody`` when the tests run as root (PostgreSQL refuses root);
    the server listens on a Unix socket in its folder only (no TCP port), with trust authentication,
    and is stopped (fast shutdown) and removed by :meth:`stop`.
    """

    def __init__(self, user: str = "ebpm"):
        import shutil
        import tempfile

        self.bin = self.find_bin()
        self.user = user
        self.folder = Path(tempfile.mkdtemp(prefix="ebpm-pg-"))
        self.data, self.socket_dir = self.folder / "data", self.folder
        self.as_other_user = ["runuser", "-u", "nobody", "--"] if os.getuid() == 0 else []
        if self.as_other_user:
            shutil.chown(self.folder, "nobody")
        self.process: subprocess.Popen | None = None

    @staticmethod
    def find_bin():
        """The newest installed PostgreSQL's bin/ folder, or None."""
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
        return found[-1].parent if found else None

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of a database on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.socket_dir}"

    def start(self) -> None:
        subprocess.run([*self.as_other_user, str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user,
                        "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
                       check=True, capture_output=True, timeout=120)
        log = open(self.folder / "postgres.log", "w")
        self.process = subprocess.Popen(
            [*self.as_other_user, str(self.bin / "postgres"), "-D", str(self.data), "-k", str(self.socket_dir),
             "-c", "listen_addresses=", "-c", "fsync=off", "-c", "max_connections=100"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: self._answers(), self.process, "PostgreSQL", timeout=60, describe_failure=self.log_tail)

    def _answers(self) -> bool:
        done = subprocess.run([str(self.bin / "pg_isready"), "-h", str(self.socket_dir), "-U", self.user],
                              capture_output=True, timeout=10)
        return done.returncode == 0

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database, empty or a copy of ``template`` (which nobody may be connected to); returns its URL."""
        import psycopg

        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(host=str(self.socket_dir), user=self.user, dbname="postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def log_tail(self) -> str:
        path = self.folder / "postgres.log"
        return path.read_text(encoding="utf-8", errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        import shutil

        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # PostgreSQL's fast shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)
