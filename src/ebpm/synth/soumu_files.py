"""Yearly 総務省-shaped files of the fictional world, for the town report (まちのデータカルテ).

Two series under ``data/synthetic/soumu/``, each with one file per year and the real series' traps:

- ``juki/``: 「住民基本台帳に基づく人口、人口動態及び世帯数」 市区町村別 (総計), 2013-2025 without
  2015 (no file, as in the real reference set). 2013 is on 3月31日 with 人口動態 by 年度 and the
  old item names (増加数); from 2014 on 1月1日 with 人口動態 by 暦年. The files up to 2020 are
  BIFF ``.xls`` with merged headers and float numbers; from 2021 ``.xlsx`` with five repeated
  header rows, 「-」 codes on the total row and a footnote.
- ``zaisei/``: 「全市町村の主要財政指標」, 平成26年度-令和5年度 without 平成27年度. 平成26年度 is
  ``.xls``; the year is only in the file name up to 平成29年度 and in the title (with full-width
  digits) from 平成30年度; 「-」 and 「－」 markers; a 全国市町村平均 footer; 平成30年度 ends with
  formatted empty rows.

The numbers come from the course's population simulation (:mod:`ebpm.synth.population`) and, for
the main and comparable towns, agree with ``fiscal_indicators.csv`` where the years overlap.
:func:`juki_truth` and :func:`zaisei_truth` give what the files say, for tests to compare with.
Writing ``.xls`` needs xlwt (a development dependency, like every ``ebpm data build`` tool).
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from ebpm import wareki
from ebpm.datapackage import ResourceSpec
from ebpm.synth import population as pop
from ebpm.synth._io import save_workbook
from ebpm.synth.studies import fiscal_indicators
from ebpm.synth.world import (
    GUN, MUNICIPALITIES, PREFECTURES, ROLE_REFERENCE, SYNTHETIC_NOTE, full_name,
)

SEED = 43830
FOLDER = "synthetic/soumu"
JUKI_YEARS = tuple(y for y in range(2013, 2026) if y != 2015)
ZAISEI_YEARS = tuple(y for y in range(2014, 2024) if y != 2015)
MISSING_JUKI_YEAR = 2015
MISSING_ZAISEI_YEAR = 2015
LAST_MARCH_YEAR = 2013        # reference date 3月31日 up to this year, 1月1日 after
XLS_UNTIL = 2020              # 住基 files are .xls up to this year
ZAISEI_XLS_UNTIL = 2014
ZAISEI_TITLE_FROM = 2018      # the 年度 is in the title row from 平成30年度 on

INDICATORS = ("財政力指数", "経常収支比率", "実質公債費比率", "将来負担比率", "ラスパイレス指数")
# Items of the 住基 files, in their order: (group, item) → column name as ebpm.soumu reads it.
FLOW_ITEMS = (
    ("住民票記載数", "転入者数（国内）"), ("住民票記載数", "転入者数（国外）"), ("住民票記載数", "転入者数（計）"),
    ("住民票記載数", "出生者数"), ("住民票記載数", "その他（計）"), ("住民票記載数", "計（Ａ）"),
    ("住民票消除数", "転出者数（国内）"), ("住民票消除数", "転出者数（国外）"), ("住民票消除数", "転出者数（計）"),
    ("住民票消除数", "死亡者数"), ("住民票消除数", "その他（計）"), ("住民票消除数", "計（Ｂ）"),
)
CHANGE_ITEMS = ("増減数(Ａ)-(Ｂ)", "増減率", "自然増減数", "自然増減率", "社会増減数", "社会増減率")
_OLD_NAMES = {"増減率": "増加率", "自然増減数": "自然増加数", "自然増減率": "自然増加率",
              "社会増減数": "社会増加数", "社会増減率": "社会増加率"}
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


# --- the numbers ---------------------------------------------------------------------------------

def _q1_share(event: str) -> float:
    weights = pop._MONTH_WEIGHTS[event]
    return float(weights[:3].sum() / weights.sum())


_EVENT_OF = {"births": "出生", "deaths": "死亡", "moves_in": "転入", "moves_out": "転出"}


@lru_cache(maxsize=1)
def _ward_series() -> dict[str, dict[str, np.ndarray]]:
    """The fictional designated city's wards: a small seeded model, [year, sex] from 2000 to 2026."""
    rng = np.random.default_rng(SEED)
    out = {}
    years = pop.LAST_YEAR + 1 - pop.FIRST_YEAR + 1
    for ward in (m for m in MUNICIPALITIES if m.parent):
        size = np.zeros((years, 2), dtype=np.int64)
        size[0] = [int(ward.population_2025 * 1.02 * 0.47), int(ward.population_2025 * 1.02 * 0.53)]
        ev = {k: np.zeros((years, 2), dtype=np.int64) for k in _EVENT_OF}
        for t in range(years - 1):
            for s in range(2):
                n = int(size[t, s])
                ev["births"][t, s] = rng.poisson(n * 0.0085)
                ev["deaths"][t, s] = rng.poisson(n * 0.0095)
                ev["moves_in"][t, s] = rng.poisson(n * 0.050)
                ev["moves_out"][t, s] = rng.poisson(n * 0.0497)
                size[t + 1, s] = n + ev["births"][t, s] - ev["deaths"][t, s] + ev["moves_in"][t, s] - ev["moves_out"][t, s]
        out[ward.code] = {"population": size, **ev}
    return out


def _jan_series(code: str) -> dict[str, np.ndarray]:
    """Population on 1 January and each calendar year's events, [year index, sex]."""
    if code in _ward_series():
        return _ward_series()[code]
    events = pop.area_events(code)
    return {
        "population": pop.area_population(code).sum(axis=2),
        **{key: events[name].sum(axis=2) for key, name in _EVENT_OF.items()},
    }


def _foreign_share(code: str, what: str) -> float:
    return (0.02 if what == "in" else 0.015) + (int(code[3:5]) % 5) * 0.003


def _basic_values(code: str, year: int) -> dict[str, float]:
    """The numbers of one basic area (town or ward) in the file of ``year``."""
    series = _jan_series(code)
    t = year - pop.FIRST_YEAR
    q = {key: _q1_share(name) for key, name in _EVENT_OF.items()}
    if year <= LAST_MARCH_YEAR:
        # 3月31日: 1 January plus the first quarter; 人口動態 of the 年度 that ends that day.
        q1_now = {k: np.rint(series[k][t] * q[k]).astype(np.int64) for k in _EVENT_OF}
        q1_before = {k: np.rint(series[k][t - 1] * q[k]).astype(np.int64) for k in _EVENT_OF}
        people = series["population"][t] + q1_now["births"] - q1_now["deaths"] + q1_now["moves_in"] - q1_now["moves_out"]
        flows = {k: series[k][t - 1] - q1_before[k] + q1_now[k] for k in _EVENT_OF}
        before = series["population"][t - 1] + q1_before["births"] - q1_before["deaths"] \
            + q1_before["moves_in"] - q1_before["moves_out"]
    else:
        people = series["population"][t]
        flows = {k: series[k][t - 1] for k in _EVENT_OF}
        before = series["population"][t - 1]
    moves_in, moves_out = int(flows["moves_in"].sum()), int(flows["moves_out"].sum())
    in_abroad = int(round(moves_in * _foreign_share(code, "in")))
    out_abroad = int(round(moves_out * _foreign_share(code, "out")))
    other = (int(code[3:5]) + year) % 4      # 職権記載など; the same on both sides so the totals add up
    births, deaths = int(flows["births"].sum()), int(flows["deaths"].sum())
    households = pop.households_of(code, year) if code not in _ward_series() else \
        int(round(int(people.sum()) / (2.05 - 0.01 * (year - 2013))))
    return {
        "人口_男": int(people[0]), "人口_女": int(people[1]), "人口_計": int(people.sum()),
        "世帯数": households,
        "住民票記載数_転入者数(国内)": moves_in - in_abroad, "住民票記載数_転入者数(国外)": in_abroad,
        "住民票記載数_転入者数(計)": moves_in, "住民票記載数_出生者数": births,
        "住民票記載数_その他(計)": other, "住民票記載数_計(A)": moves_in + births + other,
        "住民票消除数_転出者数(国内)": moves_out - out_abroad, "住民票消除数_転出者数(国外)": out_abroad,
        "住民票消除数_転出者数(計)": moves_out, "住民票消除数_死亡者数": deaths,
        "住民票消除数_その他(計)": other, "住民票消除数_計(B)": moves_out + deaths + other,
        "_前回人口": int(before.sum()),
    }


def _with_rates(values: dict[str, float], year: int) -> dict[str, float | None]:
    out = dict(values)
    before = out.pop("_前回人口")
    change = out["住民票記載数_計(A)"] - out["住民票消除数_計(B)"]
    natural = out["住民票記載数_出生者数"] - out["住民票消除数_死亡者数"]
    social = change - natural
    out["増減数(A)-(B)"] = change
    out["自然増減数"] = natural
    out["社会増減数"] = social
    # The 2013 file leaves its rates blank, as the real one does.
    for item, number in (("増減率", change), ("自然増減率", natural), ("社会増減率", social)):
        out[item] = None if year <= LAST_MARCH_YEAR else round(number / before * 100, 6)
    out["_前回人口"] = before
    return out


def _sum(parts: list[dict[str, float]]) -> dict[str, float]:
    return {k: sum(p[k] for p in parts) for k in parts[0]}


def _rows_of_year(year: int) -> list[dict]:
    """Every row of the 住基 file of ``year``: 合計, then per prefecture its row and its areas."""
    towns = [m for m in MUNICIPALITIES if m.role != ROLE_REFERENCE]
    wards = [m for m in MUNICIPALITIES if m.parent]
    basic = {m.code: _basic_values(m.code, year) for m in towns + wards}
    rows: list[dict] = []
    prefecture_rows = []
    for code2, prefecture in sorted(PREFECTURES.items()):
        members: list[tuple[str, str, str, dict]] = []   # (code, name, 区分, values)
        totals = []
        for city in (m for m in MUNICIPALITIES if m.pref_code2 == code2 and m.role == ROLE_REFERENCE and not m.parent):
            own = [basic[w.code] for w in wards if w.parent == city.code5]
            city_values = _sum(own)
            totals.append(city_values)
            members.append((city.code, city.name, "政令市", city_values))
            members.extend((w.code, w.name, "政令市の区", basic[w.code]) for w in wards if w.parent == city.code5)
        for gun in (g for g in GUN if g.pref_code2 == code2):
            in_gun = [m for m in towns if m.pref_code2 == code2 and m.gun and m.code5[:4] == gun.code5[:4]]
            gun_values = _sum([basic[m.code] for m in in_gun])
            members.append((gun.code, gun.name, "郡", gun_values))
            for m in in_gun:
                members.append((m.code, full_name(m), "市区町村", basic[m.code]))
                totals.append(basic[m.code])
        pref_values = _sum(totals)
        prefecture_rows.append(pref_values)
        rows.append({"団体コード": prefecture.code, "都道府県名": prefecture.name, "市区町村名": None,
                     "区分": "都道府県", **_with_rates(pref_values, year)})
        rows.extend({"団体コード": c, "都道府県名": prefecture.name, "市区町村名": n, "区分": k, **_with_rates(v, year)}
                    for c, n, k, v in members)
    national = {"団体コード": None, "都道府県名": "合計", "市区町村名": None, "区分": "全国",
                **_with_rates(_sum(prefecture_rows), year)}
    return [national, *rows]


@lru_cache(maxsize=None)
def _juki_rows(year: int) -> tuple[dict, ...]:
    return tuple(_rows_of_year(year))


def reference_date(year: int) -> dt.date:
    """The 基準日 of the 住基 file of ``year``."""
    return dt.date(year, 3, 31) if year <= LAST_MARCH_YEAR else dt.date(year, 1, 1)


def juki_truth() -> pd.DataFrame:
    """What the 住基 files say: one row per (団体コード, 年), the items as columns, 区分 and 基準日."""
    frames = []
    for year in JUKI_YEARS:
        table = pd.DataFrame(list(_juki_rows(year))).drop(columns="_前回人口")
        table.insert(3, "年", year)
        table.insert(4, "基準日", pd.Timestamp(reference_date(year)))
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


@lru_cache(maxsize=1)
def _zaisei_table() -> pd.DataFrame:
    """Indicators per municipality and 年度 (2014-2023); markers as text ("-", "－")."""
    rng = np.random.default_rng(SEED + 1)
    known = fiscal_indicators()
    rows = []
    areas = [m for m in MUNICIPALITIES if not m.parent and (m.role != ROLE_REFERENCE or not m.gun)]
    for m in sorted(areas, key=lambda m: m.code):
        given = known[known["団体コード"] == m.code].set_index("年度")
        city = m.role == ROLE_REFERENCE
        values: dict[int, dict[str, object]] = {}
        if len(given):
            state = {k: given.loc[2019, k] for k in INDICATORS}
            for fy in range(2019, 2024):
                values[fy] = {k: given.loc[fy, k] for k in INDICATORS}
            level = {k: float(v) if v != "-" else -5.0 for k, v in state.items()}
        else:
            level = {"財政力指数": rng.uniform(0.18, 0.45) if not city else 0.71,
                     "経常収支比率": rng.uniform(86, 95), "実質公債費比率": rng.uniform(4, 13),
                     "将来負担比率": rng.uniform(-20, 70), "ラスパイレス指数": rng.uniform(94, 100)}
            for fy in range(2019, 2024):
                level = _step(level, rng, +1)
                values[fy] = _formatted(level, m.code, fy)
            level = {k: float(v) if v not in ("-", "－") else -5.0 for k, v in values[2019].items()}
        for fy in range(2018, 2013, -1):
            level = _step(level, rng, -1)
            values[fy] = _formatted(level, m.code, fy)
        for fy in ZAISEI_YEARS:
            rows.append({"団体コード": m.code, "都道府県名": m.prefecture.name, "団体名": m.name,
                         "区分": "政令市" if city else "市区町村", "年度": fy, **values[fy]})
    return pd.DataFrame(rows)


def _step(level: dict[str, float], rng: np.random.Generator, direction: int) -> dict[str, float]:
    drift = {"財政力指数": (0.0, 0.006), "経常収支比率": (0.3, 1.2), "実質公債費比率": (-0.2, 0.4),
             "将来負担比率": (-3.0, 6.0), "ラスパイレス指数": (0.1, 0.3)}
    return {k: v + direction * drift[k][0] + rng.normal(0, drift[k][1]) for k, v in level.items()}


def _formatted(level: dict[str, float], code: str, fiscal_year: int) -> dict[str, object]:
    # 将来負担比率 is not published (a dash) when the resources exceed the burden; both dashes occur.
    dash = "－" if (int(code[3:5]) + fiscal_year) % 3 == 0 else "-"
    return {"財政力指数": f"{level['財政力指数']:.2f}", "経常収支比率": f"{level['経常収支比率']:.1f}",
            "実質公債費比率": f"{level['実質公債費比率']:.1f}",
            "将来負担比率": dash if level["将来負担比率"] <= 0 else f"{level['将来負担比率']:.1f}",
            "ラスパイレス指数": f"{level['ラスパイレス指数']:.1f}"}


def zaisei_truth() -> pd.DataFrame:
    """What the 財政指標 files say: 団体コード, 都道府県名, 団体名, 区分, 年度, five indicators (floats,
    NaN where the file has a marker) and ``<indicator>_記号`` with the marker ("" where none)."""
    table = _zaisei_table().copy()
    for item in INDICATORS:
        text = table[item].astype(str)
        marker = text.isin(["-", "－"])
        table[f"{item}_記号"] = text.where(marker, "")
        table[item] = pd.to_numeric(text.where(~marker), errors="coerce")
    return table


def _national_average(fiscal_year: int) -> list[object]:
    table = zaisei_truth()
    year = table[table["年度"] == fiscal_year]
    return [round(float(year[item].mean()), 2 if item == "財政力指数" else 1) for item in INDICATORS[:4]] + ["－"]


# --- writing -------------------------------------------------------------------------------------

Cells = dict[tuple[int, int], object]
Merges = list[tuple[int, int, int, int]]


def _write_sheet(path: Path, sheet: str, cells: Cells, merges: Merges, *, empty_rows: int = 0) -> None:
    """One sheet as BIFF .xls (xlwt) or .xlsx (openpyxl, fixed timestamps); 1-based (row, column)."""
    if path.suffix == ".xls":
        import xlwt

        book = xlwt.Workbook(encoding="utf-8")
        ws = book.add_sheet(sheet)
        covered = set()
        for r0, c0, r1, c1 in merges:
            ws.write_merge(r0 - 1, r1 - 1, c0 - 1, c1 - 1, cells.get((r0, c0), ""))
            covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
        for (r, c), value in sorted(cells.items()):
            if (r, c) not in covered:
                ws.write(r - 1, c - 1, value)
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(str(path))
        return
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for (r, c), value in sorted(cells.items()):
        ws.cell(row=r, column=c, value=value)
    for r0, c0, r1, c1 in merges:
        ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
    if empty_rows:
        last = max(r for r, _ in cells)
        for extra in range(1, empty_rows + 1):
            ws.cell(row=last + extra, column=1).number_format = "0.00"
    save_workbook(book, path)


def juki_title(year: int) -> str:
    date = wareki.format_wareki_date(reference_date(year))
    if year <= LAST_MARCH_YEAR:
        dynamics = f"{wareki.to_wareki(year - 1, fiscal=True)}人口動態"
    else:
        dynamics = f"{wareki.to_wareki(year - 1)}（1月1日から同年12月31日まで）人口動態"
    return f"{date}住民基本台帳人口・世帯数、{dynamics}（市区町村別）（総計）"


def juki_file_name(year: int) -> str:
    """総務省's own naming: yymm of the publication (03) and ssjin; .xls up to 2020."""
    return f"{year % 100:02d}03ssjin" + (".xls" if year <= XLS_UNTIL else ".xlsx")


_COLUMN_ITEMS = ("人口_男", "人口_女", "人口_計", "世帯数",
                 "住民票記載数_転入者数(国内)", "住民票記載数_転入者数(国外)", "住民票記載数_転入者数(計)",
                 "住民票記載数_出生者数", "住民票記載数_その他(計)", "住民票記載数_計(A)",
                 "住民票消除数_転出者数(国内)", "住民票消除数_転出者数(国外)", "住民票消除数_転出者数(計)",
                 "住民票消除数_死亡者数", "住民票消除数_その他(計)", "住民票消除数_計(B)",
                 "増減数(A)-(B)", "増減率", "自然増減数", "自然増減率", "社会増減数", "社会増減率")


def _data_cells(year: int, first_row: int, *, old: bool) -> Cells:
    cells: Cells = {}
    rows = _juki_rows(year)
    for r, row in enumerate(rows, start=first_row):
        national = row["区分"] == "全国"
        code = row["団体コード"]
        cells[r, 1] = ("" if old else "-") if national else code
        cells[r, 2] = row["都道府県名"]
        name = row["市区町村名"]
        if name is not None:
            cells[r, 3] = name
        elif not old:
            cells[r, 3] = "-"
        for c, item in enumerate(_COLUMN_ITEMS, start=4):
            value = row[item]
            if value is None:
                continue
            cells[r, c] = float(value) if old else value
    if not old:
        cells[first_row + len(rows), 1] = "注：増減率内の「-」は、「皆増」を示す"
    return cells


def write_juki(folder: Path, year: int) -> Path:
    """The 住基 file of ``year`` in that year's layout."""
    path = folder / juki_file_name(year)
    sheet = "人口、世帯数、人口動態（市区町村別）【総計】"
    n_items = len(_COLUMN_ITEMS)
    old_names = year <= LAST_MARCH_YEAR
    change_labels = [(_OLD_NAMES.get(i, i) if old_names else i) for i in CHANGE_ITEMS]
    if year <= XLS_UNTIL:
        cells: Cells = {(1, 1): juki_title(year)}
        for c, label in enumerate(("団体コード", "都道府県名", "市区町村名"), start=1):
            cells[2, c] = label
        cells[2, 4] = wareki.to_wareki(year, date=reference_date(year))
        cells[2, 8] = wareki.to_wareki(year - 1, fiscal=old_names)
        cells[3, 4], cells[3, 7], cells[3, 8], cells[3, 14] = "人口", "世帯数", "住民票記載数", "住民票消除数"
        for c, label in enumerate(("男", "女", "計"), start=4):
            cells[4, c] = label
        for c, (_, item) in enumerate(FLOW_ITEMS, start=8):
            cells[4, c] = item
        for c, label in enumerate(change_labels, start=20):
            cells[3, c] = label
        merges: Merges = [(2, 1, 4, 1), (2, 2, 4, 2), (2, 3, 4, 3), (2, 4, 2, 7), (2, 8, 2, 3 + n_items),
                          (3, 4, 3, 6), (3, 7, 4, 7), (3, 8, 3, 13), (3, 14, 3, 19)]
        merges += [(3, c, 4, c) for c in range(20, 26)]
        if year >= 2018:
            cells[1, 3 + n_items] = "（単位：人、世帯、％）"
        cells.update(_data_cells(year, 5, old=True))
        _write_sheet(path, sheet, cells, merges)
        return path
    cells = {(1, 1): juki_title(year)}
    groups = ["人口"] * 3 + ["世帯数"] + [g for g, _ in FLOW_ITEMS] + list(CHANGE_ITEMS)
    items = ["男", "女", "計", "世帯数"] + [i for _, i in FLOW_ITEMS] + list(CHANGE_ITEMS)
    units = ["人", "人", "人", "世帯"] + ["人"] * len(FLOW_ITEMS) + ["人", "％", "人", "％", "人", "％"]
    for c in range(n_items):
        stock = c < 4
        cells[2, 4 + c] = wareki.to_wareki(year, date=reference_date(year)) if stock else wareki.to_wareki(year - 1)
        cells[3, 4 + c] = f"{year if stock else year - 1}年"
        cells[4, 4 + c] = groups[c]
        cells[5, 4 + c] = items[c]
        cells[6, 4 + c] = units[c]
    for c, label in enumerate(("団体コード", "都道府県名", "市区町村名"), start=1):
        cells[6, c] = label
    cells.update(_data_cells(year, 7, old=False))
    _write_sheet(path, sheet, cells, [])
    return path


# --- 年齢階級別人口 ---------------------------------------------------------------------------------

AGE_YEARS = (2014, 2019, 2024)          # 1 January of each; the real reference set has 2014, 2019 and 2022
AGE_OLD_LAYOUT_UNTIL = 2020             # .xls, one header row, 「0～4歳」「5～9」; then .xlsx, 「0歳～4歳」 and a unit row
AGE_TOP_80_UNTIL = 2014                 # the top band is 80歳以上 up to 2014, 100歳以上 after
AGE_SHEET = "年齢別人口（市区町村別）【総計】"
# How the simulation's 85歳以上 splits into 85–89, 90–94, 95–99 and 100歳以上 (largest remainder).
_OLDEST_SHARES = np.array([0.56, 0.31, 0.11, 0.02])
# Areas whose foreign residents' ages are withheld: {year: {code: (men, women) left out of the 25–29 band}}.
# Up to 2019 their names (and their prefecture's) carry 「*」; later files only say so in a footnote.
AGE_WITHHELD = {2014: {"438014": (3, 2)}, 2019: {"438014": (2, 1)}, 2024: {"438235": (1, 1)}}
_CITY_PROFILE = np.array([4.1, 4.3, 4.4, 4.6, 5.6, 5.9, 6.2, 6.6, 7.0, 7.4, 6.8, 6.2, 6.0, 6.4, 6.1, 5.0,
                          3.9, 3.5])   # the designated city's wards (the ward model has no ages)


def _split(total: int, shares: np.ndarray) -> np.ndarray:
    exact = total * shares / shares.sum()
    out = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - out), kind="stable")
    out[order[: total - int(out.sum())]] += 1
    return out


def age_band_labels(year: int) -> list[tuple[int, int | None]]:
    """(lower, upper) of the file's bands: to 80歳以上 in 2014, to 100歳以上 later."""
    top = 80 if year <= AGE_TOP_80_UNTIL else 100
    return [(lo, lo + 4) for lo in range(0, top, 5)] + [(top, None)]


def _bands_of(sim_bands: np.ndarray, year: int) -> np.ndarray:
    """18 simulated bands (… 80–84, 85+) as the file's bands, for one sex."""
    if year <= AGE_TOP_80_UNTIL:
        return np.concatenate([sim_bands[:16], [sim_bands[16] + sim_bands[17]]])
    return np.concatenate([sim_bands[:17], _split(int(sim_bands[17]), _OLDEST_SHARES)])


def _basic_age(code: str, year: int) -> np.ndarray:
    """[sex, file band] on 1 January of ``year`` for a town or a ward, as the 住基 人口 of that year."""
    t = year - pop.FIRST_YEAR
    if code in _ward_series():
        people = _ward_series()[code]["population"][t]
        sim = np.stack([_split(int(people[s]), _CITY_PROFILE) for s in range(2)])
    else:
        sim = pop.area_population(code)[t]
    return np.stack([_bands_of(sim[s], year) for s in range(2)])


@lru_cache(maxsize=None)
def _age_rows(year: int) -> tuple[dict, ...]:
    """Every row of the 年齢階級別 file of ``year`` (three per area: 計, 男, 女), in the 住基 file's area order.

    ``総数`` is the true population; the bands leave out the withheld foreign residents (AGE_WITHHELD).
    """
    areas = _juki_rows(year)
    withheld = AGE_WITHHELD.get(year, {})
    true, shown = {}, {}
    for row in areas:
        if row["区分"] in ("市区町村", "政令市の区"):
            bands = _basic_age(row["団体コード"], year)
            true[row["団体コード"]] = bands
            published = bands.copy()
            for s, n in enumerate(withheld.get(row["団体コード"], (0, 0))):
                published[s, 5] -= n
            shown[row["団体コード"]] = published
    def total(codes: list[str], table: dict) -> np.ndarray:
        return sum((table[c] for c in codes), np.zeros_like(next(iter(table.values()))))
    members: dict[str, list[str]] = {}
    for row in areas:
        code = row["団体コード"]
        if row["区分"] == "政令市":
            members[code] = [w.code for w in MUNICIPALITIES if w.parent == code[:5]]
        elif row["区分"] == "郡":
            members[code] = [r["団体コード"] for r in areas if r["区分"] == "市区町村"
                             and r["団体コード"][:4] == code[:4] and r["団体コード"] != code]
        elif row["区分"] == "都道府県":
            members[code] = [r["団体コード"] for r in areas if r["区分"] in ("市区町村", "政令市の区")
                             and r["団体コード"][:2] == code[:2]]
        elif row["区分"] == "全国":
            members[code] = [r["団体コード"] for r in areas if r["区分"] in ("市区町村", "政令市の区")]
    starred_towns = set(withheld) if year <= AGE_OLD_LAYOUT_UNTIL else set()
    out = []
    for row in areas:
        code = row["団体コード"]
        codes = [code] if code in true else members[code]
        real, published = total(codes, true), total(codes, shown)
        star = bool(starred_towns & set(codes)) and row["区分"] != "全国"
        for s, sex in ((None, "計"), (0, "男"), (1, "女")):
            counts = published.sum(axis=0) if s is None else published[s]
            people = int(real.sum()) if s is None else int(real[s].sum())
            out.append({"団体コード": code, "都道府県名": row["都道府県名"], "市区町村名": row["市区町村名"],
                        "区分": row["区分"], "性別": sex, "総数": people, "階級": [int(v) for v in counts],
                        "星": star})
    return tuple(out)


def age_truth() -> pd.DataFrame:
    """What the 年齢階級別 files say: one row per (団体コード, 年, 性別, 年齢階級), ``値`` and ``内訳の一部非公表``."""
    rows = []
    for year in AGE_YEARS:
        labels = age_band_labels(year)
        for r in _age_rows(year):
            base = {"団体コード": r["団体コード"], "区分": r["区分"], "年": year, "性別": r["性別"],
                    "内訳の一部非公表": r["星"]}
            rows.append({**base, "年齢階級": "総数", "下限": np.nan, "上限": np.nan, "値": r["総数"]})
            for (lo, hi), value in zip(labels, r["階級"]):
                label = f"{lo}歳以上" if hi is None else f"{lo}〜{hi}歳"
                rows.append({**base, "年齢階級": label, "下限": float(lo), "上限": np.nan if hi is None else float(hi),
                             "値": value})
    return pd.DataFrame(rows)


def age_title(year: int) -> str:
    date = wareki.format_wareki_date(dt.date(year, 1, 1))
    title = f"{date}住民基本台帳年齢階級別人口（市区町村別）（総計）"
    if year <= AGE_TOP_80_UNTIL:
        title += ("※年齢階級別の外国人住民数が非公表となる市区町村や年齢不詳者がある場合は、"
                  "年齢階級ごとの合計と総数が一致しないことがあります。")
    return title


def age_file_name(year: int) -> str:
    return f"{year % 100:02d}04ssnen" + (".xls" if year <= AGE_OLD_LAYOUT_UNTIL else ".xlsx")


def write_age(folder: Path, year: int) -> Path:
    """The 年齢階級別 file of ``year`` in that year's layout."""
    path = folder / age_file_name(year)
    labels = age_band_labels(year)
    old = year <= AGE_OLD_LAYOUT_UNTIL
    if old:   # 「0～4歳」「5～9」…「80歳以上」
        names = [f"{lo}～{hi}歳" if lo == 0 else f"{lo}～{hi}" if hi is not None else f"{lo}歳以上" for lo, hi in labels]
    else:     # 「0歳～4歳」…「100歳以上」
        names = [f"{lo}歳～{hi}歳" if hi is not None else f"{lo}歳以上" for lo, hi in labels]
    width = 5 + len(names)
    cells: Cells = {(1, 1): age_title(year)}
    header = 2 if old else 3
    for c, label in enumerate(("団体コード", "都道府県名", "市区町村名", "性別"), start=1):
        cells[header, c] = label
    for c, label in enumerate(["総数", *names], start=5):
        cells[2, c] = label
        if not old:
            cells[3, c] = "人"
    if old and year > AGE_TOP_80_UNTIL:
        cells[1, width] = "（単位：人）"
    r = header + 1
    for row in _age_rows(year):
        national = row["区分"] == "全国"
        star = "*" if row["星"] else ""
        cells[r, 1] = ("-" if not old else None) if national else row["団体コード"]
        if row["市区町村名"] is None:
            cells[r, 2] = row["都道府県名"] + star
            if not old:
                cells[r, 3] = "-"
        else:
            cells[r, 2], cells[r, 3] = row["都道府県名"], row["市区町村名"] + star
        cells[r, 4] = row["性別"]
        for c, value in enumerate([row["総数"], *row["階級"]], start=5):
            cells[r, c] = float(value) if old else value
        r += 1
    if not old:
        cells[r, 1] = "注1：外国人住民の人数が少ない市区町村では、5 歳ごとなどの内訳を公表していない"
        cells[r + 1, 1] = "注2：注1の市区町村を含む都道府県などの内訳は、非公表の分を含まないため、総数と内訳の合計が合わない"
    cells = {k: v for k, v in cells.items() if v is not None}
    _write_sheet(path, AGE_SHEET, cells, [])
    return path


def zaisei_file_name(fiscal_year: int) -> str:
    era = wareki.to_wareki(fiscal_year, fiscal=True)          # 平成26年度 / 令和元年度
    short = {"平成": "H", "令和": "R"}[era[:2]] + era[2:].removesuffix("年度").replace("元", "1")
    return f"zaisei_shihyo_{short}" + (".xls" if fiscal_year <= ZAISEI_XLS_UNTIL else ".xlsx")


def write_zaisei(folder: Path, fiscal_year: int) -> Path:
    path = folder / zaisei_file_name(fiscal_year)
    title = "全市町村の主要財政指標"
    if fiscal_year >= ZAISEI_TITLE_FROM:
        title += "（" + wareki.to_wareki(fiscal_year, fiscal=True).translate(_FULL_WIDTH) + "）"
    cells: Cells = {(1, 1): title}
    for c, label in enumerate(("団体コード", "都道府県名", "団体名", *INDICATORS), start=1):
        cells[2, c] = label
    table = _zaisei_table()
    year = table[table["年度"] == fiscal_year]
    r = 3
    for row in year.itertuples(index=False):
        cells[r, 1], cells[r, 2], cells[r, 3] = row.団体コード, row.都道府県名, row.団体名
        for c, item in enumerate(INDICATORS, start=4):
            text = getattr(row, item)
            cells[r, c] = text if text in ("-", "－") else float(text)
        r += 1
    cells[r, 1] = "全国市町村平均"
    for c, value in enumerate(_national_average(fiscal_year), start=4):
        cells[r, c] = value
    _write_sheet(path, "全市町村の主要財政指標 ", cells, [(r, 1, r, 3)],
                 empty_rows=4 if fiscal_year == ZAISEI_TITLE_FROM else 0)
    return path


def build(data_root: Path) -> list[ResourceSpec]:
    juki_dir = data_root / FOLDER / "juki"
    zaisei_dir = data_root / FOLDER / "zaisei"
    specs = []
    generator = {"command": "ebpm data build", "generator": "ebpm.synth.soumu_files", "seed": SEED}
    for year in JUKI_YEARS:
        path = write_juki(juki_dir, year)
        specs.append(ResourceSpec(
            name=f"soumu_juki_{year}", path=path.relative_to(data_root).as_posix(),
            title=f"架空の住基 人口・世帯数・人口動態（{juki_title(year)[:juki_title(year).index('住民')]}）",
            description=(
                f"{SYNTHETIC_NOTE} 総務省「住民基本台帳に基づく人口、人口動態及び世帯数」（市区町村別・総計）と"
                "同じ形の表に、架空の自治体（星川町と近隣・類似団体、政令指定都市の有明浜市と区、郡、県、合計）を収めた"
                f"ものです。{'BIFF 形式の .xls（結合した見出し、数値はすべて小数）' if path.suffix == '.xls' else '.xlsx（5 段の見出し、脚注つき）'}。"
                "2015 年のファイルはありません（系列の欠けを確かめるため）。まちのデータカルテが読みます。"
            ),
            format=path.suffix.lstrip("."), encoding=None, synthetic=generator, tidy=False,
        ))
    for year in AGE_YEARS:
        path = write_age(data_root / FOLDER / "nenrei", year)
        specs.append(ResourceSpec(
            name=f"soumu_age_{year}", path=path.relative_to(data_root).as_posix(),
            title=f"架空の住基 年齢階級別人口（{year} 年 1 月 1 日）",
            description=(
                f"{SYNTHETIC_NOTE} 総務省「住民基本台帳に基づく人口、人口動態及び世帯数」の年齢階級別人口（市区町村別・"
                "総計）と同じ形の表に、架空の自治体の 5 歳階級別の人口を男女別（計・男・女の 3 行）に収めたものです。"
                + ("BIFF 形式の .xls、見出し 1 段、「0～4歳」「5～9」の書き方、"
                   + ("最上位は「80歳以上」、" if year <= AGE_TOP_80_UNTIL else "最上位は「100歳以上」、")
                   + "外国人住民の年齢が非公表の団体は名前に「*」。" if year <= AGE_OLD_LAYOUT_UNTIL else
                   ".xlsx、見出し 2 段（年齢階級と単位）、「0歳～4歳」の書き方、最上位は「100歳以上」、末尾に注。")
                + "まちのデータカルテが読みます。"
            ),
            format=path.suffix.lstrip("."), encoding=None, synthetic=generator, tidy=False,
        ))
    for fiscal_year in ZAISEI_YEARS:
        path = write_zaisei(zaisei_dir, fiscal_year)
        specs.append(ResourceSpec(
            name=f"soumu_zaisei_{fiscal_year}", path=path.relative_to(data_root).as_posix(),
            title=f"架空の主要財政指標（{wareki.to_wareki(fiscal_year, fiscal=True)}）",
            description=(
                f"{SYNTHETIC_NOTE} 総務省「全市町村の主要財政指標」と同じ形の表に、架空の自治体の財政力指数・"
                "経常収支比率・実質公債費比率・将来負担比率・ラスパイレス指数を収めたものです。「-」「－」の記号、"
                "最終行の全国市町村平均を含みます。平成27年度のファイルはありません。"
            ),
            format=path.suffix.lstrip("."), encoding=None, synthetic=generator, tidy=False,
        ))
    return specs


__all__ = ["juki_truth", "zaisei_truth", "age_truth", "build", "JUKI_YEARS", "ZAISEI_YEARS", "AGE_YEARS"]
