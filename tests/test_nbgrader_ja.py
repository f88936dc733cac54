"""Validate speaks Japanese, for the instructor (nbgrader_config.py) and for learners (the environment)."""
from __future__ import annotations

import sys
from pathlib import Path

from ebpm import course
from ebpm.nbgrader_ja import LEARNER_CONFIG, VALIDATOR_SETTINGS


def test_course_config_sets_japanese_validator_messages():
    validator = course.nbgrader_config().Validator
    assert validator.failed_warning == VALIDATOR_SETTINGS["failed_warning"]
    assert "満点になりません" in validator.failed_warning
    assert validator.width >= 150  # long Japanese lines are not cut short


def test_learner_environment_has_the_same_settings():
    installed = Path(sys.prefix) / "etc" / "jupyter" / "nbgrader_config.py"
    assert installed.read_text(encoding="utf-8") == LEARNER_CONFIG


def test_validator_uses_them_on_a_blank_notebook(tmp_path):
    import io

    from nbgrader.validator import Validator

    from ebpm.nbgrader_ja import configure_validator
    from traitlets.config import Config

    config = Config()
    configure_validator(config)
    validator = Validator(config=config)
    validator.stream = io.StringIO()
    blank = course.release_dir() / "prestudy" / "00_jupyter_and_pandas_first_steps.ipynb"
    validator.validate_and_print(str(blank))
    text = validator.stream.getvalue()
    assert "このまま提出すると満点になりません" in text and "VALIDATION FAILED" not in text
    assert "まだ回答されていません" in text
