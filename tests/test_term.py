"""A whole term on the real commands, with hand-ins made the way learners' and instructors' tools make them.

A tiny course of two assignments (t1: one notebook; t2: two notebooks so that a resubmission can be
partial), each notebook one autograded answer and one written answer, released with
`ebpm release`. 22 learners on an Excel cp932 roster; 20 hand in t1 as Windows-Explorer zips (cp932
names, no UTF-8 flag) that the instructor expands with Linux `unzip` and zips again (chapter 9.5 on a
Linux PC); t2 arrives as the learners' own zips, one of them downloaded twice by a browser
(「(1)」). Then: written answers graded through the formgrader's HTTP API on a real server, a partial
resubmission, an identical and an older re-import, a stock `nbgrader autograde t2 --force`, a late
hand-in and its undo, and the feedback bundles. After every step: no version lost, every changed
score explained by a new version or a grade entered, manual grades kept where the answer is
unchanged, and the summary names what changed.

Why it is slow (about 145 CPU seconds; 10 minutes of wall time on the shared 2-core machine under a load
of 11 to 20, so about one and a half to two minutes when idle): it runs `ebpm grade` twelve times (each a fresh process and
nbgrader start-up, plus the notebooks; only the late hand-in and the last run write feedback), two releases,
one stock `nbgrader autograde` and one JupyterLab with the formgrader. Nothing faster proves that these real commands keep an instructor's work
through a term; the single steps have fast tests in tests/test_versions.py.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
import requests

from ebpm import course
from ebpm.grading import layout as layouts, learners
from tests.handins import has_raw_bytes, unzip_into, windows_zip, zip_folder
from tests.roundtrip import stock_env
from tests.servers import stop, wait_for
from tests.test_instructor_cycle import Formgrader

pytestmark = pytest.mark.xdist_group("term")

NOTEBOOKS = {"t1": ["aa"], "t2": ["ba", "bb"]}
SURNAMES = ["山田", "佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "中村", "小林", "加藤", "吉田"]
GIVEN = ["太郎", "花子"]
ROSTER = [f"{s} {g}" for s in SURNAMES for g in GIVEN]  # 22 learners
T1 = ROSTER[:20]
T2_FIRST = ROSTER[:6]
LATE = ROSTER[21]
BASE_TIME = (2026, 6, 1, 10, 0, 0)
QUICK = ("--no-feedback", "--no-report")  # steps whose feedback the next full run writes anyway


# --- the course -------------------------------------------------------------------------------

def _source_notebook(answer_points: int = 1) -> nbformat.NotebookNode:
    def meta(**values):
        return {"nbgrader": {"schema_version": 3, "locked": False, "solution": False, "grade": False,
                             "task": False, **values}}

    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 小さな課題\n\n`x` に 2 を入れてください。", metadata=meta(grade_id="intro", locked=True)),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 2\n### END SOLUTION",
                                  metadata=meta(grade_id="answer", solution=True)),
        nbformat.v4.new_code_cell("assert x == 2, 'x が 2 ではありません。'\nprint('OK')",
                                  metadata=meta(grade_id="test_answer", grade=True, locked=True, points=answer_points)),
        nbformat.v4.new_markdown_cell("なぜ 2 なのか説明してください。", metadata=meta(grade_id="prompt", locked=True)),
        nbformat.v4.new_markdown_cell("回答例: 問題が 2 と言っているからです。",
                                      metadata=meta(grade_id="written", solution=True, grade=True, points=2)),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def _run(root: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "ebpm.cli", *args], cwd=root, env=stock_env(),
                          capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    if ok:
        assert done.returncode == 0, f"ebpm {' '.join(args)} → {done.returncode}\n{output}"
    return done


def _make_course(folder: Path) -> Path:
    root = folder / "course"
    for assignment, names in NOTEBOOKS.items():
        (root / "solutions" / assignment).mkdir(parents=True)
        for name in names:
            nbformat.write(_source_notebook(), root / "solutions" / assignment / f"{name}.ipynb")
    shutil.copy(course.repo_root() / course.CONFIG_FILE, root / course.CONFIG_FILE)
    (root / ".venv").symlink_to(sys.prefix)
    for assignment in NOTEBOOKS:
        _run(root, "release", assignment)
    lines = ["氏名,所属,メール", *(f"{name},企画課," for name in ROSTER)]
    (root / "名簿.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))  # Excel's plain CSV
    _run(root, "roster", "名簿.csv")
    return root


def _learner_notebook(root: Path, assignment: str, name: str, x: int, written: str) -> bytes:
    notebook = nbformat.read(root / "notebooks" / assignment / f"{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "answer":
            cell.source = f"x = {x}"
        elif grade_id == "written":
            cell.source = written
    return nbformat.writes(notebook).encode("utf-8")


def unzip_and_zip_again(zips: list[Path], out: Path) -> Path:
    """Chapter 9.5 on Linux: every learner's zip expanded with `unzip` into 提出物/, then zipped again."""
    folder = out.parent / "提出物"
    for archive in zips:
        unzip_into(archive, folder)
    assert has_raw_bytes(folder), "unzip did not keep the cp932 bytes"
    zip_folder(folder, out)
    shutil.rmtree(folder)
    return out


# --- what is checked after every step ---------------------------------------------------------

def gradebook(root: Path) -> dict[tuple, tuple]:
    """(assignment, learner, notebook, cell) → (auto, manual, needs manual grade, manual comment)."""
    from nbgrader.api import Gradebook

    rows = {}
    with Gradebook(f"sqlite:///{root / '_grading' / 'gradebook.db'}", "ebpm") as book:
        for assignment in NOTEBOOKS:
            for submission in book.assignment_submissions(assignment):
                for notebook in submission.notebooks:
                    comments = {c.cell.name: c.manual_comment for c in notebook.comments}
                    for grade in notebook.grades:
                        rows[(assignment, submission.student.id, notebook.name, grade.cell.name)] = (
                            grade.auto_score, grade.manual_score, grade.needs_manual_grade,
                            comments.get(grade.cell.name))
    return rows


def version_files(root: Path) -> set[str]:
    folder = root / "_grading" / "versions"
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and p.parent.parent.name != "snapshots" and "snapshots" not in p.parts}


def submitted(root: Path) -> dict[str, bytes]:
    folder = root / "_grading" / "submitted"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.ipynb")}


class Term:
    """The course and what every step may change; ``step`` checks the invariants after each."""

    def __init__(self, root: Path):
        self.root = root
        self.rows = gradebook(root)
        self.versions = version_files(root)
        self.manual: dict[tuple, tuple[float, str, str]] = {}  # cell → (score, comment, answer graded)

    def answer(self, assignment: str, learner: str, notebook: str) -> str | None:
        path = self.root / "_grading" / "submitted" / learner / assignment / f"{notebook}.ipynb"
        if not path.is_file():
            return None
        return next(c.source for c in nbformat.read(path, as_version=4).cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") == "written")

    def step(self, what: str, changed: set[tuple[str, str]], *, settled: bool = True) -> None:
        """``changed``: the (assignment, learner) whose rows may change, by a new version or a grade entered."""
        now = gradebook(self.root)
        files = version_files(self.root)
        assert self.versions <= files, f"{what}: versions lost: {sorted(self.versions - files)}"
        state = json.loads((self.root / "_grading" / "versions" / "imports.json").read_text(encoding="utf-8"))
        for by_learner in state["active"].values():
            for per_file in by_learner.values():
                for version in per_file.values():
                    assert version["version"] in files, (what, version)
        moved = {(k[0], k[1]) for k in set(now) | set(self.rows) if now.get(k) != self.rows.get(k)}
        assert moved <= changed, f"{what}: scores changed without a cause: {sorted(moved - changed)}"
        if settled:
            for key, (score, comment, graded_answer) in self.manual.items():
                assignment, learner, notebook, _ = key
                if self.answer(assignment, learner, notebook) == graded_answer:
                    assert now[key][1:] == (score, False, comment), f"{what}: manual grade lost for {key}: {now[key]}"
        self.rows, self.versions = now, files


def _imported_lines(output: str) -> dict[str, str]:
    return {m.group(2): m.group(3) for m in re.finditer(r"取り込み (.+?)（ID (\S+?)）: (.*)", output)}


def _ids(names) -> set[str]:
    return {learners.learner_id(n) for n in names}


def _grade_through_formgrader(root: Path, term: Term, grades: list[tuple[str, str, str, float, str]]) -> None:
    process = subprocess.Popen([sys.executable, "-m", "ebpm.cli", "formgrader"], cwd=root, env=stock_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        first = [process.stdout.readline() for _ in range(3)]
        url = next(m.group(0) for line in first if (m := re.search(r"http://127\.0\.0\.1:\d+/formgrader\?token=\w+", line)))
        api = Formgrader(url)
        wait_for(lambda: requests.get(f"{api.base}/formgrader/api/status",
                                      headers={"Authorization": f"token {api.token}"}, timeout=2).ok,
                 process, "the formgrader", timeout=120)
        for assignment, name, notebook, score, comment in grades:
            learner = learners.learner_id(name)
            found = api.call("GET", f"/formgrader/api/submitted_notebooks/{assignment}/{notebook}")
            submission = next(s for s in found if s["student"] == learner)
            grade = next(g for g in api.call("GET", "/formgrader/api/grades", params={"submission_id": submission["id"]})
                         if g["name"] == "written")
            api.call("PUT", f"/formgrader/api/grade/{grade['id']}", json={"manual_score": score})
            note = next(c for c in api.call("GET", "/formgrader/api/comments", params={"submission_id": submission["id"]})
                        if c["name"] == "written")
            api.call("PUT", f"/formgrader/api/comment/{note['id']}", json={"manual_comment": comment})
            term.manual[(assignment, learner, notebook, "written")] = (score, comment,
                                                                      term.answer(assignment, learner, notebook))
    finally:
        stop(process)


def test_a_whole_term(tmp_path):
    root = _make_course(tmp_path)
    hand_ins = tmp_path / "届いたもの"
    hand_ins.mkdir()

    def own_zip(assignment: str, name: str, notebooks: dict[str, tuple[int, str]], when=BASE_TIME,
                file_name: str | None = None) -> Path:
        files = {f"{name}/{nb}.ipynb": _learner_notebook(root, assignment, nb, x, text) for nb, (x, text) in notebooks.items()}
        return windows_zip(hand_ins / (file_name or f"{name}.zip"), files, when)

    # 1. t1: twenty learners' Windows zips, expanded with Linux unzip and zipped again (chapter 9.5)
    zips = [own_zip("t1", name, {"aa": (2 if i % 4 else 3, f"{name}の説明: 2 だからです。")}) for i, name in enumerate(T1)]
    bundle = unzip_and_zip_again(zips, tmp_path / "提出物.zip")
    for archive in zips:
        archive.unlink()
    term = Term(root)
    done = _run(root, "grade", "--import", str(bundle), "--assignment", "t1", "--jobs", "2", *QUICK)
    lines = _imported_lines(done.stdout)
    assert set(lines) == _ids(T1), done.stdout  # every learner by the roster's id: no garbled learner
    assert all("新しい版 aa.ipynb" in line for line in lines.values())
    table = learners.read_table(layouts.load(root))
    assert set(table) == _ids(ROSTER)
    term.step("t1 imported", {("t1", i) for i in _ids(T1)})
    scores = {k[1]: v[0] for k, v in term.rows.items() if k[0] == "t1" and k[3] == "test_answer"}
    assert scores == {learners.learner_id(n): (0.0 if i % 4 == 0 else 1.0) for i, n in enumerate(T1)}

    # 2. t2 as it arrives: each learner's own zip; one downloaded twice by the browser (「(1)」)
    for name in T2_FIRST[:5]:
        own_zip("t2", name, {"ba": (2, f"{name}: ba の説明"), "bb": (2, f"{name}: bb の説明")})
    for archive in sorted(hand_ins.glob("*.zip")):
        done = _run(root, "grade", "--import", str(archive), "--assignment", "t2", "--jobs", "2", *QUICK)
    term.step("t2 first hand-ins", {("t2", i) for i in _ids(T2_FIRST[:5])})
    sixth = T2_FIRST[5]
    first_copy = own_zip("t2", sixth, {"ba": (3, "最初の説明"), "bb": (2, "bb の説明")}, file_name=f"{sixth}.zip")
    second_copy = own_zip("t2", sixth, {"ba": (2, "直した説明")}, when=(2026, 6, 2, 9, 0, 0),
                          file_name=f"{sixth} (1).zip")
    done = _run(root, "grade", "--import", str(first_copy), "--assignment", "t2", "--jobs", "2", *QUICK)
    first_number = int(re.search(r"取り込み番号 (\d+)", done.stdout).group(1))
    done = _run(root, "grade", "--import", str(second_copy), "--assignment", "t2", "--jobs", "2", *QUICK)
    sixth_id = learners.learner_id(sixth)
    assert "新しい版 ba.ipynb" in _imported_lines(done.stdout)[sixth_id]  # the partial resubmission
    term.step("t2 sixth learner and her partial resubmission", {("t2", sixth_id)})
    assert term.rows[("t2", sixth_id, "ba", "test_answer")][0] == 1.0  # the corrected ba
    assert term.rows[("t2", sixth_id, "bb", "test_answer")][0] == 1.0  # bb kept from the first zip
    assert term.answer("t2", sixth_id, "bb") == "bb の説明"

    # 3. written answers graded through the formgrader's HTTP API, then feedback
    graded = [("t2", n, nb, 2, f"{n} さん、よく書けています。") for n in T2_FIRST[:3] for nb in ("ba", "bb")]
    graded += [("t1", T1[1], "aa", 1, "理由をもう一歩。"), ("t2", sixth, "bb", 2, "bb は良いです。")]
    _grade_through_formgrader(root, term, graded)
    term.step("formgrader", {(a, learners.learner_id(n)) for a, n, *_ in graded})
    done = _run(root, "grade", "--jobs", "2", *QUICK)
    assert "採点 0 件" in done.stdout
    term.step("nothing to grade after grading by hand", set())

    # 4. the same zip again: nothing changes, and the summary says so
    done = _run(root, "grade", "--import", str(bundle), "--assignment", "t1", "--jobs", "2", *QUICK)
    lines = _imported_lines(done.stdout)
    assert set(lines) == _ids(T1) and all("変更なし" in line for line in lines.values()), done.stdout
    term.step("identical re-import", set())

    # 5. an older copy than the one kept: refused with the name and both dates, nothing changes
    done = _run(root, "grade", "--import", str(first_copy), "--assignment", "t2", "--jobs", "2", *QUICK, ok=False)
    assert done.returncode == 1
    assert re.search(rf"取り込まず {sixth}（ID {sixth_id}） ba\.ipynb: 提出日時 2026-06-01 10:00:00 の版は、"
                     r"採点に使っている 2026-06-02 09:00:00 の版より古い", done.stdout), done.stdout
    term.step("older re-import refused", set())

    # 6. a stock `nbgrader autograde t2 --force` (what a newcomer types): written grades go back to
    # "needs manual grading"; the next `ebpm grade` settles again every answer whose text is unchanged
    stock = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "autograde", "t2", "--force"], cwd=root,
                           env=stock_env(), capture_output=True, text=True, timeout=600)
    assert stock.returncode == 0, stock.stdout + stock.stderr
    reset = gradebook(root)
    assert all(reset[key][2] for key in term.manual if key[0] == "t2"), "stock autograde no longer resets them"
    term.rows = reset  # the stock command changed them: that is its cause
    done = _run(root, "grade", "t2", "--jobs", "2", *QUICK)
    restored = [key for key in term.manual if key[0] == "t2"]
    assert f"手で付けた点を戻しました: {len(restored)} 件" in done.stdout, done.stdout
    term.step("after stock autograde --force", {("t2", k[1]) for k in restored})

    # 7. a late hand-in, then its undo: the course is exactly as before it
    before_late = (gradebook(root), submitted(root))
    late = own_zip("t2", LATE, {"ba": (2, "遅れてすみません。"), "bb": (1, "bb")}, when=(2026, 7, 1, 8, 0, 0))
    done = _run(root, "grade", "--import", str(late), "--assignment", "t2", "--jobs", "2", "--no-report")
    number = int(re.search(r"取り込み番号 (\d+)", done.stdout).group(1))
    late_id = learners.learner_id(LATE)
    term.step("late hand-in", {("t2", late_id)})
    late_feedback = root / "_grading" / "feedback" / late_id / "t2"
    assert sorted(p.name for p in late_feedback.glob("*.html")) == ["ba.html", "bb.html"]
    undone = _run(root, "imports", "--undo", str(number))
    assert f"取り込み {number}" in undone.stdout
    term.step("undo of the late hand-in", {("t2", late_id)})
    assert (gradebook(root), submitted(root)) == before_late
    assert not late_feedback.parent.exists()  # his feedback went with the import
    listing = _run(root, "imports").stdout
    assert re.search(rf"^\s*{number}\s.*取り消し済み", listing, re.M), listing

    # 8. an undo that a later import depends on is refused (the「(1)」download changed her ba again)
    done = _run(root, "imports", "--undo", str(first_number), ok=False)
    assert done.returncode != 0 and "先に" in done.stderr, done.stderr
    term.step("refused undo", set())

    # 9. feedback bundles: one per learner who handed something in, with the comments entered
    _run(root, "grade", "--jobs", "2")
    term.step("the last grading", set())
    bundles = root / "_grading" / "feedback_bundles"
    names = {learners.read_table(layouts.load(root))[i].name
             for i in _ids(T1) | _ids(T2_FIRST)}
    assert {p.stem for p in bundles.glob("*.zip")} == names
    index = (bundles / learners.display_form(T2_FIRST[0]) / "index.html").read_text(encoding="utf-8")
    assert f"{T2_FIRST[0]} さん、よく書けています。" in index
