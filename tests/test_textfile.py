"""Tests of ebpm.textfile: encoding detection and files cut short, through every CSV reader."""
from __future__ import annotations

from pathlib import Path

import pytest

from ebpm.errors import DataFormatError
from ebpm.estat import read_estat_api, read_estat_download
from ebpm.opendata import template, validate
from ebpm.textfile import TRUNCATED, check_last_record, detect_encoding
from tests.fixtures_estat import (
    write_api,
    write_multi_header,
    write_row_item_header,
    write_single_header,
    write_years_across_columns,
)


def _cut_inside_last(data: bytes, text: str, encoding: str, keep: int = 1) -> bytes:
    """The bytes up to ``keep`` bytes into the last occurrence of ``text``'s first character."""
    char = text[0].encode(encoding)
    assert len(char) > keep
    return data[: data.rindex(text.encode(encoding)) + keep]


# ------------------------------------------------------------------ detect_encoding


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("人口,世帯\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "人口\n".encode(), "utf-8-sig"),
        ("人口,世帯\n".encode("cp932"), "cp932"),
        (b"area,value\n", "utf-8"),
    ],
)
def test_detect_encoding(data: bytes, encoding: str) -> None:
    assert detect_encoding(data) == encoding


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ("人口,世帯\n架空町".encode()[:-1], "UTF-8"),  # 3-byte character, 2 bytes kept
        ("人口,世帯\n架空町".encode()[:-2], "UTF-8"),
        (b"\xef\xbb\xbf" + "人口\n架空町".encode()[:-1], "UTF-8"),
        ("人口,世帯\n架空町".encode("cp932")[:-1], "Shift_JIS"),
    ],
)
def test_cut_mid_character_is_reported_as_truncated(data: bytes, named: str) -> None:
    with pytest.raises(DataFormatError, match=TRUNCATED) as info:
        detect_encoding(data, path="cut.csv")
    message = str(info.value)
    assert "cut.csv" in message and named in message and "文字コードを判定できません" not in message


def test_undecodable_bytes_still_say_encoding() -> None:
    with pytest.raises(DataFormatError, match="文字コードを判定できません"):
        detect_encoding(b"\x81\x20abc\n\x81\x20def\n")


# ------------------------------------------------------------------ check_last_record


def _rows(*rows: list[str]) -> list[tuple[int, list[str]]]:
    return list(enumerate(rows, start=2))


def test_complete_last_record_passes_with_or_without_final_newline() -> None:
    check_last_record(_rows(["a", "1"], ["b", "2"]), 2, 'x\n"b","2"')
    check_last_record(_rows(["a", "1"], ["b", "2"]), 2, 'x\n"b","2"\r\n')


@pytest.mark.parametrize(
    ("rows", "text", "reason"),
    [
        (_rows(["a", "1"], ["b"]), 'x\n"b"\n', "項目が 1 個"),
        (_rows(["a", "1"], ["b", "2"]), 'x\n"b","2', "引用符"),
        (_rows(["a", "1", "2"], ["b", "2"]), "x\nb,2", "項目が 2 個"),
    ],
)
def test_cut_last_record(rows: list, text: str, reason: str) -> None:
    with pytest.raises(DataFormatError, match=TRUNCATED) as info:
        check_last_record(rows, len(rows[0][1]), text, path="cut.csv")
    assert reason in str(info.value) and "cut.csv" in str(info.value)


def test_a_lone_quote_inside_an_unquoted_field_is_not_a_cut() -> None:
    check_last_record(_rows(["画面", '10"'], ["b", "2"]), 2, 'x\n画面,10"\nb,2')


def test_footnote_is_not_a_cut_record() -> None:
    check_last_record(_rows(["a", "1"], ["注：架空"]), 2, 'x\n"注：架空"', notes_allowed=True)
    check_last_record(_rows(["a", "1"], ["出典は架空"]), 2, 'x\n"出典は架空"\n', notes_allowed=True)
    with pytest.raises(DataFormatError, match=TRUNCATED):  # no note word, no final newline
        check_last_record(_rows(["a", "1"], ["2020年"]), 2, 'x\n"2020年"', notes_allowed=True)


# ------------------------------------------------------------------ every reader says it


def _readers():
    return [
        ("download_multi", lambda d: write_multi_header(d), read_estat_download, "utf-8"),
        ("download_single", lambda d: write_single_header(d), read_estat_download, "cp932"),
        ("api", lambda d: write_api(d), read_estat_api, "utf-8"),
    ]


@pytest.mark.parametrize(("name", "write", "read", "encoding"), _readers())
def test_readers_refuse_a_file_cut_mid_record(tmp_path: Path, name, write, read, encoding) -> None:
    path = write(tmp_path)
    data = path.read_bytes().rstrip(b"\r\n")
    last_line = data[data.rindex(b"\n") + 1:]
    path.write_bytes(data[: len(data) - len(last_line) + last_line.index(b",", 3) + 3])
    with pytest.raises(DataFormatError, match=TRUNCATED) as info:
        read(path)
    assert path.name in str(info.value)


@pytest.mark.parametrize(("name", "write", "read", "encoding"), _readers())
def test_readers_refuse_a_file_cut_mid_character(tmp_path: Path, name, write, read, encoding) -> None:
    path = write(tmp_path)
    data = path.read_bytes()
    text = data.decode(encoding)
    last_non_ascii = max(i for i, ch in enumerate(text) if not ch.isascii())
    path.write_bytes(_cut_inside_last(data, text[last_non_ascii:], encoding))
    with pytest.raises(DataFormatError, match=TRUNCATED) as info:
        read(path)
    assert path.name in str(info.value) and "文字コード" not in str(info.value)


def test_download_with_footnote_and_without_final_newline_still_reads(tmp_path: Path) -> None:
    path = write_row_item_header(tmp_path)
    path.write_bytes(path.read_bytes().rstrip(b"\r\n"))
    assert read_estat_download(path).attrs["notes"] == ["注：1945年は調査していない。"]
    assert len(read_estat_download(write_years_across_columns(tmp_path))) == 15


def _opendata_file(folder: Path, encoding: str) -> Path:
    columns = list(template("aed").columns)
    row = {c: "" for c in columns}
    row.update({"全国地方公共団体コード": "131016", "ID": "A1", "名称": "架空区役所", "名称_カナ": "カクウクヤクショ",
                "所在地_連結表記": "東京都千代田区九段南1-2-1", "緯度": "35.694", "経度": "139.7536",
                "設置位置": "1階ロビー"})
    lines = [",".join(columns)] + [",".join(row[c] for c in columns)] * 2
    path = folder / "aed.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_opendata_validate_refuses_cut_files(tmp_path: Path, encoding: str) -> None:
    path = _opendata_file(tmp_path, encoding)
    assert not any(p.rule == "field_count" for p in validate(path, "aed").problems)
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex("ロビー".encode(encoding)) + 1])  # mid-character
    with pytest.raises(DataFormatError, match=TRUNCATED) as info:
        validate(path, "aed")
    assert "aed.csv" in str(info.value)
    path.write_bytes(data[: data.rindex("東京都".encode(encoding))])  # mid-record
    with pytest.raises(DataFormatError, match=TRUNCATED):
        validate(path, "aed")


def test_api_file_cut_at_a_line_boundary_is_refused(tmp_path: Path) -> None:
    path = write_api(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # TO_NUMBER promises 4 rows
    with pytest.raises(DataFormatError, match=TRUNCATED) as info:
        read_estat_api(path)
    assert "4 行のはず" in str(info.value) and "3 行" in str(info.value) and "api.csv" in str(info.value)
