"""Configure the course's JupyterLab inside the virtual environment (never the user's own settings).

- Japanese menus: the ja-JP language pack is installed; the translation setting's default locale
  is set to ``ja_JP`` through the environment's ``overrides.json``.
- No news pop-up asking to fetch news from the internet.
- Validate speaks Japanese: an nbgrader_config.py in the environment's etc/jupyter.
- Learner view: nbgrader's assignment list and Validate button stay; the instructor tools
  (create assignment, formgrader, course list) are disabled in this environment.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PREFIX = Path(sys.prefix)
OVERRIDES = {
    "@jupyterlab/translation-extension:plugin": {"locale": "ja_JP"},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}
INSTRUCTOR_LAB_PLUGINS = [
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
]
INSTRUCTOR_SERVER_EXTENSIONS = [
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
]


def write_overrides() -> Path:
    target = PREFIX / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
    current.update(OVERRIDES)
    target.write_text(json.dumps(current, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target


def write_learner_nbgrader_config() -> Path:
    """nbgrader settings every user of this environment gets (Validate in Japanese)."""
    from ebpm.nbgrader_ja import LEARNER_CONFIG

    target = PREFIX / "etc" / "jupyter" / "nbgrader_config.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(LEARNER_CONFIG, encoding="utf-8")
    return target


def disable_instructor_tools() -> None:
    jupyter = str(Path(sys.executable).parent / "jupyter")
    for plugin in INSTRUCTOR_LAB_PLUGINS:
        subprocess.run([jupyter, "labextension", "disable", "--level=sys_prefix", plugin],
                       check=True, capture_output=True)
    for extension in INSTRUCTOR_SERVER_EXTENSIONS:
        subprocess.run([jupyter, "server", "extension", "disable", "--sys-prefix", extension],
                       check=True, capture_output=True)


if __name__ == "__main__":
    print(f"JupyterLab settings: {write_overrides()}")
    print(f"nbgrader (Validate in Japanese): {write_learner_nbgrader_config()}")
    disable_instructor_tools()
    print("Learner view: nbgrader instructor tools disabled in this environment.")
