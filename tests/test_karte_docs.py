"""Every way docs/karte.md and README.md say to make a town report, run exactly as printed.

Docs are tests (DESIGN.md, "Testing as users run it"): each command is taken from the Markdown by
tests/doccommands.py and run from the folder the text names, in a fresh clone's layout (a temporary
folder with ``.venv`` beside the user's ``まちのデータ``), with the relative paths it shows:

- ``.venv/bin/ebpm ...`` in the repository folder;
- bare ``ebpm ...`` in JupyterLab's terminal, which starts in ``notebooks/`` under ``make lab``
  (``.venv/bin`` first on PATH, as the Makefile exports it);
- the Python call in a notebook's folder; the capstone notebook with ``make_html = True`` under papermill.

Commands on a real town (434825 芦北町) need ../shared/realdata and are skipped without it; the
synthetic command and the capstone always run. Each check opens the HTML the command left and
looks for a report (the town's name, the charts), never only an exit status.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.doccommands import ROOT, doc_blocks, doc_commands

REALDATA = ROOT / ".." / "shared" / "realdata"
# a user's folder: two 住基 years five apart, the 年齢階級別 file, one 財政 year and the N03 file of 熊本県
REAL_FILES = ("finance_population/soumu_juki_1703ssjin.xls", "finance_population/soumu_juki_2203ssjin.xlsx",
              "finance_population/soumu_juki_2204ssnen.xlsx", "finance_population/soumu_zaisei_shihyo_city_R2.xlsx",
              "boundaries/smartnews_N03-21_43_210101_s0010.geojson")
NAMES = {"434825": "芦北町", "434841": "津奈木町", "438014": "星川町"}
pytestmark = pytest.mark.xdist_group("karte_docs")

KARTE_COMMANDS = [c for c in doc_commands("docs/karte.md") + doc_commands("README.md") if " karte" in f" {c.text}"]
# a command printed in both documents, typed in the same folder, is run once (the first place it is printed)
UNIQUE_COMMANDS = list({c.text: c for c in reversed(KARTE_COMMANDS)}.values())[::-1]


def _clone(base: Path) -> Path:
    """A fresh clone's layout: the repository folder with ``.venv`` and ``notebooks/`` (JupyterLab's root)."""
    base.mkdir(parents=True, exist_ok=True)
    (base / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    (base / "notebooks").mkdir()
    return base


def _real_folder(target: Path) -> Path:
    """まちのデータ as a user fills it: the downloaded files, under the names they came with."""
    target.mkdir(parents=True)
    for name in REAL_FILES:
        (target / Path(name).name).symlink_to((REALDATA / name).resolve())
    return target


def _synthetic_folder(target: Path) -> Path:
    from ebpm.karte.notebook import default_data

    folder, bounds = default_data()
    shutil.copytree(folder, target)
    shutil.copy(bounds, target / bounds.name)
    return target


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"   # as `make lab` exports it
    env["PYTHONPATH"] = str(ROOT / "src")
    return env


def _working_folder(clone: Path, text: str) -> Path:
    """Where the documentation says to type the command."""
    return clone if text.startswith(".venv/bin/") else clone / "notebooks"


def _assert_report(folder: Path, code: str) -> None:
    page = folder / "karte" / f"{code}_{NAMES[code]}" / "karte.html"
    assert page.is_file(), f"{page} がありません（{sorted(p.name for p in (folder / 'karte').glob('*'))}）"
    text = page.read_text(encoding="utf-8")
    assert NAMES[code] in text and "人口と世帯数" in text and "data:image/png;base64" in text
    assert "Traceback" not in text and 'data-mime-type="application/vnd.jupyter.stderr"' not in text   # no error, no warning


def _run(text: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", text], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=timeout)


def test_the_docs_show_the_commands_tested_here():
    texts = [c.text for c in KARTE_COMMANDS]
    assert ".venv/bin/ebpm karte 434825 --data まちのデータ" in texts
    assert "ebpm karte 434825 --data まちのデータ" in texts   # JupyterLab's terminal
    assert any("--prefecture 43" in t for t in texts) and any(t.endswith("karte 438014") for t in texts)
    assert all(c.text.startswith((".venv/bin/ebpm karte", "ebpm karte")) for c in KARTE_COMMANDS), KARTE_COMMANDS
    assert [c.heading for c in doc_blocks("docs/karte.md", {"python"})] == ["JupyterLab で"]


def test_synthetic_command_from_the_repository_folder(tmp_path):
    """Guards the relative default ``--out karte`` when the notebook runs inside the town's folder."""
    clone = _clone(tmp_path / "ebpm-course")
    [command] = [c for c in KARTE_COMMANDS if "--data" not in c.text]
    result = _run(command.text, _working_folder(clone, command.text), timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    _assert_report(clone, "438014")
    assert "--data を指定しなかったため" in result.stderr and "作成: 1 団体" in result.stdout


@pytest.mark.skipif(not all((REALDATA / n).is_file() for n in REAL_FILES),
                    reason="../shared/realdata がないため、実在の団体コードのコマンドは省略します")
@pytest.mark.parametrize("command", [c for c in UNIQUE_COMMANDS if "--data まちのデータ" in c.text], ids=str)
def test_documented_command_on_real_files(tmp_path, command):
    """Slow (a kernel per town; --prefecture 43 makes 45): guards what a 企画課 employee types, as printed."""
    clone = _clone(tmp_path / "ebpm-course")
    folder = _working_folder(clone, command.text)
    _real_folder(folder / "まちのデータ")
    result = _run(command.text, folder)
    assert result.returncode == 0, result.stderr[-3000:]
    codes = [w for w in command.argv if w.isdigit() and len(w) == 6]
    for code in codes or ["434825"]:
        _assert_report(folder, code)
    if "--prefecture" in command.text:
        index = (folder / "karte" / "index.html").read_text(encoding="utf-8")
        pages = list((folder / "karte").glob("43*_*/karte.html"))
        assert len(pages) == 45 and "芦北町" in index
    assert not (folder / "karte" / "_cache").exists()


def test_documented_python_call_in_a_notebook_folder(tmp_path):
    """The ``report.build`` cell of docs/karte.md, run in the folder of the notebook that holds it."""
    [block] = doc_blocks("docs/karte.md", {"python"})
    folder = tmp_path / "自分のノート"
    if all((REALDATA / n).is_file() for n in REAL_FILES):
        _real_folder(folder / "まちのデータ")
        code = "434825"
    else:   # the same call on the course's synthetic files: the town's code is the only change
        _synthetic_folder(folder / "まちのデータ")
        code = "438014"
    source = block.text.replace('"434825"', f'"{code}"')
    result = subprocess.run([sys.executable, "-c", source], cwd=folder, env=_env(), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    _assert_report(folder, code)


def test_capstone_with_make_html_and_a_relative_data_folder(tmp_path):
    """The ws4 capstone as a learner runs it: its own folder, ``data_folder = "まちのデータ"``, ``make_html = True``."""
    import papermill

    source = ROOT / "solutions" / "ws4_policy_and_data_quality" / "05_advanced_town_karte.ipynb"
    folder = tmp_path / "ws4_policy_and_data_quality"
    folder.mkdir()
    _synthetic_folder(folder / "まちのデータ")
    shutil.copy(source, folder / source.name)
    executed = papermill.execute_notebook(
        str(folder / source.name), str(folder / "executed.ipynb"), cwd=str(folder), kernel_name="python3",
        parameters={"data_folder": "まちのデータ", "make_html": True}, progress_bar=False)
    page = folder / "karte_output" / "438014_星川町" / "karte.html"
    assert page.is_file()
    printed = "".join(o.get("text", "") for c in executed.cells if "make_html" in c.source for o in c.get("outputs", []))
    assert str(page.resolve()) in printed
    text = page.read_text(encoding="utf-8")
    assert "星川町" in text and "data:image/png;base64" in text and "Traceback" not in text
