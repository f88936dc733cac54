"""nbgrader's Validate messages in Japanese, for the instructor's config and the learners' environment.

nbgrader lets the summary lines be configured (``Validator.*_warning``) and the line width; the
headings it prints around each failed cell ("The following cell failed:", "The error was:") are
fixed strings in nbgrader 0.9 and stay English.
"""
from __future__ import annotations

from typing import Any

VALIDATOR_SETTINGS = {
    "failed_warning": (
        "確認の結果、{num_failed} 個のセル（テストのセル、または記述の回答）がまだ通っていません。"
        "このまま提出すると満点になりません。"
        "下の「The error was:」のあとの ✘ のメッセージとヒントを読んで、回答を直してください。\n"
    ),
    "changed_warning": (
        "{num_changed} 個のテストのセルが書き換えられています。テストのセルは採点のときに元に戻されるため、"
        "今は通っていても採点では通らないかもしれません。\n"
    ),
    "type_changed_warning": (
        "{num_changed} 個のセルの種類（コード／マークダウン）が変わっています。採点のときに正しく扱われない"
        "おそれがあります。\n"
    ),
    "passed_warning": "{num_passed} 個のテストが、回答前の状態で通ってしまいました（教材の誤りです）。\n",
    # Japanese messages are long lines; nbgrader cuts every line at this many characters.
    "width": 160,
}

LEARNER_CONFIG = '''\
# Written by the EBPM course (scripts/configure_jupyter.py): Validate speaks Japanese.
from ebpm.nbgrader_ja import configure_validator
configure_validator(get_config())  # noqa: F821
'''


# A learner's Validate runs the whole notebook in a new kernel inside their Jupyter server. On a hub that
# is overloaded (the load test at N = 40 on 2 cores) nbgrader's defaults made Validate fail an answer that
# was right: nbclient waits 4 s for a cell's output messages after its reply ("Timeout waiting for IOPub
# output"), 30 s for a cell and 60 s for the kernel to start. Here Validate waits instead: it answers late
# rather than wrong. A missing output message no longer fails the run (raise_on_iopub_timeout=False): the
# verdict comes from the cell's execute reply, and nbgrader's Execute adds the reply's error to the cell
# when its error output was lost, so a failing test still fails. Only a cell that really does not end
# (three minutes) stops, with a Japanese message. Learners only: autograde keeps the course's settings.
LEARNER_CELL_TIMEOUT = 180
CELL_TIMEOUT_MESSAGE = (
    "このセルの実行が {seconds} 秒たっても終わらなかったので、確認を止めました。"
    "サーバーが混み合っているだけのことがあります（回答が間違っているとは限りません）。"
    "少し待ってから、もう一度 Validate を押してください。何度やっても止まるときは、"
    "終わらない繰り返し（while など）がないか確かめてください。"
)


def learner_execute_settings(cell_timeout: int = LEARNER_CELL_TIMEOUT) -> dict[str, Any]:
    """nbgrader ``Execute`` settings for a learner's Validate (see above)."""
    message = CELL_TIMEOUT_MESSAGE.format(seconds=cell_timeout)
    return {
        "timeout": cell_timeout,
        "iopub_timeout": 60,
        "raise_on_iopub_timeout": False,
        "startup_timeout": 180,
        "error_on_timeout": {"ename": "CellTimeoutError", "evalue": message, "traceback": [message]},
    }


def configure_learner_execution(config: Any, cell_timeout: int = LEARNER_CELL_TIMEOUT) -> None:
    """Set learner_execute_settings on a traitlets config (the hub's global nbgrader_config.py, for learners)."""
    for name, value in learner_execute_settings(cell_timeout).items():
        setattr(config.Execute, name, value)


def configure_validator(config: Any) -> None:
    """Set the Japanese Validate messages on a traitlets config (``c`` in nbgrader_config.py)."""
    for name, value in VALIDATOR_SETTINGS.items():
        setattr(config.Validator, name, value)
