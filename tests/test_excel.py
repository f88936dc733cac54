"""ebpm.excel: one reading path for .xls and .xlsx, sheets chosen by content and always named.

openpyxl cannot write BIFF .xls files: the .xls path is tested with fixtures written by xlwt
(tests/test_soumu.py) and on the real files in ../shared/realdata (tests/test_soumu_realdata.py).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from ebpm import excel, juki
from ebpm.errors import DataFormatError
from tests import fixtures_soumu as fx


def _book(path: Path) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "表 "  # a trailing space, as in 全市町村の主要財政指標
    ws["B2"] = "団体\nコード"
    ws.merge_cells("B2:B3")
    ws["C4"] = 12.0
    ws["D4"] = 1.5
    ws["E4"] = dt.date(2022, 1, 1)
    ws["F4"] = "人口\r\n計"
    ws["C6"] = None
    hidden = book.create_sheet("隠し")
    hidden.sheet_state = "hidden"
    book.save(path)
    return path


def test_grid_keeps_absolute_positions_and_merged_ranges(tmp_path):
    book = excel.open_workbook(_book(tmp_path / "a.xlsx"))
    assert book.sheet_names == ["表 ", "隠し"]
    sheet = book.sheet("表")  # the trailing space may be left out
    assert sheet.value(2, 2) == "団体\nコード"  # B2 stays B2 although row 1 and column A are empty
    assert sheet.merged == [(2, 2, 3, 2)]
    assert sheet.merged_range(3, 2) == (2, 2, 3, 2) and sheet.merged_range(3, 3) is None
    assert sheet.filled(2, 3)[1][1] == "団体\nコード"
    assert sheet.value(4, 3) == 12 and isinstance(sheet.value(4, 3), int)  # whole floats become int
    assert sheet.value(4, 4) == 1.5
    assert sheet.value(4, 5) == dt.date(2022, 1, 1)
    assert sheet.value(1, 1) is None and sheet.value(99, 99) is None
    assert sheet.n_rows == 4  # no empty rows kept after the table
    assert not book.sheet(1).visible


def test_sheet_by_index_and_unknown_names(tmp_path):
    book = excel.open_workbook(_book(tmp_path / "a.xlsx"))
    assert book.sheet(0).name == "表 "
    with pytest.raises(DataFormatError, match="シート「人口」がありません.*「表 」、「隠し」"):
        book.sheet("人口")
    with pytest.raises(DataFormatError, match="シート番号 5 はありません"):
        book.sheet(5)


@pytest.mark.parametrize(
    "raw, lines",
    [
        ("令和4年度\n受入額\n（千円）", ["令和4年度", "受入額", "(千円)"]),
        ("団体\r\nコード", ["団体", "コード"]),
        ("受入額_x000D_\n（千円）", ["受入額", "(千円)"]),
        ("　人口　", ["人口"]),
        (None, []),
    ],
)
def test_header_cells_with_line_breaks(raw, lines):
    assert excel.header_lines(raw) == lines
    assert excel.header_text(raw) == "".join(lines)


def test_choose_sheet_by_content_not_position(tmp_path):
    file = fx.write_furusato(tmp_path / "one.xlsx", prefecture_sheet=False)
    book = excel.open_workbook(file)
    fits = lambda s: juki._find_code_label(s) is not None  # noqa: E731
    assert excel.choose_sheet(book, fits, looking_for="表").name == "市区町村別"
    assert excel.choose_sheet(book, fits, "説明", looking_for="表").name == "説明"


def test_several_fitting_sheets_are_refused_by_name(tmp_path):
    book = excel.open_workbook(fx.write_furusato(tmp_path / "two.xlsx"))
    fits = lambda s: juki._find_code_label(s) is not None  # noqa: E731
    with pytest.raises(DataFormatError, match="two.xlsx.*2 枚.*「都道府県別」、「市区町村別」.*sheet="):
        excel.choose_sheet(book, fits, looking_for="団体別の表")
    with pytest.raises(DataFormatError, match="団体別の表のシートが見つかりません.*「説明」"):
        excel.choose_sheet(book, lambda s: False, looking_for="団体別の表")


def test_a_hidden_sheet_is_not_chosen_over_a_visible_one(tmp_path):
    path = fx.write_furusato(tmp_path / "h.xlsx")
    book = openpyxl.load_workbook(path)
    book["都道府県別"].sheet_state = "hidden"
    book.save(path)
    fits = lambda s: juki._find_code_label(s) is not None  # noqa: E731
    assert excel.choose_sheet(excel.open_workbook(path), fits, looking_for="表").name == "市区町村別"


def test_files_that_are_not_workbooks(tmp_path):
    csv_inside = tmp_path / "fake.xlsx"
    csv_inside.write_text("団体コード,人口\n011002,100\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="fake.xlsx.*開けません.*CSV や PDF"):
        excel.open_workbook(csv_inside)
    pdf = tmp_path / "report.xls"
    pdf.write_bytes(b"%PDF-1.7\n")
    with pytest.raises(DataFormatError, match="report.xls.*PDF のようです"):
        excel.open_workbook(pdf)
    csv = tmp_path / "data.csv"
    csv.write_text("a\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="CSV ファイルです"):
        excel.open_workbook(csv)
    with pytest.raises(DataFormatError, match="ファイルがありません"):
        excel.open_workbook(tmp_path / "missing.xlsx")


def test_a_truncated_workbook_is_refused(tmp_path):
    whole = fx.write_furusato(tmp_path / "whole.xlsx").read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataFormatError, match="cut.xlsx.*開けません.*途中で切れた"):
        excel.open_workbook(cut)
    old = tmp_path / "cut.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(DataFormatError, match="cut.xls"):
        excel.open_workbook(old).sheet(0)
