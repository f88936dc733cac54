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


def _hub_config(monkeypatch, user: str, instructors: str = "teacher1"):
    """deploy/nbgrader_config.py as a hub user's server reads it."""
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("JUPYTERHUB_USER", user)
    monkeypatch.setenv("EBPM_INSTRUCTORS", instructors)
    return PyFileConfigLoader("nbgrader_config.py", path=str(course.repo_root() / "deploy")).load_config()


def test_a_learner_on_the_hub_validates_with_patient_timeouts_and_instructors_keep_the_course_settings(monkeypatch):
    from ebpm.nbgrader_ja import learner_execute_settings

    learner = _hub_config(monkeypatch, "staff01").Execute
    for name, value in learner_execute_settings().items():
        assert learner[name] == value, name
    assert learner.iopub_timeout >= 60 and learner.timeout >= 180 and not learner.raise_on_iopub_timeout
    assert "Execute" not in _hub_config(monkeypatch, "teacher1")  # grading runs on the course's own settings


def test_a_cell_that_does_not_end_stops_validate_with_a_japanese_message(tmp_path):
    """Validate with the learner settings (the cell limit shortened to 2 s): a cell that does not end is
    named in Japanese, as a possibly busy server, not as a wrong answer."""
    import io

    from nbgrader.validator import Validator
    from traitlets.config import Config

    from ebpm import authoring
    from ebpm.nbgrader_ja import configure_learner_execution, configure_validator

    cells = [authoring.answer("ex-a", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
             authoring.tests("ex-a-test", f"{authoring.TEST_CELL_HEADER}\nimport time\ntime.sleep(30)\n"
                             "assert x == 1\nprint('OK')", points=1)]
    notebook = tmp_path / "slow.ipynb"
    authoring.write_notebook(notebook, cells)
    config = Config()
    configure_validator(config)
    configure_learner_execution(config, cell_timeout=2)
    validator = Validator(config=config)
    validator.stream = io.StringIO()
    validator.validate_and_print(str(notebook))
    text = validator.stream.getvalue()
    assert "2 秒たっても終わらなかった" in text and "もう一度 Validate を押してください" in text, text
