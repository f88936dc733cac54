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


def configure_validator(config: Any) -> None:
    """Set the Japanese Validate messages on a traitlets config (``c`` in nbgrader_config.py)."""
    for name, value in VALIDATOR_SETTINGS.items():
        setattr(config.Validator, name, value)
