"""Tests of ebpm.estat: e-Stat download and API CSV readers."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ebpm.errors import DataFormatError
from ebpm.estat import (
    _choose_axes,
    _csv_rows,
    _find_header,
    _pad_area_codes,
    _read_body,
    _read_preamble,
    _unpad_name,
    _year_of_label,
    detect_encoding,
    parse_time_code,
    read_estat_api,
    read_estat_download,
    split_area_name,
)
from tests.fixtures_estat import (
    API_LINES,
    write_api,
    write_api_key_rows,
    write_blank_legend_meaning,
    write_multi_header,
    write_regional_annotations,
    write_row_item_header,
    write_single_header,
    write_years_across_columns,
)

REALDATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "realdata" / "estat"


def _one(df: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for column, value in where.items():
        mask &= df[column] == value
    rows = df[mask]
    assert len(rows) == 1, f"{len(rows)} rows match {where}"
    return rows.iloc[0]


# ------------------------------------------------------------------ helpers


@pytest.mark.parametrize(
    ("code", "year", "kind", "first", "last"),
    [
        ("2020000000", 2020, "year", None, None),
        ("2020100000", 2020, "fiscal_year", None, None),
        ("2021001111", 2021, "month", 11, 11),
        (2019000103, 2019, "quarter", 1, 3),
        ("2018010000", 2018, "half", None, None),
        ("2018020000", 2018, "half", None, None),
        ("2020000106", 2020, "period", 1, 6),
        ("2020990000", 2020, "other", None, None),
    ],
)
def test_parse_time_code(code: object, year: int, kind: str, first: object, last: object) -> None:
    assert parse_time_code(code) == {"year": year, "kind": kind, "month_from": first, "month_to": last}


@pytest.mark.parametrize("code", ["2020", "20200000000", "2020年", "abcdefghij"])
def test_parse_time_code_rejects_other_shapes(code: str) -> None:
    with pytest.raises(DataFormatError, match="10 桁"):
        parse_time_code(code)


def test_split_area_name() -> None:
    names = pd.Series(
        ["兵庫県 神戸市 東灘区", "兵庫県　姫路市", "東京都 千代田区", "架空県", "全国", "架空県 南郡 はま町", None]
    )
    parts = split_area_name(names)
    assert {c: parts[c].tolist() for c in parts.columns} == {
        "prefecture": ["兵庫県", "兵庫県", "東京都", "架空県", pd.NA, "架空県", pd.NA],
        "municipality": ["神戸市", "姫路市", "千代田区", pd.NA, pd.NA, "はま町", pd.NA],
        "ward": ["東灘区", pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA],
    }


def test_detect_encoding() -> None:
    assert detect_encoding("人口".encode("utf-8")) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + "人口".encode("utf-8")) == "utf-8-sig"
    assert detect_encoding("人口".encode("cp932")) == "cp932"


# ------------------------------------------------------------------ download: the three forms


def test_single_header_form(tmp_path: Path) -> None:
    df = read_estat_download(write_single_header(tmp_path), split_area=True)
    assert df.attrs["form"] == "single_header"
    assert df.attrs["encoding"] == "cp932"
    assert list(df.columns) == [
        "time", "year", "area", "prefecture", "municipality", "ward",
        "item_code", "item", "unit", "value", "marker",
    ]
    assert len(df) == 4 * 2
    row = _one(df, area="架空県 みなと市 西区", item_code="A1101", year=2020)
    assert row["value"] == 1234567  # quoted with thousands commas
    assert (row["prefecture"], row["municipality"], row["ward"]) == ("架空県", "みなと市", "西区")
    assert row["item"] == "総人口【人】" and row["unit"] == "人"
    surveyed_not = _one(df, area="架空県 みなと市 東区", item_code="A4101", year=2020)
    assert pd.isna(surveyed_not["value"]) and surveyed_not["marker"] == "***"
    dash = _one(df, area="架空県 やまのうえ町", item_code="A4101")
    assert pd.isna(dash["value"]) and dash["marker"] == "-"
    assert pd.isna(dash["ward"])


def test_split_area_is_only_done_when_asked(tmp_path: Path) -> None:
    df = read_estat_download(write_single_header(tmp_path))
    assert "prefecture" not in df.columns


@pytest.mark.parametrize("bom", [False, True])
def test_multi_row_header_form(tmp_path: Path, bom: bool) -> None:
    df = read_estat_download(write_multi_header(tmp_path, bom=bom))
    assert df.attrs["encoding"] == ("utf-8-sig" if bom else "utf-8")
    assert df.attrs["form"] == "multi_row_header"
    assert df.attrs["metadata"]["表番号"] == "1-1"
    assert df.attrs["metadata"]["実施年月"] == "2020年 10月"
    assert df.attrs["legend"] == {"***": "当該数値がないもの", "-": "当該数値がないもの", "X": "秘匿"}
    assert df.attrs["dimensions"]["area"] == "地域"
    assert list(df.columns) == [
        "time_code", "time", "year", "area_code", "area", "item_code", "item", "unit",
        "年齢_code", "年齢", "value", "marker",
    ]  # empty 補助コード columns are dropped
    assert len(df) == 3 * 3
    assert df["area_code"].tolist()[::3] == ["00000", "01000", "01100"]  # leading zeros kept
    assert set(df["year"]) == {2020}
    assert _one(df, area_code="01000", 年齢_code="001")["value"] == 29612
    assert _one(df, area_code="01100", 年齢_code="001")["value"] == 1234  # full-width digits
    markers = df.set_index(["area_code", "年齢_code"])["marker"]
    assert markers[("01000", "002")] == "-"
    assert markers[("01000", "003")] == "x"  # "X" of the legend, canonical form
    assert markers[("01100", "002")] == "***"
    assert markers[("01100", "003")] == "…"
    assert df.loc[df["marker"].notna(), "value"].isna().all()


def test_row_item_header_form_with_four_marker_legend(tmp_path: Path) -> None:
    df = read_estat_download(write_row_item_header(tmp_path))
    assert df.attrs["encoding"] == "cp932"
    assert list(df.attrs["legend"]) == ["***", "-", "・", "…"]
    assert df.attrs["notes"] == ["注：1945年は調査していない。"]
    assert list(df.columns) == [
        "item_code", "item", "unit", "time_code", "time", "year", "性別_code", "性別", "value", "marker",
    ]
    assert _one(df, year=2019, 性別="女")["value"] == 7909
    assert _one(df, year=2018, 性別_code="00110")["marker"] == "-"
    assert _one(df, year=2018, 性別_code="00120")["marker"] == "…"
    assert df.loc[df["year"] == 1945, "marker"].tolist() == ["***", "・", "・"]


# ------------------------------------------------------------------ download: bad input


def test_wrong_encoding_names_the_right_one(tmp_path: Path) -> None:
    sjis = write_single_header(tmp_path)
    with pytest.raises(DataFormatError, match="cp932") as info:
        read_estat_download(sjis, encoding="utf-8")
    assert "single_header.csv" in str(info.value)
    utf8 = write_multi_header(tmp_path)
    with pytest.raises(DataFormatError, match="utf-8"):
        read_estat_download(utf8, encoding="cp932")


def test_right_encoding_given_by_caller(tmp_path: Path) -> None:
    df = read_estat_download(write_single_header(tmp_path), encoding="shift_jis")
    assert len(df) == 8


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\r\n")
    with pytest.raises(DataFormatError, match="空") as info:
        read_estat_download(path)
    assert "empty.csv" in str(info.value)
    with pytest.raises(DataFormatError, match="空"):
        read_estat_api(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="見つかりません"):
        read_estat_download(tmp_path / "nothing.csv")


def test_metadata_only_has_no_table(tmp_path: Path) -> None:
    path = tmp_path / "meta.csv"
    path.write_text('"統計名：","架空調査"\n"表番号：","1"\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match="見出し行"):
        read_estat_download(path)


def test_unknown_value_names_file_row_and_column(tmp_path: Path) -> None:
    path = write_single_header(tmp_path)
    text = path.read_bytes().decode("cp932").replace('"98"', '"98人"')
    path.write_bytes(text.encode("cp932"))
    with pytest.raises(DataFormatError) as info:
        read_estat_download(path)
    message = str(info.value)
    assert "single_header.csv" in message and "3 行目" in message
    assert "A4101_出生数【人】" in message and "98人" in message


def test_ragged_row(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(
        '"調査年","地域","/項目","A1101_総人口【人】"\n"2020年度","架空県","","1,000","9"\n',
        encoding="utf-8",
    )
    with pytest.raises(DataFormatError, match="2 行目.*列の数"):
        read_estat_download(path)


def test_header_without_slash_column(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(
        '"地域 コード","地域","総人口","世帯数"\n"01100","架空県 みなと市","12,345","5,001"\n'
        '"01200","架空県 はま町","-","***"\n',
        encoding="utf-8",
    )
    df = read_estat_download(path)
    assert _one(df, area_code="01100", item="総人口")["value"] == 12345
    assert _one(df, area_code="01200", item="世帯数")["marker"] == "***"


def test_header_without_data_rows(tmp_path: Path) -> None:
    path = tmp_path / "nodata.csv"
    path.write_text('"調査年","地域","/項目","A1101_総人口【人】"\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match="数値の行がありません"):
        read_estat_download(path)


# ------------------------------------------------------------------ API CSV


@pytest.mark.parametrize("header", [True, False])
def test_api_csv(tmp_path: Path, header: bool) -> None:
    df = read_estat_api(write_api(tmp_path, header=header))
    assert list(df.columns) == [
        "tab_code", "表章項目", "cat01_code", "男女別", "area_code", "地域", "time_code",
        "時間軸（年次）", "unit", "value", "marker", "annotation", "year",
    ]
    assert df["tab_code"].tolist() == ["020"] * 4
    assert df["area_code"].tolist() == ["01000", "01000", "01100", "01100"]
    assert df["value"].tolist() == [5224614.0, pd.NA, pd.NA, -12.5]
    assert df["marker"].tolist() == [pd.NA, "***", "x", pd.NA]
    assert df["year"].tolist() == [2020, 2020, 2020, 2019]
    assert str(df["year"].dtype) == "Int64"
    if header:
        assert df.attrs["metadata"]["TABLE_INF"] == "0000000001"
        assert df.attrs["metadata"]["TITLE"] == ["", "男女別人口\n（架空県）"]
        assert df.attrs["legend"] == {"***": "該当数値なし", "x": "秘匿"}
        assert "***" not in df.attrs["metadata"]


def test_api_csv_with_key_rows_header(tmp_path: Path) -> None:
    df = read_estat_api(write_api_key_rows(tmp_path))
    assert df.attrs["metadata"]["STATUS"] == "0"
    assert df.attrs["metadata"]["TOTAL_NUMBER"] == "2"
    assert df["value"].tolist() == [15020.0, pd.NA]
    assert df["marker"].tolist() == [pd.NA, "-"]


def test_api_csv_without_value_section(tmp_path: Path) -> None:
    path = tmp_path / "error.csv"
    path.write_text(
        '"RESULT"\n"STATUS","100"\n"ERROR_MSG","認証に失敗しました。"\n', encoding="utf-8"
    )
    with pytest.raises(DataFormatError, match='"VALUE"') as info:
        read_estat_api(path)
    assert "error.csv" in str(info.value) and "認証に失敗しました" in str(info.value)


def test_api_csv_missing_value_column(tmp_path: Path) -> None:
    path = tmp_path / "novalue.csv"
    lines = API_LINES[: API_LINES.index('"VALUE"') + 1] + ['"tab_code","area_code"', '"020","01000"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="value") as info:
        read_estat_api(path)
    assert "novalue.csv" in str(info.value)


def test_api_csv_wrong_encoding(tmp_path: Path) -> None:
    path = write_api(tmp_path, encoding="cp932")
    assert read_estat_api(path).attrs["encoding"] == "cp932"
    with pytest.raises(DataFormatError, match="cp932"):
        read_estat_api(path, encoding="utf-8")


# ------------------------------------------------------------------ the course's synthetic files

SYNTHETIC = Path(__file__).resolve().parents[1] / "data" / "synthetic"


def test_synthetic_course_files_are_readable() -> None:
    download, api = SYNTHETIC / "estat_population_download.csv", SYNTHETIC / "estat_population_api.csv"
    if not (download.is_file() and api.is_file()):
        pytest.skip("data/synthetic の e-Stat 形式のファイルがまだありません")
    df = read_estat_download(download)
    assert df["marker"].notna().any() and df["value"].notna().any()
    assert df["area_code"].str.fullmatch(r"\d{5}").all()
    assert df.loc[df["marker"].notna(), "value"].isna().all()
    api_df = read_estat_api(api)
    assert api_df["year"].notna().all()
    assert api_df["area_code"].str.fullmatch(r"\d{5}").all()


# ------------------------------------------------------------------ the real files (reference set)


def _real(name: str) -> Path:
    path = REALDATA / name
    if not path.is_file():
        pytest.skip(f"参照用の実データ {path} がありません（../shared/realdata はこの環境にない）")
    return path


def test_real_fei_city() -> None:
    df = read_estat_download(_real("FEI_CITY_200531102910.csv"), split_area=True)
    assert df.attrs["encoding"] == "cp932"
    assert df.attrs["form"] == "single_header"
    assert len(df) == 1860 * 4
    births = _one(df, year=2017, area="兵庫県 神戸市 東灘区", item_code="A4101")
    assert births["value"] == 1717 and births["ward"] == "東灘区"
    assert _one(df, year=2017, area="兵庫県 姫路市", item_code="A4200")["value"] == 5448
    not_surveyed = _one(df, year=1994, area="兵庫県 神戸市 東灘区", item_code="A4101")
    assert pd.isna(not_surveyed["value"]) and not_surveyed["marker"] == "***"
    assert df["year"].min() == 1980 and df["year"].max() == 2017


def test_real_feh_census() -> None:
    df = read_estat_download(_real("FEH_00200521_260127162349.csv"))
    assert df.attrs["encoding"] == "utf-8"
    assert df.attrs["metadata"]["表番号"] == "2-1-1"
    assert df.attrs["legend"]["***"] == "当該数値がないもの"
    assert df.attrs["dimensions"]["area"] == "全国～人口50万以上の市"
    assert len(df) == 49 * 15
    assert _one(df, area_code="01000", 年齢="0歳")["value"] == 29612
    assert _one(df, area_code="47000", 年齢="14歳")["value"] == 16033
    assert _one(df, area_code="00000", 年齢_code="001")["area"] == "全国"
    assert set(df["year"]) == {2020}
    assert df["marker"].isna().all()


def test_real_feh_vital_statistics() -> None:
    df = read_estat_download(_real("FEH_00450011_211209170552.csv"))
    assert df.attrs["encoding"] == "cp932"
    assert df.attrs["legend"] == {
        "***": "調査又は集計していないもの",
        "-": "計数のない場合",
        "・": "統計項目のありえない場合",
        "…": "計数不明の場合",
    }
    assert _one(df, year=2019, 性別="総数")["value"] == 123_731_176
    assert _one(df, year=1899, 性別="女")["value"] == 21_568_000
    assert df["year"].min() == 1899 and df["year"].max() == 2019


# ------------------------------------------------------------------ download: quirks of real files


@pytest.mark.parametrize("slash", [False, True])
def test_regional_annotation_columns_are_paired_with_their_values(tmp_path: Path, slash: bool) -> None:
    df = read_estat_download(write_regional_annotations(tmp_path, slash=slash))
    assert len(df) == 3 * 2  # one row per value, not one per value and per 注釈
    assert list(df.columns) == [
        "time_code", "time", "year", "area_code", "area", "item_code", "item", "unit",
        "value", "marker", "annotation",
    ]
    assert set(df["item_code"]) == {"A1101", "A4101"}
    assert df["value"].notna().sum() == 5 and (df["marker"] == "***").sum() == 1
    births = _one(df, area_code="43901", year=2020, item_code="A4101")
    assert births["value"] == 98 and births["annotation"] == "p"
    town = _one(df, area_code="43902", item_code="A1101")
    assert town["value"] == 15020 and town["annotation"] == "※1"
    assert _one(df, area_code="43902", item_code="A4101")["marker"] == "***"
    assert df["annotation"].notna().sum() == 2


@pytest.mark.parametrize("slash", [False, True])
def test_blank_regional_annotations_do_not_double_the_rows(tmp_path: Path, slash: bool) -> None:
    df = read_estat_download(write_regional_annotations(tmp_path, slash=slash, notes=False))
    assert len(df) == 3 * 2 and set(df["item"]) == {"総人口【人】", "出生数【人】"}
    assert df["annotation"].isna().all()
    assert df["value"].notna().sum() == 5
    assert _one(df, area_code="43901", year=2015, item_code="A4101")["value"] == 105


def test_annotation_column_is_absent_without_注釈(tmp_path: Path) -> None:
    assert "annotation" not in read_estat_download(write_single_header(tmp_path)).columns


def test_years_across_column_headers_give_each_value_its_column_year(tmp_path: Path) -> None:
    path = write_years_across_columns(tmp_path)
    assert not path.read_bytes().endswith(b"\n")
    df = read_estat_download(path)
    assert len(df) == 3 * 5
    assert list(df.columns) == ["調査年", "area_code", "area", "time", "year", "value", "marker"]
    assert set(df["調査年"]) == {"2019年"}  # the survey year stays, but is not the year
    assert sorted(set(df["year"])) == [1999, 2000, 2018, 2019, 2020]
    kumamoto = df[df["area_code"] == "43"]
    assert kumamoto["year"].tolist() == [1999, 2000, 2018, 2019, 2020]
    assert kumamoto["value"].tolist() == [431, 432, 433, 434, 435]
    assert _one(df, area_code="43", time="令和元年(2019年)")["value"] == 434
    assert _one(df, area_code="47", year=2018)["marker"] == "-"
    assert sorted(set(df["area"])) == ["北海道", "沖縄", "熊本"]  # 「熊　本」 closed up
    assert sorted(set(df["area_code"])) == ["01", "43", "47"]  # 2 digits, "1" → "01"
    assert df.attrs["dimensions"]["time"] == "項目" and df.attrs["dimensions"]["area"] == "都道府県"


@pytest.mark.parametrize(
    ("label", "year"),
    [
        ("平成11年(1999年)", 1999),
        ("令和元年（２０１９年）", 2019),
        ("令和元年", 2019),
        ("平成30年度", 2018),
        ("2017年度", 2017),
        ("総人口", None),
        ("0歳", None),
    ],
)
def test_year_of_label(label: str, year: int | None) -> None:
    assert _year_of_label(label) == year


def test_area_names_and_codes_are_repaired_only_when_padded() -> None:
    assert _unpad_name("熊　本") == "熊本" and _unpad_name("鹿 児 島") == "鹿児島"
    assert _unpad_name("兵庫県 神戸市 東灘区") == "兵庫県 神戸市 東灘区"
    assert _pad_area_codes(pd.Series(["1", "43"])).tolist() == ["01", "43"]
    assert _pad_area_codes(pd.Series(["1000", "43000"])).tolist() == ["01000", "43000"]
    assert _pad_area_codes(pd.Series(["01000", "43000"])).tolist() == ["01000", "43000"]
    assert _pad_area_codes(pd.Series(["434825", "011002"])).tolist() == ["434825", "011002"]


def test_legend_entry_with_blank_meaning_does_not_end_the_legend(tmp_path: Path) -> None:
    df = read_estat_download(write_blank_legend_meaning(tmp_path))
    assert df.attrs["legend"] == {"***": "", "…": "", "-": "当該数値がないもの", "X": "秘匿"}
    assert len(df) == 3 * 3
    assert _one(df, area_code="01100", 年齢_code="002")["marker"] == "***"
    assert _one(df, area_code="01000", 年齢_code="001")["value"] == 29612


# ------------------------------------------------------------------ the steps of the download reader


def test_step_preamble_reads_metadata_and_legend() -> None:
    rows = _csv_rows('"表番号：","1-1"\n\n"***","　"\n"-","計数のない場合","","",""\n"X",""\n'
                     '"地域","/項目","人口"\n')
    preamble = _read_preamble(rows, Path("x.csv"))
    assert preamble.metadata == {"表番号": "1-1"}
    assert preamble.legend == {"***": "", "-": "計数のない場合", "X": ""}
    assert rows[preamble.start][1][0] == "地域"


def test_step_header_finds_the_slash_rows() -> None:
    rows = _csv_rows('"","/年齢 コード","001"\n"地域","/年齢","0歳"\n"全国","","5"\n')
    header = _find_header(rows, 0, Path("x.csv"))
    assert header.slash == 1 and len(header.column_rows) == 1 and header.line == 2 and header.end == 2


def test_step_body_keeps_notes_apart_and_refuses_a_ragged_row() -> None:
    rows = _csv_rows('"地域","人口"\n"全国","5"\n"注：架空の数値です。"\n')
    header = _find_header(rows, 0, Path("x.csv"))
    body, notes = _read_body(rows[header.end:], header, "x\n", Path("x.csv"))
    assert [cells for _l, cells in body] == [["全国", "5"]] and notes == ["注：架空の数値です。"]
    rows = _csv_rows('"地域","人口"\n"全国","5","6"\n"架空県","1"\n')
    with pytest.raises(DataFormatError, match="2 行目.*列の数が 3 個.*見出し（1 行目）は 2 列"):
        _read_body(rows[1:], _find_header(rows, 0, Path("x.csv")), "x\n", Path("x.csv"))


def test_step_axes_pairs_annotations_and_finds_the_time_across_columns() -> None:
    rows = _csv_rows('"調査年","地域","平成30年(2018年)","注釈","令和元年(2019年)","注釈"\n'
                     '"2019年","架空県","1","","2","r"\n')
    header = _find_header(rows, 0, Path("x.csv"))
    axes = _choose_axes(header, rows[1:], {}, Path("x.csv"))
    assert axes.value_columns == [2, 4] and axes.annotations == {2: 3, 4: 5}
    roles = {d.name: d.role for d in [*axes.row_dims.values(), *axes.col_dims.values()]}
    assert roles == {"調査年": "other", "地域": "area", "項目": "time"}


def test_real_fei_city_more_values() -> None:
    df = read_estat_download(_real("FEI_CITY_200531102910.csv"))
    assert "annotation" not in df.columns and "area_code" not in df.columns  # names only, no 注釈
    higashinada = df[(df["area"] == "兵庫県 神戸市 東灘区") & (df["year"] == 2017)]
    assert higashinada.set_index("item_code")["value"].to_dict() == {
        "A4101": 1717, "A4200": 1709, "A9101": 1011, "A9201": 366,
    }
    assert _one(df, year=2017, area="兵庫県 神戸市 東灘区", item_code="A9101")["unit"] == "組"
    assert _one(df, year=1994, area="兵庫県 神戸市 東灘区", item_code="A4200")["value"] == 1206
    himeji_1980 = _one(df, year=1980, area="兵庫県 姫路市", item_code="A9201")
    assert himeji_1980["value"] == 604 and himeji_1980["time"] == "1980年度"
    assert (df.groupby("year").size() // 4).loc[[1980, 1981, 1982]].tolist() == [48, 48, 49]


def test_real_feh_census_more_values() -> None:
    df = read_estat_download(_real("FEH_00200521_260127162349.csv"))
    aomori = df[df["area_code"] == "02000"].set_index("年齢")["value"]
    assert aomori[["0歳", "1歳", "2歳"]].tolist() == [6658, 6983, 7526]
    assert set(df["国籍総数か日本人"]) == {"国籍総数"} and set(df["男女"]) == {"総数"}
    assert _one(df, area_code="00000", 年齢="0歳")["value"] == 831_824


def test_real_feh_vital_statistics_more_values() -> None:
    df = read_estat_download(_real("FEH_00450011_211209170552.csv"))
    assert len(df) == 121 * 3 and df["marker"].isna().all()
    assert _one(df, year=2018, 性別="男")["value"] == 60_454_898
    assert _one(df, year=2010, 性別="女")["value"] == 64_810_001
    assert _one(df, year=1945, 性別="総数")["value"] == 71_998_100
    assert df.attrs["metadata"]["実施年月"] == "2019年 -"


@pytest.mark.parametrize(
    ("name", "cut_at"),
    [
        ("FEH_00200521_260127162349.csv", "16,389"),  # UTF-8, LF: mid-record
        ("FEI_CITY_200531102910.csv", "兵庫県 姫路市"),  # cp932, CRLF
        ("FEH_00450011_211209170552.csv", "人口【人】"),
    ],
)
def test_real_files_cut_short_are_refused(tmp_path: Path, name: str, cut_at: str) -> None:
    data = _real(name).read_bytes()
    encoding = detect_encoding(data)
    position = data.rindex(cut_at.encode(encoding))
    for keep in (1, len(cut_at.encode(encoding)) - 1):  # mid-character (or mid-number), mid-record
        cut = tmp_path / f"cut_{keep}_{name}"
        cut.write_bytes(data[: position + keep])
        with pytest.raises(DataFormatError, match="ファイルが途中で切れているようです") as info:
            read_estat_download(cut)
        assert cut.name in str(info.value) and "文字コードを判定できません" not in str(info.value)
