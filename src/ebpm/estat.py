"""Read the CSV files that staff download from e-Stat (政府統計の総合窓口).

Two forms:

* ``read_estat_download``: a table downloaded from the e-Stat website / database. It may be
  cp932 or UTF-8 (with or without BOM); it may start with metadata rows (統計名：, 表番号：, ...)
  and a legend of markers ("***","当該数値がないもの"); its header may span several rows
  (code / 補助コード / name of each column dimension, then one row naming the row
  dimensions, the column under "/" separating the two); numbers carry thousands commas.
  地域統計 downloads put a 注釈 column beside each value column; some tables have the years
  as column headers (「平成11年(1999年)」) and pad prefecture names (「熊　本」).
* ``read_estat_api``: the CSV of the e-Stat API (``getStatsData`` / ``getSimpleStatsData``),
  a header section (RESULT, PARAMETER, TABLE_INF, CLASS_INF, NOTE ...) followed by a line
  ``"VALUE"`` and the data table (``tab_code``, ``表章項目``, ``cat01_code``, ..., ``area_code``,
  ``time_code``, ``unit``, ``value``, ``annotation``).

Both return a tidy long table: one row per cell of the original table, the number in
``value`` (Float64) and, where the cell held a marker instead, the marker in ``marker``.
Codes stay text ("01000" keeps its zero). ``year`` comes from the 10-digit time code or the
time label. A file cut short is refused (see ``ebpm.textfile``).
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ebpm import textfile, wareki
from ebpm.errors import DataFormatError
from ebpm.textfile import check_last_record
from ebpm.textnorm import _MARKER_ALIASES, normalize_text, parse_numeric

__all__ = [
    "detect_encoding",
    "parse_time_code",
    "read_estat_api",
    "read_estat_download",
    "split_area_name",
]

_CODE_SUFFIX = re.compile(r"^(.*?)\s*(補助コード|コード)$")
_ITEM_CODE_PREFIX = re.compile(r"^([A-Za-z]?\d{3,}[A-Za-z]?)_(.+)$")
_UNIT = re.compile(r"【([^】]+)】\s*$")
_YEAR_LABEL = re.compile(r"^\s*(\d{4})\s*年")
_AREA_WORDS = ("地域", "全国", "都道府県", "市区町村", "市町村")
_TIME_NAMES = ("調査年", "年次", "年度", "時点")
_API_DATA_HEADER = "VALUE"
_ANNOTATION_NAMES = ("注釈", "注記")
_BRACKET_YEAR = re.compile(r"\(\s*(\d{4})\s*年")

# ------------------------------------------------------------------ reading text


def detect_encoding(data: bytes) -> str:
    """Return "utf-8-sig", "utf-8" or "cp932" for the bytes of an e-Stat CSV.

    Raises ``DataFormatError`` when the bytes are none of these, or end in the middle of a
    character (a download cut short).
    """
    return textfile.detect_encoding(data)


def _read_text(path: Path, encoding: str | None) -> tuple[str, str]:
    """Decode a file, checking a caller's encoding against what the bytes say."""
    if not path.is_file():
        raise DataFormatError("ファイルが見つかりません。パスを確認してください。", path=path)
    data = path.read_bytes()
    if not data.strip(codecs.BOM_UTF8 + b" \t\r\n"):
        raise DataFormatError("ファイルが空です。", path=path, expected="e-Stat の CSV")
    detected = textfile.detect_encoding(data, path=path)
    if encoding is None:
        encoding = detected
    else:
        given = codecs.lookup(encoding).name
        bytes_are_utf8 = detected.startswith("utf-8") and not data.isascii()
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            text = None
        # UTF-8 bytes sometimes decode as cp932 without error, giving garbled text.
        if text is None or (bytes_are_utf8 and not given.startswith("utf-8")):
            raise DataFormatError(
                f"文字コード「{encoding}」では正しく読めません。"
                f"このファイルは「{detected}」のようです。"
                f"encoding=\"{detected}\" を指定するか、encoding を省略してください。",
                path=path,
            )
    text = data.decode(encoding)
    return text.removeprefix("\ufeff"), encoding


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """CSV rows with the file line number where each row starts."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    line = 1
    for cells in reader:
        rows.append((line, cells))
        line = reader.line_num + 1
    return rows


def _is_blank(cells: list[str]) -> bool:
    return all(c.strip() == "" for c in cells)


# ------------------------------------------------------------------ codes and areas


def parse_time_code(code: str | int) -> dict[str, int | str | None]:
    """Read an e-Stat 10-digit time code such as "2020000000" or "2020100000".

    The digits are YYYY + KK + MMNN: YYYY the year; KK "00" for the calendar, "10" for the
    fiscal year (年度, April to March), "01"/"02" for the first/second half of the year;
    MMNN the first and last month of the period ("0000" for a whole year or half year).
    Examples: 2020000000 = 2020年, 2020100000 = 2020年度, 2021001111 = 2021年11月,
    2019000103 = 2019年1～3月期, 2018010000 = 2018年上半期.

    Returns ``{"year", "kind", "month_from", "month_to"}`` where kind is one of "year",
    "fiscal_year", "month", "quarter", "half", "period" or "other" (a combination not listed
    above; only the year is read then).
    """
    text = str(code).strip()
    if not re.fullmatch(r"\d{10}", text):
        raise DataFormatError(
            f"時間軸コード「{code}」は 10 桁の数字ではありません。",
            expected="例: 2020000000（2020年）、2020100000（2020年度）",
        )
    year, kk, first, last = int(text[:4]), text[4:6], int(text[6:8]), int(text[8:10])
    kind = "other"
    if first == last == 0:
        kind = {"00": "year", "10": "fiscal_year", "01": "half", "02": "half"}.get(kk, "other")
    elif kk == "00" and 1 <= first <= last <= 12:
        kind = "month" if first == last else ("quarter" if last - first == 2 else "period")
    return {
        "year": year,
        "kind": kind,
        "month_from": first or None,
        "month_to": last or None,
    }


def _year_of_label(label: str) -> int | None:
    """The year of a label: "2017年度", "平成11年(1999年)" (the 西暦 in brackets), "令和元年"."""
    text = normalize_text(label)
    match = _BRACKET_YEAR.search(text) or _YEAR_LABEL.match(text)
    if match:
        return int(match.group(1))
    try:
        if text.endswith("年度"):
            return wareki.parse_fiscal_year(text)
        return wareki.parse_year(text)
    except (DataFormatError, ValueError):
        return None


def _year_of(code: str | None, label: str | None) -> int | None:
    if code is not None and re.fullmatch(r"\d{10}", str(code).strip()):
        return int(parse_time_code(code)["year"])
    return _year_of_label(label) if isinstance(label, str) else None


def split_area_name(names: pd.Series) -> pd.DataFrame:
    """Split names such as "兵庫県 神戸市 東灘区" into prefecture, municipality and ward.

    Parts are separated by spaces (half- or full-width). The ward is filled only for a
    ward of a designated city (a "…区" after a "…市"); Tokyo's special wards ("東京都 千代田区")
    are municipalities. A district (郡) part is skipped. "全国" gives three missing values.
    """
    rows = []
    for name in names.array:
        prefecture = municipality = ward = None
        if isinstance(name, str) and normalize_text(name) not in ("", "全国"):
            parts = normalize_text(name).split(" ")
            if parts[0].endswith(("都", "道", "府", "県")):
                prefecture, parts = parts[0], parts[1:]
            parts = [p for p in parts if not p.endswith("郡")]
            if len(parts) >= 2 and parts[-1].endswith("区") and parts[-2].endswith("市"):
                municipality, ward = parts[-2], parts[-1]
            elif parts:
                municipality = " ".join(parts)
        rows.append((prefecture, municipality, ward))
    columns = ["prefecture", "municipality", "ward"]
    return pd.DataFrame(
        {c: pd.array([r[k] for r in rows], dtype="string") for k, c in enumerate(columns)},
        index=names.index,
    )


# ------------------------------------------------------------------ website / DB download
#
# The reader is a short list of steps, each a function with its own tests:
#   _read_preamble  metadata rows (統計名：...) and the legend of markers
#   _find_header    the header rows: "/…" rows naming the column dimensions, then the last one
#   _read_body      the data rows, footnotes below them, a cut last row
#   _choose_axes    which columns hold values (and their 注釈), the row and column dimensions
#                   and their roles (time, area, item), including a time axis in the headers
#   _melt           one row per value
#   _finish_columns year, unit, area parts and codes, column order


@dataclass
class _Dim:
    """One dimension of the table: where its code, auxiliary code and name are."""

    name: str
    code: object = None  # row dims: column index; column dims: list of values
    aux: object = None
    label: object = None
    role: str = "other"


@dataclass
class _Preamble:
    metadata: dict[str, str]
    legend: dict[str, str]
    start: int  # index in the rows of the first header row


@dataclass
class _Header:
    column_rows: list[tuple[int, list[str]]]  # "/…" rows naming the column dimensions
    line: int  # line number of the last header row
    cells: list[str]  # the last header row: row dimension names, then column labels
    slash: int | None  # position of the "/" column, None for a single plain header row
    end: int  # index in the rows of the first row below the header


@dataclass
class _Axes:
    row_dims: dict[str, _Dim]
    col_dims: dict[str, _Dim]
    value_columns: list[int]
    annotations: dict[int, int]  # value column -> the 注釈 column beside it


def _split_role(label: str) -> tuple[str, str]:
    match = _CODE_SUFFIX.match(label.strip())
    if match and match.group(1):
        return match.group(1).strip(), "aux" if match.group(2) == "補助コード" else "code"
    return label.strip(), "label"


def _is_legend_key(cell: str) -> bool:
    text = normalize_text(cell)
    return text in _MARKER_ALIASES or bool(re.fullmatch(r"[^\w\s]{1,4}|[xXpPrR]", text))


def _legend_entry(cells: list[str]) -> tuple[str, str] | None:
    """("***", meaning) for a legend row; the meaning may be blank or a full-width space."""
    first = cells[0].strip() if cells else ""
    meaning = cells[1].strip() if len(cells) > 1 else ""
    if first and _is_legend_key(first) and all(not c.strip() for c in cells[2:]):
        return first, meaning
    return None


def _read_preamble(rows: list[tuple[int, list[str]]], path: Path) -> _Preamble:
    """Metadata rows ("統計名：", ...) and legend rows ("***","当該数値がないもの") above the table."""
    metadata: dict[str, str] = {}
    legend: dict[str, str] = {}
    i = 0
    while i < len(rows):
        cells = rows[i][1]
        filled = [c.strip() for c in cells if c.strip()]
        if not filled:
            i += 1
            continue
        if any(c.startswith("/") for c in cells):
            break
        first = cells[0].strip()
        entry = _legend_entry(cells)
        if first.endswith(("：", ":")):
            metadata[first.rstrip("：:").strip()] = " ".join(filled[1:])
        elif entry is not None:
            legend[entry[0]] = entry[1]
        else:
            break
        i += 1
    if i >= len(rows):
        raise DataFormatError(
            "表の見出し行が見つかりません（説明の行だけで、表がありません）。",
            path=path, expected="「調査年」「地域」などの見出し行と数値の行",
        )
    return _Preamble(metadata, legend, i)


def _find_header(rows: list[tuple[int, list[str]]], start: int, path: Path) -> _Header:
    """The header rows from ``start``: the "/…" rows, if any, then the row naming the row dimensions."""
    i = start
    slash = next((k for k, c in enumerate(rows[i][1]) if c.startswith("/")), None)
    column_rows: list[tuple[int, list[str]]] = []
    if slash is not None:
        while (
            i < len(rows)
            and len(rows[i][1]) > slash
            and rows[i][1][slash].startswith("/")
            and _is_blank(rows[i][1][:slash])
        ):
            column_rows.append(rows[i])
            i += 1
        if i >= len(rows) or len(rows[i][1]) <= slash or not rows[i][1][slash].startswith("/"):
            raise DataFormatError(
                "見出しの最後の行（行の項目名と「/」で始まる列名が並ぶ行）が見つかりません。",
                path=path, row=rows[min(i, len(rows) - 1)][0],
                expected="e-Stat からダウンロードしたままの CSV",
            )
    line, cells = rows[i]
    return _Header(column_rows, line, cells, slash, i + 1)


def _read_body(
    rows: list[tuple[int, list[str]]], header: _Header, text: str, path: Path
) -> tuple[list[tuple[int, list[str]]], list[str]]:
    """Data rows (each as wide as the header) and the footnotes below the table."""
    width = len(header.cells)
    check_last_record(rows, width, text, path=path, notes_allowed=True)
    notes: list[str] = []
    body: list[tuple[int, list[str]]] = []
    for line, cells in rows:
        if _is_blank(cells):
            continue
        filled = [c for c in cells if c.strip()]
        if len(cells) != width and len(filled) == 1 and cells[0].strip():
            notes.append(cells[0].strip())  # a footnote below the table
            continue
        if len(cells) != width:
            raise DataFormatError(
                f"列の数が {len(cells)} 個ですが、見出し（{header.line} 行目）は {width} 列です。",
                path=path, row=line, expected="すべての行で見出しと同じ数の列",
            )
        body.append((line, cells))
    if not body:
        raise DataFormatError(
            "見出しの後に数値の行がありません。", path=path, row=header.line,
            expected="見出し行の下に 1 行以上のデータ",
        )
    return body, notes


def _annotation_columns(labels: dict[int, str], first: int) -> dict[int, int]:
    """Value column -> its 注釈 column, for each "注釈" column right of a value column."""
    pairs: dict[int, int] = {}
    for c in sorted(labels):
        is_note = normalize_text(labels[c]) in _ANNOTATION_NAMES
        if is_note and c - 1 >= first and c - 1 not in pairs.values() and c - 1 in labels:
            pairs[c - 1] = c
    return pairs


def _choose_axes(
    header: _Header, body: list[tuple[int, list[str]]], legend: dict[str, str], path: Path
) -> _Axes:
    """Value columns, their 注釈 columns, and the row and column dimensions with their roles."""
    cells, width = header.cells, len(header.cells)
    if header.slash is None:
        named = {c: cells[c] for c in range(width)}
        pairs = _annotation_columns(named, 0)
        first_value = _guess_value_start(cells, body, legend, skip=set(pairs.values()), path=path)
        row_header = cells[:first_value]
        pairs = {v: a for v, a in pairs.items() if v >= first_value}
    else:
        first_value = header.slash + 1
        row_header = cells[: header.slash]
        named = {c: cells[c] for c in range(first_value, width)}
        for _line, column_row in header.column_rows:  # a 注釈 column may be named in any row
            named.update({c: column_row[c] for c in named
                          if c < len(column_row) and normalize_text(column_row[c]) in _ANNOTATION_NAMES})
        pairs = _annotation_columns(named, first_value)
    value_columns = [c for c in range(first_value, width) if c not in pairs.values()]
    if not value_columns:
        raise DataFormatError(
            "数値の列がありません。", path=path, row=header.line,
            expected="「/」の列より右に数値の列",
        )
    if not row_header or any(not h.strip() for h in row_header):
        raise DataFormatError(
            "行の項目名（調査年、地域など）が空の列があります。", path=path, row=header.line,
            expected="数値の列の左に、名前のある項目の列",
        )
    row_dims = _row_dimensions(row_header)
    col_dims = _column_dimensions(header, value_columns)
    _assign_roles(row_dims, col_dims, body)
    return _Axes(row_dims, col_dims, value_columns, pairs)


def _row_dimensions(row_header: list[str]) -> dict[str, _Dim]:
    """Row dimensions, grouped by name ("地域 コード" + "地域"; "都道府県コード" + "都道府県名")."""
    row_dims: dict[str, _Dim] = {}
    for c, label in enumerate(row_header):
        name, part = _split_role(label)
        stem = re.sub(r"(名称|名)$", "", name)
        if part == "label" and stem != name and stem in row_dims and row_dims[stem].label is None:
            name = stem  # "都道府県名" is the label of "都道府県コード"
        dim = row_dims.setdefault(name, _Dim(name))
        setattr(dim, part, c)
    return row_dims


def _column_dimensions(header: _Header, value_columns: list[int]) -> dict[str, _Dim]:
    """Column dimensions: for each, its codes and labels over the value columns."""
    if header.slash is None:
        labelled = [(("項目", "label"), header.cells)]
    else:
        labelled = [(_split_role(cells[header.slash][1:]), cells) for _l, cells in header.column_rows]
        labelled.append(((_split_role(header.cells[header.slash][1:])[0], "label"), header.cells))
    col_dims: dict[str, _Dim] = {}
    for (name, part), cells in labelled:
        dim = col_dims.setdefault(name, _Dim(name))
        setattr(dim, part, [cells[c] if c < len(cells) else "" for c in value_columns])
    for dim in col_dims.values():
        if dim.code is None and isinstance(dim.label, list):
            matches = [_ITEM_CODE_PREFIX.match(v) for v in dim.label]
            if all(matches):  # "A4101_出生数【人】": the code is written into the label
                dim.code = [m.group(1) for m in matches]
                dim.label = [m.group(2) for m in matches]
    return col_dims


def _role_of(dim: _Dim, codes: list[str], labels: list[str], across_columns: bool) -> str:
    name = normalize_text(dim.name)
    if name.startswith("時間軸") or name in _TIME_NAMES:
        return "time"
    if codes and all(re.fullmatch(r"\d{10}", c) for c in codes if c):
        return "time"
    if across_columns and not codes and len(labels) > 1:
        years = [_year_of_label(label) for label in labels]
        if None not in years and len(set(years)) > 1:
            return "time"  # 「平成11年(1999年)」…「令和元年(2019年)」 as column headers
    if any(word in name for word in _AREA_WORDS):
        return "area"
    if name.startswith("表章") or name == "項目":
        return "item"
    return "other"


def _assign_roles(
    row_dims: dict[str, _Dim], col_dims: dict[str, _Dim], body: list[tuple[int, list[str]]]
) -> None:
    """Give each dimension its role; at most one dimension per role.

    A time axis across the column headers wins over a row dimension that holds one survey
    year for the whole table: each value then gets its column's year.
    """
    def row_values(dim: _Dim, part: str) -> list[str]:
        c = getattr(dim, part)
        return [] if c is None else [cells[c].strip() for _line, cells in body]

    for dim in row_dims.values():
        dim.role = _role_of(dim, row_values(dim, "code"), row_values(dim, "label"), False)
    for dim in col_dims.values():
        dim.role = _role_of(dim, dim.code or [], dim.label or [], True)
    if any(d.role == "time" for d in col_dims.values()):
        for dim in row_dims.values():
            values = set(row_values(dim, "code") or row_values(dim, "label"))
            if dim.role == "time" and len(values) <= 1:
                dim.role = "other"  # the survey year (調査年) of a table whose years are columns
    taken: set[str] = set()
    for dim in [*row_dims.values(), *col_dims.values()]:
        if dim.role in taken:
            dim.role = "other"
        if dim.role != "other":
            taken.add(dim.role)


def _output_names(dim: _Dim) -> dict[str, str]:
    """Column names of a dimension in the output, by part (code, aux, label)."""
    if dim.role in ("time", "area", "item"):
        base = dim.role
        return {"code": f"{base}_code", "aux": f"{base}_aux_code", "label": base}
    return {"code": f"{dim.name}_code", "aux": f"{dim.name}_aux_code", "label": dim.name}


def _melt(
    axes: _Axes, header: _Header, body: list[tuple[int, list[str]]], legend: dict[str, str],
    path: Path,
) -> pd.DataFrame:
    """One row per value: the column dimensions, value, marker (and annotation), then the row dimensions."""
    lines = [line for line, _cells in body]
    n_rows = len(body)
    pieces = []
    for offset, c in enumerate(axes.value_columns):
        column_name = header.cells[c] or f"{c + 1} 列目"
        parsed = parse_numeric(
            pd.Series([cells[c] for _line, cells in body]),
            column=column_name, path=path, markers=legend, rows=lines,
        )
        piece: dict[str, object] = {"_row": range(n_rows), "_col": offset}
        for dim in axes.col_dims.values():
            names = _output_names(dim)
            for part in ("code", "aux", "label"):
                values = getattr(dim, part)
                if values is not None:
                    piece[names[part]] = values[offset].strip()
        piece["value"] = parsed["value"].array
        piece["marker"] = parsed["marker"].array
        if axes.annotations:
            note = axes.annotations.get(c)
            piece["annotation"] = [cells[note].strip() if note is not None else "" for _l, cells in body]
        pieces.append(pd.DataFrame(piece))
    long = pd.concat(pieces, ignore_index=True)

    row_table: dict[str, list[str]] = {}
    for dim in axes.row_dims.values():
        names = _output_names(dim)
        for part in ("code", "aux", "label"):
            c = getattr(dim, part)
            if c is not None:
                row_table[names[part]] = [cells[c].strip() for _line, cells in body]
    row_frame = pd.DataFrame(row_table)
    row_frame["_row"] = range(n_rows)
    long = long.merge(row_frame, on="_row", how="left", validate="many_to_one")
    return long.sort_values(["_row", "_col"], kind="stable").reset_index(drop=True)


def read_estat_download(
    path: str | Path, *, encoding: str | None = None, split_area: bool = False
) -> pd.DataFrame:
    """Read a CSV downloaded from the e-Stat website or database into a tidy long table.

    Columns, one row per number of the original table:

    - for each dimension of the table, its code as text (``<name>_code``) and its label
      (``<name>``); three dimensions get fixed names: the time axis ``time_code`` / ``time``
      plus ``year`` (int, from the 10-digit code or a label such as "2017年度" or
      "平成11年(1999年)"), the area ``area_code`` / ``area``, and the item (表章事項, 表章項目,
      項目) ``item_code`` / ``item`` plus ``unit`` when the label ends with 【unit】. Auxiliary
      codes (補助コード) are kept as ``<name>_aux_code`` only when some are filled. When the
      years are the column headers, they are the time axis and a one-value 調査年 stays an
      ordinary column. Area names padded with spaces (「熊　本」) are closed up ("熊本"), and
      area codes that lost their leading zero get it back ("1" → "01", "1000" → "01000");
    - ``prefecture``, ``municipality``, ``ward`` after ``area`` when ``split_area=True``;
    - ``value`` (Float64) and ``marker`` (string: "-", "…", "x", "***", "・" or a marker of
      the file's legend; NA where there is a number);
    - ``annotation`` (string) when the file has a 注釈 column beside each value column
      (地域統計 downloads): the note of that value.

    ``df.attrs`` holds ``metadata`` (統計名, 表番号, 表題, ...), ``legend`` (marker → meaning),
    ``dimensions`` (output column → e-Stat's name), ``notes`` (footnote rows), ``encoding``,
    ``form`` ("single_header" or "multi_row_header") and ``source`` (file name).
    """
    path = Path(path)
    text, used_encoding = _read_text(path, encoding)
    rows = _csv_rows(text)
    preamble = _read_preamble(rows, path)
    header = _find_header(rows, preamble.start, path)
    body, notes = _read_body(rows[header.end:], header, text, path)
    axes = _choose_axes(header, body, preamble.legend, path)
    long = _finish_columns(_melt(axes, header, body, preamble.legend, path), axes, split_area)
    has_preamble = header.column_rows or preamble.metadata or preamble.legend
    long.attrs.update(
        metadata=preamble.metadata,
        legend=preamble.legend,
        dimensions={
            _output_names(dim)["label"]: dim.name
            for dim in [*axes.row_dims.values(), *axes.col_dims.values()]
        },
        notes=notes,
        encoding=used_encoding,
        form="multi_row_header" if has_preamble else "single_header",
        source=path.name,
    )
    return long


def _guess_value_start(
    header: list[str], body: list[tuple[int, list[str]]], legend: dict[str, str],
    *, skip: set[int], path: Path,
) -> int:
    """For a table without a "/" column: the first of the trailing numeric columns.

    Columns in ``skip`` (注釈 beside the values) are passed over.
    """
    start = len(header)
    for c in range(len(header) - 1, -1, -1):
        if c in skip:
            continue
        if _CODE_SUFFIX.match(header[c].strip()):
            break
        try:
            parse_numeric(pd.Series([cells[c] for _l, cells in body]), markers=legend)
        except DataFormatError:
            break
        start = c
    if start == 0 or start == len(header):
        raise DataFormatError(
            "表の形が読み取れません（数値の列と項目の列を区別できません）。", path=path,
            expected="e-Stat からダウンロードしたままの CSV（「/」で始まる見出しを含む）",
        )
    return start


def _unpad_name(name: str) -> str:
    """「熊　本」 → 「熊本」: names padded to a fixed width with spaces between single characters."""
    parts = re.split(r"[ \u3000]+", name.strip())
    return "".join(parts) if len(parts) > 1 and all(len(p) == 1 for p in parts) else name


def _pad_area_codes(codes: pd.Series) -> pd.Series:
    """Put back a leading zero that a spreadsheet dropped: prefecture "1" → "01", "1000" → "01000"."""
    filled = codes[codes.notna() & (codes != "")]
    if filled.empty or not filled.str.fullmatch(r"\d+").all():
        return codes
    lengths = set(filled.str.len())
    if lengths <= {1, 2}:
        return codes.str.zfill(2)
    if lengths <= {4, 5} and 4 in lengths:
        return codes.str.zfill(5)
    return codes


def _finish_columns(long: pd.DataFrame, axes: _Axes, split_area: bool) -> pd.DataFrame:
    """Add year, unit and area parts; drop empty auxiliary codes; order the columns."""
    ordered: list[str] = []
    for dim in [*axes.row_dims.values(), *axes.col_dims.values()]:
        names = _output_names(dim)
        for part in ("code", "aux", "label"):
            column = names[part]
            if column not in long.columns:
                continue
            if part == "aux" and long[column].isin(["", "-"]).all():
                long = long.drop(columns=column)
                continue
            ordered.append(column)
        if dim.role == "time":
            codes = long.get("time_code")
            labels = long.get("time")
            years = {}
            keys = zip(
                codes if codes is not None else [None] * len(long),
                labels if labels is not None else [None] * len(long),
            )
            long["year"] = pd.array(
                [years.setdefault(k, _year_of(*k)) for k in keys], dtype="Int64"
            )
            ordered.append("year")
        if dim.role == "item" and "item" in long.columns:
            units = long["item"].str.extract(_UNIT, expand=False)
            if units.notna().any():
                long["unit"] = units.astype("string")
                ordered.append("unit")
        if dim.role == "area":
            if "area" in long.columns:
                long["area"] = long["area"].map(_unpad_name)
            if "area_code" in long.columns:
                long["area_code"] = _pad_area_codes(long["area_code"])
            if split_area and "area" in long.columns:
                parts = split_area_name(long["area"])
                long = pd.concat([long, parts], axis=1)
                ordered.extend(parts.columns)
    text_columns = [c for c in ordered if c not in ("year", "unit", "prefecture", "municipality", "ward")]
    if axes.annotations:
        text_columns.append("annotation")
    for column in text_columns:
        long[column] = long[column].astype("string").replace("", pd.NA)
    extra = ["annotation"] if axes.annotations else []
    return long[[*ordered, "value", "marker", *extra]]

# ------------------------------------------------------------------ API CSV


def read_estat_api(path: str | Path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read the CSV returned by the e-Stat API (getStatsData / getSimpleStatsData).

    Returns the table under the ``"VALUE"`` line with its own column names (``tab_code``,
    ``表章項目``, ``cat01_code``, ..., ``area_code``, ``time_code``, ``unit``, ``value``,
    ``annotation``), every column as text except ``value`` (Float64; NA for a marker),
    plus ``marker`` (the marker that stood in ``value``) and ``year`` (Int64, from
    ``time_code``). A file without the header section (``sectionHeaderFlg=2``) is read too.

    ``df.attrs`` holds ``metadata`` (the header section: key → value, or list of values),
    ``legend`` (NOTE rows: marker → meaning), ``encoding`` and ``source``.
    """
    path = Path(path)
    text, used_encoding = _read_text(path, encoding)
    rows = _csv_rows(text)
    start = next(
        (k for k, (_l, cells) in enumerate(rows) if [c.strip() for c in cells if c.strip()] == [_API_DATA_HEADER]),
        None,
    )
    if start is None:
        first = next((cells for _l, cells in rows if not _is_blank(cells)), [])
        if "value" in first and any(c.endswith("_code") for c in first):
            start = -1  # sectionHeaderFlg=2: the table starts on the first row
        else:
            metadata, _legend = _api_header(rows)
            detail = ""
            if metadata.get("STATUS") not in (None, "0"):
                detail = f"（API の応答: STATUS={metadata.get('STATUS')} {metadata.get('ERROR_MSG', '')}）"
            raise DataFormatError(
                f"\"VALUE\" の行（データ部分の始まり）がありません。{detail}",
                path=path,
                expected="e-Stat API の統計データ取得（CSV 形式）の応答",
            )
    metadata, legend = _api_header(rows[: max(start, 0)])

    table = [(line, cells) for line, cells in rows[start + 1:] if not _is_blank(cells)]
    if not table:
        raise DataFormatError(
            "\"VALUE\" の後に表がありません。", path=path, expected="列名の行とデータの行"
        )
    header_line, header = table[0]
    header = [h.strip() for h in header]
    if "value" not in header:
        raise DataFormatError(
            f"列「value」がありません（列: {', '.join(header)}）。",
            path=path, row=header_line, column="value",
            expected="tab_code, ..., time_code, unit, value などの列",
        )
    body = table[1:]
    check_last_record(body, len(header), text, path=path)
    _check_api_row_count(metadata, len(body), path)
    for line, cells in body:
        if len(cells) != len(header):
            raise DataFormatError(
                f"列の数が {len(cells)} 個ですが、見出しは {len(header)} 列です。",
                path=path, row=line, expected="すべての行で見出しと同じ数の列",
            )
    frame = pd.DataFrame([cells for _l, cells in body], columns=header, dtype="string")
    for column in frame.columns:
        if column != "value":
            frame[column] = frame[column].replace("", pd.NA)
    parsed = parse_numeric(
        frame["value"], column="value", path=path, markers=legend, rows=[l for l, _c in body]
    )
    frame["value"] = parsed["value"]
    position = frame.columns.get_loc("value") + 1
    frame.insert(position, "marker", parsed["marker"])
    if "time_code" in frame.columns:
        years: dict[object, int | None] = {}
        frame["year"] = pd.array(
            [years.setdefault(c, _year_of(c, None) if isinstance(c, str) else None)
             for c in frame["time_code"].array],
            dtype="Int64",
        )
    frame.attrs.update(
        metadata=metadata, legend=legend, encoding=used_encoding, source=path.name
    )
    return frame


_API_KEY = re.compile(r"[A-Z][A-Z0-9_]*")


def _check_api_row_count(metadata: dict[str, object], n_rows: int, path: Path) -> None:
    """A file cut at a line boundary: fewer rows than RESULT_INF's FROM_NUMBER..TO_NUMBER promise."""
    first, last = metadata.get("FROM_NUMBER"), metadata.get("TO_NUMBER")
    if not (isinstance(first, str) and isinstance(last, str) and first.isdigit() and last.isdigit()):
        return
    expected = int(last) - int(first) + 1
    if n_rows < expected:
        raise DataFormatError(
            f"{textfile.TRUNCATED}（ヘッダーの FROM_NUMBER={first}、TO_NUMBER={last} では "
            f"{expected} 行のはずですが、データは {n_rows} 行です）。もう一度ダウンロードしてください。",
            path=path, expected=f"{expected} 行のデータ",
        )


def _api_header(rows: list[tuple[int, list[str]]]) -> tuple[dict[str, object], dict[str, str]]:
    """Metadata (key -> value or list of values) and legend (NOTE) of the header section.

    Two layouts occur: one key per row ("STATUS","0") and a row of keys followed by a row
    of values ("STATUS","ERROR_MSG" / "0","正常に終了しました。").
    """
    metadata: dict[str, object] = {}
    legend: dict[str, str] = {}
    cleaned = []
    for _line, cells in rows:
        filled = [c.strip() for c in cells]
        while filled and not filled[-1]:
            filled.pop()
        if filled:
            cleaned.append(filled)
    in_note = False
    i = 0
    while i < len(cleaned):
        cells = cleaned[i]
        i += 1
        if len(cells) == 1:
            in_note = cells[0] == "NOTE"
            continue
        is_keys = all(_API_KEY.fullmatch(c) for c in cells)
        if in_note:
            if not is_keys:
                legend[cells[0]] = cells[1]
            continue
        if cells[0] == "NOTE" and len(cells) >= 3:
            legend[cells[1]] = cells[2]
            continue
        following = cleaned[i] if i < len(cleaned) else None
        if is_keys and following is not None and len(following) > 1 and not all(
            _API_KEY.fullmatch(c) for c in following
        ):
            for key, value in zip(cells, following + [""] * (len(cells) - len(following))):
                metadata.setdefault(key, value)
            i += 1
        elif cells[0]:
            values = cells[1:]
            metadata.setdefault(cells[0], values[0] if len(values) == 1 else values)
    return metadata, legend
