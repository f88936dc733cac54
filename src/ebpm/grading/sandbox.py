"""Learner code runs inside bubblewrap (``bwrap``) while it is graded.

Every grading kernel starts as ``bwrap <mounts> -- [prlimit --as=N --] <the kernel's own argv>``: the
whole file system is mounted read-only (``--ro-bind / /``), the grading folders (``_grading/``: gradebook,
journal, learners.csv, every other learner's submission and feedback), the instructor's source notebooks
(hidden tests), the batch's scratch folder, Jupyter's runtime folder (other kernels' connection files
and keys) and ``/tmp`` are replaced by empty private folders (``--tmpfs``),
and only what belongs to this submission is mounted back: its autograded working copy (writable), the
run's copy of data/ (read-only), the run's IPython folder and a log file (writable), and the kernel's
connection file (read-only). The user's home folder is replaced by an empty read-only folder too (SSH and cloud
keys, browser profiles, mail), with only what Python itself loads from it mounted back read-only: the
environment, the library's source and user site-packages, and font folders. matplotlib gets writable copies of the grader's own config and cache
folders at their usual paths, so a kernel starts with exactly the files it would use under stock
nbgrader (a read-only folder makes matplotlib warn on stderr, which scores a test cell 0).

The kernel runs in its own PID namespace (``--unshare-pid``: it sees and can signal no process of the
batch; ``kill(getppid(), 9)`` reaches the namespace's init, which ignores it) and its own session
(``--new-session``), and dies with the batch (``--die-with-parent``). The network namespace is kept:
jupyter_client talks to the kernel over TCP on localhost, which a new network namespace would cut.

The memory limit is set by util-linux ``prlimit`` inside the sandbox, before the kernel's first line,
so it holds for the kernel and everything it starts.

Where bwrap is missing (a Windows PC) or cannot create namespaces (a container without user
namespaces), ``probe`` says why in Japanese and grading falls back to the guards of ``dataguard``.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

OFF_ENV = "EBPM_GRADE_ISOLATION"  # "off": grade without bubblewrap (for the side-by-side benchmark)


@dataclass(frozen=True)
class Probe:
    available: bool
    bwrap: str = ""
    reason: str = ""  # Japanese: why grading is not isolated


@functools.lru_cache(maxsize=None)
def _probe(bwrap: str | None) -> Probe:
    if os.name != "posix" or sys.platform == "darwin":
        return Probe(False, reason="この OS では bubblewrap が使えないため")
    if not bwrap:
        return Probe(False, reason="bubblewrap（bwrap コマンド）が入っていないため（Debian/Ubuntu では "
                                   "`sudo apt-get install bubblewrap`）")
    try:
        done = subprocess.run([bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid",
                               "--new-session", "--die-with-parent", "--", "true"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        return Probe(False, bwrap, f"bubblewrap を起動できなかったため（{error}）")
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["理由不明"])[-1]
        return Probe(False, bwrap, f"bubblewrap が名前空間を作れなかったため（{detail}。コンテナの中などで"
                                   "ユーザー名前空間が使えない可能性があります）")
    return Probe(True, bwrap)


def probe() -> Probe:
    """Whether grading kernels can run inside bubblewrap here (checked once per process)."""
    if os.environ.get(OFF_ENV, "").lower() in {"off", "0", "no"}:
        return Probe(False, reason=f"環境変数 {OFF_ENV}=off で隔離を止めているため")
    return _probe(shutil.which("bwrap"))


def fallback_notice(found: Probe) -> str:
    """The batch summary's line when kernels are not isolated."""
    return (f"受講者のコードを隔離せずに採点しました（{found.reason}）。教材データの保護と不正の検出は"
            "従来の方法（書き込みの拒否と、採点後の照合・復元）で行いましたが、成績簿や採点フォルダへの"
            "書き込みは防げません。Linux の PC で bubblewrap を入れて採点することをおすすめします。")


def matplotlib_dirs(env: dict[str, str]) -> list[Path]:
    """matplotlib's config and cache folders for a kernel started with ``env`` (matplotlib's own rule on Linux)."""
    if env.get("MPLCONFIGDIR"):
        return [Path(env["MPLCONFIGDIR"])]
    home = Path(env.get("HOME") or Path.home())
    config = Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "matplotlib"
    cache = Path(env.get("XDG_CACHE_HOME") or home / ".cache") / "matplotlib"
    return list(dict.fromkeys([config, cache]))


@dataclass(frozen=True)
class Sandbox:
    """The mounts of one submission's kernels (absolute paths)."""

    bwrap: str
    hidden: tuple[Path, ...]                 # replaced by an empty read-only folder
    writable: tuple[Path, ...]               # mounted back, writable
    readonly: tuple[Path, ...] = ()          # mounted back, read-only
    copies: tuple[tuple[Path, Path], ...] = field(default=())  # (private copy, where the kernel sees it)
    memory_mb: int | None = None
    scratch: tuple[Path, ...] = (Path("/tmp"),)  # replaced by an empty private writable folder
    home: Path | None = None                 # replaced by an empty read-only folder ...
    home_keep: tuple[Path, ...] = ()         # ... but for these, mounted back read-only (see home_view)

    def wrap(self, kernel_cmd: list[str], connection_file: str, cwd: str | None = None) -> list[str]:
        """``kernel_cmd`` started inside the sandbox."""
        argv = [self.bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        # Jupyter's runtime folder holds every running kernel's connection file, keys included: with it,
        # learner code could send code to another learner's kernel. Only this kernel's own file is shown.
        runtime = Path(connection_file).parent
        hidden = {*self.hidden, runtime} if len(runtime.parts) > 2 else set(self.hidden)
        # deepest last, so that a hidden folder inside another hidden folder (or inside a kept part of the
        # home folder) is still hidden; at equal depth an empty folder comes before what is mounted back
        shadows = [(len(p.parts), 0, "--tmpfs", p) for p in {*self.scratch, *hidden}]
        if self.home is not None:
            shadows.append((len(self.home.parts), 0, "--tmpfs", self.home))
            shadows += [(len(p.parts), 1, "--ro-bind", p) for p in self.home_keep]
        for _, _, option, path in sorted(shadows, key=lambda s: (s[0], s[1], str(s[3]))):
            argv += [option, str(path)] if option == "--tmpfs" else [option, str(path), str(path)]
        for source, target in self.copies:
            argv += ["--bind", str(source), str(target)]
        for path in self.writable:
            argv += ["--bind", str(path), str(path)]
        for path in (*self.readonly, Path(connection_file)):
            argv += ["--ro-bind", str(path), str(path)]
        for path in (*hidden, *([self.home] if self.home is not None else [])):  # after the mounts above made
            if path not in self.scratch:                                            # their mount points in it
                argv += ["--remount-ro", str(path)]
        if cwd:
            argv += ["--chdir", cwd]
        # inside its PID namespace the kernel's parent is bwrap's init (pid 1): ipykernel, told its parent is
        # the grader's pid, would take pid 1 for "my parent has exited" and stop at once; pid 1 turns its
        # parent polling off, and --die-with-parent does that job
        argv += ["--setenv", "JPY_PARENT_PID", "1", "--unshare-pid", "--new-session", "--die-with-parent", "--"]
        prlimit = shutil.which("prlimit")
        if self.memory_mb and prlimit:
            argv += [prlimit, f"--as={self.memory_mb * 1024 * 1024}", "--"]
        return argv + list(kernel_cmd)


def home_view(env: dict[str, str], kernel_python: str | None = None) -> tuple[Path | None, tuple[Path, ...]]:
    """The home folder to hide from learner code, and what of it a kernel needs, to mount back read-only.

    A kernel loads Python, the environment's packages (an environment or an editable install may live in
    the home folder, as on an instructor's PC), user site-packages and fonts from it; nothing else in a
    home folder is the grader's business to show (``~/.ssh``, ``~/.aws``, ``~/.netrc``, browser profiles).
    The working directory is not kept: a kernel's ``sys.path`` starts at its notebook's folder.
    """
    home = Path(env.get("HOME") or Path.home()).expanduser()
    try:
        home = home.resolve(strict=True)
    except OSError:
        return None, ()
    if len(home.parts) < 2:  # "/" as home: hiding it would hide everything
        return None, ()
    import ebpm

    cwd = Path.cwd().resolve()
    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, *(p for p in sys.path if p),
                  Path(ebpm.__file__).resolve().parents[1], home / ".fonts", home / ".local" / "share" / "fonts"]
    if kernel_python:
        candidates.append(Path(kernel_python).resolve().parents[1])
    kept: set[Path] = set()
    for candidate in candidates:
        path = Path(candidate).resolve()
        if path.exists() and path != home and path != cwd and path.is_relative_to(home):
            kept.add(path)
    outermost = [p for p in kept if not any(p != q and p.is_relative_to(q) for q in kept)]
    return home, tuple(sorted(outermost, key=lambda p: (len(p.parts), str(p))))


def copy_matplotlib_dirs(target: Path, env: dict[str, str]) -> tuple[tuple[Path, Path], ...]:
    """Private copies of the grader's matplotlib folders (same files), to mount over the real ones.

    A folder the grader does not have yet is made empty on the grader's side (what matplotlib itself
    does on the first start), so that it can be mounted over."""
    pairs = []
    for index, real in enumerate(matplotlib_dirs(env)):
        real.mkdir(parents=True, exist_ok=True)
        copy = target / f"matplotlib{index}"
        shutil.copytree(real, copy, symlinks=True, dirs_exist_ok=True)
        pairs.append((copy, real))
    return tuple(pairs)


def warm_matplotlib(env: dict[str, str]) -> None:
    """Build matplotlib's font cache on the grader's side once, as the first stock kernel would, so that no
    sandboxed kernel (which starts from a copy) builds it again and warns "building the font cache"."""
    if any(any(d.glob("fontlist-*.json")) for d in matplotlib_dirs(env) if d.is_dir()):
        return
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, capture_output=True,
                   timeout=300, check=False)
