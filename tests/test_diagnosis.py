"""The feedback's explanations name the true cause: the diagnosis corpus and the error mutator.

The corpus (tests/diagnosis/) and the injected beginner errors are tried through the same notebook
replay as the wrong-answer cases (ebpm.judging.replay): one replay per notebook. Errors are injected
again only into notebooks whose hash changed since tests/diagnosis/injected.json was written, plus a
rotating sample of the rest (tests/sampling.py; EBPM_FULL=1: all) whose fresh counts must equal the cached ones.
"""
from __future__ import annotations

import subprocess

import pytest

from ebpm import cellrecord, course, diagnosis, docs
from ebpm.judging import analysis, diagnose, inject
from tests import sampling
from tests.doccommands import ROOT, under_heading

pytestmark = pytest.mark.xdist_group("diagnosis")

# the questionnaires have no exercises, so no error to inject
NOTEBOOKS = [n for n in course.solution_notebooks() if docs.notebook_stats(n).autograded]
KEYS = [analysis.notebook_key(n) for n in NOTEBOOKS]
CORPUS = diagnose.load()
CORPUS_KEYS = sorted({f"{c.assignment}/{c.notebook}" for c in CORPUS})
SAMPLE_SIZE = 1  # unchanged notebooks whose cached injection results are re-checked on every run
DOCUMENTED = under_heading("docs/authoring.md", "説明が原因を言い当てるか")
# Every example of the class "the wrong cause named" in issue 25, as a corpus case.
ISSUE_EXAMPLES = ("p2-unbracketed", "p4-unbracketed-mask", "p0-lowercase-true", "p3-lowercase", "p3-nested-quotes",
                  "p4-agg-columns", "p0-sort-wrong-column", "w22-left-only-typo", "p1-hist-whole-table",
                  "w22-earlier-step", "p0-keyerror-long", "p0-keyerror-list", "w13-how-typo", "w43-to-numeric")


def _to_inject() -> set[str]:
    cache = diagnose.read_cache()
    changed = {analysis.notebook_key(n) for n in NOTEBOOKS
               if cache.get(analysis.notebook_key(n), {}).get("hash") != diagnose.content_hash(n)}
    documented = {c.argv[-1] for c in DOCUMENTED}  # replayed by the documented command's own test
    if sampling.full():
        return set(KEYS) - documented
    return changed | sampling.pick(set(KEYS) - changed - documented, SAMPLE_SIZE, "diagnosis")


@pytest.fixture(scope="module")
def diagnosed():
    injecting = _to_inject()
    documented = {c.argv[-1] for c in DOCUMENTED} - injecting
    notebooks = [n for n in NOTEBOOKS if (analysis.notebook_key(n) in injecting or analysis.notebook_key(n) in CORPUS_KEYS)
                 and analysis.notebook_key(n) not in documented]
    results = diagnose.run(notebooks, inject=injecting)
    return {r.key: r for r in results}, injecting


@pytest.mark.parametrize("key", [k for k in CORPUS_KEYS if k not in {c.argv[-1] for c in DOCUMENTED}])
def test_corpus_explanations_name_the_cause(diagnosed, key):
    results, _ = diagnosed
    assert not results[key].problems, f"{key}:\n" + "\n".join(results[key].problems)


def test_injected_errors_reproduce_the_cache(diagnosed):
    """A notebook whose hash is unchanged gives the counts the cache holds (the cache is honest)."""
    results, injecting = diagnosed
    cache = diagnose.read_cache()
    for key in injecting:
        fresh = diagnose.summarise(results[key].raw)
        assert sum(row["injected"] for row in fresh.values()) > 0, f"{key}: no error was injected"
        cached = cache.get(key)
        if cached and cached["hash"] == diagnose.content_hash(course.solutions_dir() / f"{key}.ipynb"):
            for exercise, row in cached["answers"].items():
                assert (row["injected"], row["named"], row["accepted"]) == (
                    fresh[exercise]["injected"], fresh[exercise]["named"], fresh[exercise]["accepted"]
                ), f"{key}/{exercise}: the cached injection result no longer holds"


@pytest.mark.parametrize("command", DOCUMENTED, ids=str)
def test_documented_diagnose_command_runs_as_printed(command):
    """The command docs/authoring.md prints, run from the repository root as printed; it also checks
    that notebook's corpus cases (so the fixture above leaves them out)."""
    done = subprocess.run(command.text, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "原因を説明" in done.stdout and "診断のケースはすべて" in done.stdout


def test_every_example_of_the_issue_and_every_error_kind_is_a_case():
    ids = {case.id for case in CORPUS}
    assert not set(ISSUE_EXAMPLES) - ids
    assert len(ids) == len(CORPUS), "corpus case ids are unique"
    for kind in cellrecord._ENAMES:
        assert any(case.cause.startswith(kind) for case in CORPUS), f"no corpus case for {kind}"
    assert {case.answer for case in CORPUS} and all(case.contains for case in CORPUS)


def test_each_error_kind_is_injected_with_the_words_that_name_it():
    import pandas as pd

    namespace = {"df": pd.DataFrame({"年": [2020, 2021], "地区": ["0〜4歳", "b"], "人口": [1, 2]}),
                 "example": pd.DataFrame({"x": [1]})}
    source = ('rows = df[(df["年"] == 2020) & (df["地区"] == "0〜4歳")]\n'
              'merged = rows.merge(df, on="年", how="left", indicator=True)\n'
              'label = f"人口は {rows[\'人口\'].sum()} 人"\n'
              'flag = None\n'
              'total = rows["人口"].sum()')
    made = {error.kind: error for error in inject.injections(source, namespace)}
    assert set(made) == set(inject.NAMES)
    assert 'df["年"] == 2020 & df["地区"] == "0〜4歳"' in made["unbracketed"].source
    assert "indicator=true" in made["lowercase"].source
    assert 'how="lef"' in made["keyword-typo"].source and made["keyword-typo"].names == ("`how=` に指定した",)
    assert 'df["年"] == "2020"' in made["text-vs-number"].source
    assert 'f"人口は {rows["人口"].sum()} 人"' in made["nested-quotes"].source
    assert "total = rows[\"人口\"]\n" in made["whole-table"].source + "\n"
    assert '"0~4歳"' in made["width-variant"].source
    assert "example" in made["example-variable"].source
    for error in made.values():
        compile(error.source, "<injected>", "exec") if error.kind != "nested-quotes" else None


def test_slips_read_from_the_code():
    import pandas as pd

    frame = pd.DataFrame({"年": [2020, 2021], "年齢": ["0〜4歳", "5〜9歳"], "州": ["Ohio", "Texas"]})
    merged = frame.merge(frame, on="年", indicator=True)
    namespace = {"df": frame, "m": merged}
    causes = {
        'x = df[df["年"] == "2020"]': "string-vs-number",
        'x = df[df["年齢"] == "0~4歳"]': "width-variant",
        'x = df[df["州"] == "ohio"]': "letter-case",
        'x = m[m["_merge"] == "left only"]': "value-typo",
        'x = m[m["_merge"] == "left_only"]': None,  # a category no row holds is still a right value
        'x = df[df["年"] > 2020 | df["年"] < 2000]': "unbracketed-condition",
        'x = df.merge(df, how="lft")': "keyword-typo",
        'x = df[df["年"] == 2020]': None,
    }
    for source, cause in causes.items():
        found = diagnosis.first_slip(source, namespace)
        assert (found.cause if found else None) == cause, source
    typo = diagnosis.first_slip('x = m[m["_merge"] == "left only"]', namespace)
    assert "left_only" in typo.message and "left only" in typo.message
    assert diagnosis.shorten("a" * 100).endswith("…") and len(diagnosis.shorten("a" * 100)) == diagnosis.MAX_SHOWN
    assert diagnose.english_in("表に「x」がありません。None of [Index(['a'])] are in the [columns]")
    assert not diagnose.english_in("例: `pd.to_numeric(列, errors=\"coerce\")` を使います。")
