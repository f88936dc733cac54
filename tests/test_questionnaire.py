"""The self-assessment questionnaires: the record a notebook saves, papermill's preset answers, and a
learner's clicks in JupyterLab that reach the instructor's `ebpm grade` (issue 27)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from ebpm import course
from ebpm.errors import EbpmError
from ebpm.evaluation import questionnaire as q

OCCASIONS = ("before", "after", "followup")
ITEM_IDS = [item for item, _ in q.ITEMS]


def _solution(occasion: str) -> Path:
    return course.solutions_dir() / f"questionnaire_{occasion}" / f"questionnaire_{occasion}.ipynb"


def _saved_notebook(path: Path, *records: object) -> Path:
    """The learner notebook with ``records`` as outputs of its form cell, as JupyterLab saves it."""
    notebook = nbformat.read(course.release_dir() / "questionnaire_before" / "questionnaire_before.ipynb", as_version=4)
    form_cell = next(c for c in notebook.cells if c.cell_type == "code" and "questionnaire.show" in c.source)
    form_cell.outputs = [nbformat.v4.new_output("display_data", data={q.MIMETYPE: record, "text/plain": "…"})
                         for record in records]
    nbformat.write(notebook, path)
    return path


def _record(answers: dict, occasion: str = "before", intentions=(), actions=()) -> dict:
    return {"schema": 1, "occasion": occasion, "answers": {i: answers.get(i) for i in ITEM_IDS},
            "intentions": list(intentions), "actions": list(actions)}


# --- the items ------------------------------------------------------------------------------------

def test_items_cover_the_course_objectives_and_the_national_survey():
    assert 8 <= len(q.ITEMS) <= 12 and len(set(ITEM_IDS)) == len(ITEM_IDS)
    texts = [text for _, text in q.ITEMS]
    assert "オープンデータの効果やメリットを説明できる" in texts
    assert "担当業務で使えるデータを自分で探せる" in texts
    # the skills check's skill ids (EVAL_INTERFACE.md), so self-assessment and skill can be compared
    assert ITEM_IDS[:6] == ["markers", "rate", "join", "chart", "comparison", "kpi"]
    for choices in (q.INTENTIONS, q.ACTIONS):
        assert choices[-1] == (q.NONE_CHOICE, "特になし")
    assert any("データカルテ" in label for _, label in q.ACTIONS)


# --- read_answers -----------------------------------------------------------------------------------

def test_read_answers_full_partial_and_none(tmp_path):
    full = {item: 1 + n % 5 for n, item in enumerate(ITEM_IDS)}
    answers = q.read_answers(_saved_notebook(tmp_path / "full.ipynb", _record(full)))
    assert answers.occasion == "before" and answers.answers == full and answers.answered == len(ITEM_IDS)

    partial = q.read_answers(_saved_notebook(tmp_path / "partial.ipynb", _record({"rate": 5, "join": 1})))
    assert partial.answers["rate"] == 5 and partial.answers["join"] == 1
    assert [i for i, v in partial.answers.items() if v is None] == [i for i in ITEM_IDS if i not in ("rate", "join")]

    assert q.read_answers(_saved_notebook(tmp_path / "none.ipynb")) is None
    assert q.read_answers(course.release_dir() / "questionnaire_after" / "questionnaire_after.ipynb") is None


def test_read_answers_keeps_the_choices(tmp_path):
    path = _saved_notebook(tmp_path / "f.ipynb", _record({}, "followup", actions=["karte", "table_chart"]))
    answers = q.read_answers(path)
    assert answers.occasion == "followup" and answers.actions == ("table_chart", "karte") and answers.intentions == ()


@pytest.mark.parametrize("damage, expected", [
    (lambda r: r["answers"].update(rate=6), "1〜5 の整数"),
    (lambda r: r["answers"].update(rate=0), "1〜5 の整数"),
    (lambda r: r["answers"].update(rate="4"), "1〜5 の整数"),
    (lambda r: r["answers"].update(rate=True), "1〜5 の整数"),
    (lambda r: r["answers"].update(typo=3), "項目「typo」"),
    (lambda r: r.update(schema=2), "schema"),
    (lambda r: r.update(occasion="later"), "回答の時期「later」"),
    (lambda r: r.update(answers=[1, 2]), "answers は"),
    (lambda r: r.update(intentions=["kpi"]), "intentions を尋ねません"),
    (lambda r: r.update(occasion="after", intentions=["kpi", "none"]), "特になし"),
])
def test_a_damaged_record_is_a_japanese_error_naming_file_and_cell(tmp_path, damage, expected):
    record = _record({"rate": 4})
    damage(record)
    path = _saved_notebook(tmp_path / "damaged.ipynb", record)
    with pytest.raises(EbpmError) as caught:
        q.read_answers(path)
    message = str(caught.value)
    assert expected in message and "damaged.ipynb" in message and "セル" in message, message


def test_a_broken_file_and_two_different_records_are_errors(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(EbpmError, match="broken.ipynb」を読めません"):
        q.read_answers(broken)
    two = _saved_notebook(tmp_path / "two.ipynb", _record({"rate": 4}), _record({"rate": 2}))
    with pytest.raises(EbpmError, match="内容の違う回答の記録が 2 つ"):
        q.read_answers(two)
    same = _saved_notebook(tmp_path / "same.ipynb", _record({"rate": 4}), _record({"rate": 4}))
    assert q.read_answers(same).answers["rate"] == 4


# --- the form and its record ----------------------------------------------------------------------------

class _Handle:
    def __init__(self):
        self.shown: list[dict] = []

    def update(self, data, raw=False):
        assert raw
        self.shown.append(data)


def test_every_widget_change_updates_the_displayed_record():
    form = q.Form(q.empty("after"))
    form.widget()
    form.handle = _Handle()
    form.item_buttons["join"].value = 4
    assert form.handle.shown[-1][q.MIMETYPE]["answers"]["join"] == 4
    assert "4（やや当てはまる）" in form.handle.shown[-1]["text/html"]
    form.choice_boxes["intentions"]["kpi"].value = True
    form.choice_boxes["intentions"]["karte"].value = True
    assert form.handle.shown[-1][q.MIMETYPE]["intentions"] == ["karte", "kpi"]
    form.choice_boxes["intentions"]["none"].value = True  # 特になし clears the others
    assert form.handle.shown[-1][q.MIMETYPE]["intentions"] == ["none"]
    form.choice_boxes["intentions"]["share"].value = True  # and another choice clears 特になし
    assert form.handle.shown[-1][q.MIMETYPE]["intentions"] == ["share"]
    record = form.handle.shown[-1][q.MIMETYPE]
    assert [i for i, v in record["answers"].items() if v is not None] == ["join"]
    assert q.from_record(record, "test") == form.current()


def test_preset_answers_are_checked():
    with pytest.raises(EbpmError, match="「before」の回答を「after」"):
        q.from_record({"occasion": "before"}, "preset_answers", "after")
    with pytest.raises(EbpmError, match="回答の時期「during」"):
        q.empty("during")
    assert q.from_record({"answers": {"kpi": 2}}, "preset_answers", "before").answers["kpi"] == 2


# --- papermill ----------------------------------------------------------------------------------------

def _papermill(occasion: str, tmp_path: Path, parameters: dict | None) -> Path:
    import papermill

    output = tmp_path / f"{occasion}.ipynb"
    papermill.execute_notebook(str(_solution(occasion)), str(output), parameters=parameters or {},
                               cwd=str(tmp_path), kernel_name="python3", progress_bar=False)
    return output


@pytest.mark.parametrize("occasion", OCCASIONS)
def test_papermill_with_and_without_answers(tmp_path, occasion):
    choices = {"before": {}, "after": {"intentions": ["kpi", "open_data"]}, "followup": {"actions": ["published"]}}
    preset = {"answers": {"markers": 2, "find_data": 5}, **choices[occasion]}
    answered = q.read_answers(_papermill(occasion, tmp_path, {"preset_answers": preset}))
    assert answered.record() == _record({"markers": 2, "find_data": 5}, occasion,
                                        choices[occasion].get("intentions", ()), choices[occasion].get("actions", ()))
    blank = q.read_answers(_papermill(occasion, tmp_path, None))
    assert blank.record() == _record({}, occasion)  # unanswered stays null, never a middle value


def test_papermill_with_a_wrong_preset_fails_in_japanese(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as caught:
        _papermill("before", tmp_path, {"preset_answers": {"answers": {"rate": 9}}})
    assert "項目「rate」の回答が 9 です" in str(caught.value)


# --- a learner in JupyterLab, then the instructor's `ebpm grade` (chapter 9) ---------------------------

from tests.test_browser import SHOTS, _contents, _open, _wait_until_settled, browser, lab  # noqa: E402,F401  (fixtures)
from tests.roundtrip import stock_env  # noqa: E402

CLICKS = {"markers": 2, "rate": 4, "join": 1, "kpi": 5, "open_data_benefits": 3}  # the rest stays unanswered
LEARNER = "山田 太郎"


def _ebpm(root: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "ebpm.cli", *args], cwd=root, env=stock_env(),
                          capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "Traceback" not in output, f"ebpm {' '.join(args)} → {done.returncode}\n{output}"
    return done


def _course_with_the_questionnaire(folder: Path) -> Path:
    """A course folder of its own (as tests/test_term.py makes one) holding questionnaire_before, released."""
    root = folder / "course"
    shutil.copytree(_solution("before").parent, root / "solutions" / "questionnaire_before")
    shutil.copy(course.repo_root() / course.CONFIG_FILE, root / course.CONFIG_FILE)
    (root / ".venv").symlink_to(sys.prefix)
    _ebpm(root, "release", "questionnaire_before")
    return root


@pytest.mark.slow
def test_ebpm_grade_collects_every_questionnaire_with_its_answers(tmp_path):
    """Each questionnaire handed in (answered by papermill, or never run) and graded by `ebpm grade`: the
    collected copy holds exactly the answers, the blank one none, and nothing is scored."""
    root = tmp_path / "course"
    for occasion in OCCASIONS:
        shutil.copytree(_solution(occasion).parent, root / "solutions" / f"questionnaire_{occasion}")
    shutil.copy(course.repo_root() / course.CONFIG_FILE, root / course.CONFIG_FILE)
    (root / ".venv").symlink_to(sys.prefix)
    presets = {"before": {"answers": {"rate": 1, "evidence": 2}},
               "after": {"answers": {"rate": 4}, "intentions": ["karte", "share"]},
               "followup": {"answers": {"rate": 5, "chart": 3}, "actions": ["none"]}}
    for occasion in OCCASIONS:
        assignment = f"questionnaire_{occasion}"
        _ebpm(root, "release", assignment)
        handed = tmp_path / "提出物" / assignment
        (handed / "佐藤 花子").mkdir(parents=True)
        (handed / "鈴木 一郎").mkdir(parents=True)
        shutil.copy(_papermill(occasion, tmp_path, {"preset_answers": presets[occasion]}),
                    handed / "佐藤 花子" / f"{assignment}.ipynb")
        shutil.copy(root / "notebooks" / assignment / f"{assignment}.ipynb", handed / "鈴木 一郎")
        _ebpm(root, "grade", "--import", str(handed), "--assignment", assignment, "--jobs", "2")
    for occasion in OCCASIONS:
        assignment = f"questionnaire_{occasion}"
        collected = [q.read_answers(p) for p in
                     (root / "_grading" / "submitted").glob(f"*/{assignment}/{assignment}.ipynb")]
        expected = q.from_record(presets[occasion], "test", occasion)
        assert len(collected) == 2 and expected in collected and None in collected, (occasion, collected)


@pytest.mark.slow
@pytest.mark.xdist_group("browser")  # beside tests/test_browser.py: one Chromium at a time
def test_clicked_answers_reach_the_graded_submission(lab, browser, tmp_path):
    path = "questionnaire_before/questionnaire_before.ipynb"
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    try:
        _open(page, lab, path)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        _wait_until_settled(page)
        groups = page.locator(".jp-OutputArea-output .widget-toggle-buttons")
        groups.first.wait_for(timeout=60_000)
        assert groups.count() == len(q.ITEMS)
        for item, value in CLICKS.items():
            button = groups.nth(ITEM_IDS.index(item)).get_by_role("button", name=str(value), exact=True)
            button.scroll_into_view_if_needed()
            button.click()
        page.wait_for_function(  # the summary shown in the page follows the clicks
            f"() => document.body.innerText.includes('{len(q.ITEMS)} 問中 {len(CLICKS)} 問に回答済み')", timeout=30_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        groups.first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "questionnaire_before_answered.png"))
        page.locator(".jp-NotebookPanel .jp-Cell").first.click()  # command mode, as a learner's click leaves it
        page.keyboard.press("Control+s")
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000)
        saved = _contents(lab, "GET", path, params={"content": 1}).json()["content"]
    finally:
        page.close()

    records = [o for c in saved["cells"] for o in c.get("outputs", []) if q.MIMETYPE in o.get("data", {})]
    assert len(records) == 1, records  # one record, replaced in place on every click
    handed_in = tmp_path / "講師用" / "展開した提出物" / LEARNER / "questionnaire_before.ipynb"
    handed_in.parent.mkdir(parents=True)
    handed_in.write_text(json.dumps(saved, ensure_ascii=False, indent=1), encoding="utf-8")
    expected = _record(CLICKS)
    assert q.read_answers(handed_in).record() == expected

    root = _course_with_the_questionnaire(tmp_path)
    _ebpm(root, "grade", "--import", str(handed_in.parent.parent), "--assignment", "questionnaire_before")
    collected = list((root / "_grading" / "submitted").glob("*/questionnaire_before/questionnaire_before.ipynb"))
    graded = list((root / "_grading" / "autograded").glob("*/questionnaire_before/questionnaire_before.ipynb"))
    assert len(collected) == 1 and len(graded) == 1, (collected, graded)
    assert q.read_answers(collected[0]).record() == expected
    # autograde ran the notebook again without the learner: it records nothing rather than empty answers
    assert q.read_answers(graded[0]) is None
    rerun = next(c for c in nbformat.read(graded[0], as_version=4).cells if "questionnaire.show" in c.source)
    assert [o.output_type for o in rerun.outputs] == ["display_data", "display_data"], rerun.outputs
    assert "採点のための再実行" in rerun.outputs[1].data["text/plain"]
