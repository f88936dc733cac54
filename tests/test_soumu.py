"""ebpm.soumu on small synthetic workbooks shaped like the 総務省 yearly files (tests/fixtures_soumu.py)."""
from __future__ import annotations

import datetime as dt
import shutil
import warnings

import openpyxl
import pandas as pd
import pytest

from ebpm import juki, soumu
from ebpm.errors import DataFormatError
from ebpm.lgcode import to_6digit
from tests import fixtures_soumu as fx

TOWN = "43992"  # ほしかわ町
VILLAGE = "43993"  # つきのせ村: no births in 2020 → "-" in 増減率 of the 2021 file


def _row(table: pd.DataFrame, code5: str, item: str) -> pd.Series:
    rows = table[(table["団体コード"] == to_6digit(code5)) & (table["項目"] == item)]
    assert len(rows) == 1, (code5, item, len(rows))
    return rows.iloc[0]


# --- 住基, one file ----------------------------------------------------------------------------


def test_old_layout_2013_reference_date_and_fiscal_year_dynamics(tmp_path):
    table = soumu.read_juki(fx.write_juki(tmp_path, 2013))
    row = _row(table, TOWN, "人口_計")
    assert row["値"] == fx.population(TOWN, 2013)
    assert row["年"] == 2013 and row["基準日"] == pd.Timestamp("2013-03-31") and row["期間"] == "時点"
    births = _row(table, TOWN, "住民票記載数_出生者数")
    assert births["値"] == fx.births(TOWN, 2013)
    assert births["期間"] == "年度"
    assert (births["期間開始"], births["期間終了"]) == (pd.Timestamp("2012-04-01"), pd.Timestamp("2013-03-31"))
    # The 2013 file names the rate 増加率 and leaves it blank: renamed, NaN, no marker invented.
    rate = table[table["項目"] == "増減率"]
    assert len(rate) == 9 and rate["値"].isna().all() and rate["記号"].isna().all()
    assert "増加率" not in set(table["項目"])
    assert table.attrs["人口動態の期間"].startswith("2012年度")
    assert table.attrs["年の出どころ"] == "タイトル行「平成25年3月31日」"
    assert table.attrs["対象"] == "総計"


def test_old_layout_with_a_unit_note_in_the_title_row(tmp_path):
    table = soumu.read_juki(fx.write_juki(tmp_path, 2018))
    assert table.attrs["title"].startswith("平成30年1月1日")
    assert set(table["項目"]) == {"人口_男", "人口_女", "人口_計", "世帯数", "住民票記載数_出生者数", "増減率"}
    births = _row(table, TOWN, "住民票記載数_出生者数")
    assert births["期間"] == "暦年" and births["期間開始"] == pd.Timestamp("2017-01-01")
    assert table["基準日"].eq(pd.Timestamp("2018-01-01")).all()


def test_new_layout_keeps_markers_apart_from_numbers(tmp_path):
    table = soumu.read_juki(fx.write_juki(tmp_path, 2021))
    rate = _row(table, VILLAGE, "増減率")
    assert pd.isna(rate["値"]) and rate["記号"] == "-"  # never 0
    assert pd.isna(_row(table, TOWN, "増減率")["記号"])
    assert _row(table, VILLAGE, "人口_計")["値"] == fx.population(VILLAGE, 2021)
    assert _row(table, TOWN, "世帯数")["単位"] == "世帯" and rate["単位"] == "%"
    assert table.attrs["注記"] == ["注:増減率内の「-」は、「皆増」を示す"]


@pytest.mark.parametrize("year", [2013, 2021])
def test_every_row_is_classified_and_basic_units_add_up(tmp_path, year):
    table = soumu.read_juki(fx.write_juki(tmp_path, year))
    people = table[table["項目"] == "人口_計"].set_index("団体名")
    assert people["区分"].to_dict() == {
        "全国": "全国", "架空県": "都道府県", "みなと市": "政令市", "みなと市東区": "政令市の区",
        "みなと市西区": "政令市の区", "やまのうえ市": "市区町村", "架空郡": "郡",
        "架空郡ほしかわ町": "市区町村", "架空郡つきのせ村": "市区町村",
    }
    assert pd.isna(people.loc["全国", "団体コード"])
    basic = people[people["区分"].isin(["市区町村", "政令市"])]
    assert basic["値"].sum() == people.loc["全国", "値"] == fx.total(year, fx.population)


def test_both_layouts_give_the_same_items(tmp_path):
    old = soumu.read_juki(fx.write_juki(tmp_path, 2016))
    new = soumu.read_juki(fx.write_juki(tmp_path, 2022))
    assert list(dict.fromkeys(old["項目"])) == list(dict.fromkeys(new["項目"]))
    assert list(old.columns) == list(new.columns)


def test_errors_name_the_file_and_the_sheet(tmp_path):
    path = fx.write_juki(tmp_path, 2021)
    book = openpyxl.load_workbook(path)
    book.active.cell(row=10, column=5, value="不明")
    book.save(path)
    with pytest.raises(DataFormatError, match=r"juki_2103ssjin.xlsx」、シート「人口、世帯数、人口動態（市区町村別）【総計】」、10 行目.*不明"):
        soumu.read_juki(path)


def test_a_zaisei_file_is_refused_by_read_juki_and_back(tmp_path):
    zaisei = fx.write_zaisei(tmp_path / "shihyo_R2.xlsx", 2020, year_in_title=True)
    with pytest.raises(DataFormatError, match="shihyo_R2.xlsx.*主要財政指標のファイルです。read_zaisei"):
        soumu.read_juki(zaisei)
    with pytest.raises(DataFormatError, match="住民基本台帳.*のファイルです。read_juki"):
        soumu.read_zaisei(fx.write_juki(tmp_path, 2021))
    assert soumu.file_kind(zaisei) == "財政指標"


# --- 財政指標, one file ---------------------------------------------------------------------------


def test_zaisei_year_from_a_full_width_title(tmp_path):
    table = soumu.read_zaisei(fx.write_zaisei(tmp_path / "shihyo.xlsx", 2020, year_in_title=True, empty_rows_after=4))
    assert table.attrs["年度"] == 2020 and table.attrs["年の出どころ"] == "タイトル行「令和2年度」"
    assert table.attrs["sheet"] == "全市町村の主要財政指標 "
    assert len(table) == 5 * 5  # 4 municipalities and 全国市町村平均, 5 indicators; empty rows ignored
    assert _row(table, TOWN, "財政力指数")["値"] == fx.indicator(TOWN, 2020, "財政力指数")


def test_zaisei_footer_and_markers(tmp_path):
    table = soumu.read_zaisei(fx.write_zaisei(tmp_path / "shihyo_H27.xlsx", 2015, year_in_title=False))
    average = table[table["区分"] == "全国平均"]
    assert len(average) == 5 and average["団体コード"].isna().all()
    assert set(average["団体名"]) == {"全国市町村平均"} and average["都道府県名"].isna().all()
    assert average.set_index("項目").loc["経常収支比率", "値"] == 92.0
    laspeyres = average.set_index("項目").loc["ラスパイレス指数"]
    assert pd.isna(laspeyres["値"]) and laspeyres["記号"] == "-"  # full-width "－"
    burden = _row(table, VILLAGE, "将来負担比率")
    assert pd.isna(burden["値"]) and burden["記号"] == "-"
    assert set(table.loc[table["区分"] != "全国平均", "区分"]) == {"市区町村", "政令市"}


@pytest.mark.parametrize(
    "name, year", [("shihyo_H26.xlsx", 2014), ("主要財政指標_平成28年度.xlsx", 2016), ("shihyo_2017.xlsx", 2017),
                   ("shihyo_R1.xlsx", 2019)],
)
def test_zaisei_year_from_the_file_name(tmp_path, name, year):
    table = soumu.read_zaisei(fx.write_zaisei(tmp_path / name, year, year_in_title=False))
    assert table["年度"].eq(year).all()
    assert table.attrs["年の出どころ"].startswith("ファイル名")


def test_zaisei_without_a_year_is_refused_unless_given(tmp_path):
    path = fx.write_zaisei(tmp_path / "shihyo.xlsx", 2016, year_in_title=False)
    with pytest.raises(DataFormatError, match="shihyo.xlsx.*何年度の指標か分かりません"):
        soumu.read_zaisei(path)
    assert soumu.read_zaisei(path, year=2016)["年度"].eq(2016).all()


def test_a_file_name_that_contradicts_the_title_is_refused(tmp_path):
    path = fx.write_zaisei(tmp_path / "shihyo_R1.xlsx", 2020, year_in_title=True)
    with pytest.raises(DataFormatError, match="「R1」= 2019.*2020.*食い違"):
        soumu.read_zaisei(path)


# --- series --------------------------------------------------------------------------------------


@pytest.fixture
def juki_folder(tmp_path):
    folder = tmp_path / "juki"
    folder.mkdir()
    for year in (2013, 2014, 2016, 2021):
        fx.write_juki(folder, year)
    return folder


def test_series_reports_the_missing_year_and_the_breaks(juki_folder):
    with pytest.warns(soumu.MissingYearWarning, match="2015、2017、2018、2019、2020 年のファイルがありません"):
        table = soumu.read_series(juki_folder)
    assert table.attrs["欠けている年"] == [2015, 2017, 2018, 2019, 2020]
    assert sorted(table["年"].unique()) == [2013, 2014, 2016, 2021]  # nothing filled in
    assert table.attrs["ファイル"][2014] == "juki_1403ssjin.xlsx"
    notes = " ".join(table.attrs["注記"])
    assert "3 月 31 日" in notes and "1 月 1 日" in notes and "年度" in notes and "暦年" in notes
    town = table[(table["団体コード"] == to_6digit(TOWN)) & (table["項目"] == "人口_計")]
    assert town.set_index("年")["値"].to_dict() == {y: fx.population(TOWN, y) for y in (2013, 2014, 2016, 2021)}
    assert dict(zip(town["年"], town["基準日"].dt.date)) == {
        2013: dt.date(2013, 3, 31), 2014: dt.date(2014, 1, 1), 2016: dt.date(2016, 1, 1), 2021: dt.date(2021, 1, 1),
    }
    assert dict(zip(town["年"], town["出典ファイル"].astype(str)))[2016] == "juki_1603ssjin.xlsx"
    births = table[(table["団体コード"] == to_6digit(TOWN)) & (table["項目"] == "住民票記載数_出生者数")]
    assert list(births["期間"].astype(str)) == ["年度", "暦年", "暦年", "暦年"]


def test_series_without_a_gap_does_not_warn(tmp_path):
    for year in (2021, 2022):
        fx.write_juki(tmp_path, year)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = soumu.read_series(tmp_path)
    assert table.attrs["欠けている年"] == [] and table.attrs["注記"] == []


def test_a_duplicated_year_is_refused_naming_both_files(juki_folder):
    shutil.copy(juki_folder / "juki_1603ssjin.xlsx", juki_folder / "コピー.xlsx")
    with pytest.raises(DataFormatError, match="2016 年のファイルが 2 つ.*「juki_1603ssjin.xlsx」と「コピー.xlsx」"):
        soumu.read_series(juki_folder)


def test_a_file_of_another_kind_is_refused_by_name_in_a_list_and_set_aside_in_a_folder(juki_folder):
    fx.write_zaisei(juki_folder / "shihyo_R2.xlsx", 2020, year_in_title=True)
    files = sorted(juki_folder.iterdir())
    with pytest.raises(DataFormatError, match="別の種類のファイル.*「shihyo_R2.xlsx」（財政指標）"):
        soumu.read_series(files)
    with pytest.raises(DataFormatError, match="「juki_1303ssjin.xlsx」（住基）"):
        soumu.read_series(files, kind="財政指標")
    # a user's folder holds every kind side by side: the other kinds are named, not fatal
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", soumu.MissingYearWarning)
        table = soumu.read_series(juki_folder)
    assert table.attrs["種類"] == "住基" and "shihyo_R2.xlsx" not in set(table["出典ファイル"])
    assert list(table.attrs["読まなかったファイル"]) == ["shihyo_R2.xlsx"]
    assert "主要財政指標のファイルです" in table.attrs["読まなかったファイル"]["shihyo_R2.xlsx"]
    zaisei = soumu.read_series(juki_folder, kind="財政指標")
    assert list(zaisei.attrs["ファイル"]) == [2020] and len(zaisei.attrs["読まなかったファイル"]) == len(files) - 1


def test_an_unrelated_workbook_is_refused_by_name(juki_folder):
    fx.write_furusato(juki_folder / "furusato.xlsx", prefecture_sheet=False)
    with pytest.raises(DataFormatError, match="furusato.xlsx.*シート「市区町村別」.*住基の人口・世帯数の表でも、年齢階級別人口の表でも、主要財政指標の表でもありません"):
        soumu.read_series(juki_folder)


def test_a_file_of_another_scope_is_refused(juki_folder):
    path = juki_folder / "juki_1403ssjin.xlsx"
    book = openpyxl.load_workbook(path)
    book.active["A1"] = book.active["A1"].value.replace("（総計）", "（日本人住民）")
    book.save(path)
    with pytest.raises(DataFormatError, match="集計の対象が違う.*「juki_1403ssjin.xlsx」"):
        soumu.read_series(juki_folder)


def test_series_from_a_list_of_files_and_bad_arguments(juki_folder, tmp_path):
    files = [juki_folder / "juki_2103ssjin.xlsx", juki_folder / "juki_1603ssjin.xlsx"]
    with pytest.warns(soumu.MissingYearWarning):
        table = soumu.read_series(files)
    assert list(table.attrs["ファイル"]) == [2016, 2021]
    with pytest.raises(DataFormatError, match="ファイルがありません"):
        soumu.read_series([tmp_path / "nothing.xlsx"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataFormatError, match="Excel ファイル.*がありません"):
        soumu.read_series(empty)
    with pytest.raises(DataFormatError, match="kind="):
        soumu.read_series(juki_folder, kind="population")


def test_zaisei_series(tmp_path):
    fx.write_zaisei(tmp_path / "shihyo_H26.xlsx", 2014, year_in_title=False)
    fx.write_zaisei(tmp_path / "shihyo_H28.xlsx", 2016, year_in_title=False)
    fx.write_zaisei(tmp_path / "shihyo_R2.xlsx", 2020, year_in_title=True)
    with pytest.warns(soumu.MissingYearWarning, match="2015、2017、2018、2019 年度"):
        table = soumu.read_series(tmp_path)
    assert table.attrs["種類"] == "財政指標"
    assert table.attrs["年の出どころ"]["shihyo_R2.xlsx"] == "タイトル行「令和2年度」"
    town = table[(table["団体コード"] == to_6digit(TOWN)) & (table["項目"] == "財政力指数")]
    assert town.set_index("年度")["値"].to_dict() == {y: fx.indicator(TOWN, y, "財政力指数") for y in (2014, 2016, 2020)}


def test_to_wide_has_one_row_per_municipality_and_year(juki_folder):
    with pytest.warns(soumu.MissingYearWarning):
        table = soumu.read_series(juki_folder)
    wide = soumu.to_wide(table)
    assert len(wide) == 9 * 4
    assert not wide.duplicated(["団体名", "年"]).any()
    town = wide[wide["団体コード"] == to_6digit(TOWN)].set_index("年")
    assert town["人口_計"].to_dict() == {y: fx.population(TOWN, y) for y in (2013, 2014, 2016, 2021)}
    assert (town["人口_男"] + town["人口_女"]).equals(town["人口_計"])
    national = wide[wide["区分"] == "全国"]
    assert len(national) == 4 and national["団体コード"].isna().all()


# --- a wide workbook with several sheets (ふるさと納税 受入額-like) ---------------------------------


def test_wide_workbook_is_not_read_from_a_sheet_chosen_silently(tmp_path):
    path = fx.write_furusato(tmp_path / "furusato.xlsx")
    with pytest.raises(DataFormatError, match="2 枚あります: 「都道府県別」、「市区町村別」.*sheet="):
        juki.read_juki_excel(path)


@pytest.mark.parametrize("line_break", ["\n", "\r\n"])
def test_wide_workbook_with_line_breaks_in_its_header_cells(tmp_path, line_break):
    path = fx.write_furusato(tmp_path / "furusato.xlsx", line_break=line_break)
    table = juki.read_juki_excel(path, sheet="市区町村別")
    assert table.attrs["sheet"] == "市区町村別"
    assert list(table.columns[4:]) == ["2021年度_受入額", "2021年度_受入件数", "2022年度_受入額", "2022年度_受入件数"]
    assert table.attrs["単位"]["2022年度_受入額"] == "千円" and table.attrs["単位"]["2021年度_受入件数"] == "件"
    assert table.attrs["年"]["2022年度_受入額"] == 2022
    town = table.set_index("団体名").loc["ほしかわ町"]
    assert town["2022年度_受入額"] == fx.furusato_amount(TOWN, 2022)
    assert town["2021年度_受入件数"] == fx.furusato_amount(TOWN, 2021) // 10


def test_one_data_sheet_after_an_explanation_sheet_is_found_and_named(tmp_path):
    path = fx.write_furusato(tmp_path / "furusato.xlsx", prefecture_sheet=False)
    table = juki.read_juki_excel(path)
    assert table.attrs["sheet"] == "市区町村別" and len(table) == 4
    book = openpyxl.load_workbook(path)
    book["市区町村別"]["E5"] = "不明"
    book.save(path)
    with pytest.raises(DataFormatError, match="シート「市区町村別」、5 行目"):
        juki.read_juki_excel(path)


def test_read_juki_excel_reads_the_zaisei_layout_and_its_footer(tmp_path):
    path = fx.write_zaisei(tmp_path / "shihyo_R2.xlsx", 2020, year_in_title=True)
    municipalities = juki.read_juki_excel(path)
    assert len(municipalities) == 4 and "全国市町村平均" not in set(municipalities["団体名"])
    footer = juki.read_juki_excel(path, keep="national_average")
    assert footer["団体名"].tolist() == ["全国市町村平均"] and footer["財政力指数"].iloc[0] == 0.5


# --- BIFF .xls (written with xlwt, a test-only dependency) ---------------------------------------


@pytest.mark.parametrize("year", [2013, 2018])
def test_the_old_layout_reads_the_same_from_xls_and_xlsx(tmp_path, year):
    pytest.importorskip("xlwt", reason="xlwt（テスト用の .xls を書くパッケージ）がありません")
    old = soumu.read_juki(fx.write_juki(tmp_path, year, suffix=".xls"))
    new = soumu.read_juki(fx.write_juki(tmp_path, year, suffix=".xlsx"))
    assert old.attrs["source"].endswith(".xls")
    pd.testing.assert_frame_equal(old.drop(columns="出典ファイル"), new.drop(columns="出典ファイル"))
    assert _row(old, TOWN, "人口_計")["値"] == fx.population(TOWN, year)


def test_a_series_of_xls_and_xlsx_files(tmp_path):
    pytest.importorskip("xlwt", reason="xlwt（テスト用の .xls を書くパッケージ）がありません")
    for year in (2016, 2017):
        fx.write_juki(tmp_path, year, suffix=".xls")
    fx.write_juki(tmp_path, 2021)
    with pytest.warns(soumu.MissingYearWarning, match="2018、2019、2020 年"):
        table = soumu.read_series(tmp_path)
    assert table.attrs["ファイル"] == {2016: "juki_1603ssjin.xls", 2017: "juki_1703ssjin.xls", 2021: "juki_2103ssjin.xlsx"}
    town = table[(table["団体コード"] == to_6digit(TOWN)) & (table["項目"] == "人口_計")].set_index("年")["値"]
    assert town.to_dict() == {y: fx.population(TOWN, y) for y in (2016, 2017, 2021)}


def test_id_headers_with_a_bracketed_note_and_a_line_break(tmp_path):
    path = fx.write_furusato(tmp_path / "furusato.xlsx", prefecture_sheet=False)
    book = openpyxl.load_workbook(path)
    book["市区町村別"]["A2"] = "団体\nコード（6桁）"
    book["市区町村別"]["C2"] = "市町村名(※)"
    book.save(path)
    table = juki.read_juki_excel(path)
    assert list(table.columns[:4]) == ["団体コード", "都道府県名", "市区町村名", "区分"]
    assert table["団体コード"].tolist()[1] == to_6digit("43991")


def test_a_broken_row_in_a_series_names_file_sheet_and_row(juki_folder):
    path = juki_folder / "juki_2103ssjin.xlsx"
    book = openpyxl.load_workbook(path)
    book.active.cell(row=11, column=1, value="439917")  # wrong check digit
    book.save(path)
    with pytest.raises(DataFormatError, match=r"ファイル「juki_2103ssjin.xlsx」: .*理由: シート「人口、世帯数、人口動態（市区町村別）【総計】」、11 行目"):
        soumu.read_series(juki_folder)


def test_a_name_wrapped_over_several_lines_stays_one_name(tmp_path):
    path = fx.write_furusato(tmp_path / "furusato.xlsx", prefecture_sheet=False)
    book = openpyxl.load_workbook(path)
    book["市区町村別"]["D2"] = "令和3年度\nふるさと納税\n受入額\n（千円）"
    book["市区町村別"]["E2"] = "転入者数\n（国内）"
    book.save(path)
    table = juki.read_juki_excel(path)
    assert list(table.columns[4:6]) == ["ふるさと納税受入額", "転入者数(国内)"]
    assert table.attrs["年"]["ふるさと納税受入額"] == 2021 and table.attrs["単位"]["ふるさと納税受入額"] == "千円"


# --- 年齢階級別人口, CSV exports and renamed files (the course's synthetic files in data/) ----------

def _synthetic(name: str):
    from ebpm import datasets

    return datasets.path(name)


def _age_series():
    return soumu.read_series(_synthetic("soumu_age_2014").parent, kind="年齢階級別")


def test_age_files_of_both_layouts_read_as_the_generator_wrote_them():
    from ebpm.synth import soumu_files as sf

    table = _age_series()
    assert table.attrs["ファイル"] == {2014: "1404ssnen.xls", 2019: "1904ssnen.xls", 2024: "2404ssnen.xlsx"}
    assert table.attrs["最上位の階級"] == {2014: "80歳以上", 2019: "100歳以上", 2024: "100歳以上"}
    assert table.attrs["欠けている年"] == [] and "80歳以上" in table.attrs["注記"][0]
    keys = ["団体コード", "年", "性別", "年齢階級"]
    got = table.assign(団体コード=table["団体コード"].fillna(""), 性別=table["性別"].astype(str),
                       年齢階級=table["年齢階級"].astype(str)).set_index(keys)
    truth = sf.age_truth().assign(団体コード=lambda t: t["団体コード"].fillna("")).set_index(keys)
    assert len(got) == len(truth)
    joined = truth.merge(got, left_index=True, right_index=True, how="left", suffixes=("", "_読んだ値"))
    assert (joined["値"] == joined["値_読んだ値"]).all()
    assert (joined["内訳の一部非公表"] == joined["内訳の一部非公表_読んだ値"]).all()
    assert (joined["下限"].fillna(-1) == joined["下限_読んだ値"].fillna(-1)).all()
    town = got.xs(("438014", 2014, "計"), level=["団体コード", "年", "性別"])["値"]
    assert town["総数"] - town.drop("総数").sum() == 5   # withheld foreign residents: the bands do not add up
    assert list(town.index[1:4]) == ["0〜4歳", "5〜9歳", "10〜14歳"]   # 「0～4歳」「5～9」 read as one spelling


def test_age_bands_gives_every_year_the_same_top_band():
    table = soumu.age_bands(_age_series())
    town = table[(table["団体コード"] == "438014") & (table["性別"] == "計")]
    labels = town.groupby("年")["年齢階級"].apply(list)
    assert labels[2014] == labels[2019] == labels[2024] and labels[2019][-1] == "80歳以上"
    raw = _age_series()
    raw = raw[(raw["団体コード"] == "438014") & (raw["性別"] == "計") & (raw["年"] == 2019) & (raw["下限"] >= 80)]
    assert town.loc[town["年"] == 2019, "値"].iloc[-1] == raw["値"].sum()


def test_the_kind_is_read_from_the_content_not_the_name(tmp_path):
    renamed = tmp_path / "2003ssjin.xlsx"   # an .xls 年齢階級別 file under a 人口・世帯数 name and another extension
    shutil.copy(_synthetic("soumu_age_2019"), renamed)
    shutil.copy(_synthetic("soumu_juki_2021"), tmp_path / "2103ssjin.xlsx")
    assert soumu.file_kind(renamed) == soumu.AGE
    juki_series = soumu.read_series(tmp_path)
    assert list(juki_series.attrs["ファイル"].values()) == ["2103ssjin.xlsx"]
    assert "年齢階級別人口" in juki_series.attrs["読まなかったファイル"]["2003ssjin.xlsx"]
    ages = soumu.read_series(tmp_path, kind="age")
    assert ages.attrs["ファイル"] == {2019: "2003ssjin.xlsx"}


def test_an_xlsx_renamed_xls_and_a_zip_are_told_apart_by_content(tmp_path):
    from ebpm import excel

    wrong = tmp_path / "2103ssjin.xls"
    shutil.copy(_synthetic("soumu_juki_2021"), wrong)
    assert excel.sniff(wrong) == "xlsx" and soumu.read_juki(wrong).attrs["年"] == 2021
    import zipfile

    with zipfile.ZipFile(tmp_path / "N03-21_43.zip", "w") as archive:
        archive.writestr("N03-21_43.geojson", "{}")
    with pytest.raises(DataFormatError, match="N03-21_43.zip.*ZIP（圧縮）ファイルです.*展開"):
        soumu.read_juki(tmp_path / "N03-21_43.zip")


@pytest.mark.parametrize(("name", "options"), [
    ("soumu_juki_2013", {"encoding": "cp932", "thousands": True}),                       # merged header lost
    ("soumu_juki_2021", {"encoding": "utf-8-sig", "sort_by_code": True, "trailing_spaces": True}),
    ("soumu_juki_2022", {"encoding": "utf-8"}),
    ("soumu_age_2014", {"encoding": "cp932", "sort_by_code": True}),
    ("soumu_age_2024", {"encoding": "cp932", "thousands": True}),
])
def test_a_table_saved_as_csv_reads_as_its_workbook(tmp_path, name, options):
    workbook = _synthetic(name)
    saved = fx.save_as_csv(workbook, tmp_path / (workbook.stem + ".csv"), **options)
    assert b"\r\n" in saved.read_bytes()
    read = soumu.read_age if "age" in name else soumu.read_juki
    expected, got = read(workbook), read(saved)
    keys = [c for c in ("団体コード", "性別", "年齢階級", "項目") if c in expected]
    expected = expected.assign(団体コード=expected["団体コード"].fillna("")).set_index(keys).sort_index()
    got = got.assign(団体コード=got["団体コード"].fillna("")).set_index(keys).sort_index()
    assert got.index.equals(expected.index)
    assert got["値"].fillna(-1).to_numpy() == pytest.approx(expected["値"].fillna(-1).to_numpy(), rel=1e-8)
    assert (got["記号"].astype(object).fillna("") == expected["記号"].astype(object).fillna("")).all()
    assert got.attrs["年"] == expected.attrs["年"] and got.attrs["sheet"] == "CSV（テキスト）"


def test_a_csv_that_is_no_soumu_table_is_refused_naming_the_file_to_download(tmp_path):
    memo = tmp_path / "メモ.csv"
    memo.write_bytes("町名,人口\r\n星川町,15000\r\n".encode("cp932"))
    with pytest.raises(DataFormatError, match="メモ.csv.*CSV（テキスト）のファイルですが.*2203ssjin.xlsx"):
        soumu.file_kind(memo)
