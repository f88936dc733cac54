"""Fast checks of the instructor's tools: learner ids, roster, import refusals (corpus), release, feedback frames."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

from ebpm import course
from ebpm.errors import EbpmError
from ebpm.grading import bundles, learners, layout as layouts, submissions

IMPORTS = Path(__file__).parent / "grading_corpus" / "imports.toml"
ASSIGNMENT = "prestudy"
COURSES = {"one": ("00_jupyter_and_pandas_first_steps",),
           "two": ("00_jupyter_and_pandas_first_steps", "02_official_statistics")}


def import_cases() -> list[dict]:
    return tomllib.loads(IMPORTS.read_text(encoding="utf-8"))["case"]


def _course(folder: Path, notebooks: tuple[str, ...]) -> Path:
    root = folder / "course"
    (root / "solutions" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(course.repo_root() / course.CONFIG_FILE, root / course.CONFIG_FILE)
    for name in notebooks:
        shutil.copy(course.solutions_dir() / ASSIGNMENT / f"{name}.ipynb", root / "solutions" / ASSIGNMENT)
    return root


def _hand_in(folder: Path, entries: list[str], as_zip: bool = False) -> Path:
    notebook = (course.release_dir() / ASSIGNMENT / "00_jupyter_and_pandas_first_steps.ipynb").read_bytes()
    folder.mkdir(parents=True)
    for entry in entries:
        path = folder / entry
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(notebook if entry.endswith(".ipynb") else "メモ".encode("utf-8"))
    if not as_zip:
        return folder
    archive = folder.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as bundle:
        for entry in entries:
            bundle.write(folder / entry, entry)
    return archive


# --- learner ids ------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["山田 太郎", "山田　太郎", "山田太郎", " 山田太郎\t", "山田\u00a0太郎", "山田 \u3000太郎"])
def test_every_spelling_of_a_name_is_one_learner(spelling):
    assert learners.learner_id(spelling) == learners.learner_id("山田太郎")


def test_ids_fold_width_and_case_and_keep_plain_ids():
    assert learners.learner_id("ＴＡＮＡＫＡ０１") == learners.learner_id("tanaka01") == "tanaka01"
    assert learners.learner_id("Tanaka Ken") == "tanakaken"
    assert learners.learner_id("山田太郎").startswith("learner-")
    assert learners.learner_id("山田太郎") != learners.learner_id("山田次郎")
    # a name typed with a decomposed kana (macOS) is the same learner
    assert learners.learner_id("がくせい") == learners.learner_id("か\u3099くせい")
    with pytest.raises(EbpmError, match="空"):
        learners.learner_id(" \u3000 ")


def test_names_are_split_for_the_formgrader():
    assert learners.name_parts("山田　太郎") == ("山田", "太郎")
    assert learners.name_parts("山田太郎") == ("山田太郎", "")
    assert learners.name_parts("Tanaka  Ken") == ("Tanaka", "Ken")


# --- import corpus (issue 15, item 3) ---------------------------------------------------------

@pytest.mark.parametrize("case", import_cases(), ids=[c["id"] for c in import_cases()])
def test_import_case(tmp_path, case):
    root = _course(tmp_path, COURSES[case["course"]])
    layout = layouts.load(root)
    expect = case["expect"]
    if "before" in case:
        submissions.import_learners(layout, _hand_in(tmp_path / "before", case["before"]), ASSIGNMENT)
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    hand_in = _hand_in(tmp_path / "提出物", case["entries"], case.get("as_zip", False))
    if expect.get("refused"):
        with pytest.raises(EbpmError) as refused:
            submissions.import_learners(layout, hand_in, ASSIGNMENT)
        message = str(refused.value)
        for source in expect["mentions"]:
            assert source in message, message
        assert "何も取り込んでいません" in message
        assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before, "something was imported"
        return
    result = submissions.import_learners(layout, hand_in, ASSIGNMENT)
    assert sorted(s.student for s in result.submissions) == sorted(learners.learner_id(n) for n in expect["imported"])
    assert sorted(s.source for s in result.problems) == sorted(expect.get("problems", []))
    for skipped in result.skipped:
        assert any("\u3040" <= ch <= "\u30ff" for ch in skipped.reason), skipped
    assert sorted(s.source for s in result.skipped if s.ignored) == sorted(expect.get("ignored", []))
    for name, spellings in expect.get("spellings", {}).items():
        assert learners.read_table(layout)[learners.learner_id(name)].spellings == spellings
    for submission in result.submissions:  # every original name is in the mapping table
        assert submission.display_name
        with layout.learner_table.open(encoding="utf-8-sig") as handle:
            rows = {row["受講者ID"]: row for row in csv.DictReader(handle)}
        assert rows[submission.student]["元の表記"]


def test_import_exits_non_zero_and_lists_what_it_skipped(tmp_path, monkeypatch):
    """Through the command line: a dot folder is listed and the exit status is 1."""
    from ebpm import cli
    from ebpm.grading import pipeline

    root = _course(tmp_path, COURSES["two"])
    hand_in = _hand_in(tmp_path / "提出物", [".hidden/00_jupyter_and_pandas_first_steps.ipynb",
                                             "c70/00_jupyter_and_pandas_first_steps.ipynb"])
    graded = {}

    def fake_grade(options, root_arg):  # grading itself is covered elsewhere: only the import here
        layout = layouts.load(root_arg)
        result = pipeline.BatchResult(layout, {}, imported=submissions.import_learners(layout, options.import_path,
                                                                                          options.import_assignment))
        graded["result"] = result
        return result

    monkeypatch.setattr(pipeline, "grade", fake_grade)
    code = cli.main(["grade", "--root", str(root), "--import", str(hand_in), "--assignment", ASSIGNMENT])
    assert code == 1
    assert [s.source for s in graded["result"].imported.problems] == [".hidden"]


# --- roster -----------------------------------------------------------------------------------

def test_roster_in_cp932_registers_learners_with_names(tmp_path):
    from nbgrader.api import Gradebook

    root = _course(tmp_path, COURSES["one"])
    layout = layouts.load(root)
    roster = tmp_path / "名簿.csv"
    roster.write_bytes("氏名,所属,メール\r\n山田　太郎,企画課,y@example.lg.jp\r\n佐藤花子,福祉課,\r\n".encode("cp932"))
    learners.import_roster(layout, roster)
    table = learners.read_table(layout)
    yamada = table[learners.learner_id("山田 太郎")]
    assert (yamada.name, yamada.affiliation, yamada.email) == ("山田 太郎", "企画課", "y@example.lg.jp")
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        students = {s.id: (s.last_name, s.first_name, s.email) for s in gradebook.students}
    assert students[yamada.id] == ("山田", "太郎", "y@example.lg.jp")
    assert students[learners.learner_id("佐藤花子")] == ("佐藤花子", "", None)


@pytest.mark.parametrize("text, message", [
    ("氏名,所属\n山田 太郎,企画課\n山田太郎,福祉課\n", "2 行目「山田 太郎」と 3 行目「山田太郎」"),
    ("名前なし,所属\nx,y\n", "「氏名」の列がありません"),
    ("氏名,所属\n,企画課\n", "2 行目: 氏名が空です"),
])
def test_roster_mistakes_are_named(tmp_path, text, message):
    path = tmp_path / "名簿.csv"
    path.write_text(text, encoding="utf-8-sig")
    with pytest.raises(EbpmError, match=message):
        learners.read_roster(path)


# --- release ----------------------------------------------------------------------------------

def test_a_failed_release_leaves_the_learner_version_in_place(tmp_path):
    """The step nbgrader runs fails (a broken instructor notebook): notebooks/ is as before."""
    root = _course(tmp_path, COURSES["two"])
    (root / ".venv").symlink_to(sys.prefix)
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # nothing activated
    good = subprocess.run([".venv/bin/ebpm", "release", ASSIGNMENT], cwd=root, env=env, capture_output=True, text=True)
    assert good.returncode == 0, good.stdout + good.stderr
    released = {p.name: p.read_bytes() for p in (root / "notebooks" / ASSIGNMENT).iterdir()}
    assert len(released) == 2
    broken = root / "solutions" / ASSIGNMENT / "02_official_statistics.ipynb"
    broken.write_text("{ not json", encoding="utf-8")
    failed = subprocess.run([".venv/bin/ebpm", "release", ASSIGNMENT], cwd=root, env=env, capture_output=True,
                            text=True)
    assert failed.returncode != 0
    assert "notebooks/ は変えていません" in failed.stderr, failed.stderr
    assert {p.name: p.read_bytes() for p in (root / "notebooks" / ASSIGNMENT).iterdir()} == released
    assert not list((root / "_grading").glob(".release-*")), "the temporary folder was left behind"


def test_nbgrader_itself_runs_without_activation(tmp_path):
    """`.venv/bin/nbgrader` needs `alembic` on PATH for a new gradebook: nbgrader_config.py puts it there."""
    root = _course(tmp_path, COURSES["one"])
    (root / ".venv").symlink_to(sys.prefix)
    done = subprocess.run([".venv/bin/nbgrader", "db", "student", "list"], cwd=root,
                          env={**os.environ, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "_grading" / "gradebook.db").is_file()


# --- feedback ---------------------------------------------------------------------------------

def test_library_frames_are_dropped_from_feedback_tracebacks():
    from ebpm.grading.hidden import ClearLibraryFrames

    cell = nbformat.v4.new_code_cell("check(answer)")
    cell.outputs = [nbformat.v4.new_output("error", ename="AnswerError", evalue="件数が違います。", traceback=[
        "\x1b[0;31m---------\x1b[0m", "Cell \x1b[0;32mIn[3], line 1\x1b[0m\n----> 1 check(answer)",
        "File \x1b[0;32m/srv/course/src/ebpm/feedback.py:120\x1b[0m, in \x1b[0;36mcheck\x1b[0m\n    118 raise",
        "\x1b[0;31mAnswerError\x1b[0m: 件数が違います。"])]
    cleaned, _ = ClearLibraryFrames().preprocess_cell(cell, {}, 0)
    frames = cleaned.outputs[0]["traceback"]
    assert len(frames) == 3 and not any("/srv/course" in f for f in frames)
    assert frames[-1].endswith("件数が違います。") and "In[3]" in frames[1]


def test_feedback_preprocessors_always_clear_library_frames():
    from ebpm.grading.feedback_app import LIBRARY_FRAMES, safe_preprocessors

    assert LIBRARY_FRAMES in safe_preprocessors(["nbgrader.preprocessors.GetGrades"])


def test_bundle_names_are_safe_file_names():
    assert bundles.file_name("山田　太郎", "x") == "山田 太郎"
    assert bundles.file_name('a/b:c*?"<>|', "x") == "a_b_c______"
    assert bundles.file_name("...", "learner-1") == "learner-1"


def test_make_formgrader_runs_the_command_the_guide_shows():
    done = subprocess.run(["make", "-n", "formgrader", "FORMGRADER_PORT=8123"], cwd=course.repo_root(),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert ".venv/bin/ebpm formgrader --port 8123" in done.stdout


def test_formgrader_hub_mode_enables_the_tools_in_the_users_own_settings(tmp_path, monkeypatch):
    """`ebpm formgrader --hub` writes only the instructor's own Jupyter settings, keeping what is there."""
    import json

    from ebpm.grading import formgrader

    root = _course(tmp_path, COURSES["one"])
    (root / "scripts").mkdir()
    shutil.copy(course.repo_root() / "scripts" / "configure_jupyter.py", root / "scripts")
    own = tmp_path / "dot-jupyter"
    (own / "labconfig").mkdir(parents=True)
    (own / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": {"other:plugin": True}}))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(own))
    assert formgrader.enable_for_hub_user(root) == own
    page = json.loads((own / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"] == {"other:plugin": True, "@jupyter/nbgrader:create-assignment": False,
                                          "@jupyter/nbgrader:formgrader": False, "@jupyter/nbgrader:course-list": False}
    server = json.loads((own / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is True


def test_importing_before_the_release_says_what_to_run(tmp_path, capsys):
    from ebpm import cli
    from nbgrader.api import Gradebook

    root = _course(tmp_path, COURSES["two"])
    hand_in = _hand_in(tmp_path / "提出物", ["c80/00_jupyter_and_pandas_first_steps.ipynb"])
    argv = ["grade", "--root", str(root), "--import", str(hand_in), "--assignment", ASSIGNMENT]
    assert cli.main(argv) == 2  # no gradebook yet
    assert "ebpm release" in capsys.readouterr().err
    layout = layouts.load(root)
    with Gradebook(layout.db_url, layout.course_id):
        pass  # a gradebook without the assignment
    assert cli.main(argv) == 2
    assert f".venv/bin/ebpm release {ASSIGNMENT}" in capsys.readouterr().err
    assert not (root / "_grading" / "submitted").exists()
