"""ebpm.soumu on the real 総務省 files in ../shared/realdata/finance_population (skipped when absent).

The expected numbers were read by hand from the cells of each file (芦北町 434825 and a few others
in every year and layout); the tests also check sums that must hold whatever the reader does.
This is also where the .xls (BIFF) path is tested: openpyxl cannot write .xls fixtures.
"""
from __future__ import annotations

import datetime as dt
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

from ebpm import excel, juki, soumu
from ebpm.errors import DataFormatError

FOLDER = Path(__file__).resolve().parents[1] / ".." / "shared" / "realdata" / "finance_population"
pytestmark = [
    pytest.mark.skipif(not FOLDER.is_dir(), reason="../shared/realdata がないため、実データのテストを省略します"),
    # the two series are read once per module (a fixture): keep the module on one xdist worker
    pytest.mark.xdist_group("soumu_realdata"),
]
ASHIKITA = "434825"

JUKI_FILES = {  # file → (year, 基準日, 芦北町 人口_計, 世帯数, 出生者数, 札幌市 人口_計)
    "soumu_juki_1303ssjin.xls": (2013, dt.date(2013, 3, 31), 19348, 7536, 116, 1919664),
    "soumu_juki_1403ssjin.xls": (2014, dt.date(2014, 1, 1), 19142, 7526, 126, 1930496),
    "soumu_juki_1603ssjin.xls": (2016, dt.date(2016, 1, 1), 18455, 7438, 101, 1941832),
    "soumu_juki_1703ssjin.xls": (2017, dt.date(2017, 1, 1), 18117, 7393, 92, 1947494),
    "soumu_juki_1803ssjin.xls": (2018, dt.date(2018, 1, 1), 17789, 7360, 99, 1952348),
    "soumu_juki_1903ssjin.xls": (2019, dt.date(2019, 1, 1), 17421, 7303, 89, 1955457),
    "soumu_juki_2003ssjin.xls": (2020, dt.date(2020, 1, 1), 16983, 7220, 66, 1959313),
    "soumu_juki_2103ssjin.xlsx": (2021, dt.date(2021, 1, 1), 16556, 7151, 87, 1961575),
    "soumu_juki_2203ssjin.xlsx": (2022, dt.date(2022, 1, 1), 16141, 7055, 61, 1960668),
}
ZAISEI_FILES = {  # file → (年度, 芦北町 財政力指数, 経常収支比率, 札幌市 財政力指数, 全国市町村平均 財政力指数)
    "soumu_zaisei_shihyo_city_H26.xls": (2014, 0.27, 89.6, 0.70, 0.49),
    "soumu_zaisei_shihyo_city_H28.xlsx": (2016, 0.30, 93.7, 0.73, 0.50),
    "soumu_zaisei_shihyo_city_H29.xlsx": (2017, 0.32, 93.0, 0.73, 0.51),
    "soumu_zaisei_shihyo_city_H30.xlsx": (2018, 0.33, 92.3, 0.73, 0.51),
    "soumu_zaisei_shihyo_city_R1.xlsx": (2019, 0.34, 92.1, 0.73, 0.51),
    "soumu_zaisei_shihyo_city_R2.xlsx": (2020, 0.35, 94.4, 0.74, 0.51),
}


# 住基 年齢階級別人口（市区町村別、総計）, kept in the same folder as the 人口・世帯数 files, as a user keeps them
AGE_FILES = {"soumu_juki_1404ssnen.xls": 2014, "soumu_juki_1904ssnen.xls": 2019, "soumu_juki_2204ssnen.xlsx": 2022}


def test_the_shared_folder_holds_exactly_these_files():
    names = {p.name for p in FOLDER.iterdir() if p.suffix in excel.EXCEL_SUFFIXES}
    assert names == set(JUKI_FILES) | set(ZAISEI_FILES) | set(AGE_FILES)


@pytest.fixture(scope="module")
def juki_series():
    """The whole folder, as a user keeps it: the 住基 series is read, the other kinds set aside by content."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        table = soumu.read_series(FOLDER)
        seconds = time.perf_counter() - start
    return table, seconds, caught


@pytest.fixture(scope="module")
def age_series():
    return soumu.read_series(sorted(FOLDER / n for n in AGE_FILES), kind="年齢階級別")


@pytest.fixture(scope="module")
def zaisei_series():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = soumu.read_series(sorted(FOLDER / n for n in ZAISEI_FILES), kind="財政指標")
    return table, caught


def _value(table: pd.DataFrame, code: str, item: str, **where) -> pd.Series:
    mask = (table["団体コード"] == code) & (table["項目"] == item)
    for column, value in where.items():
        mask &= table[column] == value
    rows = table[mask]
    assert len(rows) == 1, (code, item, where, len(rows))
    return rows.iloc[0]


@pytest.mark.parametrize("name", sorted(JUKI_FILES))
def test_every_juki_file(juki_series, name):
    table, _, _ = juki_series
    year, reference, people, households, births, sapporo = JUKI_FILES[name]
    part = table[table["出典ファイル"] == name]
    assert set(part["年"]) == {year} and set(part["基準日"].dt.date) == {reference}
    assert _value(part, ASHIKITA, "人口_計")["値"] == people
    assert _value(part, ASHIKITA, "世帯数")["値"] == households
    assert _value(part, ASHIKITA, "住民票記載数_出生者数")["値"] == births
    assert _value(part, "011002", "人口_計")["値"] == sapporo
    assert _value(part, ASHIKITA, "人口_計")["団体名"] == "葦北郡芦北町"
    people_rows = part[part["項目"] == "人口_計"]
    assert people_rows["団体コード"].dropna().str.fullmatch(r"\d{6}").all()
    counts = people_rows["区分"].value_counts()
    assert counts["全国"] == 1 and counts["都道府県"] == 47 and counts["政令市"] == 20
    national = people_rows.loc[people_rows["区分"] == "全国", "値"].iloc[0]
    basic = people_rows[people_rows["区分"].isin(["市区町村", "政令市"])]
    assert basic["値"].sum() == national  # no ward or 郡 counted twice
    assert people_rows.loc[people_rows["区分"] == "都道府県", "値"].sum() == national
    assert (people_rows.loc[people_rows["区分"] == "都道府県", "団体名"] == "熊本県").sum() == 1


def test_juki_series_of_ashikita_and_its_breaks(juki_series):
    table, seconds, caught = juki_series
    town = table[(table["団体コード"] == ASHIKITA) & (table["項目"] == "人口_計")].set_index("年")
    assert town["値"].to_dict() == {v[0]: v[2] for v in JUKI_FILES.values()}
    assert table.attrs["欠けている年"] == [2015]
    assert [str(w.message) for w in caught if issubclass(w.category, soumu.MissingYearWarning)] == [
        table.attrs["注記"][0]
    ]
    assert "2015" in table.attrs["注記"][0]
    assert table.attrs["基準日"][2013] == dt.date(2013, 3, 31) and table.attrs["基準日"][2014] == dt.date(2014, 1, 1)
    births = table[(table["団体コード"] == ASHIKITA) & (table["項目"] == "住民票記載数_出生者数")].set_index("年")
    assert births.loc[2013, "期間"] == "年度" and births.loc[2013, "期間開始"] == pd.Timestamp("2012-04-01")
    assert births.loc[2014, "期間"] == "暦年" and births.loc[2014, "期間開始"] == pd.Timestamp("2013-01-01")
    assert births.loc[2020, "期間開始"] == pd.Timestamp("2019-01-01")  # 令和元年 (平成31年1月1日から)
    # 2013 names the rates 増加率 and leaves them blank; later years have 増減率.
    rate = table[(table["団体コード"] == ASHIKITA) & (table["項目"] == "増減率")].set_index("年")["値"]
    assert pd.isna(rate[2013]) and round(rate[2014], 2) == -1.93
    # 18 files are opened to tell the kinds apart by content (9 are read into the series)
    assert seconds < 60, f"read_series に {seconds:.1f} 秒かかりました（目標 20 秒）"


def test_the_folder_sets_the_other_kinds_aside_by_content(juki_series):
    table, _, _ = juki_series
    assert sorted(table.attrs["ファイル"].values()) == sorted(JUKI_FILES)
    aside = table.attrs["読まなかったファイル"]
    assert set(aside) == set(AGE_FILES) | set(ZAISEI_FILES)
    assert all("年齢階級別人口（市区町村別）のファイルです" in aside[n] for n in AGE_FILES)


def _raw_row(name: str, code: str, sex: str) -> dict[str, object]:
    """The cells of one row straight from the sheet, keyed by the header text (no reader of ours involved)."""
    sheet = excel.open_workbook(FOLDER / name).sheet(0)
    header = next(r for r in sheet.rows if any(isinstance(v, str) and "歳以上" in v for v in r))
    row = next(r for r in sheet.rows if r[0] == code and r[3] == sex)
    return dict(zip(header, row))


def test_ashikita_age_structure_2022_is_the_truth_of_the_raw_cells(age_series):
    raw = _raw_row("soumu_juki_2204ssnen.xlsx", ASHIKITA, "計")
    assert raw["総数"] == 16141
    old = sum(v for k, v in raw.items() if isinstance(k, str) and k[:2].isdigit() and int(k.split("歳")[0]) >= 65)
    assert old == 7313 and round(100 * old / 16141, 1) == 45.3
    town = age_series[(age_series["団体コード"] == ASHIKITA) & (age_series["年"] == 2022) & (age_series["性別"] == "計")]
    assert town.loc[town["年齢階級"] == "総数", "値"].iloc[0] == 16141
    assert town.loc[town["下限"] >= 65, "値"].sum() == 7313
    # no 「*」 in the 2022 layout, yet 39 residents (foreign, ages withheld: 注1) are in 総数 and in no band
    assert town.loc[town["年齢階級"] != "総数", "値"].sum() == 16141 - 39
    men = age_series[(age_series["団体コード"] == ASHIKITA) & (age_series["年"] == 2022) & (age_series["性別"] == "男")]
    assert men.loc[men["年齢階級"] == "100歳以上", "値"].iloc[0] == _raw_row("soumu_juki_2204ssnen.xlsx", ASHIKITA, "男")["100歳以上"]


def test_age_files_of_2014_and_2019_layouts(age_series):
    assert age_series.attrs["ファイル"] == {2014: "soumu_juki_1404ssnen.xls", 2019: "soumu_juki_1904ssnen.xls",
                                         2022: "soumu_juki_2204ssnen.xlsx"}
    assert age_series.attrs["最上位の階級"] == {2014: "80歳以上", 2019: "100歳以上", 2022: "100歳以上"}
    town = age_series[(age_series["団体コード"] == ASHIKITA) & (age_series["性別"] == "計")]
    y2014 = town[town["年"] == 2014]
    assert y2014.loc[y2014["年齢階級"] == "総数", "値"].iloc[0] == 19142
    assert y2014.loc[y2014["年齢階級"] == "80歳以上", "値"].iloc[0] == 2756
    # 「葦北郡芦北町*」: foreign residents' ages withheld, so the bands fall 32 short of the total
    assert y2014["内訳の一部非公表"].all() and y2014.loc[y2014["年齢階級"] != "総数", "値"].sum() == 19110
    assert set(town.loc[town["年"] == 2019, "団体名"]) == {"葦北郡芦北町"}
    people = age_series[(age_series["性別"] == "計") & (age_series["年齢階級"] == "総数")
                        & age_series["区分"].isin(["市区町村", "政令市"])]
    national = age_series[(age_series["区分"] == "全国") & (age_series["性別"] == "計") & (age_series["年齢階級"] == "総数")]
    for year in (2014, 2019, 2022):
        assert people.loc[people["年"] == year, "値"].sum() == national.loc[national["年"] == year, "値"].iloc[0]


def test_an_xls_renamed_xlsx_is_read_as_what_it_is(tmp_path):
    import shutil

    renamed = tmp_path / "nenrei_2019.xlsx"
    shutil.copy(FOLDER / "soumu_juki_1904ssnen.xls", renamed)
    assert excel.sniff(renamed) == "xls" and soumu.file_kind(renamed) == soumu.AGE
    table = soumu.read_age(renamed)
    assert table.attrs["年"] == 2019 and len(table) > 100_000


@pytest.mark.parametrize("name", sorted(ZAISEI_FILES))
def test_every_zaisei_file(zaisei_series, name):
    table, _ = zaisei_series
    fiscal, strength, ordinary, sapporo, average = ZAISEI_FILES[name]
    part = table[table["出典ファイル"] == name]
    assert set(part["年度"]) == {fiscal}
    assert _value(part, ASHIKITA, "財政力指数")["値"] == strength
    assert _value(part, ASHIKITA, "経常収支比率")["値"] == ordinary
    burden = _value(part, ASHIKITA, "将来負担比率")
    assert pd.isna(burden["値"]) and burden["記号"] == "-"  # 「-」 kept apart, never 0
    assert _value(part, "011002", "財政力指数")["値"] == sapporo
    footer = part[(part["区分"] == "全国平均") & (part["項目"] == "財政力指数")]
    assert len(footer) == 1 and footer["値"].iloc[0] == average and footer["団体名"].iloc[0] == "全国市町村平均"
    laspeyres = part[(part["区分"] == "全国平均") & (part["項目"] == "ラスパイレス指数")]
    assert pd.isna(laspeyres["値"].iloc[0]) and laspeyres["記号"].iloc[0] == "-"  # a full-width 「－」
    municipalities = part[(part["項目"] == "財政力指数") & part["区分"].isin(["市区町村", "政令市"])]
    assert len(municipalities) == 1741 and municipalities["団体コード"].is_unique


def test_zaisei_series_years_and_their_sources(zaisei_series):
    table, caught = zaisei_series
    assert list(table.attrs["ファイル"]) == [2014, 2016, 2017, 2018, 2019, 2020]
    assert table.attrs["欠けている年"] == [2015]
    assert any(issubclass(w.category, soumu.MissingYearWarning) for w in caught)
    sources = table.attrs["年の出どころ"]
    assert sources["soumu_zaisei_shihyo_city_H26.xls"] == "ファイル名「H26」"
    assert sources["soumu_zaisei_shihyo_city_R2.xlsx"] == "タイトル行「令和2年度」"  # 「令和２年度」 in the file
    assert sources["soumu_zaisei_shihyo_city_H30.xlsx"] == "タイトル行「平成30年度」"
    odd = table[(table["区分"] == "全国平均") & (table["項目"] == "実質公債費比率") & (table["年度"] == 2019)]
    assert odd["値"].iloc[0] == 5.829
    takatomi = table[(table["団体コード"] == "473812") & (table["項目"] == "将来負担比率") & (table["年度"] == 2016)]
    assert pd.isna(takatomi["値"].iloc[0]) and takatomi["記号"].iloc[0] == "-"  # 「－」 in 平成28年度


def test_a_mixed_series_is_refused_naming_the_other_kind():
    files = [FOLDER / "soumu_juki_2103ssjin.xlsx", FOLDER / "soumu_juki_2203ssjin.xlsx",
             FOLDER / "soumu_zaisei_shihyo_city_H26.xls"]
    with pytest.raises(DataFormatError, match="別の種類のファイル.*「soumu_zaisei_shihyo_city_H26.xls」（財政指標）"):
        soumu.read_series(files)


def test_read_juki_excel_keeps_working_on_the_xls_years():
    wide = juki.read_juki_excel(FOLDER / "soumu_juki_1303ssjin.xls")
    assert wide.attrs["sheet"] == "人口、世帯数、人口動態（市区町村別）【総計】"
    assert wide.set_index("団体コード").loc[ASHIKITA, "人口_計"] == 19348
    assert wide["人口_計"].dtype == "int64"
