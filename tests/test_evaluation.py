"""Issue 27: the evaluation of the course (ebpm.evaluation) on synthetic cohorts with a known truth.

- The 95 % intervals of the report's estimates cover the truth at the stated rate over many seeds
  (tables only, no notebooks: fast), as workshop 3's known-truth checks do for its estimators.
- The form-difficulty check finds a planted difference and, on parallel forms, rejects at about 5 %.
- Small groups (所属 under five) are never shown: not in the report, its CSVs, or the anonymised CSV.
- The anonymised CSV has no name, no id, and tokens that cannot be traced back.
- The allocation of forms is balanced, reproducible, and stable when learners are added.
- End to end: a synthetic course written as the course keeps it (gradebook, handed-in questionnaires,
  learners.csv, forms.csv, releases.json) gives the cohort's tables back, `python -m ebpm.cli evaluate`
  writes the HTML, and Chromium shows every chart and Japanese text.
- HR (修了) and the grading exports never count the 効果測定 assignments or list them as missing work.
- The commands of docs/instructor_guide.md chapter 10 run as printed.
"""
from __future__ import annotations

import csv
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from ebpm.evaluation import SKILL_FORMS, anonymise, collect, forms, stats
from ebpm.evaluation import report as evaluation_report
from ebpm.grading import layout as layouts, learners as learner_table
from ebpm.synth import cohorts
from tests.doccommands import ROOT, under_heading

pytestmark = pytest.mark.xdist_group("evaluation")

LOW, HIGH = "95%信頼区間の下限", "95%信頼区間の上限"
CHAPTER = "10. 研修の効果を測る"
SMALL_GROUPS = ("総務課", "防災課")   # 3 and 2 learners in cohorts.GROUPS


def _tolerance(runs: int, level: float = 0.95, alpha: float = 0.001) -> tuple[float, float]:
    """The range a coverage rate of ``runs`` independent intervals falls in, but with probability ``alpha``."""
    low = sps.binom.ppf(alpha / 2, runs, level) / runs
    high = sps.binom.ppf(1 - alpha / 2, runs, level) / runs
    return low, high


# --- coverage over many seeds -----------------------------------------------------------------------------

def test_intervals_cover_the_true_gain_at_the_stated_rate():
    """400 cohorts: each skill's, the total's and each item's 95 % t interval holds the true gain about 95 % of the time;
    so do the crossover estimates (the forms' difference, the gain without it)."""
    truth = cohorts.true_gains()
    runs = 400
    hits: dict[str, list[bool]] = {}
    for seed in range(runs):
        data = cohorts.cohort(10_000 + seed)
        for row in stats.skill_gains(data.skills, data.skill_labels).to_dict("records"):
            hits.setdefault(f"skill {row['スキルID']}", []).append(row[LOW] <= truth["skills"][row["スキルID"]] <= row[HIGH])
        for row in stats.item_gains(data.answers, data.item_labels).to_dict("records"):
            hits.setdefault(f"item {row['項目ID']}", []).append(row[LOW] <= truth["items"][row["項目ID"]] <= row[HIGH])
        for row in stats.item_gains(data.answers, data.item_labels, "followup").to_dict("records"):
            hits.setdefault(f"followup {row['項目ID']}", []).append(
                row[LOW] <= truth["items_followup"][row["項目ID"]] <= row[HIGH])
        for row in stats.form_difficulty(data.skills, data.skill_labels).to_dict("records"):
            skill = row["スキルID"]
            hits.setdefault(f"form {skill}", []).append(row["両方の時期: 下限"] <= truth["forms"][skill] <= row["両方の時期: 上限"])
            hits.setdefault(f"adjusted {skill}", []).append(row["伸びの下限"] <= truth["skills"][skill] <= row["伸びの上限"])
    low, high = _tolerance(runs)
    rates = {key: float(np.mean(values)) for key, values in hits.items()}
    assert all(len(values) == runs for values in hits.values()), {k: len(v) for k, v in hits.items()}
    assert len(rates) >= 3 * 7 + 2 * 4, sorted(rates)
    outside = {key: rate for key, rate in rates.items() if not low <= rate <= high}
    assert not outside, f"被覆率が {low:.3f}〜{high:.3f} の外: {outside}"
    # all intervals together: a tighter check of the stated 95 %
    pooled = float(np.mean([hit for values in hits.values() for hit in values]))
    assert 0.935 <= pooled <= 0.965, pooled


def test_a_wrong_interval_fails_the_coverage_check():
    """The check above can fail: a z interval with the standard error halved covers far less than 95 %."""
    truth = cohorts.true_gains()["skills"]["合計"]
    hits = []
    for seed in range(100):
        pairs = stats.skill_pairs(cohorts.cohort(20_000 + seed).skills)
        diff = pairs["合計_after"] - pairs["合計_before"]
        half = 1.96 * diff.std(ddof=1) / np.sqrt(len(diff)) / 2
        hits.append(diff.mean() - half <= truth <= diff.mean() + half)
    low, _ = _tolerance(100)
    assert np.mean(hits) < low


def test_the_form_difficulty_check_finds_a_planted_difference_and_rejects_parallel_forms_at_5_percent():
    planted = cohorts.CohortSpec(form_shift=0.2)     # A easier by 0.2 on each item's probability: 2.4 points in all
    parallel = cohorts.parallel()
    assert cohorts.true_gains(parallel)["forms"]["合計"] == pytest.approx(0, abs=0.02)
    runs = 200
    found = rejected = 0
    for seed in range(runs):
        total = stats.form_difficulty(cohorts.cohort(30_000 + seed, planted).skills, cohorts.interface.skills())
        row = total[total["スキルID"] == stats.TOTAL].iloc[0]
        found += row["両方の時期: 下限"] > 0
        null = stats.form_difficulty(cohorts.cohort(40_000 + seed, parallel).skills, cohorts.interface.skills())
        row = null[null["スキルID"] == stats.TOTAL].iloc[0]
        rejected += row["両方の時期: 下限"] > 0 or row["両方の時期: 上限"] < 0
    assert found / runs >= 0.9, found
    low, high = _tolerance(runs, level=0.05)
    assert rejected / runs <= high, rejected


def test_the_paired_statistics_on_a_table_worked_by_hand():
    result = stats.paired([1, 2, 3, 4], [2, 4, 3, 6])   # differences 1, 2, 0, 2
    assert result.n == 4 and result.gain == pytest.approx(1.25)
    sd = np.std([1, 2, 0, 2], ddof=1)
    half = sps.t.ppf(0.975, 3) * sd / 2
    assert (result.low, result.high) == pytest.approx((1.25 - half, 1.25 + half))
    assert result.d_z == pytest.approx(1.25 / sd) and result.improved == 0.75 and result.worse == 0


# --- small groups ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sizes, shown", [
    ({"企画課": 9, "福祉課": 7, "税務課": 5, "総務課": 3, "防災課": 2}, {"企画課", "福祉課", "税務課", stats.OTHER}),
    ({"企画課": 9, "福祉課": 7, "総務課": 3}, {"企画課", stats.OTHER}),         # 3 alone is too few: 福祉課 joins it
    ({"企画課": 6, "総務課": 3}, set()),                                       # one group left: nothing by group
    ({"企画課": 5, "福祉課": 5}, {"企画課", "福祉課"}),
    ({"": 4, "企画課": 6, "福祉課": 6, "税務課": 7}, {"福祉課", "税務課", stats.OTHER}),   # the smallest (a tie: by name) joins
])
def test_shown_groups(sizes, shown):
    mapping, note = stats.shown_groups(sizes)
    assert set(mapping.values()) == shown
    if shown:
        assert set(mapping) == set(sizes), "every learner is in exactly one shown group"
    else:
        assert "示していません" in note


def test_no_shown_group_is_under_five_nor_can_be_worked_out(tmp_path):
    rng = np.random.default_rng(5)
    for _ in range(2000):
        sizes = {f"課{i}": int(n) for i, n in enumerate(rng.integers(1, 9, rng.integers(1, 7)))}
        mapping, _ = stats.shown_groups(sizes)
        totals = pd.Series(sizes).groupby(pd.Series(mapping)).sum() if mapping else pd.Series(dtype=int)
        assert (totals >= stats.MINIMUM_GROUP).all(), (sizes, mapping)
        assert not mapping or set(mapping) == set(sizes), (sizes, mapping)   # all shown, or none: no difference leaks


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The synthetic example report (batch renderer), from the default cohort (groups of 9, 7, 5, 3, 2)."""
    out = tmp_path_factory.mktemp("example") / "report"
    data = cohorts.cohort(20270112)
    return data, evaluation_report.build(data, out)


def test_small_groups_are_never_shown_in_the_report_or_its_csvs(example):
    data, built = example
    assert set(SMALL_GROUPS) <= set(data.learners["所属"])
    page = built.html.read_text(encoding="utf-8")
    assert "所属別の結果" in page and stats.OTHER in page
    for name in SMALL_GROUPS:
        assert name not in page
    for path in [*(built.html.parent / "csv").glob("*.csv"), built.anonymised]:
        text = path.read_text(encoding="utf-8-sig")
        assert not any(name in text for name in SMALL_GROUPS), path.name
    for path in (built.html.parent / "csv").glob("7_*.csv"):
        assert (pd.read_csv(path, encoding="utf-8-sig")["人数"] >= 5).all()
    shared = pd.read_csv(built.anonymised, encoding="utf-8-sig")
    assert (shared["所属"].value_counts() >= 5).all()


# --- anonymisation ----------------------------------------------------------------------------------------------

def test_the_anonymised_csv_has_no_names_ids_or_traceable_tokens(example, tmp_path):
    data, built = example
    text = built.anonymised.read_text(encoding="utf-8-sig")
    first = pd.read_csv(built.anonymised, encoding="utf-8-sig", dtype={"匿名ID": str})
    assert not any(learner in text for learner in data.learners["受講者ID"])
    assert "受講者ID" not in first.columns and "氏名" not in first.columns
    assert len(first) == len(data.learners) and first["匿名ID"].is_unique
    assert list(first["匿名ID"]) == sorted(first["匿名ID"])   # row order says nothing about the roster
    again = anonymise.table(data)
    assert not set(again["匿名ID"]) & set(first["匿名ID"]), "each export draws new tokens"
    # the same learner's answers, under another token: the data are the same, only the tokens differ
    columns = [c for c in first.columns if c != "匿名ID"]
    key = lambda f: f[columns].astype(str).sort_values(columns).reset_index(drop=True)   # noqa: E731
    pd.testing.assert_frame_equal(key(first), key(again))


# --- the allocation of forms --------------------------------------------------------------------------------------

def _roster(count: int, start: int = 0) -> dict[str, tuple[str, str]]:
    return {f"learner-{i:04d}": (f"受講者 {i}", "企画課" if i % 3 else "福祉課") for i in range(start, start + count)}


def test_the_allocation_is_balanced_reproducible_and_stable():
    first = forms.allocate(_roster(21), "seed-1")
    assert forms.allocate(_roster(21), "seed-1") == first
    counts = pd.Series([a.first for a in first.values()]).value_counts()
    assert abs(counts.get("A", 0) - counts.get("B", 0)) <= 1
    assert [a.first for a in forms.allocate(_roster(21), "seed-2").values()] != [a.first for a in first.values()]
    grown = dict(first)
    for step in range(1, 8):   # learners registered later, a few at a time
        grown = forms.allocate({**_roster(21), **_roster(step * 3, 100)}, "seed-1", grown)
        assert all(grown[k].first == first[k].first for k in first), "a learner added later changed another's form"
        counts = pd.Series([a.first for a in grown.values()]).value_counts()
        assert abs(counts["A"] - counts["B"]) <= 1, counts


def test_the_allocation_is_random_per_learner():
    """Over many seeds each learner takes A first about half the time (no one is always first)."""
    roster = _roster(10)
    share = np.mean([[forms.allocate(roster, f"s{seed}")[k].first == "A" for k in roster] for seed in range(300)], axis=0)
    assert ((share > 0.38) & (share < 0.62)).all(), share


# --- end to end: a course as the course keeps it -----------------------------------------------------------------

SMALL = cohorts.CohortSpec(groups={"企画課": 6, "福祉課": 4, "税務課": 2})   # 12 learners


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    data = cohorts.cohort(7, SMALL)
    root = cohorts.write_course(data, tmp_path_factory.mktemp("course") / "course")
    (root / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    return data, root


def test_the_collector_gives_the_cohort_back(course):
    data, root = course
    found = collect.collect(layouts.load(root))
    for name, keys in (("skills", ["受講者ID", "時期", "スキル"]), ("answers", ["受講者ID", "時期", "項目"]),
                       ("choices", ["受講者ID", "時期", "種類", "選択肢"])):
        mine = getattr(data, name).sort_values(keys).reset_index(drop=True)
        theirs = getattr(found, name).sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(mine.astype(str), theirs.astype(str), obj=name)
    pd.testing.assert_frame_equal(stats.funnel(data.handins, data.steps, 12), stats.funnel(found.handins, found.steps, 12))
    assert found.flags.empty and len(found.releases) >= 8


def test_the_collector_flags_a_reversed_order(course, tmp_path):
    data, root = course
    copy = tmp_path / "course"
    shutil.copytree(root, copy, symlinks=True)
    layout = layouts.load(copy)
    both = stats.skill_pairs(data.skills)
    learner = both["受講者ID"].iloc[0]
    allocation = forms.read(layout)
    allocation[learner].first = allocation[learner].second   # the allocation said the other form first
    forms.write(layout, allocation)
    found = collect.collect(layout)
    assert list(found.flags["受講者ID"]) == [learner] and "提出日時の順" in found.flags["内容"].iloc[0]
    # the hand-in times decide the occasion: the gains are unchanged
    pd.testing.assert_frame_equal(stats.skill_gains(found.skills, found.skill_labels),
                                  stats.skill_gains(data.skills, data.skill_labels))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if Path(p).resolve() != Path(sys.executable).parent.resolve())
    return env


def test_python_m_ebpm_cli_evaluate_writes_the_report(course, tmp_path):
    data, root = course
    copy = tmp_path / "course"
    shutil.copytree(root, copy, symlinks=True)
    done = subprocess.run([sys.executable, "-m", "ebpm.cli", "evaluate", "--root", str(copy)], capture_output=True,
                          text=True, env=_env(), timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    folder = copy / "_grading" / "evaluation"
    page = (folder / "report" / "evaluation_report.html").read_text(encoding="utf-8")
    assert "スキルチェックの伸び" in page and "前後比較で分かること" in page and "3 か月後のアンケート" in page
    assert page.count("data:image/png;base64") >= 8
    assert "Traceback" not in page and 'data-mime-type="application/vnd.jupyter.stderr"' not in page
    assert not any(learner in page for learner in data.learners["受講者ID"]) and "受講者 001" not in page
    assert "税務課" not in page   # 2 learners
    assert (folder / "data" / "skills.csv").is_file() and not (folder / "要確認.csv").exists()


def test_sections_without_data_are_left_out(tmp_path):
    data = cohorts.cohort(8, cohorts.CohortSpec(followup=False))
    data.releases = data.releases.iloc[0:0]
    built = evaluation_report.build(data, tmp_path / "report")
    page = built.html.read_text(encoding="utf-8")
    assert "スキルチェックの伸び" in page
    assert "3 か月後のアンケート" not in page and "配布から提出までの日数" not in page


def test_the_papermill_renderer_gives_the_same_report(example, tmp_path):
    data, built = example
    again = evaluation_report.build(data, tmp_path / "report", renderer="papermill")
    import nbformat

    def texts(path):
        notebook = nbformat.read(path, as_version=4)
        return [o.get("data", {}).get("text/markdown") or o.get("data", {}).get("text/html")
                for c in notebook.cells if c.cell_type == "code" for o in c.outputs if "image/png" not in o.get("data", {})]

    mine, theirs = texts(built.notebook), texts(again.notebook)
    assert [t.replace(str(built.html.parent), "") for t in mine if t] == \
        [t.replace(str(again.html.parent), "") for t in theirs if t]
    for path in (built.html.parent / "csv").glob("*.csv"):
        assert path.read_bytes() == (again.html.parent / "csv" / path.name).read_bytes(), path.name


# --- in the browser ------------------------------------------------------------------------------------------------

_IMAGES = """() => Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])"""


def test_the_report_in_chromium_every_chart_and_japanese_text_render(example):
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _require_browser

    _require_browser()
    from playwright.sync_api import sync_playwright

    _, built = example
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            failed: list[str] = []
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(built.html.as_uri())
            page.wait_for_load_state("load")
            images = page.evaluate(_IMAGES)
            assert len(images) >= 10 and all(done and width > 200 and height > 100 for done, width, height in images), images
            text = page.inner_text("body")
            for title in ("研修の効果測定の報告", "スキルチェックの伸び", "2 つの形式の難しさ", "所属別の結果",
                          "段階ごとの提出", "配布から提出までの日数", "比較群"):
                assert title in text, title
            pictures = page.evaluate("""() => {
              const family = getComputedStyle(document.querySelector('h2')).fontFamily;
              const draw = (t) => { const c = document.createElement('canvas'); c.width = 64; c.height = 64;
                const x = c.getContext('2d'); x.font = '40px ' + family; x.fillText(t, 4, 48);
                return Array.from(x.getImageData(0, 0, 64, 64).data).join(','); };
              return {a: draw('研'), b: draw('修'), tofu: draw('\\u0378')};
            }""")
            assert pictures["a"] != pictures["b"] and pictures["a"] != pictures["tofu"], "日本語が豆腐（□）で表示されています"
            assert not failed, failed
        finally:
            browser.close()


def test_every_chart_has_japanese_labels_without_missing_glyphs(example, recwarn):
    """Each chart function draws with Japanese title and axis labels (with units) and no 'Glyph missing' warning."""
    import warnings

    import matplotlib.pyplot as plt

    from ebpm.evaluation import sections

    data, built = example
    report = sections.Evaluation(data, built.html.parent)
    seen = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for section in sections.SECTIONS:
            for block in section.build(report):
                if not isinstance(block, sections.Figure):
                    continue
                fig = block.chart(*block.args, **block.kwargs)
                fig.canvas.draw()
                for ax in fig.axes:
                    assert any("\u3040" <= ch <= "\u9fff" for ch in ax.get_title()), ax.get_title()
                    assert "（" in ax.get_xlabel() and "）" in ax.get_xlabel(), ax.get_xlabel()   # the unit
                plt.close(fig)
                seen += 1
    assert seen >= 10


# --- HR and the grading exports ----------------------------------------------------------------------------------------

def test_hr_completion_never_counts_the_evaluation(course, tmp_path):
    from ebpm.errors import EbpmError
    from ebpm.grading import completion

    _, root = course
    copy = tmp_path / "course"
    shutil.copytree(root, copy, symlinks=True)
    layout = layouts.load(copy)
    result = completion.completion(layout)
    assert not set(result.assignments) & {*SKILL_FORMS.values(), "questionnaire_before", "questionnaire_after"}
    assert "prestudy" in result.assignments
    assert not result.table["未提出の課題"].str.contains("skills_check|questionnaire|アンケート|スキルチェック").any()
    assert not any("skills_check" in c or "questionnaire" in c for c in result.table.columns)
    with pytest.raises(EbpmError, match="効果測定"):
        completion.completion(layout, ["prestudy", "skills_check_a"])


def test_grading_exports_do_not_list_the_evaluation_as_missing_work(course, tmp_path):
    from ebpm.grading import bundles, report

    _, root = course
    copy = tmp_path / "course"
    shutil.copytree(root, copy, symlinks=True)
    layout = layouts.load(copy)
    assignments = ["prestudy", *SKILL_FORMS.values()]
    cells, subs = report.grade_rows(layout, assignments)
    page = report.write_html(layout, assignments, cells, subs, {}).read_text(encoding="utf-8")
    sections = page.split("<h2>")
    evaluation = [s for s in sections if s.startswith("skills_check")]
    assert len(evaluation) == 2 and all("<h3>未提出</h3>" not in s and "効果測定の課題です" in s for s in evaluation)
    wide = pd.read_csv(report.write_csv(layout, cells, subs, {})[0], encoding="utf-8-sig")
    states = wide[wide["課題"].isin(SKILL_FORMS.values()) & (wide["提出"] == "いいえ")]["状態"]
    assert len(states) and (states == report.EVALUATION_NOT_IN).all()
    zips = bundles.write_bundles(layout, assignments)
    for index in (layout.grading / "feedback_bundles").glob("*/index.html"):
        text = index.read_text(encoding="utf-8")
        assert text.count("この課題は提出されていません") <= 1   # prestudy only, never a form not (yet) taken
    assert zips


def test_release_records_the_first_and_latest_time(tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ebpm.grading import release

    (tmp_path / "solutions").mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    layout = layouts.load(tmp_path)
    tokyo = ZoneInfo("Asia/Tokyo")
    release.record_release(layout, "prestudy", datetime(2027, 1, 12, 9, tzinfo=tokyo))
    release.record_release(layout, "prestudy", datetime(2027, 1, 13, 9, tzinfo=tokyo))
    assert release.release_times(layout) == {"prestudy": {"first": "2027-01-12T09:00:00+09:00",
                                                          "latest": "2027-01-13T09:00:00+09:00"}}


# --- the instructor guide's commands, as printed --------------------------------------------------------------------------

def chapter_commands() -> list[str]:
    return [c.text for c in under_heading("docs/instructor_guide.md", CHAPTER)]


def test_the_chapter_commands_run_as_printed(course, tmp_path):
    """Chapter 10's commands, in order, typed in the course folder (nothing activated), on a course whose roster
    gained a learner after the allocation (the allocation keeps everyone else's form)."""
    data, root = course
    commands = chapter_commands()
    assert commands == [".venv/bin/ebpm evaluate forms", ".venv/bin/ebpm evaluate",
                        ".venv/bin/ebpm evaluate --synthetic 20270112 --out 評価レポートの例"], commands
    copy = tmp_path / "course"
    shutil.copytree(root, copy, symlinks=True)
    layout = layouts.load(copy)
    before = forms.read(layout)
    table = learner_table.read_table(layout)
    table["late01"] = learner_table.Learner("late01", "遅れて 登録", "企画課", "", ["遅れて 登録"])
    learner_table.write_table(layout, table)
    outputs = []
    for text in commands:
        done = subprocess.run(shlex.split(text), cwd=copy, env=_env(), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{text}: {done.stdout}{done.stderr}"
        outputs.append(done.stdout)
    after = forms.read(layout)
    assert {k: a.first for k, a in before.items()} == {k: after[k].first for k in before}
    assert "late01" in after and "今回新しく 1 人" in outputs[0] and "遅れて 登録（新）" in outputs[0]
    with (copy / "_grading" / "evaluation" / "forms.csv").open(encoding="utf-8-sig") as handle:
        assert next(csv.reader(handle)) == forms.COLUMNS
    assert (copy / "_grading" / "evaluation" / "report" / "evaluation_report.html").is_file()
    example_page = copy / "評価レポートの例" / "evaluation_report.html"
    assert example_page.is_file() and "架空の受講者" in example_page.read_text(encoding="utf-8")
    assert f"報告: {copy / '_grading' / 'evaluation' / 'report' / 'evaluation_report.html'}" in outputs[1]


def test_the_template_shows_every_section_once_in_order_with_a_parameters_cell():
    import nbformat

    from ebpm.evaluation import sections

    notebook = nbformat.read(evaluation_report.TEMPLATE, as_version=4)
    keys = [key for cell in notebook.cells if cell.cell_type == "code" for key in sections.keys_in(cell.source)]
    assert keys == [section.key for section in sections.SECTIONS]
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1 and "data_folder" in tagged[0].source and "output_folder" in tagged[0].source
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")


def test_the_collector_flags_the_same_form_handed_in_twice_weeks_apart(course, tmp_path):
    """Two versions of one form weeks apart (the learner took form A again instead of B) are kept by the versions
    store; the collector names them for the instructor."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from ebpm.grading import versions

    data, root = course
    copy = tmp_path / "course"
    shutil.copytree(root, copy, symlinks=True)
    layout = layouts.load(copy)
    learner = data.skills.loc[data.skills["形式"] == "A", "受講者ID"].iloc[0]
    notebook = layout.submitted / learner / SKILL_FORMS["A"] / f"{SKILL_FORMS['A']}.ipynb"
    store = versions.Store(layout)
    start = datetime(2027, 1, 13, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
    for number, when in enumerate((start, start + timedelta(days=60))):
        handed = tmp_path / f"v{number}.ipynb"
        handed.write_text(notebook.read_text(encoding="utf-8").replace('"cells": []', f'"cells": []{" " * number}'),
                          encoding="utf-8")
        store.apply(SKILL_FORMS["A"], f"提出 {number}", [versions.Incoming(learner, notebook.name, handed, when.isoformat())])
    found = collect.collect(layout)
    twice = found.flags[found.flags["内容"].str.contains("2 回提出")]
    assert list(twice["受講者ID"]) == [learner], found.flags
    assert (found.handins.query("受講者ID == @learner and 課題 == @SKILL_FORMS['A']")["提出日時"]
            == (start + timedelta(days=60)).isoformat()).all()


def test_a_damaged_questionnaire_record_is_named_not_fatal(course, tmp_path):
    import json

    data, root = course
    copy = tmp_path / "course"
    shutil.copytree(root, copy, symlinks=True)
    layout = layouts.load(copy)
    learner = data.answers.loc[data.answers["時期"] == "after", "受講者ID"].iloc[0]
    path = layout.submitted / learner / "questionnaire_after" / "questionnaire_after.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    record = notebook["cells"][0]["outputs"][0]["data"]["application/vnd.ebpm.questionnaire+json"]
    record["answers"][next(iter(record["answers"]))] = 9   # not on the 1–5 scale
    path.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    found = collect.collect(layout)
    assert list(found.flags["受講者ID"]) == [learner] and "questionnaire_after" in found.flags["内容"].iloc[0]
    assert found.answers.query("受講者ID == @learner and 時期 == 'after'").empty
    assert len(found.answers) == len(data.answers) - len(data.answers.query("受講者ID == @learner and 時期 == 'after'"))
