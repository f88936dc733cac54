"""The bytes of a downloaded CSV: which encoding they are in, and whether the file was cut short.

Every CSV reader of the course (e-Stat downloads and API files, 自治体標準オープンデータ) decodes
through :func:`detect_encoding` and checks its last record with :func:`check_last_record`, so a
download that stopped early is refused with one message: 「ファイルが途中で切れているようです」.

Two ways a cut shows:
- mid-character: the last bytes are the start of a multibyte character (UTF-8 or cp932) whose
  remaining bytes are missing;
- mid-record: the last row has fewer fields than the header, or ends inside a quoted field.
A file cut exactly at the end of a line cannot be told from a complete one.
"""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from pathlib import Path

from ebpm.errors import DataFormatError

__all__ = ["TRUNCATED", "check_last_record", "detect_encoding"]

TRUNCATED = "ファイルが途中で切れているようです"
_AGAIN = "ダウンロードや保存が途中で止まっていないか確かめ、もう一度ダウンロードしてください。"
# Footnotes below e-Stat tables are one cell long; they start with words like these.
_NOTE_STARTS = ("注", "※", "（注", "(注", "資料", "出典", "備考", "*", "＊")


def _cut_error(data: bytes, encoding: str) -> UnicodeDecodeError | None:
    """The decoding error when it is only an incomplete character at the very end, else None."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        incomplete = exc.end == len(data) and len(data) - exc.start <= 3
        if incomplete and exc.reason in ("unexpected end of data", "incomplete multibyte sequence"):
            return exc
    return None


def detect_encoding(data: bytes, *, path: str | Path | None = None) -> str:
    """Return "utf-8-sig", "utf-8" or "cp932" for the bytes of a CSV file.

    Raises ``DataFormatError`` naming ``path``: 「ファイルが途中で切れているようです」 when the
    bytes end in the middle of a character, else 「文字コードを判定できません」.
    """
    if data.startswith(codecs.BOM_UTF8):
        cut = _cut_error(data[len(codecs.BOM_UTF8):], "utf-8")
        if cut is not None:
            _raise_cut_character(cut, "UTF-8", path)
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    utf8_cut = _cut_error(data, "utf-8")
    # Only an incomplete last character after valid UTF-8 text that is not plain ASCII:
    # cp932 text is practically never valid UTF-8 up to its last bytes.
    if utf8_cut is not None and not data[: utf8_cut.start].isascii():
        _raise_cut_character(utf8_cut, "UTF-8", path)
    try:
        data.decode("cp932")
        return "cp932"
    except UnicodeDecodeError:
        pass
    for cut, name in ((utf8_cut, "UTF-8"), (_cut_error(data, "cp932"), "Shift_JIS（cp932）")):
        if cut is not None:
            _raise_cut_character(cut, name, path)
    raise DataFormatError(
        "文字コードを判定できません。", path=path, expected="UTF-8 または Shift_JIS（cp932）の CSV"
    )


def _raise_cut_character(exc: UnicodeDecodeError, encoding: str, path: str | Path | None) -> None:
    raise DataFormatError(
        f"{TRUNCATED}（最後の {len(exc.object) - exc.start} バイトが {encoding} の文字の途中で"
        f"終わっています）。{_AGAIN}",
        path=path, expected="最後まで保存された CSV",
    )


def _is_note(cells: list[str], ends_with_newline: bool) -> bool:
    """A footnote row: one filled cell, the first; without a final line break it must read like one."""
    filled = [c.strip() for c in cells if c.strip()]
    if len(filled) != 1 or not cells[0].strip():
        return False
    return ends_with_newline or filled[0].startswith(_NOTE_STARTS)


def _ends_inside_quotes(text: str) -> bool:
    """Whether the text stops inside a quoted field (a quote opened and never closed)."""
    if text.count('"') % 2 == 0:
        return False
    try:
        for _record in csv.reader(io.StringIO(text, newline=""), strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def check_last_record(
    rows: Sequence[tuple[int, list[str]]],
    width: int,
    text: str,
    *,
    path: str | Path | None = None,
    notes_allowed: bool = False,
) -> None:
    """Refuse a file whose last record looks cut off.

    ``rows`` are (line number, cells) as read by ``csv``, ``width`` the header's number of
    fields, ``text`` the decoded file. Cut: the text ends inside a quoted field, or the last
    non-blank row has fewer fields than the header. With ``notes_allowed`` (e-Stat tables) a
    one-cell last row is a footnote when the file ends with a line break or the cell starts
    like a note (注, ※, 資料...).
    """
    filled = [(line, cells) for line, cells in rows if any(c.strip() for c in cells)]
    if not filled:
        return
    line, cells = filled[-1]
    ends_with_newline = text.endswith(("\n", "\r"))
    if not ends_with_newline and _ends_inside_quotes(text):
        reason = "最後の行の引用符「\"」が閉じていません"
    elif len(cells) < width:
        if notes_allowed and _is_note(cells, ends_with_newline):
            return
        reason = f"最後の行の項目が {len(cells)} 個で、見出しは {width} 個です"
    else:
        return
    newline = "" if ends_with_newline else "。最後に改行もありません"
    raise DataFormatError(
        f"{TRUNCATED}（{reason}{newline}）。{_AGAIN}",
        path=path, row=line, expected=f"すべての行に {width} 個の項目がある、最後まで保存された CSV",
    )
