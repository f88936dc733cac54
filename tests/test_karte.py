"""まちのデータカルテ: the report's figures against the generator's truths, the real files for 芦北町,
the HTML in Chromium, and the command's Japanese refusals.

The expensive parts run once per module: a batch of two fictional towns (one papermill run each, in
parallel, series read once) and, when ../shared/realdata exists, the report for 芦北町 (434825).
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from ebpm.errors import DataFormatError
from ebpm.karte import report, sections, tables
from ebpm.karte.notebook import default_data
from ebpm.karte.sources import load_sources
from ebpm.synth import soumu_files as truth_files

pytestmark = pytest.mark.xdist_group("karte")

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"   # ../shared/realdata
MAIN, NEIGHBOUR = "438014", "438022"
ISLAND_TOWN = "468029"   # 椿浜町: small, in the fictional 鹿児島県 that runs to remote islands
RULE = tables.PeerRule()


def _csv(folder: Path, name: str) -> pd.DataFrame:
    raw = (folder / "csv" / f"{name}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{name}.csv は BOM つき UTF-8 のはずです"
    return pd.read_csv(folder / "csv" / f"{name}.csv", encoding="utf-8-sig", dtype={"団体コード": str})


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """星川町 and a peer by the batch renderer in two worker processes (the series read once)."""
    out = tmp_path_factory.mktemp("karte")
    lines: list[str] = []
    results = report.build([MAIN, NEIGHBOUR], None, out, jobs=2, progress=False, echo=lines.append)
    return out, {r.code: r for r in results}, lines


@pytest.fixture(scope="module")
def papermill_batch(tmp_path_factory):
    """星川町 and a peer through the notebook itself (papermill, a kernel each), for the comparison."""
    out = tmp_path_factory.mktemp("karte_papermill")
    results = report.build([MAIN, NEIGHBOUR], None, out, jobs=2, progress=False, echo=lambda _: None,
                           renderer="papermill")
    return out, {r.code: r for r in results}


@pytest.fixture(scope="module")
def synthetic_sources():
    folder, bounds = default_data()
    return load_sources(folder, bounds)


# --- the synthetic files and their truths --------------------------------------------------------

def test_synthetic_series_read_by_the_real_readers_equal_the_truth(synthetic_sources):
    wide = synthetic_sources.juki_wide
    truth = truth_files.juki_truth().dropna(subset=["団体コード"])   # the 全国 row has no code
    assert sorted(wide["年"].unique()) == list(truth_files.JUKI_YEARS)
    assert synthetic_sources.juki.attrs["欠けている年"] == [2015]
    merged = truth.merge(wide, on=["団体コード", "年"], suffixes=("_truth", ""), how="inner",
                         validate="one_to_one")
    assert len(merged) == len(truth)
    for item in ("人口_計", "人口_男", "世帯数", "自然増減数", "社会増減数", "住民票記載数_出生者数"):
        np.testing.assert_array_equal(merged[f"{item}_truth"].astype(float), merged[item].astype(float), err_msg=item)
    dates = synthetic_sources.juki.attrs["基準日"]
    assert str(dates[2013]) == "2013-03-31" and str(dates[2014]) == "2014-01-01"
    suffixes = {y: f for y, f in synthetic_sources.juki.attrs["ファイル"].items()}
    assert suffixes[2020].endswith(".xls") and suffixes[2021].endswith(".xlsx")


def test_synthetic_fiscal_series_keeps_markers(synthetic_sources):
    truth = truth_files.zaisei_truth()
    long = synthetic_sources.zaisei
    assert synthetic_sources.zaisei.attrs["欠けている年"] == [2015]
    for row in truth.sample(40, random_state=1).itertuples(index=False):
        cells = long[(long["団体コード"] == row.団体コード) & (long["年度"] == row.年度)].set_index("項目")
        for item in tables.INDICATORS:
            marker = getattr(row, f"{item}_記号")
            if marker:
                assert np.isnan(cells.loc[item, "値"]) and str(cells.loc[item, "記号"]) in ("-", "－")
            else:
                assert cells.loc[item, "値"] == pytest.approx(getattr(row, item))


# --- the report's figures equal the generator's -------------------------------------------------

def test_report_population_and_households_equal_truth(batch):
    out, results, _ = batch
    result = results[MAIN]
    assert not result.error, result.error
    table = _csv(result.folder, "1_人口と世帯数")
    truth = truth_files.juki_truth()
    mine = truth[truth["団体コード"] == MAIN].set_index("年")
    assert list(table["年"]) == list(range(2013, 2026))
    gap = table[table["年"] == 2015].iloc[0]
    assert gap["状態"] == tables.MISSING and pd.isna(gap["人口_計"]) and pd.isna(gap["世帯数"])
    for row in table[table["年"] != 2015].itertuples(index=False):
        assert row.人口_計 == mine.loc[row.年, "人口_計"] and row.世帯数 == mine.loc[row.年, "世帯数"]
    assert table.loc[table["年"] == 2013, "基準日"].item() == "2013-03-31"
    assert table.loc[table["年"] == 2014, "基準日"].item() == "2014-01-01"


def test_report_natural_and_social_change_equal_truth(batch):
    _, results, _ = batch
    table = _csv(results[MAIN].folder, "2_自然増減と社会増減").dropna(subset=["自然増減数"])
    truth = truth_files.juki_truth().query("団体コード == @MAIN").set_index("年")
    for row in table.itertuples(index=False):
        expected = truth.loc[row.ファイルの年]
        assert row.自然増減数 == expected["住民票記載数_出生者数"] - expected["住民票消除数_死亡者数"]
        assert row.社会増減数 == expected["社会増減数"]
    assert table.loc[table["ファイルの年"] == 2013, "期間の種類"].item() == "年度"
    assert table.loc[table["ファイルの年"] == 2014, "期間の種類"].item() == "暦年"


def test_report_rank_and_percentile_equal_a_recount_from_truth(batch):
    _, results, _ = batch
    summary = _csv(results[MAIN].folder, "3_比較_まとめ").set_index("比較グループ")
    truth = truth_files.juki_truth()
    basic = truth[truth["区分"].isin(["市区町村", "政令市"])]
    last = max(truth_files.JUKI_YEARS)
    base = last - RULE.change_years
    pop = basic.pivot(index="団体コード", columns="年", values="人口_計")
    rate = (pop[last] / pop[base] - 1) * 100
    in_prefecture = rate[rate.index.str[:2] == MAIN[:2]]
    mine = rate[MAIN]
    assert summary.loc["県内", "団体数"] == len(in_prefecture)
    assert summary.loc["県内", "順位"] == 1 + (in_prefecture > mine).sum()
    others = in_prefecture.drop(MAIN)
    assert summary.loc["県内", "パーセンタイル"] == pytest.approx(round(100 * (others < mine).sum() / len(others), 1))
    assert summary.loc["県内", "値"] == pytest.approx(mine, rel=1e-12)   # unrounded: ranks are taken on it
    assert summary.loc["県内", "同順位"] == (in_prefecture == mine).sum()
    # national peers: towns (町村) with 1/2 to 2 times the population
    size = pop.loc[MAIN, last]
    towns = basic[(basic["年"] == last) & ~basic["市区町村名"].astype(str).str.endswith("市")].set_index("団体コード")
    similar = rate[[c for c in towns.index if size / 2 <= towns.loc[c, "人口_計"] <= size * 2]]
    assert summary.loc["全国の類似規模", "団体数"] == len(similar)
    assert summary.loc["全国の類似規模", "順位"] == 1 + (similar > mine).sum()


def test_report_fiscal_indicators_equal_truth_and_markers_are_not_zero(batch):
    _, results, _ = batch
    table = _csv(results[MAIN].folder, "4_主要財政指標")
    truth = truth_files.zaisei_truth().query("団体コード == @MAIN").set_index("年度")
    assert set(table.loc[table["状態"] == tables.MISSING, "年度"]) == {2015}
    for row in table[table["年度"] != 2015].itertuples(index=False):
        marker = truth.loc[row.年度, f"{row.指標}_記号"]
        if marker:
            assert pd.isna(row.値) and row.記号 in ("-", "－"), row
        else:
            assert row.値 == pytest.approx(truth.loc[row.年度, row.指標]), row
    assert (table["記号"].fillna("") != "").any(), "星川町の将来負担比率に「-」の年度があるはずです"


def test_report_kpi_baselines_and_map_table(batch):
    _, results, _ = batch
    kpi = _csv(results[MAIN].folder, "7_KPI基準値").set_index("指標名")
    truth = truth_files.juki_truth().query("団体コード == @MAIN").set_index("年")
    last = max(truth_files.JUKI_YEARS)
    assert int(kpi.loc["総人口", "基準値"]) == truth.loc[last, "人口_計"]
    assert kpi.loc["総人口", "基準年"] == f"{last}-01-01"
    assert set(kpi.columns) >= {"定義", "単位", "基準値", "基準年", "データソース", "更新頻度"}
    mapped = _csv(results[MAIN].folder, "5_地図_人口増減率")
    assert MAIN in set(mapped["団体コード"])


def _no_stderr(notebook) -> None:
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("name") != "stderr", output.get("text")


def test_batch_reads_the_series_once_and_links_every_town(batch):
    out, results, lines = batch
    assert set(results) == {MAIN, NEIGHBOUR}
    assert not any(r.error for r in results.values())
    assert any("2015 年の住基のファイルがありません" in line for line in lines)
    for result in results.values():
        executed = nbformat.read(result.folder / "karte.ipynb", as_version=4)
        injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
        assert f'code = "{result.code}"' in injected.source and "sources_cache = None" in injected.source
        _no_stderr(executed)
    index = (out / "index.html").read_text(encoding="utf-8")
    for result in results.values():
        assert f'href="{result.folder.name}/karte.html"' in index
    assert not (out / "_cache").exists()


def test_all_means_every_municipality_of_the_files_with_a_national_index(synthetic_sources, tmp_path, monkeypatch):
    """What `--all` selects and the index it writes; the whole run, as printed in docs/karte.md, is run by
    the test of the documented commands."""
    from ebpm import cli

    truth = truth_files.juki_truth()
    last = truth[(truth["年"] == max(truth_files.JUKI_YEARS)) & truth["区分"].isin(["市区町村", "政令市"])]
    assert report.all_codes(synthetic_sources) == sorted(last["団体コード"])
    asked: dict = {}
    monkeypatch.setattr(report, "build", lambda *args, **kwargs: asked.update(kwargs) or [])
    assert cli.main(["karte", "--all", "--out", str(tmp_path), "--no-progress"]) == 0
    assert asked["every"] is True and asked["prefecture"] is None
    results = [report.KarteResult(MAIN, "星川町", tmp_path / f"{MAIN}_星川町", 1.0),
               report.KarteResult(ISLAND_TOWN, "椿浜町", tmp_path / f"{ISLAND_TOWN}_椿浜町", 1.0, error="DataFormatError: x")]
    report.write_index(tmp_path, results, report._index_title(synthetic_sources, None, every=True),
                       prefectures={MAIN: "熊本県", ISLAND_TOWN: "鹿児島県"})
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "全国の市町村のデータカルテ 一覧" in index and "<th>都道府県</th>" in index and "<td>鹿児島県</td>" in index
    assert f'href="{MAIN}_星川町/karte.html"' in index and f"{ISLAND_TOWN}_椿浜町/karte.html" not in index
    assert "作成できませんでした: DataFormatError: x" in index


def _same_page(html: str) -> str:
    return re.sub(r'id="cell-id=[^"]*"', "", html)   # papermill gives its injected cell a random id


def test_batch_renderer_writes_what_the_notebook_writes(batch, papermill_batch):
    """The same CSVs byte for byte, the same HTML page (charts included) and the same notebook outputs."""
    _, rendered, _ = batch
    _, executed = papermill_batch
    for code in (MAIN, NEIGHBOUR):
        ours, theirs = rendered[code].folder, executed[code].folder
        assert not executed[code].error, executed[code].error
        names = sorted(p.name for p in (theirs / "csv").iterdir())
        assert names == sorted(p.name for p in (ours / "csv").iterdir()) and len(names) >= 8
        for name in names:
            assert (ours / "csv" / name).read_bytes() == (theirs / "csv" / name).read_bytes(), (code, name)
        assert _same_page(rendered[code].html.read_text(encoding="utf-8")) == \
            _same_page(executed[code].html.read_text(encoding="utf-8")), code
        mine, kernel = (nbformat.read(f / "karte.ipynb", as_version=4) for f in (ours, theirs))
        assert [c.get("outputs") for c in mine.cells] == [c.get("outputs") for c in kernel.cells], code


def test_papermill_batch_reads_the_series_once(papermill_batch):
    out, results = papermill_batch
    for result in results.values():
        executed = nbformat.read(result.folder / "karte.ipynb", as_version=4)
        injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
        assert "sources_cache = " in injected.source and "_cache" in injected.source
        _no_stderr(executed)
    assert not (out / "_cache").exists()


def test_html_is_self_contained_japanese_without_code(batch):
    _, results, _ = batch
    page = results[MAIN].html.read_text(encoding="utf-8")
    assert '<html lang="ja">' in page and "星川町" in page and "人口と世帯数" in page
    assert not re.search(r'<script[^>]+src="https?://', page)
    assert not re.search(r'<img[^>]+src="(?!data:)', page)
    assert "tables.population_table" not in page, "コードのセルが HTML に出ています"
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', page)) >= 6


# --- the summary at the top ----------------------------------------------------------------------

def _recount(values: pd.Series, code: str) -> tuple[int, int, int]:
    """(rank with 1 for the highest, number ranked, how many share the town's value), counted by hand."""
    values = values.dropna()
    mine = values[code]
    return 1 + sum(v > mine for v in values), len(values), sum(v == mine for v in values)


def test_summary_ranks_equal_a_recount_from_the_truth(synthetic_sources):
    from ebpm.karte import summary

    table = summary.summary_table(synthetic_sources, MAIN, RULE).set_index("項目")
    truth = truth_files.juki_truth()
    last_year = max(truth_files.JUKI_YEARS)
    basic = truth[truth["区分"].isin(["市区町村", "政令市"]) & (truth["年"] == last_year)].set_index("団体コード")
    in_prefecture = basic[basic.index.str[:2] == MAIN[:2]]
    assert table.loc["人口", "値"] == in_prefecture.loc[MAIN, "人口_計"]
    assert tuple(table.loc["人口", ["県内_順位", "県内_団体数", "県内_同順位"]]) == \
        _recount(in_prefecture["人口_計"].astype(float), MAIN)
    births = in_prefecture["住民票記載数_出生者数"] - in_prefecture["住民票消除数_死亡者数"]
    assert table.loc["自然増減", "値"] == births[MAIN]
    assert tuple(table.loc["自然増減", ["県内_順位", "県内_団体数", "県内_同順位"]]) == \
        _recount(births / in_prefecture["人口_計"], MAIN)
    social = in_prefecture["社会増減数"] / in_prefecture["人口_計"]
    assert tuple(table.loc["社会増減", ["県内_順位", "県内_団体数", "県内_同順位"]]) == _recount(social, MAIN)
    fiscal = truth_files.zaisei_truth()
    latest = fiscal[fiscal["年度"] == fiscal["年度"].max()].set_index("団体コード")
    peers = set(tables.peer_groups(synthetic_sources, MAIN, RULE)["全国の類似規模"]["団体コード"])
    power = latest.loc[latest.index.isin(peers), "財政力指数"].astype(float)
    assert table.loc["財政力指数", "値"] == pytest.approx(power[MAIN])
    assert tuple(table.loc["財政力指数", ["全国の類似規模_順位", "全国の類似規模_団体数", "全国の類似規模_同順位"]]) == \
        _recount(power, MAIN)
    ages = truth_files.age_truth()
    ages = ages[(ages["年"] == max(truth_files.AGE_YEARS)) & (ages["性別"] == "計")
                & ages["区分"].isin(["市区町村", "政令市"])]
    old = ages[ages["下限"] >= 65].groupby("団体コード")["値"].sum()
    ageing = old / ages[ages["年齢階級"] == "総数"].set_index("団体コード")["値"] * 100
    assert table.loc["高齢化率", "値"] == pytest.approx(ageing[MAIN], rel=1e-12)
    assert tuple(table.loc["高齢化率", ["県内_順位", "県内_団体数", "県内_同順位"]]) == \
        _recount(ageing[ageing.index.str[:2] == MAIN[:2]], MAIN)
    assert tuple(table.loc["高齢化率", ["全国の類似規模_順位", "全国の類似規模_団体数", "全国の類似規模_同順位"]]) == \
        _recount(ageing[ageing.index.isin(peers)], MAIN)
    assert table.loc["高齢化率", "時点"].startswith(f"{max(truth_files.AGE_YEARS)}-01-01")


def test_age_section_equals_a_recount_from_the_truth(batch):
    """The 年齢構成 CSVs of 星川町: pyramid, shares and 高齢化率 with peer ranks, and the generations."""
    _, results, _ = batch
    folder = results[MAIN].folder
    truth = truth_files.age_truth()
    town = truth[(truth["団体コード"] == MAIN)]
    structure = _csv(folder, "2-2_年齢構成_3区分と高齢化率").set_index("年")
    assert list(structure.index) == list(truth_files.AGE_YEARS)
    everyone = town[(town["性別"] == "計")]
    for year in truth_files.AGE_YEARS:
        this = everyone[everyone["年"] == year]
        total = this.loc[this["年齢階級"] == "総数", "値"].iloc[0]
        assert structure.loc[year, "総数"] == total
        assert structure.loc[year, "高齢化率_%"] == pytest.approx(this.loc[this["下限"] >= 65, "値"].sum() / total * 100)
        assert structure.loc[year, "年少人口"] == this.loc[this["下限"] < 15, "値"].sum()
        assert structure.loc[year, "年齢不詳・非公表"] == total - this.loc[this["年齢階級"] != "総数", "値"].sum()
    assert structure.loc[2014, "年齢不詳・非公表"] == 5   # the withheld foreign residents of the 2014 file
    basic = truth[(truth["性別"] == "計") & truth["区分"].isin(["市区町村", "政令市"]) & (truth["年"] == 2024)]
    ageing = basic[basic["下限"] >= 65].groupby("団体コード")["値"].sum() / \
        basic[basic["年齢階級"] == "総数"].set_index("団体コード")["値"] * 100
    entry = _recount(ageing[ageing.index.str[:2] == MAIN[:2]], MAIN)
    assert tuple(structure.loc[2024, ["県内での高齢化率の順位", "県内の団体数", "県内の同順位"]]) == entry
    pyramid = _csv(folder, "2-2_年齢構成_ピラミッド")
    first = pyramid[pyramid["年"] == 2014]
    assert first["年齢階級"].iloc[-1] == "80歳以上" and set(pyramid.groupby("年")["年齢階級"].nunique()) == {17}
    later = pyramid[(pyramid["年"] == 2024) & (pyramid["性別"] == "女")].set_index("年齢階級")["人口"]
    women = town[(town["年"] == 2024) & (town["性別"] == "女")]
    assert later["80歳以上"] == women.loc[women["下限"] >= 80, "値"].sum()
    cohorts = _csv(folder, "2-2_年齢構成_世代の変化")
    row = cohorts[(cohorts["期間"] == "2014年→2019年") & (cohorts["性別"] == "計") & (cohorts["最初の年齢"] == "15〜19歳")]
    before = everyone[(everyone["年"] == 2014) & (everyone["年齢階級"] == "15〜19歳")]["値"].iloc[0]
    after = everyone[(everyone["年"] == 2019) & (everyone["年齢階級"] == "20〜24歳")]["値"].iloc[0]
    assert row["後の年齢"].iloc[0] == "20〜24歳" and row["最初の人数"].iloc[0] == before and row["後の人数"].iloc[0] == after
    assert row["変化率_%"].iloc[0] == pytest.approx((after / before - 1) * 100)
    assert set(cohorts["期間"]) == {"2014年→2019年", "2019年→2024年"}


def test_generations_are_followed_only_across_multiples_of_five_years():
    pairs, notes = tables.cohort_pairs([2014, 2019, 2022])
    assert pairs == [(2014, 2019)] and len(notes) == 1 and "3 年離れています" in notes[0]
    assert tables.cohort_pairs([2014, 2024])[0] == [(2014, 2024)]


def test_summary_states_ties():
    from ebpm.karte import summary

    values = pd.Series({"a": 0.35, "b": 0.40, "c": 0.35, "d": 0.30})
    assert summary.rank(values, "a") == {"順位": 2, "団体数": 4, "同順位": 2}
    assert summary.rank_text(summary.rank(values, "c")) == "4 団体中 2 位（2 団体が同順位）"
    assert summary.rank_text(summary.rank(values, "b")) == "4 団体中 1 位"


# --- the fiscal chart and the map ----------------------------------------------------------------

def test_fiscal_chart_legend_off_the_data_medians_every_year_markers_as_bands(synthetic_sources):
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon, Rectangle

    from ebpm.karte import figures

    table = tables.fiscal_table(synthetic_sources, MAIN, RULE)
    assert (table["記号"] != "").any(), "星川町の将来負担比率に「-」の年度があるはずです"
    fig = figures.fiscal_chart(table, "星川町")
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in fig.axes)
        legend = fig.legends[0].get_window_extent(renderer)
        for ax, item in zip(fig.axes, tables.INDICATORS):
            assert not legend.overlaps(ax.get_window_extent(renderer)), f"凡例が{item}のグラフに重なっています"
            assert ax.get_title(loc="left") == item and ax.get_ylabel() == figures.FISCAL_UNITS[item]
            assert ax.yaxis.label.get_fontsize() >= 10
            part = table[table["指標"] == item]
            first = part["年度"].min()
            for line in ax.get_lines()[1:]:   # the peer groups' medians
                x, y = (np.asarray(v, dtype=float) for v in line.get_data())
                assert line.get_marker() not in (None, "", "None"), "点だけの年度（最初の年度）が描かれません"
                assert np.isfinite(y[x == first]).all(), f"{item}の最初の年度に中央値がありません"
            marked = part.loc[part["記号"] != "", "年度"].tolist()
            bands = [p for p in ax.patches if isinstance(p, (Polygon, Rectangle)) and p.get_hatch() == "//"]
            assert len(bands) == len(marked), item
            for band, year in zip(bands, marked):
                xs = band.get_path().transformed(band.get_patch_transform()).vertices[:, 0] \
                    if isinstance(band, Rectangle) else band.get_xy()[:, 0]
                assert xs.min() < year < xs.max()
            town = np.asarray(ax.get_lines()[0].get_ydata(), dtype=float)
            assert np.isnan(town[part["記号"].to_numpy() != ""]).all(), "記号の年度に点が描かれています"
    finally:
        plt.close(fig)


def test_map_zooms_to_a_small_town_of_a_prefecture_with_remote_islands(tmp_path, synthetic_sources):
    import matplotlib.pyplot as plt
    from matplotlib import colors as mcolors
    from matplotlib.patches import PathPatch

    from ebpm import boundaries as bnd
    from ebpm import maps
    from ebpm.karte import figures
    from ebpm.synth import boundaries as synth_bounds

    geo = tmp_path / "islands.geojson"
    geo.write_text(synth_bounds.island_prefecture_geojson(), encoding="utf-8")
    shapes = bnd.read_boundaries(geo, dissolve_wards=True)
    whole = maps._bounds(shapes["形"])
    fig = figures.map_chart(shapes, tables.change_rates(synthetic_sources, RULE), ISLAND_TOWN, "椿浜町")
    try:
        left, right = fig.axes[0], fig.axes[1]
        for ax in (left, right):
            width = ax.get_xlim()[1] - ax.get_xlim()[0]
            assert width < 0.1 * (whole[2] - whole[0]), "県の全体のままで、町の周辺に寄っていません"
        town = shapes.loc[shapes["団体コード"] == ISLAND_TOWN, "形"].iloc[0].bounds()
        assert left.get_xlim()[0] < town[0] and town[2] < left.get_xlim()[1]
        assert left.get_ylim()[0] < town[1] and town[3] < left.get_ylim()[1]
        [inset] = left.child_axes
        assert inset.get_ylim()[0] <= whole[1] and inset.get_ylim()[1] >= whole[3], "差し込みの地図が県の全体ではありません"
        for ax in (left, inset):
            faces = {a.get_gid(): mcolors.to_hex(a.get_facecolor()) for a in ax.get_children()
                     if isinstance(a, PathPatch) and a.get_gid()}
            assert [c for c, face in faces.items() if face == maps.HIGHLIGHT_COLOR] == [ISLAND_TOWN]
        assert "周辺を拡大" in left.get_title()
    finally:
        plt.close(fig)
    kumamoto = synthetic_sources.boundaries
    assert figures.map_window(kumamoto[kumamoto["団体コード"].str[:2] == "43"], MAIN) is None, "星川町は県の地図で見えます"


# --- the command's refusals ----------------------------------------------------------------------

def test_unknown_code_and_ward_are_refused_in_japanese(synthetic_sources):
    with pytest.raises(DataFormatError, match="正しい団体コードではありません"):
        tables.check_code(synthetic_sources, "438010")
    with pytest.raises(DataFormatError, match="434825 の市区町村が住基のファイルにありません"):
        tables.check_code(synthetic_sources, "434825")
    with pytest.raises(DataFormatError, match="政令市の区"):
        tables.check_code(synthetic_sources, "431915")
    assert tables.check_code(synthetic_sources, "43801") == MAIN


def test_folder_without_files_and_file_of_another_kind(tmp_path, capsys):
    from ebpm import cli

    assert cli.main(["karte", MAIN, "--data", str(tmp_path / "nowhere")]) == 2
    assert "データのフォルダがありません" in capsys.readouterr().err
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["品目", "金額"])
    book.active.append(["りんご", 100])
    book.save(tmp_path / "kakei.xlsx")
    assert cli.main(["karte", MAIN, "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "住民基本台帳の人口・世帯数のファイルが見つかりません" in err and "kakei.xlsx" in err


def test_a_file_of_another_kind_is_set_aside_with_its_reason(tmp_path, synthetic_sources):
    import shutil

    import openpyxl

    folder = synthetic_sources.folder / "juki"
    for name in ("2403ssjin.xlsx", "2503ssjin.xlsx"):
        shutil.copy(folder / name, tmp_path / name)
    book = openpyxl.Workbook()
    book.active.append(["品目", "金額"])
    book.save(tmp_path / "集計.xlsx")
    sources = load_sources(tmp_path)
    assert sorted(sources.juki.attrs["ファイル"]) == [2024, 2025]
    assert [name for name, _ in sources.refused] == ["集計.xlsx"]
    assert "集計.xlsx" in sources.refused[0][1] and "主要財政指標" in sources.refused[0][1]
    assert sources.zaisei is None and any("主要財政指標のファイルがない" in n for n in sources.notes)


def test_prefecture_codes_are_the_basic_municipalities(synthetic_sources):
    truth = truth_files.juki_truth()
    last = truth[(truth["年"] == max(truth_files.JUKI_YEARS)) & truth["区分"].isin(["市区町村", "政令市"])]
    expected = sorted(last.loc[last["団体コード"].str[:2] == "43", "団体コード"])
    assert report.prefecture_codes(synthetic_sources, 43) == expected
    assert report.prefecture_codes(synthetic_sources, "熊本県") == expected
    with pytest.raises(DataFormatError, match="都道府県「99」"):
        report.prefecture_codes(synthetic_sources, "99")


def test_missing_year_message_names_what_to_download(synthetic_sources):
    lines = tables.missing_messages(synthetic_sources)
    assert any("2015 年の住基のファイルがありません" in line and "ssjin" in line for line in lines)
    assert any("平成27年度" in line and "主要財政指標" in line for line in lines)


def test_peer_rule_is_checked():
    with pytest.raises(DataFormatError, match="分からない項目"):
        tables.PeerRule.from_dict({"size": 2})
    assert "0.5 倍から 2 倍" in tables.PeerRule().describe()


def test_template_has_a_tagged_parameters_cell():
    notebook = nbformat.read(report.TEMPLATE, as_version=4)
    cells = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    for name in ("code", "data_folder", "boundaries", "peer_rule", "output_folder"):
        assert re.search(rf"^{name} = ", cells[0].source, re.M), name
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


def test_template_shows_every_section_once_in_order():
    notebook = nbformat.read(report.TEMPLATE, as_version=4)
    shown = [key for c in notebook.cells if c.cell_type == "code" for key in sections.keys_in(c.source)]
    assert shown == [section.key for section in sections.SECTIONS]


# --- the HTML in Chromium (one browser for the module) ------------------------------------------

HIGHLIGHT_RGB = (0xE0, 0x7B, 0x39)   # maps.HIGHLIGHT_COLOR
_IMAGES = """() => Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])"""
_MAP_PIXELS = """(rgb) => {
  // the first image after the heading of the map section: count its pixels of the highlight colour
  const heading = Array.from(document.querySelectorAll('h2')).find(h => h.textContent.includes('地図'));
  const image = Array.from(document.images).find(i => heading.compareDocumentPosition(i) & Node.DOCUMENT_POSITION_FOLLOWING);
  const c = document.createElement('canvas'); c.width = image.naturalWidth; c.height = image.naturalHeight;
  const x = c.getContext('2d'); x.drawImage(image, 0, 0);
  const half = Math.floor(c.width / 2);   // the left map: the town's position
  const data = x.getImageData(0, 0, half, c.height).data;
  let hits = 0, colours = new Set();
  for (let p = 0; p < data.length; p += 4) {
    if (Math.abs(data[p] - rgb[0]) <= 2 && Math.abs(data[p + 1] - rgb[1]) <= 2 && Math.abs(data[p + 2] - rgb[2]) <= 2) hits++;
    if (p % 64 === 0) colours.add(data[p] * 65536 + data[p + 1] * 256 + data[p + 2]);
  }
  return {hits: hits, pixels: half * c.height, colours: colours.size};
}"""


@pytest.fixture(scope="module")
def chromium():
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _require_browser

    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _open(browser, page_file: Path):
    page = browser.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    return page, failed


def _charts_render_and_town_is_visible(browser, page_file: Path, least_share: float) -> dict:
    """Every chart loaded with its size; the map's left half has the town in the highlight colour."""
    page, failed = _open(browser, page_file)
    try:
        images = page.evaluate(_IMAGES)
        assert len(images) >= 6 and all(done and width > 0 and height > 0 for done, width, height in images), images
        found = page.evaluate(_MAP_PIXELS, list(HIGHLIGHT_RGB))
        assert found["colours"] > 3, "地図の画像が真っ白か 1 色です"
        assert found["hits"] >= least_share * found["pixels"], f"地図で町がほとんど見えません: {found}"
        assert not failed, failed
        return found
    finally:
        page.close()


def test_html_in_chromium_every_chart_and_japanese_text_render(batch, chromium):
    page, failed = _open(chromium, batch[1][MAIN].html)
    try:
        images = page.evaluate(_IMAGES)
        assert len(images) >= 6 and all(done and width > 0 for done, width, _ in images), images
        text = page.inner_text("body")
        assert "星川町" in text and "自然増減と社会増減" in text and "ファイルなし" in text and "まず見る数字" in text
        pictures = page.evaluate("""() => {
          const family = getComputedStyle(document.querySelector('h2')).fontFamily;
          const draw = (t) => { const c = document.createElement('canvas'); c.width = 64; c.height = 64;
            const x = c.getContext('2d'); x.font = '40px ' + family; x.fillText(t, 4, 48);
            return Array.from(x.getImageData(0, 0, 64, 64).data).join(','); };
          return {a: draw('町'), b: draw('人'), tofu: draw('\\u0378')};
        }""")
        assert pictures["a"] != pictures["b"] and pictures["a"] != pictures["tofu"], "日本語が豆腐（□）で表示されています"
        assert not failed, failed
    finally:
        page.close()


@pytest.fixture(scope="module")
def island_report(tmp_path_factory):
    """椿浜町 (small) in the fictional 鹿児島県 whose remote islands stretch the map far to the south."""
    from ebpm.synth import boundaries as synth_bounds

    out = tmp_path_factory.mktemp("karte_islands")
    geo = out / "islands.geojson"
    geo.write_text(synth_bounds.island_prefecture_geojson(), encoding="utf-8")
    [result] = report.build([ISLAND_TOWN], None, out, boundaries=geo, progress=False, echo=lambda _: None)
    assert not result.error, result.error
    return result


def test_chromium_shows_a_small_town_of_a_prefecture_with_remote_islands(island_report, chromium):
    found = _charts_render_and_town_is_visible(chromium, island_report.html, least_share=0.01)
    assert found["hits"] > 2000, found
    assert "周辺を拡大" in island_report.html.read_text(encoding="utf-8")


def test_chromium_shows_the_town_on_the_real_kumamoto_map(ashikita, chromium):
    result, _ = ashikita
    _charts_render_and_town_is_visible(chromium, result.html, least_share=0.002)


# --- the real files (skipped without ../shared/realdata) -----------------------------------------

@pytest.fixture(scope="module")
def ashikita(tmp_path_factory):
    folder = REALDATA / "finance_population"
    bounds = REALDATA / "boundaries" / "smartnews_N03-21_43_210101_s0010.geojson"
    if not folder.is_dir() or not bounds.exists():
        pytest.skip(f"実データ（{REALDATA}）がないため省きます")
    out = tmp_path_factory.mktemp("karte_real")
    sources = load_sources(folder, bounds)
    results = report.build(["434825"], folder, out, boundaries=bounds, progress=False, echo=lambda _: None,
                           sources=sources)
    return results[0], sources


def test_realdata_ashikita_report(ashikita):
    result, _ = ashikita
    assert not result.error, result.error
    population = _csv(result.folder, "1_人口と世帯数").set_index("年")
    assert population.loc[2013, "人口_計"] == 19348 and population.loc[2013, "基準日"] == "2013-03-31"
    assert population.loc[2022, "人口_計"] == 16141 and population.loc[2022, "基準日"] == "2022-01-01"
    assert population.loc[2015, "状態"] == tables.MISSING and pd.isna(population.loc[2015, "人口_計"])
    fiscal = _csv(result.folder, "4_主要財政指標")
    power = fiscal[fiscal["指標"] == "財政力指数"].set_index("和暦")
    assert power.loc["平成26年度", "値"] == pytest.approx(0.27) and power.loc["令和2年度", "値"] == pytest.approx(0.35)
    page = result.html.read_text(encoding="utf-8")
    assert "芦北町" in page and "19,348" in page and "16,141" in page
    assert "国土数値情報" in page
    mapped = _csv(result.folder, "5_地図_人口増減率")
    assert "434825" in set(mapped["団体コード"]) and len(mapped) >= 40
    assert "まず見る数字" in page


def test_realdata_summary_ranks_recounted_on_unrounded_values(ashikita):
    result, sources = ashikita
    first = _csv(result.folder, "0_まず見る数字").set_index("項目")
    wide = sources.juki_wide
    basic = wide[wide["区分"].isin(tables.BASIC_KINDS)]
    base, last, _ = tables.change_window(sources, RULE)
    pop = basic.pivot(index="団体コード", columns="年", values="人口_計").astype(float)
    rate = (pop[last] / pop[base] - 1) * 100
    peers = set(tables.peer_groups(sources, "434825", RULE)["全国の類似規模"]["団体コード"])
    assert first.loc["人口増減率", "値"] == pytest.approx(rate["434825"], rel=1e-12)
    assert tuple(first.loc["人口増減率", ["全国の類似規模_順位", "全国の類似規模_団体数", "全国の類似規模_同順位"]]) == \
        _recount(rate[rate.index.isin(peers)], "434825")
    assert first.loc["人口", "値"] == 16141


def test_realdata_ashikita_age_section_and_every_file_of_the_folder(ashikita):
    result, sources = ashikita
    structure = _csv(result.folder, "2-2_年齢構成_3区分と高齢化率").set_index("年")
    assert structure.loc[2022, "総数"] == 16141 and structure.loc[2022, "老年人口"] == 7313
    assert round(structure.loc[2022, "高齢化率_%"], 1) == 45.3
    assert structure.loc[2014, "総数"] == 19142 and structure.loc[2014, "年齢不詳・非公表"] == 32
    page = result.html.read_text(encoding="utf-8")
    assert "高齢化率は 45.3%" in page and "人口ピラミッド" in page
    cohorts = _csv(result.folder, "2-2_年齢構成_世代の変化")
    assert set(cohorts["期間"]) == {"2014年→2019年"} and "3 年離れています" in page   # 2019→2022 is not followed
    first = _csv(result.folder, "0_まず見る数字").set_index("項目")
    assert first.loc["高齢化率", "値"] == pytest.approx(7313 / 16141 * 100, rel=1e-12)
    accounts = _csv(result.folder, "6_フォルダのファイル").set_index("ファイル")
    folder = REALDATA / "finance_population"
    assert set(accounts.index) >= {p.name for p in folder.iterdir()}
    assert (accounts.loc[[p.name for p in folder.iterdir()], "状態"] == "読みました").all()
    assert "年齢階級別" in accounts.loc["soumu_juki_2204ssnen.xlsx", "内容・理由"]


def test_realdata_national_rank_equals_a_recount_on_unrounded_rates(ashikita):
    """The peers section (3_比較_まとめ) once ranked rates rounded to 2 decimals, which made a tie: off by one."""
    result, sources = ashikita
    summary = _csv(result.folder, "3_比較_まとめ").set_index("比較グループ")
    wide = sources.juki_wide
    basic = wide[wide["区分"].isin(tables.BASIC_KINDS)]
    base, last, _ = tables.change_window(sources, RULE)
    pop = basic.pivot(index="団体コード", columns="年", values="人口_計").astype(float)
    rate = (pop[last] / pop[base] - 1) * 100
    peers = rate[rate.index.isin(set(tables.peer_groups(sources, "434825", RULE)["全国の類似規模"]["団体コード"]))]
    rank, count, ties = _recount(peers, "434825")
    assert (summary.loc["全国の類似規模", "順位"], summary.loc["全国の類似規模", "団体数"],
            summary.loc["全国の類似規模", "同順位"]) == (rank, count, ties)
    assert summary.loc["全国の類似規模", "値"] == pytest.approx(rate["434825"], rel=1e-12)


def test_realdata_map_highlights_ashikita(ashikita):
    import matplotlib.pyplot as plt

    from ebpm import maps
    from ebpm.karte import figures

    _, sources = ashikita
    fig = figures.map_chart(sources.boundaries, tables.change_rates(sources, RULE), "434825", "芦北町")
    try:
        from matplotlib import colors as mcolors
        from matplotlib.patches import PathPatch

        left = fig.axes[0]
        colours = {a.get_gid(): mcolors.to_hex(a.get_facecolor()) for a in left.get_children()
                   if isinstance(a, PathPatch) and a.get_gid()}
        assert len(colours) >= 40, "熊本県の市町村がそろって描かれていません"
        assert [c for c, face in colours.items() if face == maps.HIGHLIGHT_COLOR] == ["434825"]
    finally:
        plt.close(fig)
