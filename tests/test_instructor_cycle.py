"""The instructor's whole cycle without JupyterHub, with the commands exactly as the guide prints them.

docs/instructor_guide.md chapter 9 is read, and each command of its ``sh`` blocks is run as
written, in order, in a course folder (pre-study notebooks 00 and 02 only) whose ``.venv`` is
this environment, with a PATH that does not contain the environment (nothing activated):
release, roster, import five learners (names with and without spaces, full-width space),
grade, the formgrader (two written answers graded through its own HTTP API), feedback again,
regrade with ``--force`` (manual grades kept unless the answer changed), HR export. Every
command of the guides' ``sh`` blocks is either run here or named with the test that runs it.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import requests

from ebpm import catalog, course
from ebpm.grading import journal, learners, layout as layouts
from tests.servers import stop, wait_for

pytestmark = pytest.mark.xdist_group("instructor_cycle")

ASSIGNMENT = "prestudy"
NOTEBOOKS = ("00_jupyter_and_pandas_first_steps", "02_official_statistics")
WRITTEN = "ex-reflection"  # the written answer of both notebooks
GUIDE = course.repo_root() / "docs" / "instructor_guide.md"
README = course.repo_root() / "README.md"
NO_HUB_CHAPTER = "## 9. JupyterHub なしで運営する"

# Commands the guides show that this module does not run, and the test that does.
COVERED_ELSEWHERE = {
    ".venv/bin/ebpm dist --out dist/learner": "tests/test_dist.py (the learner distribution and its leak check)",
    "make lab": "tests/test_lab.py (make lab serves the course)",
    "make test": ".ci/run (the CI runs it)",
    # needs submissions made by `nbgrader submit` (their submission_secret.txt): a real hub
    ".venv/bin/nbgrader release_feedback prestudy": "tests/test_hub.py (release_feedback on a real JupyterHub)",
    ".venv/bin/ebpm karte --prefecture 43 --data まちのデータ --jobs 2": "tests/test_karte_docs.py (as printed, on the real files)",
    # typed in JupyterLab's terminal, where the course's environment is on PATH (README says so)
    "ebpm karte 434825 --data まちのデータ": "tests/test_karte_docs.py (as printed, from notebooks/ with .venv/bin on PATH)",
    # chapter 10 (the evaluation): run as printed on a synthetic course in the order the chapter gives
    ".venv/bin/ebpm evaluate forms": "tests/test_evaluation.py::test_the_chapter_commands_run_as_printed",
    ".venv/bin/ebpm evaluate": "tests/test_evaluation.py::test_the_chapter_commands_run_as_printed",
    ".venv/bin/ebpm evaluate --synthetic 20270112 --out 評価レポートの例": "tests/test_evaluation.py::test_the_chapter_commands_run_as_printed",
}
JUPYTERLAB_TERMINAL = {"ebpm karte 434825 --data まちのデータ"}
# Hub-only commands: run at the end of the cycle with a local exchange folder (EBPM_EXCHANGE).
HUB_COMMANDS = (".venv/bin/ebpm release prestudy --exchange", ".venv/bin/nbgrader collect prestudy")

# The five who hand in (as their folders are named) and the roster (other spellings, one more learner).
# Notebook 02 is there for what needs a second notebook (a notebook not handed in, an index linking two
# pages, a pass that needs both, written answers left across notebooks): only the two whose manual grades
# are checked hand it in, so each grading run executes 02 twice, not for every learner.
HAND_IN = {
    "山田 太郎": {"00_jupyter_and_pandas_first_steps": "solution", "02_official_statistics": "solution"},
    "佐藤花子": {"00_jupyter_and_pandas_first_steps": "solution", "02_official_statistics": "solution"},
    "鈴木\u3000一郎": {"00_jupyter_and_pandas_first_steps": "solution"},
    "Tanaka Ken": {"00_jupyter_and_pandas_first_steps": "release"},
    "高橋 優": {"00_jupyter_and_pandas_first_steps": "solution"},
}
ROSTER = [("山田太郎", "企画課", "yamada@example.lg.jp"), ("佐藤 花子", "福祉課", ""), ("鈴木 一郎", "税務課", ""),
          ("tanaka ken", "企画課", ""), ("高橋　優", "総務課", ""), ("渡辺 未来", "企画課", "")]
MANUAL = {"山田 太郎": (2, "理由と確かめる指標の両方が書けています。"), "佐藤花子": (1, "確かめる指標を具体的に書きましょう。")}
CHANGED_ANSWER = "佐藤花子"  # re-hands in a different written answer before the regrade
FIRST_ZIP = "講師用/提出物/山田 太郎.zip"     # chapter 9.6: a learner's zip imported as it arrived
EXPANDED = "講師用/展開した提出物"           # chapter 9.6: the others' zips, expanded with Linux unzip
IMPORTS = (f'.venv/bin/ebpm grade --import "{FIRST_ZIP}" --assignment prestudy',
           f".venv/bin/ebpm grade --import {EXPANDED} --assignment prestudy")


def sh_commands(text: str) -> list[str]:
    """Command lines of the ``sh`` code blocks, in order (comments and `cd` lines left out)."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#") and not line.startswith("cd "):
                lines.append(line)
    return lines


def no_hub_chapter() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    chapter = text.split(NO_HUB_CHAPTER, 1)[1]
    return chapter.split("\n## ", 1)[0]


def _points(notebook: Path) -> tuple[float, float]:
    """(autograded points, written points) of an instructor notebook."""
    auto = written = 0.0
    for cell in nbformat.read(notebook, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            if cell.cell_type == "markdown":
                written += float(meta.get("points", 0))
            else:
                auto += float(meta.get("points", 0))
    return auto, written


def _make_course(folder: Path) -> Path:
    root = folder / "course"
    (root / "solutions" / ASSIGNMENT).mkdir(parents=True)
    (root / "scripts").mkdir()
    repo = course.repo_root()
    shutil.copy(repo / course.CONFIG_FILE, root / course.CONFIG_FILE)
    shutil.copy(repo / "scripts" / "configure_jupyter.py", root / "scripts")
    for name in NOTEBOOKS:
        shutil.copy(repo / "solutions" / ASSIGNMENT / f"{name}.ipynb", root / "solutions" / ASSIGNMENT)
    shutil.copytree(repo / "data", root / "data")
    (root / ".venv").symlink_to(sys.prefix)  # the course's environment, as `make` creates it
    return root


def _environment() -> dict[str, str]:
    """The environment of an instructor who has not activated anything: .venv/bin is not on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VIRTUAL_ENV"))}
    own = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "/usr/bin:/bin").split(os.pathsep)
                                  if p and Path(p).resolve() != Path(own).resolve()) or "/usr/bin:/bin"
    return env


def _hand_in(root: Path) -> None:
    """What reaches the instructor, as chapter 9 has it kept in 講師用/: the first learner's own zip as it
    arrived (made like Windows' Explorer makes it), the others' zips expanded with Linux `unzip`."""
    from tests.handins import has_raw_bytes, unzip_into, windows_zip

    (root / FIRST_ZIP).parent.mkdir(parents=True, exist_ok=True)
    for number, (name, notebooks) in enumerate(HAND_IN.items()):
        files = {}
        for notebook, base in notebooks.items():
            folder = root / ("solutions" if base == "solution" else "notebooks") / ASSIGNMENT
            files[f"{name}/{notebook}.ipynb"] = (folder / f"{notebook}.ipynb").read_bytes()
        if number == 0:
            windows_zip(root / FIRST_ZIP, files)
            continue
        archive = windows_zip(root.parent / f"{name}.zip", files)
        unzip_into(archive, root / EXPANDED)
    assert has_raw_bytes(root / EXPANDED)


def _write_roster(path: Path) -> None:
    lines = ["氏名,所属,メール", *(",".join(row) for row in ROSTER)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))  # Excel's plain "CSV" on Windows


class Formgrader:
    """The formgrader's own HTTP API, as its pages use it."""

    def __init__(self, url: str):
        self.base, self.token = url.split("/formgrader?token=")

    def call(self, method: str, path: str, **kwargs):
        response = requests.request(method, f"{self.base}{path}", headers={"Authorization": f"token {self.token}"},
                                    timeout=30, **kwargs)
        assert response.ok, (method, path, response.status_code, response.text[:300])
        return response.json()

    def grade_written_answer(self, student: str, notebook: str, score: float, comment: str) -> None:
        submissions = self.call("GET", f"/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{notebook}")
        submission = next(s for s in submissions if s["student"] == student)
        grade = next(g for g in self.call("GET", "/formgrader/api/grades", params={"submission_id": submission["id"]})
                     if g["name"] == WRITTEN)
        self.call("PUT", f"/formgrader/api/grade/{grade['id']}", json={"manual_score": score})
        note = next(c for c in self.call("GET", "/formgrader/api/comments", params={"submission_id": submission["id"]})
                    if c["name"] == WRITTEN)
        self.call("PUT", f"/formgrader/api/comment/{note['id']}", json={"manual_comment": comment})


def _formgrader_step(command: list[str], root: Path, env: dict, record: dict) -> None:
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        first = [process.stdout.readline() for _ in range(3)]
        url = next(m.group(0) for line in first if (m := re.search(r"http://127\.0\.0\.1:\d+/formgrader\?token=\w+", line)))
        api = Formgrader(url)
        wait_for(lambda: requests.get(f"{api.base}/formgrader/api/status",
                                      headers={"Authorization": f"token {api.token}"}, timeout=2).ok,
                 process, "the formgrader", timeout=120)
        record["formgrader_students"] = api.call("GET", "/formgrader/api/students")
        record["formgrader_page"] = requests.get(f"{api.base}/lab", params={"token": api.token}, timeout=30).text
        for name, (score, comment) in MANUAL.items():
            api.grade_written_answer(learners.learner_id(name), NOTEBOOKS[0], score, comment)
        record["formgrader_output"] = "".join(first)
    finally:
        stop(process)


def _change_written_answer(root: Path, name: str) -> None:
    """The learner hands in a different written answer (the submitted copy changes)."""
    path = root / "_grading" / "submitted" / learners.learner_id(name) / ASSIGNMENT / f"{NOTEBOOKS[0]}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == WRITTEN)
    cell.source += "\n\n（再提出で書き足しました。）"
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    """Chapter 9's commands run once, in order, for every test of this module.

    Slow on purpose (about 2 minutes on an idle 2-core machine; each `ebpm grade` and nbgrader is a fresh
    process): nothing faster proves that the commands an instructor copies from the guide work as printed,
    from the folder it names, with nothing activated. The single steps have fast tests elsewhere
    (tests/test_versions.py, tests/test_grading_checks.py)."""
    root = _make_course(tmp_path_factory.mktemp("no_hub"))
    env = _environment()
    env["EBPM_EXCHANGE"] = str(root.parent / "exchange")
    (root / "講師用").mkdir()
    _write_roster(root / "講師用" / "名簿.csv")
    commands = sh_commands(no_hub_chapter())
    record: dict = {"root": root, "commands": commands, "runs": [], "env": env}
    notebooks_before_import = None
    for line in commands:
        if line in COVERED_ELSEWHERE:
            continue
        argv = shlex.split(line)
        if "--import" in argv and notebooks_before_import is None:
            # the learner versions exist only after the release; the zips are made from them and the solutions
            notebooks_before_import = {p.name: p.read_bytes() for p in (root / "notebooks" / ASSIGNMENT).glob("*")}
            _hand_in(root)
        if argv[1:] == ["formgrader"]:
            _formgrader_step(argv, root, env, record)
            record["runs"].append((line, 0, record["formgrader_output"]))
            continue
        if "--force" in argv:
            record["before_force"] = journal.read(root / "_grading" / "grade_journal.jsonl")
            _change_written_answer(root, CHANGED_ANSWER)
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=900)
        record["runs"].append((line, done.returncode, done.stdout + done.stderr))
        print(f"$ {line}  ({time.perf_counter() - start:.1f} s)\n{done.stdout}{done.stderr}")
        assert done.returncode == 0, f"{line} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    record["notebooks_before_import"] = notebooks_before_import
    # the hub-only commands of chapter 2, with a local exchange folder
    for line in HUB_COMMANDS:
        done = subprocess.run(shlex.split(line), cwd=root, env=env, capture_output=True, text=True, timeout=600)
        record["runs"].append((line, done.returncode, done.stdout + done.stderr))
    record["layout"] = layouts.load(root)
    return record


def _output(cycle, command: str) -> str:
    return next(out for line, _, out in cycle["runs"] if line == command)


def _gradebook(cycle):
    from nbgrader.api import Gradebook

    layout = cycle["layout"]
    return Gradebook(layout.db_url, layout.course_id)


def test_the_chapter_has_the_whole_cycle():
    commands = sh_commands(no_hub_chapter())
    for expected in (".venv/bin/ebpm release prestudy", ".venv/bin/ebpm roster 講師用/名簿.csv", *IMPORTS,
                     ".venv/bin/ebpm formgrader",
                     ".venv/bin/ebpm grade prestudy", ".venv/bin/ebpm grade prestudy --force",
                     ".venv/bin/ebpm dist --out dist/learner"):
        assert expected in commands, expected
    assert any(c.startswith(".venv/bin/ebpm report") for c in commands)
    assert all(c.startswith(".venv/bin/") for c in commands), "every command must work without activation"


def grading_chapter_extras() -> list[str]:
    """Chapter 8's commands that chapter 9 does not run (the list and undo of imports), as printed."""
    from tests.doccommands import under_heading

    ran = set(sh_commands(no_hub_chapter())) | set(HUB_COMMANDS) | set(COVERED_ELSEWHERE)
    return [c.text for c in under_heading("docs/instructor_guide.md", "8. 採点") if c.text not in ran]


def test_the_grading_chapter_commands_as_printed(cycle, tmp_path):
    """Chapter 8's own commands (`ebpm imports`, `--show`, `--undo`), run as printed from the course folder,
    on a copy of the course the cycle left (so that the undo does not change what the other tests read)."""
    from nbgrader.api import Gradebook, MissingEntry

    extras = grading_chapter_extras()
    assert extras == [".venv/bin/ebpm imports", ".venv/bin/ebpm imports --show 1", ".venv/bin/ebpm imports --undo 1"]
    root = tmp_path / "course"
    shutil.copytree(cycle["root"], root, symlinks=True)
    yamada = learners.learner_id("山田 太郎")
    outputs = []
    for line in extras:
        done = subprocess.run(shlex.split(line), cwd=root, env=cycle["env"], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{line}: {done.stdout}{done.stderr}"
        outputs.append(done.stdout)
    listing, shown, undone = outputs
    assert re.search(r"^\s*1\s.*講師用/提出物/山田 太郎\.zip", listing, re.M), listing
    assert f"（ID {yamada}） {NOTEBOOKS[0]}.ipynb: 追加" in shown, shown
    assert "取り込み 1" in undone and "取り消しました" in undone
    layout = layouts.load(root)
    assert not (layout.submitted / yamada).exists() and not (layout.feedback / yamada).exists()
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        with pytest.raises(MissingEntry):
            gradebook.find_submission(ASSIGNMENT, yamada)
        gradebook.find_student(yamada)  # on the roster before the import: still a learner
    again = subprocess.run(shlex.split(extras[-1]), cwd=root, env=cycle["env"], capture_output=True, text=True)
    assert again.returncode != 0 and "取り消し済み" in again.stderr


def test_every_command_the_guides_show_is_run_somewhere():
    shown = set(sh_commands(GUIDE.read_text(encoding="utf-8"))) | set(sh_commands(README.read_text(encoding="utf-8")))
    run_here = set(sh_commands(no_hub_chapter())) | set(HUB_COMMANDS) | set(grading_chapter_extras())
    missing = sorted(shown - run_here - set(COVERED_ELSEWHERE))
    assert not missing, f"commands the guides show that no test runs: {missing}"
    assert all(c.startswith((".venv/bin/", "make ")) or c in JUPYTERLAB_TERMINAL for c in shown), sorted(shown)


def test_each_command_ran_as_written_without_activation(cycle):
    assert Path(sys.executable).parent.as_posix() not in cycle["env"]["PATH"]
    ran = [line for line, _, _ in cycle["runs"]]
    assert [c for c in cycle["commands"] if c not in COVERED_ELSEWHERE] == ran[:len(ran) - len(HUB_COMMANDS)]
    for line, code, output in cycle["runs"]:
        assert code == 0, f"{line}: exit {code}\n{output}"
        assert "Traceback" not in output and "FileNotFoundError" not in output, f"{line}:\n{output}"


def test_release_registers_the_assignment_and_writes_the_learner_version(cycle):
    root = cycle["root"]
    with _gradebook(cycle) as gradebook:
        assert gradebook.find_assignment(ASSIGNMENT).max_score == sum(
            sum(_points(root / "solutions" / ASSIGNMENT / f"{n}.ipynb")) for n in NOTEBOOKS)
    for name in NOTEBOOKS:  # the same bytes as the committed learner version (ebpm build)
        assert (root / "notebooks" / ASSIGNMENT / f"{name}.ipynb").read_bytes() == (
            course.release_dir() / ASSIGNMENT / f"{name}.ipynb").read_bytes()
    # the hub variant put the assignment into the exchange folder
    assert list((Path(cycle["env"]["EBPM_EXCHANGE"]) / "ebpm" / "outbound" / ASSIGNMENT).glob("*.ipynb"))


def test_the_formgrader_is_on_for_the_instructor_only(cycle):
    page = cycle["formgrader_page"]
    disabled = page.split('"disabledExtensions"', 1)[1].split("]", 1)[0]
    assert "@jupyter/nbgrader:formgrader" not in disabled
    assert "@jupyter/nbgrader:create-assignment" not in disabled
    # the learner view (the environment's own settings, which `make lab` uses) keeps them off
    learner_view = Path(sys.prefix) / "etc" / "jupyter" / "labconfig" / "page_config.json"
    assert '"@jupyter/nbgrader:formgrader": true' in learner_view.read_text(encoding="utf-8")
    assert "127.0.0.1" in cycle["formgrader_output"]


def test_one_learner_one_id_whatever_the_spelling(cycle):
    table = learners.read_table(cycle["layout"])
    assert len(table) == len(ROSTER)
    for (roster_name, affiliation, _), hand_in_name in zip(ROSTER, [*HAND_IN, None]):
        entry = table[learners.learner_id(roster_name)]
        assert entry.affiliation == affiliation
        if hand_in_name is not None:
            assert learners.learner_id(hand_in_name) == entry.id
            assert hand_in_name in entry.spellings and roster_name in entry.spellings
    submitted = {p.name for p in (cycle["root"] / "_grading" / "submitted").iterdir()}
    assert submitted == {learners.learner_id(n) for n in HAND_IN}


def test_the_formgrader_shows_names_never_none(cycle):
    students = {s["id"]: s for s in cycle["formgrader_students"]}
    assert set(students) == {learners.learner_id(n) for n, _, _ in ROSTER}
    for student in students.values():
        assert student["last_name"] and student["first_name"] is not None, student
    yamada = students[learners.learner_id("山田 太郎")]
    assert yamada["last_name"] == "山田太郎" or (yamada["last_name"], yamada["first_name"]) == ("山田", "太郎")
    sato = students[learners.learner_id("佐藤 花子")]
    assert (sato["last_name"], sato["first_name"]) == ("佐藤", "花子")


def test_the_import_summary_lists_who_came_in_and_what_needs_a_look(cycle):
    first, output = (_output(cycle, command) for command in IMPORTS)
    assert "取り込み: 1 人" in first and f"取り込み: {len(HAND_IN) - 1} 人" in output
    for number, name in enumerate(HAND_IN):  # every name read back from the cp932 bytes
        assert f"（ID {learners.learner_id(name)}）: 新しい版" in (first if number == 0 else output), (first, output)
    assert "要確認" in output
    takahashi = learners.learner_id("高橋 優")
    assert re.search(rf"要確認.*{takahashi}.*{NOTEBOOKS[1]}", output), output  # the notebook not handed in
    for name, notebooks in HAND_IN.items():  # and only for those who did not hand it in
        flagged = re.search(rf"要確認.*{learners.learner_id(name)}.*{NOTEBOOKS[1]}", output)
        assert bool(flagged) == (NOTEBOOKS[1] not in notebooks), (name, output)
    assert "記述式の手動採点の残り" in output


def test_manual_grades_survive_the_forced_regrade_unless_the_answer_changed(cycle):
    kept = learners.learner_id("山田 太郎")
    changed = learners.learner_id(CHANGED_ANSWER)
    with _gradebook(cycle) as gradebook:
        def grade(student):
            return gradebook.find_grade(WRITTEN, NOTEBOOKS[0], ASSIGNMENT, student)

        assert grade(kept).manual_score == MANUAL["山田 太郎"][0] and not grade(kept).needs_manual_grade
        assert grade(changed).needs_manual_grade  # its text changed: to be graded again
        assert grade(changed).manual_score == MANUAL[CHANGED_ANSWER][0]
    entries = journal.read(cycle["layout"].journal)
    kinds = {f["kind"] for f in entries[f"{ASSIGNMENT}/{changed}"].findings}
    assert "manual_answer_changed" in kinds
    assert "manual_answer_changed" not in {f["kind"] for f in entries[f"{ASSIGNMENT}/{kept}"].findings}
    output = _output(cycle, ".venv/bin/ebpm grade prestudy --force")
    assert f"採点 {len(HAND_IN)} 件" in output
    # per learner: 山田 has one written answer left (02), 佐藤 two (00 changed, 02)
    assert re.search(rf"{kept}）: 1 件", output) and re.search(rf"{changed}）: 2 件", output), output


def test_hr_export_has_one_row_per_learner_and_the_pass_judgement(cycle):
    root, exports = cycle["root"], cycle["layout"].exports
    assert (exports / "completion.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(exports / "completion.csv", encoding="utf-8-sig", dtype={"所属": str}).fillna("")
    excel = pd.read_excel(exports / "completion.xlsx", engine="openpyxl", dtype={"所属": str}).fillna("")
    pd.testing.assert_frame_equal(table, excel, check_dtype=False)
    assert len(table) == len(ROSTER) and set(table["修了"]) <= {"有", "無"}
    points = {n: _points(root / "solutions" / ASSIGNMENT / f"{n}.ipynb") for n in NOTEBOOKS}
    full = sum(a + w for a, w in points.values())
    column = next(c for c in table.columns if c.startswith(catalog.assignment(ASSIGNMENT).title))
    expected_pass = {}
    for name, affiliation, _ in ROSTER:
        row = table[table["受講者ID"] == learners.learner_id(name)].iloc[0]
        hand_in = next((v for k, v in HAND_IN.items() if learners.learner_id(k) == row["受講者ID"]), {})
        score = sum(points[n][0] for n, base in hand_in.items() if base == "solution")
        score += next((s for k, (s, _) in MANUAL.items() if learners.learner_id(k) == row["受講者ID"]), 0)
        assert row["所属"] == affiliation
        assert row[column] == pytest.approx(score) and row["合計"] == pytest.approx(score)
        assert row["満点"] == pytest.approx(full)
        assert row["得点率（%）"] == pytest.approx(round(score / full * 100, 1))
        expected_pass[row["受講者ID"]] = "有" if score / full * 100 >= 60 else "無"
        assert row["修了"] == expected_pass[row["受講者ID"]], row.to_dict()
        assert (row["未提出の課題"] == catalog.assignment(ASSIGNMENT).title) == (not hand_in)
    assert set(expected_pass.values()) == {"有", "無"}
    certificates = sorted(p.stem for p in (exports / "certificates").glob("*.html"))
    passed = sorted(table.loc[table["修了"] == "有", "氏名"])
    assert certificates == passed
    text = (exports / "certificates" / f"{passed[0]}.html").read_text(encoding="utf-8")
    hours = round(catalog.assignment(ASSIGNMENT).minutes / 60 * 2) / 2
    assert "修了証" in text and passed[0] in text and f"{hours:g} 時間" in text
    assert "True" not in (exports / "completion.csv").read_text(encoding="utf-8-sig")


def test_feedback_bundles_are_named_by_learner_with_an_index(cycle):
    layout = cycle["layout"]
    out = layout.grading / "feedback_bundles"
    table = learners.read_table(layout)
    names = {table[learners.learner_id(n)].name for n in HAND_IN}
    assert {p.stem for p in out.glob("*.zip")} == names
    yamada = table[learners.learner_id("山田 太郎")].name
    index = (out / yamada / "index.html").read_text(encoding="utf-8")
    for notebook in NOTEBOOKS:
        assert f"href='{ASSIGNMENT}/{notebook}.html'" in index
        assert (out / yamada / ASSIGNMENT / f"{notebook}.html").is_file()
    assert MANUAL["山田 太郎"][1] in index and "合計" in index
    with zipfile.ZipFile(out / f"{yamada}.zip") as archive:
        assert f"{yamada}/index.html" in archive.namelist()
    takahashi = table[learners.learner_id("高橋 優")].name
    missing = (out / takahashi / "index.html").read_text(encoding="utf-8")
    assert "提出されていないノートブック" in missing and catalog_title(NOTEBOOKS[1]) in missing


def catalog_title(notebook: str) -> str:
    return next(n.title for n in catalog.assignment(ASSIGNMENT).notebooks if n.file == notebook)


def test_failing_tests_show_the_japanese_message_without_internals(cycle):
    from ebpm.grading.feedback import page_text

    layout = cycle["layout"]
    page = layout.feedback / learners.learner_id("Tanaka Ken") / ASSIGNMENT / f"{NOTEBOOKS[0]}.html"
    text = page_text(page)
    assert "Traceback" in text or "Error" in text  # the blank answers fail their tests
    assert not re.search(r"File \S+\.py", text), "a library frame reached the feedback"
    for secret in (str(layout.root), "/src/ebpm/", "site-packages"):
        assert secret not in text, secret
    assert re.search(r"[\u3040-\u30ff]", text)
    assert "No response." not in text and "回答がありません" in text  # nbgrader's English automatic comment
