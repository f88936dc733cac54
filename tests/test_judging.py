"""Judging answers: every case behaves, mutation analysis finds no unexplained survivor, and a
beginner's first errors get Japanese feedback that names them.

The notebooks are replayed once each (ebpm.judging.replay), forking at every answer cell; the stock
nbgrader round trip (tests/test_roundtrip.py) checks this fast path against nbgrader on a sample.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ebpm import authoring, course
from ebpm.judging import analysis, mutate
from ebpm.judging import cases as case_data
from ebpm.judging.replay import assigned_names, fingerprint, solution_region
import tests.judged

pytestmark = pytest.mark.xdist_group("judging")  # with tests/test_roundtrip.py: one replay (tests/judged.py)

NOTEBOOKS = course.solution_notebooks()
# Exercises whose mutation counts differ between two runs of the same code (seen 2026-12-07: 12 killed,
# 2 equivalent, then 13 killed, 1 accepted survivor); their verdicts are still checked above through the
# problems, only the cached counts are not compared. To do: find the source of the variation.
UNSTABLE_COUNTS = {"ws3_analysis_and_evaluation/02_experiments_and_did/ex-tourism"}
KEYS = [analysis.notebook_key(n) for n in NOTEBOOKS]


@pytest.fixture(scope="module")
def judged():
    return tests.judged.judged()


@pytest.mark.parametrize("key", KEYS)
def test_cases_and_mutants_behave(judged, key):
    """Every replayed case behaves and no mutant survives unexplained. A notebook outside today's sample
    (tests/judged.py) replays only the two cases stock nbgrader also grades today, or nothing when stock does not
    grade its assignment today; its other cases behaved at this very hash when `ebpm cases` recorded it, and its
    mutants are taken from the cache."""
    results, mutated, complete = judged
    if key not in results:  # not replayed today (tests/judged.py): nothing it depends on changed since it behaved
        notebook = course.solutions_dir() / f"{key}.ipynb"
        cached = analysis.read_cache().get(key, {})
        assert key not in complete and key not in mutated
        assert cached.get("hash") == analysis.content_hash(notebook), f"{key}: changed since `ebpm mutants`, not replayed"
        assert key not in analysis.cases_changed([notebook]), f"{key}: cases changed since `ebpm cases`, not replayed"
        problems = analysis.cached_problems(key, cached)
        assert not problems, f"{key}:\n" + "\n".join(problems)
        return
    result = results[key]
    problems = result.problems if key in mutated else result.problems + analysis.cached_problems(
        key, analysis.read_cache().get(key, {}))
    assert not problems, f"{key}:\n" + "\n".join(problems)
    replayed = sum(len(entry.get("cases", {})) for entry in result.raw["answers"].values())
    assignment, notebook = key.split("/")
    everything = len(case_data.all_cases(assignment, notebook))
    # at least the two cases stock nbgrader grades (a questionnaire has no exercise, so no case at all)
    assert replayed == everything if key in complete else replayed >= min(2, everything), (
        f"{key}: {replayed} cases replayed")
    if key not in complete:
        assert key not in analysis.cases_changed([course.solutions_dir() / f"{key}.ipynb"]), (
            f"{key}: cases changed since `ebpm cases` saw them behave, but were not all replayed")
    if key in mutated:
        cached = analysis.read_cache().get(key)
        if cached and cached["hash"] == analysis.content_hash(course.solutions_dir() / f"{key}.ipynb"):
            fresh = analysis.summarise(result.raw)
            for exercise, row in cached["answers"].items():
                if f"{key}/{exercise}" in UNSTABLE_COUNTS:
                    continue
                assert (row["mutants"], row["killed"], row["equivalent"]) == (
                    fresh[exercise]["mutants"], fresh[exercise]["killed"], fresh[exercise]["equivalent"]
                ), f"{key}/{exercise}: the cached mutation result no longer holds"


@pytest.mark.parametrize("key", KEYS)
def test_every_exercise_has_cases(key):
    assignment, notebook = key.split("/")
    answers = [grade_id for grade_id in _answer_ids(course.solutions_dir() / f"{key}.ipynb")]
    wrong = case_data.load(case_data.WRONG, assignment, notebook)
    alternative = case_data.load(case_data.ALTERNATIVE, assignment, notebook)
    for grade_id in answers:
        count_wrong = sum(1 for c in wrong if c.answer == grade_id)
        count_alt = sum(1 for c in alternative if c.answer == grade_id)
        assert count_wrong >= 2, f"{key}/{grade_id}: {count_wrong} wrong-answer case(s), at least 2 are required"
        assert count_alt >= 1, f"{key}/{grade_id}: no alternative-answer case"
    assert all(c.hint for c in wrong), f"{key}: every wrong-answer case names the hint it must show"


def test_case_ids_are_unique():
    ids = [c.id for c in case_data.all_cases()]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def _answer_ids(path: Path) -> list[str]:
    import nbformat

    return [c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(path, as_version=4).cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]


# ---- the mutator ---------------------------------------------------------------------------

def _diffs(source: str, columns=()) -> set[str]:
    return {m.after for m in mutate.mutants(source, columns)}


def test_mutants_cover_the_mistakes_learners_make():
    found = _diffs('rate = births / population * 1000')
    assert "rate = births * population * 1000" in found  # operator
    assert "rate = population / births * 1000" in found  # operands of / swapped
    assert "rate = births / population" in found  # scale constant dropped
    assert "rate = births / population * 100" in found  # scale constant changed
    found = _diffs('old = df[df["建築年"] < 1981]', [["建築年", "延床面積"]])
    assert 'old = df[df["建築年"] <= 1981]'.replace('"', "'") in found
    assert "old = df[df['建築年'] < 1982]" in found
    assert "old = df[df['延床面積'] < 1981]" in found  # another column of the same table
    assert "old = df" in found  # the filter removed
    found = _diffs('top = df.sort_values("n", ascending=False).head(5)')
    assert "top = df.sort_values('n', ascending=True).head(5)" in found
    assert "top = df.sort_values('n', ascending=False).tail(5)" in found
    assert "top = df.head(5).sort_values('n', ascending=False)" in found  # steps reordered
    found = _diffs('total = df.groupby("a")["b"].sum()')
    assert {"total = df.groupby('a')['b'].mean()", "total = df.groupby('a')['b'].count()"} <= found
    found = _diffs('m = a.merge(b, on="code", how="left")\nm = m.dropna()')
    assert "m = a.merge(b, on='code', how='inner')" in found
    assert any("(削除)" in m.diff for m in mutate.mutants('m = a.merge(b, on="code", how="left")\nm = m.dropna()'))
    assert "x = value" in _diffs("x = round(value, 1)") and "x = round(value, 2)" in _diffs("x = round(value, 1)")


def test_mutants_for_charts_change_category_order_and_elements():
    """Issue #25: a pyramid with its age bands in text order, one right line among others, a missing legend."""
    import pandas as pd

    chart = 'ax = plotting.population_pyramid(table, title="2000")'
    assert any(m.operator == "category order" and "in_text_order(table)" in m.after for m in mutate.mutants(chart))
    function = 'def draw(s, t):\n    fig, ax = plt.subplots()\n    ax.plot(s.index, s)\n    ax.axhline(t)\n    ax.legend()\n    return fig'
    found = {(m.operator, m.after) for m in mutate.mutants(function)}
    operators = {operator for operator, _ in found}
    assert {"chart element removed", "chart element added"} <= operators
    assert any(op == "chart element added" and "ax.plot(s.index, s * 0.5)" in after for op, after in found)
    assert any(op == "chart element removed" and "ax.legend()" not in after for op, after in found)
    ages = pd.DataFrame({"年齢階級": ["0〜4歳", "5〜9歳", "10〜14歳"], "性別": ["男"] * 3, "人口": [1, 2, 3]})
    assert list(mutate.in_text_order(ages)["年齢階級"]) == ["0〜4歳", "10〜14歳", "5〜9歳"]
    assert mutate.in_text_order(pd.Series([1.0, 2.0], index=[2000, 2001])).index.tolist() == [2000, 2001]


def test_solution_region_and_assigned_names():
    before, solution, after = solution_region("# a\n### BEGIN SOLUTION\nx = 1\ny, z = 2, 3\n### END SOLUTION\nx")
    assert solution == "x = 1\ny, z = 2, 3" and before.endswith("### BEGIN SOLUTION\n") and after.endswith("x")
    assert assigned_names(solution) == ["x", "y", "z"]
    assert assigned_names("def rate(a, b):\n    return a / b * 1000\nr = rate(1, 2)") == ["rate", "r"]


def test_fingerprint_tells_values_apart():
    import pandas as pd

    assert fingerprint(40) == fingerprint(40.0)
    assert fingerprint(pd.Series([1, 2], index=["a", "b"])) != fingerprint(pd.Series([2, 1], index=["a", "b"]))
    assert fingerprint(pd.DataFrame({"a": [1]})) != fingerprint(pd.DataFrame({"b": [1]}))
    # functions by their code, not by their repr (a forked try reuses the same memory address)
    first, second = {}, {}
    exec("def rate(a, b):\n    return a / b * 1000", first)
    exec("def rate(a, b):\n    return a / b * 100", second)
    assert fingerprint(first["rate"]) != fingerprint(second["rate"])
    assert fingerprint(first["rate"]) == fingerprint(first["rate"])


# ---- a beginner's first errors, through a real replay ------------------------------------------

def _feedback_notebook(tmp_path: Path) -> Path:
    test = (f"{authoring.TEST_CELL_HEADER}\nfrom ebpm import feedback\n"
            "import pandas as pd\n"
            "result = feedback.answered('old', globals(), hint='建築年の列で絞り込みます。')\n"
            "feedback.expect_type(result, pd.DataFrame, 'old')\n"
            "feedback.expect_equal(len(result), 1, 'old の行数')\n"
            "feedback.passed()")
    cells = [
        authoring.code("import pandas as pd\nimport ebpm\n"
                       "df = pd.DataFrame({'建築年': [1970, 1990], '施設名': ['a', 'b'], '地区': ['x', 'y']})\n"
                       "codes = pd.DataFrame({'地区': ['x', 'x'], 'コード': [1, 2]})"),
        authoring.answer("ex-old", "### BEGIN SOLUTION\nold = df[df['建築年'] < 1981]\n### END SOLUTION"),
        authoring.tests("ex-old-test", test, points=1),
    ]
    path = tmp_path / "feedback" / "mini.ipynb"
    authoring.write_notebook(path, cells)
    return path


BEGINNER_ERRORS = {
    "stub": ("# ここにコードを書いてください\nraise NotImplementedError()", "まだ回答されていません"),
    "keyerror": ("old = df[df['建築'] < 1981]", "近い列名: 建築年"),
    "nameerror": ("old = dff[dff['建築年'] < 1981]", "上のセルを順に実行しましたか"),
    "syntax-eq": ("old = df[df['建築年'] = 1970]", "`=` ではなく `==`"),
    "syntax-bracket": ("old = df[df['建築年'] < 1981", "開きと閉じの数が合っていません"),
    "and-on-series": ("old = df[df['建築年'] < 1981 and df['建築年'] > 0]", "`&` / `|` を使い"),
    "mergeerror": ("old = df.merge(codes, on='地区', validate='one_to_one')", "つなぐ列（キー）に同じ値"),
    "typeerror": ("old = df[df['建築年'] < '1981']", "数値と文字列を大小で比べています"),
    "wrong-type": ("old = df['建築年'].count()", "oldの型が 整数 (int) です"),
    "not-created": ("olds = df[df['建築年'] < 1981]", "似た名前の変数: olds"),
    "wrong-value": ("old = df", "old の行数が違います。あなたの答え: 2"),
}


def test_each_beginner_error_gets_its_japanese_explanation(tmp_path):
    notebook = _feedback_notebook(tmp_path)
    cases = [case_data.Case(id=name, kind=case_data.WRONG, assignment="feedback", notebook="mini", answer="ex-old",
                            code=code, why=name, fails=("ex-old-test",), hint=hint)
             for name, (code, hint) in BEGINNER_ERRORS.items()]
    raw = analysis.replay(notebook, cases, mutate=False)
    problems = analysis.case_problems(raw, cases)
    assert not problems, "\n".join(problems)
    messages = {name: raw["answers"]["ex-old"]["cases"][name]["tests"]["ex-old-test"]["message"] for name in BEGINNER_ERRORS}
    for name in ("keyerror", "nameerror", "syntax-eq", "and-on-series", "typeerror"):
        assert messages[name].startswith("回答のセルがエラーで止まっています"), messages[name]
        assert "ヒント: 建築年の列で絞り込みます。" in messages[name]  # the exercise's own hint
    assert "まだ回答されていません" not in "".join(m for n, m in messages.items() if n != "stub")
    assert not any("Traceback" in m or 'File "' in m for m in messages.values())


def test_leftover_raise_after_a_right_answer_is_named(tmp_path):
    notebook = _feedback_notebook(tmp_path)
    case = case_data.Case(id="leftover", kind=case_data.ALTERNATIVE, assignment="feedback", notebook="mini",
                          answer="ex-old", code="old = df[df['建築年'] < 1981]\nraise NotImplementedError()", why="")
    raw = analysis.replay(notebook, [case], mutate=False)
    outcome = raw["answers"]["ex-old"]["cases"]["leftover"]["tests"]["ex-old-test"]
    assert outcome["passed"] and "`raise NotImplementedError()` が残っていて" in outcome["output"]


def test_a_failed_check_shows_the_message_without_a_traceback():
    from ebpm.feedback import AnswerError

    lines = AnswerError("値が違います。", "合計を求めます。")._render_traceback_()
    assert "値が違います。" in lines[0] and lines[1] == "ヒント: 合計を求めます。"
    assert not any("Traceback" in line or ".py" in line for line in lines)


def test_an_error_in_an_answer_cell_is_explained_under_its_traceback():
    """In a kernel, the learner's own error gets a Japanese line under the usual traceback."""
    import subprocess
    import sys

    script = (
        "from IPython.testing.globalipapp import start_ipython\n"
        "shell = start_ipython()\n"
        "shell.run_cell(\"import pandas as pd\\nimport ebpm\\ndf = pd.DataFrame({'建築年': [1970]})\")\n"
        "shell.run_cell(\"old = df[df['建築'] < 1981]\")\n"
        "shell.run_cell(\"raise NotImplementedError()\")\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "KeyError" in done.stdout  # the usual traceback stays
    assert "このエラーの意味: 表に「建築」という列" in done.stdout and "近い列名: 建築年" in done.stdout
    assert "「まだ回答していません」という印です" in done.stdout
