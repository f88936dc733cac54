"""Reader for 住民基本台帳-style Excel tables (総務省「住民基本台帳に基づく人口、人口動態及び世帯数」).

Such a sheet has a title row, a block of header rows (和暦 year, 西暦 year, group, item, unit;
often merged cells), then one row per area: 全国, prefectures, 政令指定都市 with their wards,
ordinary municipalities and 郡 subtotals, mixed together. Codes are 6-digit text (or numbers
that lost their leading zero), ``-`` marks a missing value, and a footnote closes the sheet.

:func:`read_juki_excel` returns one tidy row per area with a column ``区分`` that says which
kind of row it is, so that a caller drops aggregates or wards explicitly, never by accident.
It reads ``.xls`` and ``.xlsx`` alike (through :mod:`ebpm.excel`), chooses the sheet by its
content, and names the sheet it used in ``attrs["sheet"]`` and in every error message.
The same machinery reads other 総務省 tables keyed by 団体コード (全市町村の主要財政指標); the
yearly series readers are in :mod:`ebpm.soumu`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ebpm import excel, lgcode, wareki
from ebpm.errors import DataFormatError

NATIONAL = "全国"
PREFECTURE = "都道府県"
MUNICIPALITY = "市区町村"
DESIGNATED_CITY = "政令市"
WARD = "政令市の区"
DISTRICT = "郡"  # also 東京都「島しょ」: subtotals of towns and villages
SPECIAL_WARDS_TOTAL = "特別区部"
NATIONAL_AVERAGE = "全国平均"  # 主要財政指標's footer row 全国市町村平均
CATEGORIES = (
    NATIONAL, PREFECTURE, MUNICIPALITY, DESIGNATED_CITY, WARD, DISTRICT, SPECIAL_WARDS_TOTAL,
    NATIONAL_AVERAGE,
)

# English names accepted by ``keep``; "municipality" is the 1,741 basic units (a
# designated city counts once, by its total row).
KEEP_GROUPS: dict[str, tuple[str, ...]] = {
    "national": (NATIONAL,),
    "prefecture": (PREFECTURE,),
    "municipality": (MUNICIPALITY, DESIGNATED_CITY),
    "designated_city": (DESIGNATED_CITY,),
    "ward": (WARD,),
    "district": (DISTRICT,),
    "special_wards_total": (SPECIAL_WARDS_TOTAL,),
    "national_average": (NATIONAL_AVERAGE,),
    "all": CATEGORIES,
}

CODE_COLUMN = "団体コード"
STAR_COLUMN = "名前に「*」"   # the name carried a 「*」 (a note of the file, e.g. age bands not adding up)
_CODE_LABELS = {
    "団体コード", "地方公共団体コード", "全国地方公共団体コード", "市区町村コード", "市町村コード",
    "自治体コード", "地域コード", "標準地域コード", "コード",
}
_NAME_LABELS = {
    "都道府県名": "都道府県名", "都道府県": "都道府県名",
    "市区町村名": "市区町村名", "市町村名": "市区町村名", "市区町村": "市区町村名",
    "団体名": "団体名", "自治体名": "団体名", "地域名": "団体名", "名称": "団体名",
    "性別": "性別",   # 年齢階級別人口: one row per area and sex (計/男/女)
}
_NATIONAL_NAMES = {"合計", "全国", "総計", "全国計", "全国合計"}
_AVERAGE_NAMES = {"全国市町村平均", "全国平均", "市町村平均", "全国市区町村平均"}
_AGGREGATE_AREAS = {"島しょ", "島嶼"}
_UNITS = {"人", "世帯", "%", "％", "‰", "件", "円", "千円", "戸", "人/世帯", "歳", "人口"}
_MARKERS = {"-", "−", "―", "‐", "ー", "…", "...", "***", "**", "*", "x", "X", "・", "χ"}
_YEAR_RE = re.compile(r"^(?:(?:明治|大正|昭和|平成|令和)(?:元|\d{1,2})|\d{4})年")
# A whole header line that is only a year ("令和4年度", "2022年", "平成27年(2015年)").
_YEAR_LINE_RE = re.compile(r"^(?:(?:明治|大正|昭和|平成|令和)(?:元|\d{1,2})|\d{4})年度?(?:\(.*\))?$")
_UNIT_NOTE_RE = re.compile(r"^[(\[]?単位[:：]")
_BRACKETED_RE = re.compile(r"^[(\[](?:単位[:：]?)?(.+?)[)\]]$")
_SEARCH_ROWS = 40
_MAX_HEADER_ROWS = 10


def _text(value: object) -> str:
    """NFKC text without surrounding or internal line breaks; '' for empty cells."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):  # most cells: skip the text normalisation
        return str(value)
    return excel.header_text(value)


def _label(value: object) -> str:
    return re.sub(r"\s+", "", _text(value))


def _bare(value: object) -> str:
    """A label without a bracketed note at its end: 「団体コード（6桁）」 → 「団体コード」."""
    return re.sub(r"\([^()]*\)$", "", _label(value)) if isinstance(value, str) else ""


CSV_SHEET = "CSV（テキスト）"
_NUMBER_TEXT = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def _open_sheet(path: Path, sheet: str | int | None) -> excel.Sheet:
    if path.is_file() and excel.sniff(path) is None and _looks_like_text(path):
        return _csv_sheet(path)
    book = excel.open_workbook(path)
    return excel.choose_sheet(
        book, lambda ws: _find_code_label(ws) is not None, sheet,
        looking_for="団体コードの列見出しがある表",
    )


def _looks_like_text(path: Path) -> bool:
    """CSV-like text: no control bytes but tab and line breaks, not HTML or PDF."""
    head = path.read_bytes()[:4096]
    controls = set(range(32)) - {9, 10, 13}
    return bool(head) and not controls & set(head) and not head.lstrip().lower().startswith((b"<", b"%pdf"))


def _csv_cell(text: str) -> object:
    """A CSV field as Excel had it: numbers as numbers (spaces and thousands commas gone), codes as text."""
    value = text.strip().replace("\u3000", "")
    if not value:
        return None
    if _NUMBER_TEXT.match(value) and not (len(value) > 1 and value[0] == "0" and value[1:2].isdigit()):
        number = float(value.replace(",", ""))
        return int(number) if number.is_integer() and "." not in value else number
    return value


def _csv_sheet(path: Path) -> excel.Sheet:
    """A 住基 table saved as CSV (by Excel: cp932 and CRLF; or UTF-8 with or without BOM) as a sheet.

    CSV keeps a merged cell's value in its first cell only; the merges are put back from the layout
    (:func:`_restore_merges`) so that the header reads as it does in the workbook.
    """
    import csv
    import io

    from ebpm import textfile

    data = path.read_bytes()
    text = data.decode(textfile.detect_encoding(data, path=path))
    rows = [[_csv_cell(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""))]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    ws = excel.Sheet(name=CSV_SHEET, rows=rows)
    ws.merged = _restore_merges(ws)
    return ws


def _restore_merges(ws: excel.Sheet) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a header that lost them: each id label down to the last header row, and a group
    label over the empty cells to its right in every header row but the last."""
    found = _find_code_label(ws)
    if found is None:
        return []
    label_row, _ = found
    width = ws.n_cols
    first_data = next((r for r in range(label_row + 1, ws.n_rows + 1)
                       if any(isinstance(ws.value(r, c), (int, float)) for c in range(1, width + 1))), label_row + 1)
    last_header = first_data - 1
    ids = [c for c in range(1, width + 1)
           if _bare(ws.value(label_row, c)) in _CODE_LABELS or _NAME_LABELS.get(_bare(ws.value(label_row, c)))]
    merged = [(label_row, c, last_header, c) for c in ids if last_header > label_row]
    right = max(ids, default=0)
    for r in range(2, last_header):
        c = right + 1
        while c <= width:
            if ws.value(r, c) is None:
                c += 1
                continue
            end = c
            while end + 1 <= width and ws.value(r, end + 1) is None and ws.value(r + 1, end + 1) is not None:
                end += 1
            if end > c:
                merged.append((r, c, r, end))
            c = end + 1
    return merged


def _find_code_label(ws: excel.Sheet) -> tuple[int, int] | None:
    """(row, column), 1-based, of the cell that heads the code column."""
    for r, row in enumerate(ws.rows[:_SEARCH_ROWS], start=1):
        for c, value in enumerate(row, start=1):
            if value is not None and _bare(value) in _CODE_LABELS:
                return r, c
    return None


def _merged_bottom(ws: excel.Sheet, row: int, col: int) -> int:
    rng = ws.merged_range(row, col)
    return rng[2] if rng else row


def read_juki_excel(
    path: str | Path,
    sheet: str | int | None = None,
    *,
    keep: str | Iterable[str] | None = ("municipality",),
) -> pd.DataFrame:
    """Read a 住基-style Excel sheet into one row per area.

    Columns: ``団体コード`` (6-digit text), the name columns of the sheet (``都道府県名``,
    ``市区町村名``), ``区分``, then one column per data column, named by joining its header
    rows (``人口_男``, ``人口_計``, ``世帯数``). A data column with markers such as ``-`` gets
    missing values there and a companion column ``<name>_記号`` holding the marker.

    ``keep`` chooses the rows by 区分, in English (``"municipality"`` = 市区町村 and 政令市,
    ``"ward"``, ``"prefecture"``, ``"national"``, ``"district"``, ``"designated_city"``,
    ``"all"``) or Japanese (``"政令市の区"``); ``None`` keeps every row.

    Whole-number columns are ``int64``; a column with a missing cell is ``float64`` (NaN).
    ``DataFrame.attrs`` records the sheet used (``sheet``), the title, the year and unit of each
    data column (``年``, ``単位``), the columns whose year is a 年度 (``年度``), and the footnotes.

    ``.xls`` and ``.xlsx`` are read alike. Without ``sheet=``, the one sheet with a 団体コード
    header is read; a workbook with several such sheets is refused, naming them. A header cell
    with line breaks (「令和4年度\n受入額\n（千円）」) is split into its year, name and unit.
    """
    file = Path(path)
    wanted = _resolve_keep(keep)
    ws = _open_sheet(file, sheet)
    src = {"path": file, "sheet": ws.name}
    found = _find_code_label(ws)
    if found is None:
        raise DataFormatError(
            f"先頭 {_SEARCH_ROWS} 行に団体コードの列見出しが見つかりません。"
            "住民基本台帳人口の表ではないか、見出しが変わっています。",
            **src,
            expected="「団体コード」という見出しの列（6 桁の全国地方公共団体コード）",
        )
    label_row, code_col = found
    header_end = _merged_bottom(ws, label_row, code_col)
    width = ws.n_cols
    grid = [row + [None] * (width - len(row)) for row in ws.rows]

    name_cols = _name_columns(grid, label_row, header_end, code_col, src)
    id_cols = {code_col, *name_cols}
    last_id = max(id_cols)
    header_start = _header_start(grid, header_end, last_id)
    grid[header_start - 1:header_end] = ws.filled(header_start, header_end)
    columns, years, units, fiscal = _data_columns(grid, header_start, header_end, id_cols, src)
    title = next((_text(v) for r in grid[:header_start - 1] for v in r if _text(v)), "")

    records, notes = _read_rows(grid, header_end, code_col, name_cols, columns, src)
    if not records:
        raise DataFormatError(
            f"見出し（{header_end} 行目まで）の下にデータ行がありません。",
            **src,
            expected="団体コードのある行",
        )
    frame = _build_frame(records, name_cols, columns, src)
    _check_unique_codes(frame, src)
    frame = frame[frame["区分"].isin(wanted)].drop(columns="_row").reset_index(drop=True)
    frame.attrs = {
        "source": file.name,
        "sheet": ws.name,
        "title": title,
        "年度": [name for c, name in columns.items() if fiscal.get(c)],
        "年": {name: years[c] for c, name in columns.items() if years.get(c) is not None},
        "単位": {name: units[c] for c, name in columns.items() if units.get(c)},
        "注記": notes,
    }
    return frame


def _resolve_keep(keep: str | Iterable[str] | None) -> set[str]:
    if keep is None:
        return set(CATEGORIES)
    items = [keep] if isinstance(keep, str) else list(keep)
    wanted: set[str] = set()
    for item in items:
        if item in KEEP_GROUPS:
            wanted.update(KEEP_GROUPS[item])
        elif item in CATEGORIES:
            wanted.add(item)
        else:
            raise DataFormatError(
                f"keep に指定された「{item}」が分かりません。",
                expected="、".join(list(KEEP_GROUPS) + list(CATEGORIES)),
            )
    return wanted


def _name_columns(grid, label_row: int, header_end: int, code_col: int, src: dict) -> dict[int, str]:
    """Columns (1-based) of area names, keyed to their canonical name."""
    found: dict[int, str] = {}
    for r in range(max(1, label_row - _MAX_HEADER_ROWS), header_end + 1):
        for c, value in enumerate(grid[r - 1], start=1):
            name = _NAME_LABELS.get(_bare(value))
            if c != code_col and name and name not in found.values():
                found[c] = name
    if not found:
        raise DataFormatError(
            f"{header_end} 行目までの見出しに団体名の列がありません。",
            **src,
            row=label_row,
            expected="「都道府県名」「市区町村名」または「団体名」という見出しの列",
        )
    return found


def _header_start(grid, header_end: int, last_id: int) -> int:
    """First header row: walk up while rows have something to the right of the name columns."""
    start = header_end
    while start > 1 and header_end - start < _MAX_HEADER_ROWS:
        above = [_label(v) for v in grid[start - 2][last_id:]]
        present = [v for v in above if v]
        # A unit note such as「（単位：人、世帯、％）」at the right end of the title row is not a header.
        if not present or all(_UNIT_NOTE_RE.match(v) for v in present):
            break
        start -= 1
    return start


def _row_kind(values: list[str]) -> str:
    present = [v for v in values if v]
    if present and all(_YEAR_RE.match(v) for v in present):
        return "year"
    if present and all(v in _UNITS for v in present):
        return "unit"
    return "name"


def _year_of(text: str) -> tuple[int, bool] | None:
    """(year, is 年度) of a header text that starts with a year."""
    m = _YEAR_RE.match(text)
    if not m:
        return None
    try:
        return wareki.parse_year(m.group(0)), text[m.end():].startswith("度")
    except DataFormatError:
        return None


def _line_kind(line: str) -> tuple[str, str]:
    """Kind and text of one line of a header cell that holds several (\"令和4年度\n受入額\n(千円)\")."""
    text = re.sub(r"\s+", "", line)
    if _YEAR_LINE_RE.match(text):
        return "year", text
    bracketed = _BRACKETED_RE.match(text)
    if text in _UNITS or (bracketed and bracketed.group(1) in _UNITS):
        return "unit", bracketed.group(1) if bracketed else text
    return "name", text


def _data_columns(grid, first: int, last: int, id_cols: set[int], src: dict):
    """Map of column → flattened name, plus each column's year, unit and whether the year is a 年度.

    A header row is read as a whole (a row of years, of units or of names); a cell with line
    breaks is split and each of its lines is read on its own, so that「令和4年度\n受入額」gives
    the year 2022 (年度) and the name 受入額.
    """
    width = len(grid[0]) if grid else 0
    candidates = [c for c in range(1, width + 1) if c not in id_cols and c > min(id_cols)]
    rows = list(range(first, last + 1))
    lines = {(r, c): excel.header_lines(grid[r - 1][c - 1]) for r in rows for c in candidates}
    kinds = {
        r: _row_kind([_text(grid[r - 1][c - 1]) for c in candidates if len(lines[r, c]) == 1])
        for r in rows
    }
    columns: dict[int, str] = {}
    years: dict[int, int | None] = {}
    fiscal: dict[int, bool] = {}
    units: dict[int, str] = {}
    for c in candidates:
        parts: list[str] = []
        for r in rows:
            cell_lines = lines[r, c]
            if len(cell_lines) == 1:
                pieces = [(kinds[r], re.sub(r"\s+", "", cell_lines[0]))]
            else:
                pieces = [_line_kind(line) for line in cell_lines]
                # A name wrapped over several lines is one name:「転入者数\n（国内）」→「転入者数(国内)」.
                name = "".join(text for kind, text in pieces if kind == "name")
                pieces = [p for p in pieces if p[0] != "name"] + ([("name", name)] if name else [])
            for kind, text in pieces:
                if kind == "year":
                    found = _year_of(text)
                    if found is not None and (years.get(c) is None or text[:1].isdigit()):
                        years[c], fiscal[c] = found
                elif kind == "unit":
                    units[c] = text
                elif not parts or parts[-1] != text:
                    parts.append(text)
        if parts:
            columns[c] = "_".join(parts)
        elif any(_text(grid[r][c - 1]) for r in range(last, len(grid))):
            raise DataFormatError(
                f"{_column_letter(c)} 列にはデータがありますが、見出し（{first}〜{last} 行目）が空です。",
                **src,
                column=_column_letter(c),
                expected="「人口」「男」のような見出し",
            )
    if not columns:
        raise DataFormatError(
            f"見出し（{first}〜{last} 行目）にデータ列の見出しがありません。",
            **src,
            expected="団体名の列の右に「人口」「世帯数」などの見出し",
        )
    seen: dict[str, int] = {}
    for c, name in list(columns.items()):
        if name in seen:
            # The same item for two years (人口 for 2021 and 2022): put the year first.
            for cc in (seen[name], c):
                if years.get(cc) is None:
                    continue
                prefix = f"{years[cc]}年度_" if fiscal.get(cc) else f"{years[cc]}年_"
                if not columns[cc].startswith(prefix):
                    columns[cc] = prefix + name
        seen.setdefault(name, c)
    dupes = sorted({n for n in columns.values() if list(columns.values()).count(n) > 1})
    if dupes:
        raise DataFormatError(
            f"見出しが同じ列が複数あり、区別できません: {', '.join(dupes)}。",
            **src,
            expected="列ごとに異なる見出し",
        )
    return columns, years, units, fiscal


def _column_letter(c: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(c)


def _read_rows(grid, header_end: int, code_col: int, name_cols: dict[int, str], columns, src: dict):
    """Raw records (code, names, data cells) and footnotes."""
    raw_codes: list[tuple[int, object]] = []
    pending: list[dict] = []
    notes: list[str] = []
    for r in range(header_end + 1, len(grid) + 1):
        row = grid[r - 1]
        code_text = _text(row[code_col - 1])
        names = {name: _text(row[c - 1]) for c, name in name_cols.items()}
        # 年齢階級別 (2014-2019) marks with 「*」 the areas whose age bands leave out withheld foreign residents
        starred = any(v.endswith("*") and len(v) > 1 for v in names.values())
        if starred:
            names = {k: v[:-1].rstrip() if v.endswith("*") and len(v) > 1 else v for k, v in names.items()}
        data = {c: row[c - 1] for c in columns}
        has_data = any(v is not None and (not isinstance(v, str) or _text(v)) for v in data.values())
        if not code_text and not any(names.values()) and not has_data:
            continue
        code_raw = row[code_col - 1]
        is_code = isinstance(code_raw, (int, float)) or bool(re.fullmatch(r"\d{4,6}(\.0+)?", code_text))
        if not is_code:
            national = code_text in _NATIONAL_NAMES or (
                code_text in ("", "-", "−", "―") and bool(set(names.values()) & _NATIONAL_NAMES)
            )
            if national and has_data:
                pending.append({"_row": r, "code": None, "names": names, "data": data})
                continue
            if code_text in _AVERAGE_NAMES and has_data:
                area_name = list(names)[-1]  # 団体名 / 市区町村名, not 都道府県名
                names = {**names, area_name: names[area_name] or code_text}
                pending.append({"_row": r, "code": None, "names": names, "data": data,
                                "kind": NATIONAL_AVERAGE})
                continue
            if not has_data:
                notes.append(" ".join(_text(v) for v in row if _text(v)))
                continue
            raise DataFormatError(
                f"団体コードの欄が「{code_text}」で、コードとして読めません。",
                **src,
                row=r,
                column=CODE_COLUMN,
                expected="6 桁の団体コード（全国の行なら「-」と団体名「合計」、または「全国市町村平均」）",
            )
        if notes:
            raise DataFormatError(
                f"注記（「{notes[0][:20]}」）の後にデータ行があります。表の終わりが判別できません。",
                **src,
                row=r,
                expected="注記は表の最後",
            )
        raw_codes.append((r, code_raw))
        pending.append({"_row": r, "code": code_raw, "names": names, "data": data, "starred": starred})
    codes = _repair_codes(raw_codes, src)
    for rec in pending:
        if rec["code"] is not None:
            rec["code"] = codes[rec["_row"]]
    return pending, notes


def _repair_codes(raw_codes: list[tuple[int, object]], src: dict) -> dict[int, str]:
    """6-digit codes; decides once for the column whether short codes lost a zero or a check digit."""
    texts = {}
    for r, value in raw_codes:
        if isinstance(value, float):
            value = int(value) if value.is_integer() else value
        texts[r] = _text(value).split(".")[0]
    longest = max((len(t) for t in texts.values()), default=0)
    five_char = [t for t in texts.values() if len(t) == 5]
    # Six-digit codes whose leading zero was lost look like 5 digits; 5-digit codes
    # (no check digit) rarely pass the check digit test when a zero is put in front.
    six_digit = longest == 6 or (
        bool(five_char) and all(lgcode.is_valid("0" + t) for t in five_char)
    )
    out: dict[int, str] = {}
    for r, text in texts.items():
        try:
            if six_digit:
                out[r] = lgcode.repair_leading_zero(text, 6)
            else:
                out[r] = lgcode.to_6digit(lgcode.repair_leading_zero(text, 5))
        except DataFormatError as err:
            raise DataFormatError(str(err), **src, row=r, column=CODE_COLUMN) from None
    return out


def _classify(code: str | None, names: dict[str, str]) -> str:
    if code is None:
        return NATIONAL
    pref, local = code[:2], code[2:5]
    name = names.get("市区町村名") or names.get("団体名") or ""
    prefecture = names.get("都道府県名", "")
    if prefecture and name.startswith(prefecture) and name != prefecture:
        name = name[len(prefecture):].strip()
    if local == "000":
        return PREFECTURE
    if name.endswith("郡") or name in _AGGREGATE_AREAS:
        return DISTRICT
    if pref == "13" and local == "100":
        return SPECIAL_WARDS_TOTAL
    # Codes 100-199 belong to designated cities and their wards (and 東京都's 23 wards).
    if pref != "13" and local.startswith("1"):
        return DESIGNATED_CITY if local.endswith("0") and name.endswith("市") else WARD
    return MUNICIPALITY


def _number(value: object, src: dict, row: int, column: str) -> tuple[float | int | None, str | None]:
    """A cell as (number, marker); markers and blanks give a missing number."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        raise DataFormatError(f"真偽値 {value} があります。", **src, row=row, column=column, expected="数値")
    if isinstance(value, (int, float)):
        return value, None
    text = _label(value)
    if not text:
        return None, None
    if text in _MARKERS:
        return None, text
    negative = text[0] in "△▲"
    body = text[1:] if negative else text
    body = body.replace(",", "")
    try:
        number = float(body)
    except ValueError:
        raise DataFormatError(
            f"数値の列に「{value}」があります。",
            **src,
            row=row,
            column=column,
            expected="数値、または「-」などの記号",
        ) from None
    number = -number if negative else number
    return (int(number) if number.is_integer() and "." not in body else number), None


def _build_frame(records, name_cols: dict[int, str], columns: dict[int, str], src: dict) -> pd.DataFrame:
    out: dict[str, list] = {"_row": [r["_row"] for r in records], CODE_COLUMN: [r["code"] for r in records]}
    for name in name_cols.values():
        out[name] = [r["names"][name] if r["names"][name] not in ("", "-") else None for r in records]
    out["区分"] = [r.get("kind") or _classify(r["code"], r["names"]) for r in records]
    if any(r.get("starred") for r in records):
        out[STAR_COLUMN] = [bool(r.get("starred")) for r in records]
    for c, name in columns.items():
        values, markers = [], []
        for rec in records:
            value = rec["data"][c]
            if type(value) is int or type(value) is float:  # the common case, kept fast
                values.append(value)
                markers.append(None)
                continue
            number, marker = _number(value, src, rec["_row"], name)
            values.append(number)
            markers.append(marker)
        # Plain numpy dtypes: int64 when every cell is a whole number, else float64 with NaN
        # (nullable Int64 would put pd.NA into learners' `if` statements).
        complete = all(isinstance(v, int) for v in values)
        out[name] = pd.array(
            [float("nan") if v is None else v for v in values],
            dtype="int64" if complete and values else "float64",
        )
        if any(markers):
            out[f"{name}_記号"] = pd.Series(markers, dtype="str")
    frame = pd.DataFrame(out)
    for name in [CODE_COLUMN, "区分", *name_cols.values()]:
        frame[name] = frame[name].astype("str")
    return frame


def _check_unique_codes(frame: pd.DataFrame, src: dict) -> None:
    keys = [CODE_COLUMN] + (["性別"] if "性別" in frame else [])   # 年齢階級別: a row per area and sex
    codes = frame[keys].dropna(subset=[CODE_COLUMN])
    dup = codes.loc[codes.duplicated(keep=False), CODE_COLUMN]
    if not dup.empty:
        first = dup.iloc[0]
        rows = frame.loc[frame[CODE_COLUMN] == first, "_row"].tolist()
        raise DataFormatError(
            f"団体コード {first} が {rows} 行目に重複しています。",
            **src,
            column=CODE_COLUMN,
            expected="団体コードは 1 行に 1 回",
        )
