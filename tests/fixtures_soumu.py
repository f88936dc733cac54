"""Small synthetic 総務省 workbooks that reproduce the layouts of the real yearly files.

Every town, name and number here is made up. The layouts follow the real files:
- 住基 "old" (the .xls years 2013-2020): code and name headers merged over three rows at the top,
  a year row only in 和暦 (人口動態 as 年度 up to 2013, as 暦年 from 2014), no unit row, the 合計
  row with an empty code, every number a float, a unit note at the right end of the title row
  (from 2018), the 2013 rates left blank and named 増加率 instead of 増減率;
- 住基 "new" (the .xlsx years 2021-): five header rows (和暦, 西暦, group, item, unit) repeated
  instead of merged, the code header in the unit row, 合計 with code "-", "-" for 皆増, a footnote;
- 主要財政指標: a sheet name ending with a space, the year in the title only in later years (with a
  full-width digit), "-" and a full-width "－" in numeric columns, the footer 全国市町村平均 merged
  over three cells, empty rows after the table;
- a wide ふるさと納税-like workbook: several sheets, header cells with line breaks.
Written as .xlsx by openpyxl; the old 住基 layout can also be written as a BIFF .xls with xlwt
(a test-only dependency), so that the .xls path is tested without ../shared/realdata too.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl

from ebpm import wareki
from ebpm.lgcode import to_6digit

PREFECTURE = ("43000", "架空県", None)
# (5-digit code, 市区町村名 as in 住基, 団体名 as in 財政指標, kind)
AREAS = [
    ("43100", "みなと市", "みなと市", "政令市"),
    ("43101", "みなと市東区", None, "区"),
    ("43102", "みなと市西区", None, "区"),
    ("43991", "やまのうえ市", "やまのうえ市", "市"),
    ("43990", "架空郡", None, "郡"),
    ("43992", "架空郡ほしかわ町", "ほしかわ町", "町"),
    ("43993", "架空郡つきのせ村", "つきのせ村", "村"),
]
BASIC = ["43100", "43991", "43992", "43993"]  # municipalities counted once (no wards, no 郡 rows)
WARDS = {"43100": ["43101", "43102"]}
DISTRICTS = {"43990": ["43992", "43993"]}


def population(code5: str, year: int, sex: str = "計") -> int:
    """Made-up, shrinking populations; 計 = 男 + 女 and aggregates are sums."""
    if code5 in WARDS:
        return sum(population(w, year, sex) for w in WARDS[code5])
    if code5 in DISTRICTS:
        return sum(population(t, year, sex) for t in DISTRICTS[code5])
    if sex == "計":
        return population(code5, year, "男") + population(code5, year, "女")
    base = {"43101": 52000, "43102": 31000, "43991": 24000, "43992": 9100, "43993": 1300}[code5]
    share = 0.47 if sex == "男" else 0.53
    return int(base * share * (1 - 0.012 * (year - 2013)))


def households(code5: str, year: int) -> int:
    return population(code5, year) * 4 // 10


def births(code5: str, year: int) -> int:
    if code5 in WARDS:
        return sum(births(w, year) for w in WARDS[code5])
    if code5 in DISTRICTS:
        return sum(births(t, year) for t in DISTRICTS[code5])
    return 0 if code5 == "43993" and year == 2021 else population(code5, year) // 150


def total(year: int, what) -> int:
    return sum(what(c, year) for c in BASIC)


def _juki_title(year: int) -> str:
    if year <= 2013:
        date = f"{wareki.to_wareki(year)}3月31日"
        dynamics = f"{wareki.to_wareki(year - 1, fiscal=True)}人口動態"
    else:
        date = f"{wareki.to_wareki(year)}1月1日"
        dynamics = f"{wareki.to_wareki(year - 1)}（1月1日から同年12月31日まで）人口動態"
    return f"{date}住民基本台帳人口・世帯数、{dynamics}（市区町村別）（総計）"


def _rows(year: int, *, blank_code_total: bool, float_numbers: bool, rates: bool):
    """Data rows: code, 都道府県名, 市区町村名, 男, 女, 計, 世帯数, 出生者数, 増減率."""
    num = float if float_numbers else int

    def rate(code5: str) -> object:
        if not rates:
            return None
        if births(code5, year) == 0:
            return "-"  # 皆増 in the real files; here simply a marker in a numeric column
        return round(-1.2 + int(code5[-1]) / 10, 2)

    out = [[None if blank_code_total else "-", "合計", None if blank_code_total else "-",
            num(total(year, lambda c, y: population(c, y, "男"))), num(total(year, lambda c, y: population(c, y, "女"))),
            num(total(year, population)), num(total(year, households)), num(total(year, births)),
            -0.9 if rates else None]]
    pref_code = to_6digit(PREFECTURE[0])
    out.append([pref_code, PREFECTURE[1], None if blank_code_total else "-",
                *[num(v) for v in out[0][3:8]], -0.9 if rates else None])
    for code5, name, _, _ in AREAS:
        out.append([to_6digit(code5), PREFECTURE[1], name,
                    num(population(code5, year, "男")), num(population(code5, year, "女")),
                    num(population(code5, year)), num(households(code5, year)), num(births(code5, year)),
                    rate(code5)])
    return out


def write_juki_old(path: Path, year: int) -> Path:
    """The .xls-era layout (2013-2020); a BIFF .xls when ``path`` ends with .xls (needs xlwt)."""
    cells: dict[tuple[int, int], object] = {(1, 1): _juki_title(year)}  # 1-based (row, column)
    merges = [(2, 1, 4, 1), (2, 2, 4, 2), (2, 3, 4, 3), (2, 4, 2, 7), (2, 8, 2, 9), (3, 4, 3, 6), (3, 7, 4, 7),
              (3, 9, 4, 9)]
    if year >= 2018:
        cells[1, 9] = "（単位：人、世帯、％）"
    for c, label in enumerate(("団体コード", "都道府県名", "市区町村名"), start=1):
        cells[2, c] = label
    cells[2, 4] = wareki.to_wareki(year)
    cells[2, 8] = wareki.to_wareki(year - 1, fiscal=year <= 2013)
    cells[3, 4], cells[3, 7], cells[3, 8] = "人口", "世帯数", "住民票記載数"
    cells[3, 9] = "増加率" if year <= 2013 else "増減率"
    cells[4, 4], cells[4, 5], cells[4, 6], cells[4, 8] = "男", "女", "計", "出生者数"
    for r, row in enumerate(_rows(year, blank_code_total=True, float_numbers=True, rates=year > 2013), start=5):
        for c, value in enumerate(row, start=1):
            if value is not None:
                cells[r, c] = value
    _save(path, "人口、世帯数、人口動態（市区町村別）【総計】", cells, merges)
    return path


def _save(path: Path, title: str, cells: dict[tuple[int, int], object], merges: list[tuple[int, int, int, int]]) -> None:
    """Write one sheet: .xlsx with openpyxl, .xls (BIFF) with xlwt. Merged ranges keep only their first value."""
    if path.suffix == ".xls":
        import xlwt

        book = xlwt.Workbook(encoding="utf-8")
        ws = book.add_sheet(title)
        covered = set()
        for r0, c0, r1, c1 in merges:
            ws.write_merge(r0 - 1, r1 - 1, c0 - 1, c1 - 1, cells.get((r0, c0), ""))
            covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
        for (r, c), value in cells.items():
            if (r, c) not in covered:
                ws.write(r - 1, c - 1, value)
        book.save(str(path))
        return
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for (r, c), value in cells.items():
        ws.cell(row=r, column=c, value=value)
    for r0, c0, r1, c1 in merges:
        ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
    book.save(path)


def write_juki(folder: Path, year: int, name: str | None = None, *, suffix: str = ".xlsx") -> Path:
    """A 住基 file of ``year`` in that year's layout, named like 総務省's own (yymm + ssjin)."""
    path = folder / (name or f"juki_{year % 100:02d}03ssjin{suffix}")
    return write_juki_old(path, year) if year <= 2020 else write_juki_new(path, year)


def write_juki_new(path: Path, year: int) -> Path:
    """The .xlsx layout (2021-): five repeated header rows, code header in the unit row, footnote."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "人口、世帯数、人口動態（市区町村別）【総計】"
    ws["A1"] = _juki_title(year)
    header = [
        [wareki.to_wareki(year)] * 4 + [wareki.to_wareki(year - 1)] * 2,
        [f"{year}年"] * 4 + [f"{year - 1}年"] * 2,
        ["人口"] * 3 + ["世帯数", "住民票記載数", "増減率"],
        ["男", "女", "計", "世帯数", "出生者数", "増減率"],
        ["人", "人", "人", "世帯", "人", "％"],
    ]
    for r, values in enumerate(header, start=2):
        for c, value in enumerate(values, start=4):
            ws.cell(row=r, column=c, value=value)
    for c, label in enumerate(("団体コード", "都道府県名", "市区町村名"), start=1):
        ws.cell(row=6, column=c, value=label)
    rows = _rows(year, blank_code_total=False, float_numbers=False, rates=True)
    for r, row in enumerate(rows, start=7):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    ws.cell(row=7 + len(rows), column=1, value="注：増減率内の「-」は、「皆増」を示す")
    book.save(path)
    return path


INDICATORS = ("財政力指数", "経常収支比率", "実質公債費比率", "将来負担比率", "ラスパイレス指数")


def indicator(code5: str, fiscal_year: int, item: str) -> object:
    """Made-up indicators; 将来負担比率 is "-" (none to bear) for the village, as in the real files."""
    if item == "将来負担比率" and code5 == "43993":
        return "－" if fiscal_year % 2 else "-"
    k = int(code5[-1]) + (fiscal_year - 2014)
    return {
        "財政力指数": round(0.2 + k / 100, 2),
        "経常収支比率": round(88.0 + k / 10, 1),
        "実質公債費比率": round(4.0 + k / 10, 1),
        "将来負担比率": round(30.0 + k, 1),
        "ラスパイレス指数": round(95.0 + k / 10, 1),
    }[item]


def write_zaisei(path: Path, fiscal_year: int, *, year_in_title: bool, empty_rows_after: int = 0) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "全市町村の主要財政指標 "  # the real sheet name ends with a space
    title = "全市町村の主要財政指標"
    if year_in_title:
        era = wareki.to_wareki(fiscal_year, fiscal=True)
        # full-width digits, as in 「令和２年度」
        title += "（" + era.translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "）"
    ws["A1"] = title
    for c, label in enumerate(("団体コード", "都道府県名", "団体名", *INDICATORS), start=1):
        ws.cell(row=2, column=c, value=label)
    r = 3
    for code5, _, name, kind in AREAS:
        if name is None:
            continue
        ws.cell(row=r, column=1, value=to_6digit(code5))
        ws.cell(row=r, column=2, value=PREFECTURE[1])
        ws.cell(row=r, column=3, value=name)
        for c, item in enumerate(INDICATORS, start=4):
            ws.cell(row=r, column=c, value=indicator(code5, fiscal_year, item))
        r += 1
    ws.cell(row=r, column=1, value="全国市町村平均")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
    for c, value in enumerate((0.5, 92.0, 6.0, 30.0, "－"), start=4):
        ws.cell(row=r, column=c, value=value)
    for extra in range(empty_rows_after):  # formatted but empty rows, as in the 平成30年度 file
        ws.cell(row=r + 1 + extra, column=1).number_format = "0.00"
    book.save(path)
    return path


FURUSATO_YEARS = (2021, 2022)


def furusato_amount(code5: str, fiscal_year: int) -> int:
    return int(code5[-2:]) * 1000 + (fiscal_year - 2020) * 37


def write_furusato(path: Path, *, prefecture_sheet: bool = True, line_break: str = "\n") -> Path:
    """A wide ふるさと納税 受入額-like workbook: an explanation sheet first, then data sheets.

    The municipal sheet has one column per year and item, each header cell holding year, item and
    unit on separate lines (「令和3年度\\n受入額\\n（千円）」).
    """
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "説明"
    notes["A1"] = "ふるさと納税に関する現況調査結果（架空）"
    notes["A3"] = "受入額の単位は千円です。"
    if prefecture_sheet:
        pref = book.create_sheet("都道府県別")
        pref["A1"] = "都道府県別の受入額"
        for c, label in enumerate(("団体コード", "都道府県名", f"令和4年度{line_break}受入額{line_break}（千円）"), start=1):
            pref.cell(row=2, column=c, value=label)
        pref.append([to_6digit(PREFECTURE[0]), PREFECTURE[1], 123456])
    ws = book.create_sheet("市区町村別")
    ws["A1"] = "市区町村別の受入額及び受入件数"
    labels = ["団体\nコード", "都道府県名", "団体名"]
    for fy in FURUSATO_YEARS:
        era = wareki.to_wareki(fy, fiscal=True)
        labels += [f"{era}{line_break}受入額{line_break}（千円）", f"{era}{line_break}受入件数{line_break}（件）"]
    for c, label in enumerate(labels, start=1):
        ws.cell(row=2, column=c, value=label)
    for code5, _, name, _ in AREAS:
        if name is None:
            continue
        row = [to_6digit(code5), PREFECTURE[1], name]
        for fy in FURUSATO_YEARS:
            row += [furusato_amount(code5, fy), furusato_amount(code5, fy) // 10]
        ws.append(row)
    book.save(path)
    return path


# --- files as users' tools leave them --------------------------------------------------------------

def save_as_csv(workbook: Path, target: Path, *, encoding: str = "cp932", thousands: bool = False,
                sort_by_code: bool = False, trailing_spaces: bool = False) -> Path:
    """What Excel's 「名前を付けて保存 → CSV（コンマ区切り）」 leaves of a workbook's first sheet.

    As Excel writes it: one line per row, CRLF, a merged range's value in its first cell only, numbers
    as displayed (``thousands``: a 「#,##0」 format, so 「19,348」 in quotes), fields quoted only when
    they hold a comma or a quote, cp932 (``"utf-8-sig"`` for 「CSV UTF-8」, ``"utf-8"`` as other programs
    write). ``sort_by_code``: the user sorted the rows by 団体コード first (footnotes sort last, their code
    cell being empty); ``trailing_spaces``: numbers padded as a fixed-width export leaves them.
    """
    import csv
    import io

    from ebpm import excel

    sheet = excel.open_workbook(workbook).sheet(0)
    rows = [list(r) + [None] * (sheet.n_cols - len(r)) for r in sheet.rows]
    if sort_by_code:
        body_start = next(i for i, r in enumerate(rows) if any(isinstance(v, (int, float)) for v in r))
        body = rows[body_start:]
        body.sort(key=lambda r: (r[0] is None or not str(r[0]).strip("-").isdigit(), str(r[0] or "")))
        rows = rows[:body_start] + body

    def shown(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return str(value)
        text = f"{value:,}" if thousands and float(value).is_integer() else f"{value:.10g}" if isinstance(value, float) \
            and not float(value).is_integer() else str(int(value))
        return text + ("  " if trailing_spaces else "")

    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([shown(v) for v in r] for r in rows)
    target.write_bytes(buffer.getvalue().encode(encoding))
    return target
