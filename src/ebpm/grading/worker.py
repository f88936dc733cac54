"""A grading worker: stock nbgrader's autograde app, run for one submission after another.

``python -m ebpm.grading.worker`` reads one task a line (JSON) on standard input and answers
with one line on standard output. Each task is exactly the command line of
``nbgrader autograde A --student S --force ...``, given to a fresh ``AutogradeApp`` in this
process, so the scores are stock nbgrader's. What a worker saves is the start-up of a new
nbgrader process for every submission (importing nbgrader, nbconvert, SQLAlchemy and
jupyter_client takes about 2-3 s of CPU): a batch pays it once per worker.

While a task runs, file descriptors 1 and 2 point at that submission's log, so nbgrader's log
and anything the kernel writes to its own stdout/stderr land there, as with a subprocess; the
protocol uses private duplicates of the original descriptors, which the kernels do not inherit.
``runner.Worker`` starts workers, enforces the limits and restarts a worker it had to kill.
"""
from __future__ import annotations

import json
import os
import sys
import traceback


def _redirect_output(path: str) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(target, 1)
    os.dup2(target, 2)
    os.close(target)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def grade_one(task: dict) -> int:
    """Run one stock autograde in this process; the exit code the command line would give."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    _redirect_output(task["log"])
    for name, value in task.get("env", {}).items():  # the kernels inherit these
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    saved_path = list(sys.path)  # the app puts its working folder on sys.path each time
    app = AutogradeApp()
    try:
        app.initialize(task["argv"])
        app.start()
        code = 0
    except SystemExit as stop:
        code = _exit_code(stop.code)
    except Exception:  # the command line would print a traceback and exit 1
        traceback.print_exc()
        code = 1
    finally:
        app.deinit_logging()  # closes the `.nbgrader.log` handler, if the course sets `logfile`
        sys.path[:] = saved_path
        sys.stdout.flush()
        sys.stderr.flush()
    return code


def main() -> int:
    commands = os.fdopen(os.dup(0), "r", encoding="utf-8")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    quiet = os.open(os.devnull, os.O_RDWR)
    os.dup2(quiet, 0)  # learner code must not read the task list
    os.dup2(quiet, 1)
    os.close(quiet)
    import nbgrader.apps.autogradeapp  # noqa: F401  (the start-up a worker pays once)

    replies.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in commands:
        if not line.strip():
            continue
        task = json.loads(line)
        code = grade_one(task)
        replies.write(json.dumps({"done": task["key"], "returncode": code}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
