"""The learner's self-check tells done, wrong and not-yet-answered exercises apart."""
from __future__ import annotations

import shutil

from ebpm import course, selfcheck
from tests.roundtrip import replace_answer

NOTEBOOK = "00_jupyter_and_pandas_first_steps"


def test_selfcheck_reports_blank_solved_and_wrong(tmp_path):
    folder = tmp_path / "prestudy"
    folder.mkdir()
    shutil.copy(course.release_dir() / "prestudy" / f"{NOTEBOOK}.ipynb", folder / "blank.ipynb")
    shutil.copy(course.solutions_dir() / "prestudy" / f"{NOTEBOOK}.ipynb", folder / "solved.ipynb")
    wrong = folder / "wrong.ipynb"
    shutil.copy(folder / "solved.ipynb", wrong)
    replace_answer(wrong, "ex-count", "facility_count = facilities.shape[1]")

    table = selfcheck.progress(folder)
    auto = table[table["種類"] == selfcheck.AUTOGRADED]
    by_notebook = {name: group.set_index("演習")["状態"] for name, group in auto.groupby("ノートブック")}
    assert set(by_notebook["blank"]) == {"未回答"}
    assert set(by_notebook["solved"]) == {"正解"}
    assert by_notebook["wrong"]["演習 1: 施設の数を数える"] == "不正解"
    assert (by_notebook["wrong"].drop("演習 1: 施設の数を数える") == "正解").all()
    message = auto.set_index(["ノートブック", "演習"]).loc[("wrong", "演習 1: 施設の数を数える"), "メッセージ"]
    assert "列の数が入っています" in message
    written = table[table["種類"] == selfcheck.WRITTEN].set_index("ノートブック")["状態"]
    assert written["blank"] == "未記入" and written["solved"] == "記入済み"
    overview = selfcheck.summary(table)
    assert overview.loc["solved", "得点"] == overview.loc["solved", "配点"] > 0
    assert overview.loc["blank", "得点"] == 0
    assert overview.loc["blank", "記述の記入"] == "0 / 1" and overview.loc["solved", "記述の記入"] == "1 / 1"
