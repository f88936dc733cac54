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
    by_notebook = {name: group.set_index("演習")["状態"] for name, group in table.groupby("ノートブック")}
    assert set(by_notebook["blank"]) == {"未回答"}
    assert set(by_notebook["solved"]) == {"正解"}
    assert by_notebook["wrong"]["ex-count-test"] == "不正解"
    assert (by_notebook["wrong"].drop("ex-count-test") == "正解").all()
    message = table.set_index(["ノートブック", "演習"]).loc[("wrong", "ex-count-test"), "メッセージ"]
    assert "施設の数" in message
    overview = selfcheck.summary(table)
    assert overview.loc["solved", "正解の配点"] == overview.loc["solved", "配点"] > 0
    assert overview.loc["blank", "正解の配点"] == 0
