"""Starting and stopping the local servers that end-to-end tests talk to (JupyterLab, JupyterHub)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable

import requests


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
