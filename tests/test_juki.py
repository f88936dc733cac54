"""Tests of ebpm.juki on small workbooks that reproduce the quirks of the 総務省 住基 tables."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ebpm import juki
from ebpm.errors import DataFormatError
from ebpm.lgcode import to_6digit

REAL_DIR = Path(__file__).resolve().parents[1] / "../shared/realdata"
REAL_FILE = REAL_DIR / "finance_population/soumu_juki_2203ssjin.xlsx"

# 5-digit code, 都道府県名, 市区町村名, 男, 女, 計, 世帯数, 出生者数, 死亡者数, 増減率
AREAS = [
    ("01000", "北海道", "-", 2450, 2733, 5183, 2796, 28, 69, -0.86),
    ("01100", "北海道", "札幌市", 916, 1044, 1960, 1087, 12, 21, -0.04),
    ("01101", "北海道", "札幌市中央区", 109, 131, 240, 147, 1, 2, 0.54),
    ("01102", "北海道", "札幌市北区", 807, 913, 1720, 940, 11, 19, -0.1),
    ("01202", "北海道", "函館市", 113, 137, 250, 145, 1, 3, "-"),
    ("43000", "熊本県", "-", 830, 910, 1740, 720, 12, 20, -0.5),
    ("43100", "熊本県", "熊本市", 350, 380, 730, 330, 6, 7, 0.1),
    ("43101", "熊本県", "熊本市中央区", 90, 100, 190, 110, 1, 2, 0.2),
    ("43400", "熊本県", "阿蘇郡", 20, 22, 42, 18, 0, 1, -1.2),
    ("43423", "熊本県", "阿蘇郡小国町", 3, 4, 7, 3, "-", 1, -1.5),
    ("43999", "熊本県", "架空町", 7, 8, "15,000", 6, 0, 0, -1.0),
]
HEADER_TEXT = ["団体コード", "都道府県名", "市区町村名"]
ITEMS = ["男", "女", "計", "世帯数", "出生者数", "死亡者数", "増減率"]
UNITS = ["人", "人", "人", "世帯", "人", "人", "％"]
FOOTNOTE = "注：増減率内の「-」は、「皆増」を示す"


def build_juki_xlsx(
    path: Path,
    *,
    merged: bool = True,
    numeric_codes: bool = False,
    areas: list[tuple] | None = None,
    national: bool = True,
    footnote: bool = True,
    before_sheets: tuple[str, ...] = (),
    sheet_title: str = "人口（市区町村別）",
) -> Path:
    """A 住基-style workbook: title, 5 header rows (merged or repeated), aggregates, footnote."""
    book = openpyxl.Workbook()
    first = book.active
    for i, name in enumerate(before_sheets):
        ws = first if i == 0 else book.create_sheet(name)
        ws.title = name
        ws["A1"] = "この表の説明です。"
    ws = book.create_sheet(sheet_title) if before_sheets else first
    ws.title = sheet_title
    ws["A1"] = "令和4年1月1日住民基本台帳人口・世帯数（市区町村別）"
    ws.merge_cells("A1:J1") if merged else None
    wareki_years = ["令和4年"] * 4 + ["令和3年"] * 3
    seireki_years = ["2022年"] * 4 + ["2021年"] * 3
    groups = ["人口"] * 3 + ["世帯数"] + ["人口動態"] * 2 + ["増減率"]
    items = ITEMS[:3] + ["世帯数"] + ITEMS[4:6] + ["増減率"]
    for offset, row in enumerate([wareki_years, seireki_years, groups, items]):
        for j, value in enumerate(row):
            ws.cell(row=2 + offset, column=4 + j, value=value)
    for j, value in enumerate(HEADER_TEXT + UNITS):
        ws.cell(row=6, column=1 + j, value=value)
    if merged:
        # Keep only the top-left value of each merged range, as Excel does.
        for rng in ["D2:G2", "H2:J2", "D3:G3", "H3:J3", "D4:F4", "G4:G5", "H4:I4", "J4:J5"]:
            ws.merge_cells(rng)
    r = 7
    if national:
        for j, value in enumerate(["-", "合計", "-", 61420, 64507, 125927, 59761, 830, 1449, -0.57]):
            ws.cell(row=r, column=1 + j, value=value)
        r += 1
    for area in areas if areas is not None else AREAS:
        code5, *rest = area
        code = to_6digit(code5)
        ws.cell(row=r, column=1, value=int(code) if numeric_codes else code)
        for j, value in enumerate(rest):
            ws.cell(row=r, column=2 + j, value=value)
        r += 1
    if footnote:
        ws.cell(row=r, column=1, value=FOOTNOTE)
        if merged:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=10)
    book.save(path)
    return path


@pytest.fixture
def juki_file(tmp_path):
    return build_juki_xlsx(tmp_path / "juki.xlsx")


EXPECTED_COLUMNS = [
    "団体コード", "都道府県名", "市区町村名", "区分",
    "人口_男", "人口_女", "人口_計", "世帯数", "人口動態_出生者数", "人口動態_出生者数_記号",
    "人口動態_死亡者数", "増減率", "増減率_記号",
]


def test_reads_municipalities_by_default(juki_file):
    df = juki.read_juki_excel(juki_file)
    assert list(df.columns) == EXPECTED_COLUMNS
    assert list(df["市区町村名"]) == ["札幌市", "函館市", "熊本市", "阿蘇郡小国町", "架空町"]
    assert set(df["区分"]) == {"市区町村", "政令市"}
    assert df["団体コード"].tolist()[0] == "011002"
    assert df["団体コード"].str.len().eq(6).all()


def test_classifies_every_row(juki_file):
    df = juki.read_juki_excel(juki_file, keep=None)
    kinds = dict(zip(df["市区町村名"].fillna(df["都道府県名"]), df["区分"]))
    assert kinds == {
        "合計": "全国", "北海道": "都道府県", "札幌市": "政令市", "札幌市中央区": "政令市の区",
        "札幌市北区": "政令市の区", "函館市": "市区町村", "熊本県": "都道府県", "熊本市": "政令市",
        "熊本市中央区": "政令市の区", "阿蘇郡": "郡", "阿蘇郡小国町": "市区町村", "架空町": "市区町村",
    }
    national = df[df["区分"] == "全国"].iloc[0]
    assert pd.isna(national["団体コード"]) and national["人口_計"] == 125927
    assert df.loc[df["都道府県名"] == "北海道", "団体コード"].iloc[0] == "010006"


@pytest.mark.parametrize(
    "keep, count",
    [("ward", 3), (["政令市の区"], 3), (("prefecture", "national"), 3), ("district", 1),
     (("municipality", "ward"), 8), ("all", 12)],
)
def test_keep_chooses_rows(juki_file, keep, count):
    assert len(juki.read_juki_excel(juki_file, keep=keep)) == count


def test_dropping_wards_avoids_double_counting(juki_file):
    """The sum over basic municipalities equals the prefecture totals only without wards."""
    df = juki.read_juki_excel(juki_file, keep=("municipality", "ward"))
    with_wards = df["人口_男"].sum()
    without = df.loc[df["区分"] != "政令市の区", "人口_男"].sum()
    assert with_wards - without == 109 + 807 + 90


def test_unknown_keep_is_refused(juki_file):
    with pytest.raises(DataFormatError, match="keep"):
        juki.read_juki_excel(juki_file, keep="towns")


def test_numbers_markers_and_commas(juki_file):
    df = juki.read_juki_excel(juki_file, keep=None).set_index("市区町村名")
    assert df["人口_計"].dtype == "int64"
    assert df["人口動態_出生者数"].dtype == "float64"  # a marker left a gap
    assert df.loc["架空町", "人口_計"] == 15000  # "15,000" stored as text
    assert pd.isna(df.loc["函館市", "増減率"])
    assert df.loc["函館市", "増減率_記号"] == "-"
    assert pd.isna(df.loc["札幌市", "増減率_記号"])
    assert df["増減率"].dtype == "float64"
    assert pd.isna(df.loc["阿蘇郡小国町", "人口動態_出生者数"])
    assert "人口動態_死亡者数_記号" not in df.columns  # no marker, no flag column


def test_footnote_is_dropped_and_kept_in_attrs(juki_file):
    df = juki.read_juki_excel(juki_file, keep=None)
    assert len(df) == 12
    assert df.attrs["注記"] == [FOOTNOTE.replace("：", ":")]
    assert df.attrs["title"].startswith("令和4年1月1日")
    assert df.attrs["年"]["人口_計"] == 2022 and df.attrs["年"]["増減率"] == 2021
    assert df.attrs["単位"]["世帯数"] == "世帯" and df.attrs["単位"]["増減率"] == "%"


def test_repeated_header_values_give_the_same_columns(tmp_path):
    merged = juki.read_juki_excel(build_juki_xlsx(tmp_path / "a.xlsx", merged=True), keep=None)
    plain = juki.read_juki_excel(build_juki_xlsx(tmp_path / "b.xlsx", merged=False), keep=None)
    pd.testing.assert_frame_equal(merged, plain)


def test_numeric_codes_get_their_zero_back(tmp_path):
    df = juki.read_juki_excel(build_juki_xlsx(tmp_path / "n.xlsx", numeric_codes=True), keep=None)
    assert df["団体コード"].dropna().tolist()[:3] == ["010006", "011002", "011011"]


def test_numeric_codes_only_hokkaido(tmp_path):
    """Every code lost its zero: the column is still recognised as 6-digit."""
    file = build_juki_xlsx(tmp_path / "h.xlsx", numeric_codes=True, areas=AREAS[:5], national=False)
    df = juki.read_juki_excel(file, keep=None)
    assert df["団体コード"].tolist() == ["010006", "011002", "011011", "011029", "012025"]


def test_five_digit_codes_get_a_check_digit(tmp_path):
    file = tmp_path / "five.xlsx"
    build_juki_xlsx(file, areas=AREAS[5:], footnote=False)
    book = openpyxl.load_workbook(file)
    ws = book.active
    for row in ws.iter_rows(min_row=8):
        row[0].value = row[0].value[:5]
    book.save(file)
    df = juki.read_juki_excel(file, keep=None)
    assert df["団体コード"].dropna().tolist()[:2] == ["430005", "431001"]


def test_finds_the_sheet_and_tolerates_a_trailing_space(tmp_path):
    file = build_juki_xlsx(tmp_path / "s.xlsx", before_sheets=("説明",), sheet_title="総計 ")
    assert len(juki.read_juki_excel(file)) == 5
    assert len(juki.read_juki_excel(file, sheet="総計")) == 5
    assert len(juki.read_juki_excel(file, sheet=1)) == 5
    with pytest.raises(DataFormatError, match="シート「人口」がありません"):
        juki.read_juki_excel(file, sheet="人口")
    with pytest.raises(DataFormatError, match="団体コード"):
        juki.read_juki_excel(file, sheet="説明")


# --- errors --------------------------------------------------------------------------


def test_not_an_xlsx(tmp_path):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("団体コード,人口\n011002,100\n", encoding="utf-8")
    # by content, not by name: text is read as a CSV (and this one has no name column)
    with pytest.raises(DataFormatError, match="fake.xlsx.*シート「CSV（テキスト）」.*団体名の列がありません"):
        juki.read_juki_excel(fake)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataFormatError, match=r"\.xls"):
        juki.read_juki_excel(old)
    csv = tmp_path / "juki.csv"
    csv.write_text("団体コード\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="juki.csv.*シート「CSV（テキスト）」"):
        juki.read_juki_excel(csv)
    with pytest.raises(DataFormatError, match="ファイルがありません"):
        juki.read_juki_excel(tmp_path / "missing.xlsx")


def _edit(file: Path, edit) -> Path:
    book = openpyxl.load_workbook(file)
    edit(book.active)
    book.save(file)
    return file


def test_missing_code_column(juki_file):
    _edit(juki_file, lambda ws: ws.cell(row=6, column=1, value="番号"))
    with pytest.raises(DataFormatError, match="団体コード.*見つかりません"):
        juki.read_juki_excel(juki_file)


def test_missing_name_column(juki_file):
    def edit(ws):
        ws.cell(row=6, column=2, value="A")
        ws.cell(row=6, column=3, value="B")

    with pytest.raises(DataFormatError, match="団体名"):
        juki.read_juki_excel(_edit(juki_file, edit))


def test_bad_check_digit_names_the_row(juki_file):
    _edit(juki_file, lambda ws: ws.cell(row=9, column=1, value="011003"))
    with pytest.raises(DataFormatError, match="9 行目.*正しくは 2"):
        juki.read_juki_excel(juki_file)


def test_text_in_a_number_column(juki_file):
    _edit(juki_file, lambda ws: ws.cell(row=10, column=5, value="不明です"))
    with pytest.raises(DataFormatError, match="10 行目.*人口_女.*不明です"):
        juki.read_juki_excel(juki_file)


def test_data_without_a_header(juki_file):
    _edit(juki_file, lambda ws: ws.cell(row=8, column=12, value=5))
    with pytest.raises(DataFormatError, match="L 列"):
        juki.read_juki_excel(juki_file)


def test_duplicate_code(juki_file):
    _edit(juki_file, lambda ws: ws.cell(row=10, column=1, value=ws.cell(row=9, column=1).value))
    with pytest.raises(DataFormatError, match="重複"):
        juki.read_juki_excel(juki_file)


def test_row_without_code_but_with_data(juki_file):
    _edit(juki_file, lambda ws: ws.cell(row=10, column=1, value="不明"))
    with pytest.raises(DataFormatError, match="10 行目.*不明"):
        juki.read_juki_excel(juki_file)


def test_national_row_labelled_in_the_code_column(juki_file):
    def edit(ws):
        ws.cell(row=7, column=1, value="全国")
        ws.cell(row=7, column=2, value=None)

    df = juki.read_juki_excel(_edit(juki_file, edit), keep="national")
    assert len(df) == 1 and df["人口_計"].iloc[0] == 125927


def test_data_after_a_footnote(tmp_path):
    file = build_juki_xlsx(tmp_path / "f.xlsx", merged=False)

    def edit(ws):
        last = ws.max_row
        ws.cell(row=last + 1, column=1, value="472018")
        ws.cell(row=last + 1, column=2, value="沖縄県")
        ws.cell(row=last + 1, column=4, value=1)

    with pytest.raises(DataFormatError, match="注記"):
        juki.read_juki_excel(_edit(file, edit))


def test_classification_agrees_with_the_bundled_code_list():
    """The code rule for 政令市 and their wards matches the official list's own 区分."""
    from ebpm import datasets, lgcode

    try:
        if "municipality_codes" not in datasets.resources():
            pytest.skip("data/ に municipality_codes がありません")
    except FileNotFoundError:
        pytest.skip("研修データのフォルダがありません")
    table = lgcode.municipalities()
    official = {"都道府県": "都道府県", "政令市": "政令市", "区": "政令市の区"}
    for row in table.itertuples(index=False):
        names = {"都道府県名": row.都道府県名, "市区町村名": row.市区町村名}
        got = juki._classify(row.団体コード, names)
        if isinstance(row.区分, str):  # fictional towns have no 区分 in the list
            assert got == official.get(row.区分, "市区町村"), (row.団体コード, row.市区町村名)
    fictional = table[table["架空"] & table["市区町村名"].str.endswith("区")]
    for row in fictional.itertuples(index=False):
        assert juki._classify(row.団体コード, {"市区町村名": row.市区町村名}) == "政令市の区"


# --- the real file ---------------------------------------------------------------------


@pytest.mark.skipif(not REAL_FILE.is_file(), reason="../shared/realdata がないため実データのテストを省略します")
def test_real_soumu_file():
    df = juki.read_juki_excel(REAL_FILE, keep=None)
    counts = df["区分"].value_counts()
    assert counts["全国"] == 1
    assert counts["都道府県"] == 47
    assert counts["政令市"] == 20
    assert 150 <= counts["政令市の区"] <= 200
    assert counts["市区町村"] + counts["政令市"] >= 1700
    assert df.loc[df["都道府県名"] == "北海道", "団体コード"].iloc[0] == "010006"
    assert df["団体コード"].dropna().str.fullmatch(r"\d{6}").all()
    assert {"人口_男", "人口_女", "人口_計", "世帯数"} <= set(df.columns)
    # Municipal totals add up to the national total once wards and 郡 rows are left out.
    basic = df[df["区分"].isin(["市区町村", "政令市"])]
    national = df.loc[df["区分"] == "全国", "人口_計"].iloc[0]
    assert basic["人口_計"].sum() == national
    prefectures = df.loc[df["区分"] == "都道府県", "人口_計"].sum()
    assert prefectures == national
    assert len(juki.read_juki_excel(REAL_FILE)) == len(basic)
    assert df.attrs["注記"] and df.attrs["年"]["人口_計"] == 2022
