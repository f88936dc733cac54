"""One way to open Excel workbooks, ``.xls`` and ``.xlsx`` alike, and to choose a sheet by content.

Every reader in ``ebpm`` that takes an Excel file goes through :func:`open_workbook`. It uses
calamine (python-calamine, a Rust reader) for both formats: on the 総務省 住基 workbooks it was
about 15 times faster than openpyxl on ``.xlsx`` and 10 times faster than xlrd on ``.xls``
(figures in docs/real_files.md), and it gives merged ranges for both.

A :class:`Sheet` is a plain grid: ``rows[r][c]`` with 0-based indexes, ``None`` for an empty
cell, numbers as ``int`` when they are whole (Excel stores every number as a float) and merged
ranges as 1-based ``(first_row, first_col, last_row, last_col)``. :func:`choose_sheet` picks the
sheet whose content fits and refuses, naming the sheets, when none or several fit.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ebpm.errors import DataFormatError

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_LINE_BREAKS = re.compile(r"(?:_x000[dD]_)?\r?\n|\r|\u2028|\u2029|\u000b")


@dataclass
class Sheet:
    """One worksheet as a grid of values (see the module docstring)."""

    name: str
    rows: list[list[object]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    visible: bool = True

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def value(self, row: int, col: int) -> object:
        """The value at 1-based (row, col); ``None`` outside the grid."""
        if 1 <= row <= len(self.rows) and 1 <= col <= len(self.rows[row - 1]):
            return self.rows[row - 1][col - 1]
        return None

    def merged_range(self, row: int, col: int) -> tuple[int, int, int, int] | None:
        """The merged range covering 1-based (row, col), if any."""
        for rng in self.merged:
            if rng[0] <= row <= rng[2] and rng[1] <= col <= rng[3]:
                return rng
        return None

    def filled(self, first_row: int, last_row: int) -> list[list[object]]:
        """Copies of rows first_row..last_row (1-based) with each merged value spread over its range."""
        width = self.n_cols
        out = [list(self.rows[r - 1]) + [None] * (width - len(self.rows[r - 1]))
               for r in range(first_row, last_row + 1)]
        for r0, c0, r1, c1 in self.merged:
            if r1 < first_row or r0 > last_row:
                continue
            value = self.value(r0, c0)
            for r in range(max(r0, first_row), min(r1, last_row) + 1):
                for c in range(c0, min(c1, width) + 1):
                    out[r - first_row][c - 1] = value
        return out


class Workbook:
    """An open workbook: its sheet names, and each sheet read on first use."""

    def __init__(self, path: Path, reader, names: list[str], visible: list[bool]) -> None:
        self.path = path
        self._reader = reader
        self.sheet_names = names
        self._visible = visible
        self._sheets: dict[str, Sheet] = {}

    def sheet(self, key: str | int) -> Sheet:
        """A sheet by name (a trailing or leading space may be left out) or by 0-based index."""
        name = self._resolve(key)
        if name not in self._sheets:
            self._sheets[name] = self._load(name)
        return self._sheets[name]

    def sheets(self, *, visible_only: bool = False) -> list[Sheet]:
        return [self.sheet(n) for n, v in zip(self.sheet_names, self._visible) if v or not visible_only]

    def _resolve(self, key: str | int) -> str:
        names = self.sheet_names
        if isinstance(key, int) and not isinstance(key, bool):
            if 0 <= key < len(names):
                return names[key]
            raise DataFormatError(
                f"シート番号 {key} はありません（シートは {len(names)} 枚、番号は 0 から）。",
                path=self.path,
                expected=_name_list(names),
            )
        if key in names:
            return key
        wanted = unicodedata.normalize("NFKC", str(key)).strip()
        matches = [n for n in names if unicodedata.normalize("NFKC", n).strip() == wanted]
        if len(matches) == 1:  # sheet names sometimes end with a space
            return matches[0]
        raise DataFormatError(
            f"シート「{key}」がありません。",
            path=self.path,
            expected=_name_list(names),
        )

    def _load(self, name: str) -> Sheet:
        try:
            raw = self._reader.get_sheet_by_name(name)
            rows = raw.to_python(skip_empty_area=False)
            merged = raw.merged_cell_ranges or []
        except Exception as err:  # calamine raises its own error types for damaged sheets
            raise DataFormatError(
                f"シートを読めません（{type(err).__name__}: {str(err)[:80]}）。"
                "ファイルが壊れているか、途中で切れていないか確かめてください。",
                path=self.path,
                sheet=name,
            ) from None
        grid = [
            [None if v == "" else int(v) if type(v) is float and v.is_integer() else v for v in row]
            for row in rows
        ]
        if any(isinstance(v, dt.datetime) for row in grid for v in row):
            grid = [[_cell(v) for v in row] for row in grid]
        while grid and all(v is None for v in grid[-1]):
            grid.pop()  # trailing empty rows (some workbooks carry formatting far below the table)
        # calamine gives ((first_row, first_col), (last_row, last_col)), 0-based
        ranges = [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in merged]
        return Sheet(name=name, rows=grid, merged=ranges, visible=self._visible[self.sheet_names.index(name)])


def _name_list(names: list[str]) -> str:
    return "次のシートのどれか: " + "、".join(f"「{n}」" for n in names)


def _cell(value: object) -> object:
    if value == "" or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # .xls (BIFF inside a compound file), and encrypted .xlsx
ZIP_MAGIC = b"PK\x03\x04"                             # .xlsx / .xlsm (Office Open XML is a zip)


def sniff(path: str | Path) -> str | None:
    """``"xls"`` or ``"xlsx"`` by the file's first bytes (whatever its name says), ``"zip"`` for any other
    zip archive (a download not yet expanded), else ``None``."""
    with Path(path).open("rb") as handle:
        head = handle.read(8)
    if head.startswith(OLE2_MAGIC):
        return "xls"
    if head.startswith(ZIP_MAGIC):
        import zipfile

        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return "xlsx"   # cut short or damaged: opening it says so
        return "xlsx" if "[Content_Types].xml" in names else "zip"
    return None


def open_workbook(path: str | Path) -> Workbook:
    """Open a ``.xls`` or ``.xlsx`` file, or explain in Japanese why it cannot be opened.

    The format is taken from the content, not the name: an ``.xls`` renamed ``.xlsx`` (or saved
    by another program under the other name) opens as what it is.
    """
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    file = Path(path)
    if not file.is_file():
        raise DataFormatError("ファイルがありません。パスを確認してください。", path=file)
    kind = sniff(file)
    suffix = file.suffix.lower()
    if kind is None and suffix in (".csv", ".txt", ".tsv"):
        raise DataFormatError(
            "CSV ファイルです。この関数は Excel ファイル（.xlsx / .xls）を読みます。"
            "e-Stat の CSV なら ebpm.estat の関数、その他の CSV なら pandas.read_csv を使ってください。",
            path=file,
            expected="Excel ファイル（.xlsx / .xls）",
        )
    if kind is None:
        head = file.read_bytes()[:8]
        what = "PDF" if head.startswith(b"%PDF") else "HTML" if head.lstrip().lower().startswith(b"<") else ""
        raise DataFormatError(
            f"Excel ファイルとして開けません（中身が Excel の形式ではありません{'。' + what + ' のようです' if what else ''}）。"
            "CSV や PDF ではありませんか？ダウンロードし直すか、Excel で開いて「Excel ブック（*.xlsx）」として"
            "保存し直してください。",
            path=file,
            expected="Excel ファイル（.xlsx / .xls）",
        )
    if kind == "zip":
        raise DataFormatError(
            "ZIP（圧縮）ファイルです。Excel のファイルではありません。展開（右クリック →「すべて展開」）して、"
            "中のファイルをフォルダに入れてください。",
            path=file,
            expected="Excel ファイル（.xlsx / .xls）",
        )
    named = "xls" if suffix == ".xls" else "xlsx" if suffix in (".xlsx", ".xlsm") else None
    try:
        if named == kind:
            reader = CalamineWorkbook.from_path(str(file))
        else:   # calamine chooses the format by the name: let it look at the bytes instead
            with file.open("rb") as handle:
                reader = CalamineWorkbook.from_filelike(handle)
        meta = reader.sheets_metadata
    except Exception as err:  # calamine's errors: encrypted, truncated, not a workbook
        raise DataFormatError(
            f"Excel ファイルとして開けません（{type(err).__name__}: {str(err)[:80]}）。"
            "パスワード付きのファイルや、ダウンロードが途中で切れたファイルではありませんか？",
            path=file,
            expected="Excel ファイル（.xlsx / .xls）",
        ) from None
    names = [m.name for m in meta]
    visible = [m.visible == SheetVisibleEnum.Visible for m in meta]
    return Workbook(file, reader, names, visible)


def header_text(value: object) -> str:
    """A header cell as one line: NFKC, line breaks removed, spaces trimmed ('' for empty)."""
    return "" if value is None else "".join(_header_parts(str(value)))


def header_lines(value: object) -> list[str]:
    """A header cell split at its line breaks, each part NFKC-normalised and trimmed."""
    return [] if value is None else list(_header_parts(str(value)))


@functools.lru_cache(maxsize=1 << 16)
def _header_parts(text: str) -> tuple[str, ...]:
    # cached: a national file repeats the same few thousand names in every sheet and every year
    text = unicodedata.normalize("NFKC", text).replace("\u3000", " ")
    return tuple(part.strip() for part in _LINE_BREAKS.split(text) if part.strip())


def choose_sheet(
    book: Workbook,
    fits: Callable[[Sheet], bool],
    sheet: str | int | None = None,
    *,
    looking_for: str,
) -> Sheet:
    """The sheet named by ``sheet``, or else the one sheet whose content ``fits``.

    Refuses when no sheet fits (naming every sheet and what was looked for) and when several
    fit (naming them and asking for ``sheet=``): a wide workbook is never read from a sheet
    chosen by its position.
    """
    if sheet is not None:
        return book.sheet(sheet)
    candidates = [s for s in book.sheets() if fits(s)]
    shown = [s for s in candidates if s.visible] or candidates
    if len(shown) == 1:
        return shown[0]
    if not shown:
        raise DataFormatError(
            f"{looking_for}のシートが見つかりません（シートは "
            + "、".join(f"「{n}」" for n in book.sheet_names) + "）。",
            path=book.path,
            expected=looking_for,
        )
    names = "、".join(f"「{s.name}」" for s in shown)
    raise DataFormatError(
        f"{looking_for}に見えるシートが {len(shown)} 枚あります: {names}。"
        f"どのシートを読むか sheet= で指定してください（例: sheet=\"{shown[0].name}\"）。",
        path=book.path,
        expected="読むシートの名前",
    )
