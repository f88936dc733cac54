"""`ebpm formgrader`: JupyterLab on 127.0.0.1 with nbgrader's instructor tools, for the instructor only.

`make setup` (scripts/configure_jupyter.py) disables the formgrader, Create Assignment and the
course list in the environment, so the learner view never shows them. This command turns them
back on only for the server it starts, through a private Jupyter configuration folder
(``_grading/jupyter_instructor``, git-ignored) given as ``JUPYTER_CONFIG_DIR``: user-level
settings take precedence over the environment's (with ``JUPYTER_PREFER_ENV_PATH=0``; inside a
virtual environment jupyter_core otherwise ranks the environment first), and nothing outside
that folder changes.

Two things nbgrader's pages would otherwise do on a PC: the formgrader's notebook view loads MathJax
from a CDN (nbconvert's ``base/mathjax.html.j2``), so the server's ``JUPYTER_PATH`` starts with a
private data folder whose template of that name loads nothing (the course's notebooks hold no TeX);
and with no exchange folder (no hub) the formgrader warns that "the exchange directory does not exist",
so the server is given a private one (``_grading/exchange``) through ``EBPM_EXCHANGE``, which the
course's nbgrader_config.py reads, unless the instructor set it or the hub's folder exists.
"""
from __future__ import annotations

import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ebpm.grading import layout as layouts
from ebpm.grading.runner import nbgrader_env

DEFAULT_PORT = 8899
CONFIG_FOLDER = "jupyter_instructor"
DATA_FOLDER = "jupyter_instructor_data"
EXCHANGE_FOLDER = "exchange"
HUB_EXCHANGE = Path("/srv/nbgrader/exchange")  # nbgrader_config.py's default for Exchange.root
NO_MATHJAX = "{%- macro mathjax(url=\"\") -%}{%- endmacro %}\n"


def write_data_folder(layout: layouts.CourseLayout) -> Path:
    """A Jupyter data folder whose nbconvert ``base/mathjax.html.j2`` loads no script from the internet."""
    folder = layout.grading / DATA_FOLDER
    template = folder / "nbconvert" / "templates" / "base" / "mathjax.html.j2"
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_text(NO_MATHJAX, encoding="utf-8")
    return folder


def exchange_for_pc(layout: layouts.CourseLayout, env: dict[str, str]) -> str | None:
    """A private exchange folder for a PC without a hub (None where one is set or the hub's exists)."""
    if env.get("EBPM_EXCHANGE") or HUB_EXCHANGE.is_dir():
        return None
    folder = layout.grading / EXCHANGE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def instructor_tools(root: Path) -> tuple[list[str], list[str]]:
    """(lab plugins, server extensions) that scripts/configure_jupyter.py hides from learners."""
    script = root / "scripts" / "configure_jupyter.py"
    if not script.is_file():  # a course copy without scripts/: the same lists as the repository's
        from ebpm import course

        script = course.repo_root() / "scripts" / "configure_jupyter.py"
    spec = importlib.util.spec_from_file_location("_ebpm_configure_jupyter", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.INSTRUCTOR_LAB_PLUGINS), list(module.INSTRUCTOR_SERVER_EXTENSIONS)


def write_config(layout: layouts.CourseLayout, folder: Path | None = None) -> Path:
    """A Jupyter configuration folder that enables the instructor tools (default: the private one).

    Only the two settings files are written (merged into what is there): a user-level
    ``page_config.json`` and ``jupyter_server_config.json`` take precedence over the
    environment's, which ``scripts/configure_jupyter.py`` wrote for learners.
    """
    plugins, extensions = instructor_tools(layout.root)
    folder = Path(folder) if folder else layout.grading / CONFIG_FOLDER
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    _merge_json(folder / "labconfig" / "page_config.json", "disabledExtensions", {name: False for name in plugins})
    _merge_json(folder / "jupyter_server_config.json", "jpserver_extensions", {name: True for name in extensions},
                section="ServerApp")
    return folder


def _merge_json(path: Path, key: str, values: dict, section: str | None = None) -> None:
    current = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    holder = current.setdefault(section, {}) if section else current
    holder.setdefault(key, {}).update(values)
    path.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")


def enable_for_hub_user(root: Path | None = None) -> Path:
    """Enable the instructor tools in this user's own Jupyter configuration (the instructor's hub server)."""
    from jupyter_core.paths import jupyter_config_dir

    return write_config(layouts.load(root), Path(jupyter_config_dir()))


def free_port(preferred: int = DEFAULT_PORT) -> int:
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError("空いているポートがありません。")


@dataclass
class Server:
    command: list[str]
    env: dict[str, str]
    cwd: Path
    url: str
    lab_url: str


def server(root: Path | None = None, port: int | None = None, token: str | None = None) -> Server:
    """How to start the instructor's JupyterLab (nothing is started yet)."""
    layout = layouts.load(root)
    layout.grading.mkdir(parents=True, exist_ok=True)
    config = write_config(layout)
    port = free_port(port or DEFAULT_PORT)
    token = token or secrets.token_hex(24)
    env = nbgrader_env()
    env["JUPYTER_CONFIG_DIR"] = str(config)
    # Inside a virtual environment jupyter_core ranks the environment's settings above the user's,
    # which would keep the learner view's "disabled" in force: rank the user's (ours) first.
    env["JUPYTER_PREFER_ENV_PATH"] = "0"
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(write_data_folder(layout)), env.get("JUPYTER_PATH", "")) if p)
    exchange = exchange_for_pc(layout, env)
    if exchange:
        env["EBPM_EXCHANGE"] = exchange
    jupyter = Path(sys.executable).parent / "jupyter"
    command = [str(jupyter) if jupyter.exists() else sys.executable, *([] if jupyter.exists() else ["-m", "jupyter"]),
               "lab", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--ServerApp.root_dir={layout.root}", "--ServerApp.open_browser=False",
               f"--IdentityProvider.token={token}"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    base = f"http://127.0.0.1:{port}"
    return Server(command, env, layout.root, f"{base}/formgrader?token={token}", f"{base}/lab?token={token}")


def run(root: Path | None = None, port: int | None = None) -> int:
    """Start the server in the foreground and print where to open it (Ctrl+C stops it)."""
    planned = server(root, port)
    print("講師用の JupyterLab を起動します（formgrader と Create Assignment はこのサーバーだけで有効です）。")
    print(f"  formgrader（記述問題の採点。ブラウザの別タブで開いてください）: {planned.url}")
    print(f"  JupyterLab:                                             {planned.lab_url}")
    print("止めるときは、この画面で Ctrl+C を押します。", flush=True)
    process = subprocess.Popen(planned.command, cwd=planned.cwd, env=planned.env)

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)  # `kill` stops the server too, not only Ctrl+C
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
