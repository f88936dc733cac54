"""自治体標準オープンデータセット files of the main town: clean versions and versions with seeded errors.

The seeded errors are listed in ``opendata_errors.json`` (file, row as the validator counts it:
1 = header, 2 = first data row; column; rule id of ``ebpm.opendata.RULES``; what is wrong),
so lessons and tests know exactly what a learner should find.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ebpm.datapackage import ResourceSpec
from ebpm.opendata import HAZARDS, template
from ebpm.synth import population as pop
from ebpm.synth._io import write_rows
from ebpm.synth.world import AGE_BANDS, CHOCHO, MAIN_TOWN, SYNTHETIC_NOTE

SEED = 43802
D = "synthetic/"
LG_NAME = f"{MAIN_TOWN.prefecture.name}{MAIN_TOWN.name}"
_LAT0, _LON0 = 32.61, 130.93   # a fictional spot in inland Kumamoto

# name, kana, chocho, phone suffix, evacuation?: (capacity, hazards flags)
_PLACES = (
    ("星川町役場本庁舎", "ホシカワマチヤクバホンチョウシャ", "本町一丁目", "2111", None),
    ("星川小学校", "ホシカワショウガッコウ", "本町二丁目", "2231", (620, "111101")),
    ("北原小学校", "キタハラショウガッコウ", "北原", "2232", (480, "110101")),
    ("東山小学校", "ヒガシヤマショウガッコウ", "東山", "2233", (410, "011101")),
    ("南谷小学校", "ミナミタニショウガッコウ", "南谷", "2234", (350, "010101")),
    ("川上小学校", "カワカミショウガッコウ", "川上", "2235", (300, "000101")),
    ("大野小学校", "オオノショウガッコウ", "大野", "2236", (290, "100101")),
    ("星川中学校", "ホシカワチュウガッコウ", "新町", "2241", (780, "111101")),
    ("北原中学校", "キタハラチュウガッコウ", "若宮", "2242", (650, "110101")),
    ("中央公民館", "チュウオウコウミンカン", "駅前", "2311", (260, "011101")),
    ("北原公民館", "キタハラコウミンカン", "北原団地", "2312", (120, "010101")),
    ("川上公民館", "カワカミコウミンカン", "奥川上", "2315", (90, "000101")),
    ("町民体育館", "チョウミンタイイクカン", "本町二丁目", "2411", (900, "111101")),
    ("星川町立図書館", "ホシカワチョウリツトショカン", "駅前", "2511", None),
    ("保健センター", "ホケンセンター", "本町一丁目", "2611", None),
    ("道の駅ほしかわ", "ミチノエキホシカワ", "桜町", "2711", (400, "010101")),
)


def _coords(rng: np.random.Generator) -> list[tuple[str, str]]:
    lat = _LAT0 + rng.uniform(-0.05, 0.05, len(_PLACES))
    lon = _LON0 + rng.uniform(-0.06, 0.06, len(_PLACES))
    return [(f"{a:.6f}", f"{o:.6f}") for a, o in zip(lat, lon)]


def _address(chocho: str, i: int) -> str:
    return f"{LG_NAME}{chocho}{(i * 37) % 900 + 100}番地"


def public_facility_clean() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    coords = _coords(rng)
    rows = []
    for i, (name, kana, chocho, ext, _) in enumerate(_PLACES):
        rows.append({
            "全国地方公共団体コード": MAIN_TOWN.code, "ID": f"{MAIN_TOWN.code}-F{i + 1:03d}",
            "地方公共団体名": LG_NAME, "名称": name, "名称_カナ": kana,
            "所在地_全国地方公共団体コード": MAIN_TOWN.code, "所在地_連結表記": _address(chocho, i), "所在地_都道府県": MAIN_TOWN.prefecture.name,
            "所在地_市区町村": MAIN_TOWN.name, "所在地_町字": chocho,
            "緯度": coords[i][0], "経度": coords[i][1],
            "電話番号": f"0966-55-{ext}", "郵便番号": "869-9999",
            "利用可能曜日": "月火水木金", "開始時間": "08:30", "終了時間": "17:15",
        })
    df = template("public_facility")
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True).fillna("")


def evacuation_clean() -> pd.DataFrame:
    rng = np.random.default_rng(SEED + 1)
    coords = _coords(rng)
    rows = []
    for i, (name, kana, chocho, ext, evac) in enumerate(_PLACES):
        if evac is None:
            continue
        capacity, flags = evac
        row = {
            "全国地方公共団体コード": MAIN_TOWN.code, "ID": f"{MAIN_TOWN.code}-E{len(rows) + 1:03d}",
            "名称": name, "名称_カナ": kana, "所在地_全国地方公共団体コード": MAIN_TOWN.code,
            "所在地_連結表記": _address(chocho, i),
            "緯度": coords[i][0], "経度": coords[i][1], "標高": f"{rng.uniform(40, 180):.1f}",
            "電話番号": f"0966-55-{ext}", "市区町村コード": MAIN_TOWN.code, "地方公共団体名": LG_NAME,
            "指定避難所との重複": "1", "想定収容人数": str(capacity),
            "対象となる町会・自治会": ";".join(f"{c}自治会" for c in _district_chocho(chocho)),
        }
        padded = (flags + "00")[: len(HAZARDS)]
        for h, f in zip(HAZARDS, padded):
            row[f"災害種別_{h}"] = "1" if f == "1" else ""
        rows.append(row)
    df = template("evacuation_space")
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True).fillna("")


def _district_chocho(chocho: str) -> tuple[str, ...]:
    for names in CHOCHO.values():
        if chocho in names:
            return names
    return (chocho,)


def population_clean() -> pd.DataFrame:
    tidy = pop.town_population()
    latest = tidy[tidy["年"] == pop.LAST_YEAR]
    rows = []
    for d, (district, part) in enumerate(latest.groupby("地区", sort=False)):
        v = part.set_index(["性別", "年齢階級"])["人口"]
        row = {"全国地方公共団体コード": MAIN_TOWN.code, "地域コード": f"{d + 1:03d}", "地方公共団体名": LG_NAME,
               "調査年月日": f"{pop.LAST_YEAR}-01-01", "地域名": district,
               "総人口": str(int(part["人口"].sum())), "男性": str(int(v["男"].sum())), "女性": str(int(v["女"].sum()))}
        for band in AGE_BANDS:
            key = band.replace("〜", "-")
            row[f"{key}の男性"] = str(int(v[("男", band)]))
            row[f"{key}の女性"] = str(int(v[("女", band)]))
        hh = pop.households()
        row["世帯数"] = str(int(hh[(hh["地区"] == district) & (hh["年"] == pop.LAST_YEAR)]["世帯数"].iloc[0]))
        rows.append(row)
    df = template("population_by_area_age")
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True).fillna("")


def _seed_errors(df: pd.DataFrame, file: str, edits: list[tuple]) -> tuple[pd.DataFrame, list[dict]]:
    """Apply (data row index 0-based, column, new value, rule, description) edits; list them."""
    out = df.copy()
    answers = []
    for i, column, value, rule, description in edits:
        out.loc[i, column] = value
        answers.append({"file": file, "row": i + 2, "column": column, "rule": rule, "description": description})
    return out, answers


def seeded_versions() -> tuple[dict[str, pd.DataFrame], list[dict]]:
    answers: list[dict] = []
    fac = public_facility_clean()
    bad_code = MAIN_TOWN.code[:5] + str((int(MAIN_TOWN.code[5]) + 1) % 10)
    fac_bad, a = _seed_errors(fac, "opendata_public_facility_errors.csv", [
        (1, "名称_カナ", "ﾎｼｶﾜｼｮｳｶﾞｯｺｳ", "katakana", "名称_カナが半角カタカナ"),
        (4, "全国地方公共団体コード", bad_code, "lgcode", "団体コードの検査数字が誤り"),
        (6, "緯度", fac.loc[6, "経度"], "coordinate_swapped", "緯度と経度が入れ替わっている"),
        (8, "開始時間", "9時", "time", "開始時間が hh:mm 形式でない"),
        (10, "電話番号", "０９６６－５５－２３１２", "phone", "電話番号が全角数字"),
    ])
    fac_bad.loc[6, "経度"] = fac.loc[6, "緯度"]
    fac_bad.loc[12, "ID"] = fac_bad.loc[11, "ID"]
    a.append({"file": "opendata_public_facility_errors.csv", "row": 14, "column": "ID", "rule": "id_unique",
              "description": "ID が 13 行目と重複"})
    answers += a
    ev = evacuation_clean()
    ev_bad, a = _seed_errors(ev, "opendata_evacuation_space_errors.csv", [
        (0, "対象となる町会・自治会", "本町一丁目自治会、本町二丁目自治会", "list", "区切りが「;」でなく「、」"),
        (2, "災害種別_地震", "○", "flag", "フラグが 1 でなく ○"),
        (4, "想定収容人数", "350人", "integer", "人数に単位「人」がついている"),
        (6, "名称", "", "not_blank", "必須の名称が空欄"),
    ])
    answers += a
    popu = population_clean()
    pop_bad, a = _seed_errors(popu, "opendata_population_errors.csv", [
        (0, "調査年月日", "45658", "date", "調査年月日が Excel のシリアル値（45658 = 2025-01-01）"),
        (3, "総人口", str(int(popu.loc[3, "総人口"]) + 10), "population_total", "総人口が男性 + 女性と合わない"),
    ])
    answers += a
    return {"public_facility": fac_bad, "evacuation_space": ev_bad, "population_by_area_age": pop_bad}, answers


def _rows(df: pd.DataFrame) -> list[list[str]]:
    return [list(df.columns)] + df.astype(str).values.tolist()


def build(data_root: Path) -> list[ResourceSpec]:
    clean = {"public_facility": public_facility_clean(), "evacuation_space": evacuation_clean(),
             "population_by_area_age": population_clean()}
    bad, answers = seeded_versions()
    titles = {"public_facility": "公共施設一覧", "evacuation_space": "指定緊急避難場所一覧",
              "population_by_area_age": "地域・年齢別人口"}
    short = {"public_facility": "public_facility", "evacuation_space": "evacuation_space",
             "population_by_area_age": "population"}
    syn = {"command": "ebpm data build", "generator": "ebpm.synth.opendata_files:seeded_versions", "seed": SEED}
    specs = []
    for key, df in clean.items():
        path = f"{D}opendata_{short[key]}.csv"
        write_rows(_rows(df), data_root / path, newline="\r\n")
        specs.append(ResourceSpec(
            name=f"opendata_{short[key]}", path=path, title=f"{MAIN_TOWN.name}（架空）の{titles[key]}（標準様式・正しい版）",
            description=f"{SYNTHETIC_NOTE} 自治体標準オープンデータセット「{titles[key]}」の様式どおりの CSV（UTF-8, CRLF）。",
            format="csv", tidy=False, synthetic=syn,
            schema={"fields": [{"name": c, "type": "string"} for c in df.columns]},
        ))
        path = f"{D}opendata_{short[key]}_errors.csv"
        mine = [x for x in answers if x["file"] == path.removeprefix(D)]
        write_rows(_rows(bad[key]), data_root / path, newline="\r\n")
        specs.append(ResourceSpec(
            name=f"opendata_{short[key]}_errors", path=path,
            title=f"{MAIN_TOWN.name}（架空）の{titles[key]}（誤りを含む版・演習用）",
            description=(f"{SYNTHETIC_NOTE} 正しい版に {len(mine)} 件の誤りを埋め込んだもの。誤りの一覧（正解）は "
                         "opendata_errors.json にあります: " + "／".join(f"{x['row']}行目 {x['column']}: {x['description']}" for x in mine)),
            format="csv", tidy=False, synthetic=syn,
            schema={"fields": [{"name": c, "type": "string"} for c in df.columns]},
            extra={"seeded_errors": mine},
        ))
    (data_root / D / "opendata_errors.json").write_bytes(
        (json.dumps({"note": "ebpm.synth.opendata_files が埋め込んだ誤りの正解一覧。row は見出し行を 1 とする行番号。",
                     "errors": answers}, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    specs.append(ResourceSpec(
        name="opendata_errors", path=D + "opendata_errors.json",
        title="標準オープンデータ演習用ファイルに埋め込んだ誤りの正解一覧",
        description=f"{SYNTHETIC_NOTE} *_errors.csv に埋め込んだ誤り（ファイル、行、列、ebpm.opendata の規則 ID、内容）。",
        format="json", tidy=False, synthetic=syn,
    ))
    return specs
