"""Population tables, tidy and in the raw shapes staff receive them.

Tidy (UTF-8, LF): town_population, town_vital_monthly, town_households, region_population,
juki_2025_tidy. Raw: an e-Stat database download (cp932, CRLF, metadata rows, legend, multi-row
header, markers), an e-Stat API CSV (``"VALUE"`` section), a 住基-style Excel workbook and the
main town's own 住民課 export (cp932, half-width katakana, full-width digits, 和暦, △).
All raw files carry the same numbers as the tidy ones (see each description for markers).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment

from ebpm.datapackage import ResourceSpec
from ebpm.synth import population as pop
from ebpm.synth._io import save_workbook, thousands, write_rows, write_tidy_csv
from ebpm.synth.world import (
    AGE_BANDS, GUN, MAIN_TOWN, MUNICIPALITIES, PREFECTURES, ROLE_MAIN, ROLE_NEIGHBOUR, ROLE_REFERENCE,
    SEXES, SYNTHETIC_NOTE, full_name,
)
from ebpm.wareki import format_wareki_date, to_wareki

D = "synthetic/"
REGION_YEARS = range(2015, 2026)
JUKI_YEAR = 2025            # population on 1 January 2025, events of 2024
EXPORT_YEARS = range(2019, 2026)
ESTAT_SEX = (("0", "総数"), ("1", "男"), ("2", "女"))

# Markers placed in the e-Stat download (code, year, sex label, age band or None = all).
MARKERS = {
    "***": "調査又は集計していないもの",
    "-": "計数のない場合",
    "…": "計数不明の場合",
    "x": "秘匿のため公表しないもの",
}
_SHIRASAGI = "438219"
_SUGITANI = "448028"


def _syn(generator: str, seed: int | None) -> dict:
    return {"command": "ebpm data build", "generator": f"ebpm.synth.{generator}", "seed": seed}


def _string_fields(*names: str) -> list[dict]:
    return [{"name": n, "type": "string"} for n in names]


def _region_towns() -> list:
    return [m for m in MUNICIPALITIES if m.role != ROLE_REFERENCE]


def region_population() -> pd.DataFrame:
    """Tidy: 団体コード, 市区町村名, 年, 性別, 年齢階級, 人口 for every town, 2015–2025."""
    rows = []
    for m in _region_towns():
        arr = pop.area_population(m.code)
        for year in REGION_YEARS:
            for s, sex in enumerate(SEXES):
                for b, band in enumerate(AGE_BANDS):
                    rows.append((m.code, m.name, year, sex, band, int(arr[year - pop.FIRST_YEAR, s, b])))
    return pd.DataFrame(rows, columns=["団体コード", "市区町村名", "年", "性別", "年齢階級", "人口"])


def _marker(code: str, year: int, sex: str, band: str | None, value: int) -> str | None:
    if code == _SHIRASAGI and year == 2015:
        return "***"
    if code == _SHIRASAGI and sex == "男" and band == "85歳以上":
        return "x"
    if code == _SUGITANI and year == 2019 and sex == "女" and band in ("0〜4歳", "5〜9歳"):
        return "…"
    if value == 0:
        return "-"
    return None


def estat_download_rows() -> list[list[str]]:
    region = region_population()
    n_cols = len(AGE_BANDS) + 1
    pad = [""] * 9
    rows = [
        ["統計名：", "住民基本台帳に基づく人口（研修用の架空データ）"],
        ["表番号：", "S-1"],
        ["表題：", "男女，年齢（5歳階級）別人口－架空の市町村（各年1月1日現在）"],
        ["実施年月：", "2025年", "1月"],
        ["市区町村時点（年月日）：", "-"],
        [],
    ]
    rows += [[k, v] for k, v in MARKERS.items()]
    rows.append([])
    rows.append(pad + ["/表章事項 コード"] + ["0100"] * n_cols)
    rows.append(pad + ["/表章事項 補助コード"] + ["-"] * n_cols)
    rows.append(pad + ["/表章事項"] + ["人口【人】"] * n_cols)
    rows.append(pad + ["/年齢 コード"] + [f"{i:03d}" for i in range(n_cols)])
    rows.append(pad + ["/年齢 補助コード"] + ["-"] * n_cols)
    rows.append([
        "時間軸（年次） コード", "時間軸（年次） 補助コード", "時間軸（年次）",
        "男女 コード", "男女 補助コード", "男女", "地域 コード", "地域 補助コード", "地域",
        "/年齢", "総数", *AGE_BANDS,
    ])
    values = region.set_index(["団体コード", "年", "性別", "年齢階級"])["人口"]
    for year in sorted(REGION_YEARS, reverse=True):
        for sex_code, sex in ESTAT_SEX:
            for m in _region_towns():
                sexes = SEXES if sex == "総数" else (sex,)
                cells = []
                for band in (None, *AGE_BANDS):
                    bands = AGE_BANDS if band is None else (band,)
                    v = int(sum(values[(m.code, year, s, b)] for s in sexes for b in bands))
                    mark = _marker(m.code, year, sex, band, v)
                    if mark is None and sex == "総数" and band is not None:
                        mark = _marker(m.code, year, "男", band, v)  # a hidden part hides the total
                    cells.append(mark if mark is not None else thousands(v))
                rows.append([f"{year}000000", "", f"{year}年", sex_code, "", sex, m.code[:5], "", m.name, "", *cells])
    return rows


def estat_api_rows() -> list[list[str]]:
    region = region_population()
    areas = [m for m in _region_towns() if m.role in (ROLE_MAIN, ROLE_NEIGHBOUR)]
    values = region.set_index(["団体コード", "年", "性別", "年齢階級"])["人口"]
    rows = [
        ["RESULT"],
        ["STATUS", "ERROR_MSG", "DATE"],
        ["0", "正常に終了しました。", "2025-04-01T09:00:00.000+09:00"],
        [],
        ["PARAMETER"],
        ["LANG", "STATS_DATA_ID", "DATA_FORMAT", "START_POSITION", "METAGET_FLG", "CNT_GET_FLG",
         "EXPLANATION_GET_FLG", "ANNOTATION_GET_FLG", "REPLACE_SP_CHARS", "SECTION_HEADER_FLG"],
        ["J", "0099999901", "C", "1", "Y", "N", "Y", "Y", "0", "1"],
        [],
        ["STATISTICAL_DATA"],
        ["TOTAL_NUMBER", "FROM_NUMBER", "TO_NUMBER", "NEXT_KEY"],
    ]
    data = []
    for year in REGION_YEARS:
        for m in areas:
            for sex_code, sex in ESTAT_SEX:
                sexes = SEXES if sex == "総数" else (sex,)
                for i, band in enumerate((None, *AGE_BANDS)):
                    bands = AGE_BANDS if band is None else (band,)
                    v = int(sum(values[(m.code, year, s, b)] for s in sexes for b in bands))
                    data.append([
                        "0100", "人口", f"{int(sex_code) * 100:03d}", sex, f"{i:03d}", band or "総数",
                        m.code[:5], m.name, f"{year}000000", f"{year}年", "人", str(v), "",
                    ])
    rows.append([str(len(data)), "1", str(len(data)), ""])
    rows += [
        [],
        ["TABLE_INF"],
        ["STAT_NAME", "GOV_ORG", "STATISTICS_NAME", "TITLE", "CYCLE", "SURVEY_DATE", "OPEN_DATE",
         "SMALL_AREA", "MAIN_CATEGORY", "SUB_CATEGORY", "OVERALL_TOTAL_NUMBER", "UPDATED_DATE"],
        ["00999999 住民基本台帳に基づく人口（研修用の架空データ）", "99999 架空データ", "男女・年齢別人口",
         "男女，年齢（5歳階級）別人口－本町と近隣町村", "年次", "2015-2025", "2025-04-01", "0",
         "02 人口・世帯", "01 人口", str(len(data)), "2025-04-01"],
        [],
        ["VALUE"],
        ["tab_code", "表章項目", "cat01_code", "男女", "cat02_code", "年齢", "area_code", "地域",
         "time_code", "時間軸（年次）", "unit", "value", "annotation"],
    ]
    return rows + data


def _juki_values() -> list[dict]:
    """One dict per municipality row of the 住基 table (population 2025-01-01, events of 2024)."""
    rng = np.random.default_rng(pop.SEED + 10)
    out = []
    t_pop = JUKI_YEAR - pop.FIRST_YEAR
    t_ev = t_pop - 1
    for m in MUNICIPALITIES:
        if m.role == ROLE_REFERENCE:
            continue
        arr = pop.area_population(m.code)[t_pop]
        ev = {k: int(v[t_ev].sum()) for k, v in pop.area_events(m.code).items()}
        if m is MAIN_TOWN:
            monthly = pop.vital_monthly()
            yearly = monthly[monthly["年"] == JUKI_YEAR - 1].groupby("区分")["人数"].sum()
            assert all(int(yearly[k]) == ev[k] for k in ev)
        abroad_in = int(rng.binomial(ev["転入"], 0.02))
        abroad_out = int(rng.binomial(ev["転出"], 0.015))
        out.append({
            "m": m, "男": int(arr[0].sum()), "女": int(arr[1].sum()),
            "世帯数": pop.households_of(m.code, JUKI_YEAR),
            "転入国内": ev["転入"] - abroad_in, "転入国外": abroad_in, "出生": ev["出生"],
            "記載その他": int(rng.integers(0, 6)),
            "転出国内": ev["転出"] - abroad_out, "転出国外": abroad_out, "死亡": ev["死亡"],
            "消除その他": int(rng.integers(0, 9)),
        })
    # The fictional designated city, by ward.
    for m in MUNICIPALITIES:
        if m.role == ROLE_REFERENCE and m.parent:
            p = m.population_2025
            male = int(round(p * rng.normal(0.475, 0.004)))
            births = int(round(p * 0.0075 * rng.normal(1, 0.05)))
            deaths = int(round(p * 0.0105 * rng.normal(1, 0.05)))
            moved_in = int(round(p * 0.045 * rng.normal(1, 0.08)))
            moved_out = int(round(p * 0.046 * rng.normal(1, 0.08)))
            out.append({
                "m": m, "男": male, "女": p - male, "世帯数": int(round(p / rng.normal(2.15, 0.05))),
                "転入国内": moved_in - int(moved_in * 0.03), "転入国外": int(moved_in * 0.03), "出生": births,
                "記載その他": int(rng.integers(5, 40)),
                "転出国内": moved_out - int(moved_out * 0.02), "転出国外": int(moved_out * 0.02), "死亡": deaths,
                "消除その他": int(rng.integers(10, 60)),
            })
    return out


_NUMERIC = ("男", "女", "世帯数", "転入国内", "転入国外", "出生", "記載その他", "転出国内", "転出国外", "死亡", "消除その他")


def _summed(items: list[dict]) -> dict:
    return {k: sum(i[k] for i in items) for k in _NUMERIC}


def _juki_line(code: str, pref: str, name: str, v: dict, level: str) -> dict:
    total = v["男"] + v["女"]
    a = v["転入国内"] + v["転入国外"] + v["出生"] + v["記載その他"]
    b = v["転出国内"] + v["転出国外"] + v["死亡"] + v["消除その他"]
    base = total - (a - b)
    natural = v["出生"] - v["死亡"]
    social = a - b - natural
    return {
        "団体コード": code, "都道府県名": pref, "市区町村名": name, "区分": level,
        "人口_男": v["男"], "人口_女": v["女"], "人口_計": total, "世帯数": v["世帯数"],
        "転入者数_国内": v["転入国内"], "転入者数_国外": v["転入国外"],
        "転入者数_計": v["転入国内"] + v["転入国外"], "出生者数": v["出生"], "記載_その他": v["記載その他"],
        "記載_計": a, "転出者数_国内": v["転出国内"], "転出者数_国外": v["転出国外"],
        "転出者数_計": v["転出国内"] + v["転出国外"], "死亡者数": v["死亡"], "消除_その他": v["消除その他"],
        "消除_計": b, "増減数": a - b, "増減率": round(100 * (a - b) / base, 6),
        "自然増減数": natural, "自然増減率": round(100 * natural / base, 6),
        "社会増減数": social, "社会増減率": round(100 * social / base, 6),
    }


def juki_table() -> pd.DataFrame:
    """The rows of the 住基-style table, tidy (aggregates marked in 区分)."""
    values = _juki_values()
    by_code = {v["m"].code5: v for v in values}
    lines = [None]  # placeholder for 合計
    pref_lines = []
    for code2, pref in sorted(PREFECTURES.items()):
        members = [v for v in values if v["m"].pref_code2 == code2]  # wards included: they make up the city
        cities = [m for m in MUNICIPALITIES if m.pref_code2 == code2 and not m.gun and not m.parent]
        block = [_juki_line(pref.code, pref.name, "-", _summed(members), "都道府県")]
        for city in cities:
            wards = [v for v in values if v["m"].parent == city.code5]
            block.append(_juki_line(city.code, pref.name, city.name, _summed(wards), "政令指定都市"))
            for w in wards:
                block.append(_juki_line(w["m"].code, pref.name, w["m"].name, w, "区"))
        for gun in (g for g in GUN if g.pref_code2 == code2):
            towns = [m for m in MUNICIPALITIES if m.pref_code2 == code2 and m.gun == gun.name]
            block.append(_juki_line(gun.code, pref.name, gun.name, _summed([by_code[t.code5] for t in towns]), "郡"))
            for t in towns:
                block.append(_juki_line(t.code, pref.name, full_name(t), by_code[t.code5], "市区町村"))
        lines += block
        pref_lines.append(members)
    all_members = [v for members in pref_lines for v in members]
    lines[0] = _juki_line("-", "合計", "-", _summed(all_members), "合計")
    return pd.DataFrame(lines)


_JUKI_HEADER = (
    # (group, item, unit, tidy column)
    ("人口", "男", "人", "人口_男"), ("人口", "女", "人", "人口_女"), ("人口", "計", "人", "人口_計"),
    ("世帯数", "世帯数", "世帯", "世帯数"),
    ("住民票記載数", "転入者数（国内）", "人", "転入者数_国内"), ("住民票記載数", "転入者数（国外）", "人", "転入者数_国外"),
    ("住民票記載数", "転入者数（計）", "人", "転入者数_計"), ("住民票記載数", "出生者数", "人", "出生者数"),
    ("住民票記載数", "その他（計）", "人", "記載_その他"), ("住民票記載数", "計（Ａ）", "人", "記載_計"),
    ("住民票消除数", "転出者数（国内）", "人", "転出者数_国内"), ("住民票消除数", "転出者数（国外）", "人", "転出者数_国外"),
    ("住民票消除数", "転出者数（計）", "人", "転出者数_計"), ("住民票消除数", "死亡者数", "人", "死亡者数"),
    ("住民票消除数", "その他（計）", "人", "消除_その他"), ("住民票消除数", "計（Ｂ）", "人", "消除_計"),
    ("増減数(Ａ)-(Ｂ)", "増減数(Ａ)-(Ｂ)", "人", "増減数"), ("増減率", "増減率", "％", "増減率"),
    ("自然増減数", "自然増減数", "人", "自然増減数"), ("自然増減率", "自然増減率", "％", "自然増減率"),
    ("社会増減数", "社会増減数", "人", "社会増減数"), ("社会増減率", "社会増減率", "％", "社会増減率"),
)


def juki_workbook(table: pd.DataFrame) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "人口、世帯数、人口動態（市区町村別）【総計】"
    pop_era, ev_era = to_wareki(JUKI_YEAR), to_wareki(JUKI_YEAR - 1)
    ws.append([f"{pop_era}1月1日住民基本台帳人口・世帯数、{ev_era}（1月1日から同年12月31日まで）人口動態"
               "（市区町村別）（総計）【研修用の架空データ】"])
    ws.append([None, None, None] + [pop_era] * 4 + [ev_era] * (len(_JUKI_HEADER) - 4))
    ws.append([None, None, None] + [f"{JUKI_YEAR}年"] * 4 + [f"{JUKI_YEAR - 1}年"] * (len(_JUKI_HEADER) - 4))
    ws.append([None, None, None] + [h[0] for h in _JUKI_HEADER])
    ws.append([None, None, None] + [h[1] for h in _JUKI_HEADER])
    ws.append(["団体コード", "都道府県名", "市区町村名"] + [h[2] for h in _JUKI_HEADER])
    # Merge repeated header cells the way the published workbooks look on screen.
    for row, spans in ((2, ((4, 7), (8, 25))), (3, ((4, 7), (8, 25))),
                       (4, ((4, 6), (8, 13), (14, 19)))):
        for first, last in spans:
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    for first in range(20, 26):
        ws.merge_cells(start_row=4, start_column=first, end_row=5, end_column=first)
    for cell in ws[4] + ws[5]:
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for rec in table.to_dict("records"):
        cells = []
        for _, _, _, col in _JUKI_HEADER:
            v = rec[col]
            # Small places publish "-" for a count that is not kept (here: moves abroad).
            if col.endswith("_国外") and rec["団体コード"] == _SHIRASAGI:
                cells.append("-")
            else:
                cells.append(v)
        ws.append([rec["団体コード"], rec["都道府県名"], rec["市区町村名"], *cells])
        for cell in ws[ws.max_row][3:]:
            if isinstance(cell.value, float):
                cell.number_format = "0.00"
            elif isinstance(cell.value, int):
                cell.number_format = "#,##0_ "
    ws.append(["注：本表は研修用に生成した架空の市町村のデータです。合計と都道府県の行は表中の市町村の合計です。"
               "増減率、自然増減率及び社会増減率内の「-」は、「皆増」を示す"])
    ws.freeze_panes = "D7"
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 18
    return wb


_DISTRICT_KANA = {
    "中央地区": "ﾁｭｳｵｳﾁｸ", "北原地区": "ｷﾀﾊﾗﾁｸ", "東山地区": "ﾋｶﾞｼﾔﾏﾁｸ",
    "南谷地区": "ﾐﾅﾐﾀﾆﾁｸ", "川上地区": "ｶﾜｶﾐﾁｸ", "大野地区": "ｵｵﾉﾁｸ",
}
_FULLWIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")


def jumin_export_rows() -> list[list[str]]:
    """The 住民課 system's export: 和暦 dates in full-width digits, △ for decreases."""
    tidy = pop.town_population().set_index(["地区", "年", "性別", "年齢階級"])["人口"]
    rows = [["基準日", "地区ｺｰﾄﾞ", "地区名", "地区名ｶﾅ", "性別", "年齢階級", "人口", "前年比"]]
    for year in EXPORT_YEARS:
        date = format_wareki_date(dt.date(year, 1, 1)).translate(_FULLWIDTH)
        for d, district in enumerate(_DISTRICT_KANA):
            for sex in SEXES:
                for band in AGE_BANDS:
                    v = int(tidy[(district, year, sex, band)])
                    prev = int(tidy[(district, year - 1, sex, band)])
                    diff = v - prev
                    change = f"△{-diff}" if diff < 0 else str(diff)
                    # The old system (until 令和3年) wrote numbers in full-width digits.
                    shown = f"{v:,}".translate(_FULLWIDTH) if year <= 2021 else str(v)
                    band_text = band.replace("〜", "-").translate(_FULLWIDTH) if year <= 2021 else band
                    rows.append([date, f"{d + 1:02d}", district, _DISTRICT_KANA[district], sex, band_text, shown, change])
    return rows


def build(data_root: Path) -> list[ResourceSpec]:
    specs: list[ResourceSpec] = []
    town = pop.town_population()
    write_tidy_csv(town, data_root / D / "town_population.csv")
    latest = town[town["年"] == pop.LAST_YEAR]["人口"].sum()
    specs.append(ResourceSpec(
        name="town_population", path=D + "town_population.csv",
        title=f"{MAIN_TOWN.name}（架空）の地区別・男女別・5歳階級別人口（2000〜2025年）",
        description=(f"{SYNTHETIC_NOTE} 各年1月1日現在（住民基本台帳）。地区・性別・年齢階級の人口を足すと町の総人口"
                     f"（2025年 {latest:,} 人）になります。town_vital_monthly の出生・死亡・転入・転出と年ごとに整合します。"),
        format="csv", synthetic=_syn("population:town_population", pop.SEED),
        schema={"fields": _string_fields("団体コード", "地区") + [
            {"name": "年", "type": "integer"}, *_string_fields("性別", "年齢階級"), {"name": "人口", "type": "integer"}]},
    ))
    vital = pop.vital_monthly()
    write_tidy_csv(vital, data_root / D / "town_vital_monthly.csv")
    specs.append(ResourceSpec(
        name="town_vital_monthly", path=D + "town_vital_monthly.csv",
        title=f"{MAIN_TOWN.name}（架空）の月別人口動態（出生・死亡・転入・転出, 2015〜2025年）",
        description=(f"{SYNTHETIC_NOTE} 区分（出生/死亡/転入/転出）× 年齢区分 × 性別の月別人数。ある年の 1〜12 月の"
                     "出生−死亡+転入−転出は、town_population の翌年1月1日と当年1月1日の人口の差に一致します。"
                     "25〜44歳と0〜14歳（子育て世帯）は転出が転入を上回ります。"),
        format="csv", synthetic=_syn("population:vital_monthly", pop.SEED + 2),
        schema={"fields": [{"name": "団体コード", "type": "string"}, {"name": "年", "type": "integer"},
                           {"name": "月", "type": "integer"}, *_string_fields("区分", "年齢区分", "性別"),
                           {"name": "人数", "type": "integer"}]},
    ))
    hh = pop.households()
    write_tidy_csv(hh, data_root / D / "town_households.csv")
    specs.append(ResourceSpec(
        name="town_households", path=D + "town_households.csv",
        title=f"{MAIN_TOWN.name}（架空）の地区別人口・世帯数（2000〜2025年）",
        description=f"{SYNTHETIC_NOTE} 各年1月1日現在。人口は town_population の地区別合計と一致します。",
        format="csv", synthetic=_syn("population:households", pop.SEED + 3),
        schema={"fields": _string_fields("団体コード", "地区") + [
            {"name": "年", "type": "integer"}, {"name": "人口", "type": "integer"}, {"name": "世帯数", "type": "integer"}]},
    ))
    region = region_population()
    write_tidy_csv(region, data_root / D / "region_population.csv")
    specs.append(ResourceSpec(
        name="region_population", path=D + "region_population.csv",
        title="架空の本町・近隣・類似団体の男女別・5歳階級別人口（2015〜2025年）",
        description=(f"{SYNTHETIC_NOTE} 各年1月1日現在。estat_population_download.csv と estat_population_api.csv の"
                     "整理済み版（記号で隠したセルも本当の値が入っています）。本町の値は town_population の地区合計です。"),
        format="csv", synthetic=_syn("population_files:region_population", pop.SEED + 1),
        schema={"fields": _string_fields("団体コード", "市区町村名") + [
            {"name": "年", "type": "integer"}, *_string_fields("性別", "年齢階級"), {"name": "人口", "type": "integer"}]},
    ))
    write_rows(estat_download_rows(), data_root / D / "estat_population_download.csv",
               encoding="cp932", newline="\r\n", quote_all=True)
    specs.append(ResourceSpec(
        name="estat_population_download", path=D + "estat_population_download.csv",
        title="e-Stat からダウンロードした形の人口表（架空の市町村, cp932）",
        description=(f"{SYNTHETIC_NOTE} e-Stat データベースのダウンロード CSV を模したもの: cp932・CRLF、統計名/表番号/表題の"
                     "メタデータ行、記号の凡例、6 行の見出し（コード・補助コード・名称）、3桁区切りの数値、5桁の地域コード、"
                     "10桁の時間軸コード。記号: 白鷺村の2015年は「***」、白鷺村の85歳以上（男と総数）は「x」、"
                     "杉谷町の2019年女0〜9歳は「…」。整理済みの値は region_population にあります。"),
        format="csv", encoding="cp932", tidy=False, synthetic=_syn("population_files:estat_download_rows", pop.SEED + 1),
        extra={"markers": [
            {"area_code": _SHIRASAGI[:5], "year": 2015, "marker": "***", "cells": "all"},
            {"area_code": _SHIRASAGI[:5], "sex": "男 and 総数", "age": "85歳以上", "marker": "x", "cells": "2016-2025"},
            {"area_code": _SUGITANI[:5], "year": 2019, "sex": "女", "age": ["0〜4歳", "5〜9歳"], "marker": "…"},
        ]},
    ))
    write_rows(estat_api_rows(), data_root / D / "estat_population_api.csv", quote_all=True)
    specs.append(ResourceSpec(
        name="estat_population_api", path=D + "estat_population_api.csv",
        title="e-Stat API（getSimpleStatsData）の CSV の形の人口表（本町と近隣, 架空）",
        description=(f"{SYNTHETIC_NOTE} RESULT/PARAMETER/STATISTICAL_DATA/TABLE_INF の見出し部分のあとに \"VALUE\" 行と"
                     "データ表（tab_code, cat01_code=男女, cat02_code=年齢, area_code, time_code, unit, value, annotation）が"
                     "続きます。値は region_population と同じです。"),
        format="csv", encoding="utf-8", tidy=False, synthetic=_syn("population_files:estat_api_rows", pop.SEED + 1),
    ))
    table = juki_table()
    write_tidy_csv(table, data_root / D / "juki_2025_tidy.csv")
    specs.append(ResourceSpec(
        name="juki_2025_tidy", path=D + "juki_2025_tidy.csv",
        title="住民基本台帳人口・世帯数・人口動態（架空の市町村, 令和7年1月1日）の整理済み版",
        description=(f"{SYNTHETIC_NOTE} juki_2025.xlsx と同じ行・同じ値。区分 列で 合計/都道府県/郡/政令指定都市/区/市区町村"
                     "を区別します（合計・都道府県は表中の市町村の合計）。人口は2025年1月1日、人口動態は2024年中。"),
        format="csv", synthetic=_syn("population_files:juki_table", pop.SEED + 10),
        schema={"fields": _string_fields("団体コード", "都道府県名", "市区町村名", "区分")},
    ))
    save_workbook(juki_workbook(table), data_root / D / "juki_2025.xlsx")
    specs.append(ResourceSpec(
        name="juki_2025", path=D + "juki_2025.xlsx",
        title="住民基本台帳に基づく人口・人口動態・世帯数の Excel（架空の市町村, 令和7年1月1日）",
        description=(f"{SYNTHETIC_NOTE} 総務省の公表 Excel を模した形: 表題行、結合された 5 行の見出し（和暦年・西暦年・"
                     "項目グループ・項目・単位）、文字列の 6 桁団体コード、合計・都道府県・郡の集計行と政令指定都市の区、"
                     "「-」のセル（白鷺村の国外転入・転出）、最終行の注記。整理済み版は juki_2025_tidy。"),
        format="xlsx", encoding=None, tidy=False, synthetic=_syn("population_files:juki_workbook", pop.SEED + 10),
    ))
    write_rows(jumin_export_rows(), data_root / D / "jumin_export_district_age.csv", encoding="cp932", newline="\r\n")
    specs.append(ResourceSpec(
        name="jumin_export_district_age", path=D + "jumin_export_district_age.csv",
        title=f"{MAIN_TOWN.name}（架空）住民課システムの地区別年齢別人口の出力（平成31年〜令和7年）",
        description=(f"{SYNTHETIC_NOTE} 町の住民記録システムから出力した形: cp932・CRLF、見出しと地区名カナが半角カタカナ、"
                     "基準日は和暦で全角数字（平成31年1月1日〜令和7年1月1日）、令和3年以前は人口と年齢階級も全角数字"
                     "（３桁区切りの全角コンマつき）、前年比の減少は△。値は town_population と同じです。"),
        format="csv", encoding="cp932", tidy=False, synthetic=_syn("population_files:jumin_export_rows", pop.SEED),
    ))
    return specs
