"""The synthetic datasets: byte-identical regeneration, fictional codes, magnitudes, raw = tidy."""
from __future__ import annotations

import filecmp
import importlib.util
import json
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ebpm.lgcode import is_valid
from ebpm.synth import check, generate, truth, world

DATA = Path(__file__).resolve().parent.parent / "data"
SYN = DATA / "synthetic"


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def test_generation_is_byte_identical(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    generate(first)
    generate(second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert filecmp.cmp(first / rel, second / rel, shallow=False), rel


def test_repository_data_is_up_to_date():
    assert check(DATA) == []


def test_fictional_codes_are_valid_and_unique():
    codes = world.all_codes()
    assert len(codes) == len(set(codes))
    assert all(is_valid(c) for c in codes)
    table = pd.read_csv(SYN / "fictional_municipalities.csv", dtype=str)
    assert set(table["架空"]) == {"架空"}
    assert all(is_valid(c) for c in table["団体コード"])


def test_fictional_codes_and_names_are_not_real():
    real_file = DATA / "reference" / "municipality_codes.csv"
    if not real_file.is_file():
        pytest.skip("data/reference/municipality_codes.csv (ebpm.vendor) is not written yet")
    real = pd.read_csv(real_file, dtype=str)
    assert not set(world.all_codes()) & set(real["団体コード"])
    real_names = set(real["市区町村名"].dropna())
    for m in world.MUNICIPALITIES:
        assert m.name not in real_names and world.full_name(m) not in real_names, m.name
    for g in world.GUN:
        assert not any(n.startswith(g.name) for n in real_names), g.name


def _town() -> pd.DataFrame:
    return pd.read_csv(SYN / "town_population.csv", dtype={"団体コード": str})


def test_main_town_magnitudes():
    town = _town()
    total = town.groupby("年")["人口"].sum()
    assert 14_000 <= total[2025] <= 16_000
    assert total.is_monotonic_decreasing
    old = town[town["年齢階級"].isin(world.AGE_BANDS[13:])].groupby("年")["人口"].sum()
    assert old[2025] / total[2025] > 0.40


def test_vital_events_add_up_to_population_change():
    total = _town().groupby("年")["人口"].sum()
    v = pd.read_csv(SYN / "town_vital_monthly.csv")
    yearly = v.pivot_table(index="年", columns="区分", values="人数", aggfunc="sum")
    for year in range(2015, 2025):
        change = yearly.loc[year, "出生"] - yearly.loc[year, "死亡"] + yearly.loc[year, "転入"] - yearly.loc[year, "転出"]
        assert total[year + 1] - total[year] == change, year
    young = v[v["年齢区分"].isin(["0〜14歳", "25〜44歳"])].groupby("区分")["人数"].sum()
    assert young["転出"] > young["転入"] * 1.1


def test_households_match_population():
    hh = pd.read_csv(SYN / "town_households.csv")
    by = _town().groupby(["地区", "年"])["人口"].sum()
    assert (hh.set_index(["地区", "年"])["人口"] == by.loc[hh.set_index(["地区", "年"]).index]).all()


def _region() -> pd.DataFrame:
    return pd.read_csv(SYN / "region_population.csv", dtype={"団体コード": str})


def test_region_main_town_equals_town_population():
    region = _region()
    main = region[region["団体コード"] == world.MAIN_TOWN.code].groupby("年")["人口"].sum()
    assert (main == _town().groupby("年")["人口"].sum().loc[main.index]).all()


def test_estat_download_reads_back_to_tidy():
    if not _has("ebpm.estat"):
        pytest.skip("ebpm.estat is not written yet")
    from ebpm.estat import read_estat_download

    raw = read_estat_download(SYN / "estat_population_download.csv", encoding="cp932")
    region = _region()
    assert set(raw["marker"].dropna()) == {"***", "x", "…"}
    cells = raw[(raw["area_code"] == world.MAIN_TOWN.code5) & (raw["男女"] != "総数") & (raw["年齢_code"] != "000")]
    expected = region[region["団体コード"] == world.MAIN_TOWN.code].set_index(["年", "性別", "年齢階級"])["人口"]
    got = cells.assign(band=cells["年齢_code"].astype(int).map(lambda i: world.AGE_BANDS[i - 1]))
    got = got.set_index(["year", "男女", "band"])["value"].astype(int)
    assert len(got) == len(expected)
    assert (got.sort_index().to_numpy() == expected.sort_index().to_numpy()).all()


def test_estat_api_reads_back_to_tidy():
    if not _has("ebpm.estat"):
        pytest.skip("ebpm.estat is not written yet")
    from ebpm.estat import read_estat_api

    raw = read_estat_api(SYN / "estat_population_api.csv")
    totals = raw[(raw["cat01_code"] == "000") & (raw["cat02_code"] == "000")]
    totals = totals.set_index(["area_code", "year"])["value"].astype(int)
    region = _region().groupby(["団体コード", "年"])["人口"].sum()
    for (area, year), v in totals.items():
        assert region[(world.Municipality(area, area[:2], "", "", "").code, year)] == v


def test_juki_excel_reads_back_to_tidy():
    if not _has("ebpm.juki"):
        pytest.skip("ebpm.juki is not written yet")
    from ebpm.juki import read_juki_excel

    raw = read_juki_excel(SYN / "juki_2025.xlsx", keep=None)
    tidy = pd.read_csv(SYN / "juki_2025_tidy.csv", dtype={"団体コード": str})
    assert len(raw) == len(tidy)
    codes = [c for c in tidy["団体コード"] if c != "-"]
    assert set(codes) <= set(raw["団体コード"].dropna())
    main = raw[raw["団体コード"] == world.MAIN_TOWN.code].iloc[0]
    town = _town()
    assert main["人口_計"] == town[town["年"] == 2025]["人口"].sum()
    v = pd.read_csv(SYN / "town_vital_monthly.csv")
    births_2024 = v[(v["年"] == 2024) & (v["区分"] == "出生")]["人数"].sum()
    assert main["住民票記載数_出生者数"] == births_2024


def test_jumin_export_matches_tidy():
    raw = pd.read_csv(SYN / "jumin_export_district_age.csv", encoding="cp932", dtype=str)
    assert any(unicodedata.normalize("NFKC", c) != c for c in raw.columns)  # half-width katakana header
    assert raw["前年比"].str.startswith("△").any()
    values = raw["人口"].map(lambda s: int(unicodedata.normalize("NFKC", s).replace(",", "")))
    town = _town()
    expected = town[town["年"] >= 2019]["人口"].sum()
    assert values.sum() == expected


def test_opendata_seeded_errors_are_found():
    if not _has("ebpm.opendata"):
        pytest.skip("ebpm.opendata is not written yet")
    from ebpm.opendata import validate

    answers = json.loads((SYN / "opendata_errors.json").read_text(encoding="utf-8"))["errors"]
    datasets = {"public_facility": "public_facility", "evacuation_space": "evacuation_space",
                "population": "population_by_area_age"}
    for short, dataset in datasets.items():
        assert validate(SYN / f"opendata_{short}.csv", dataset).problems == []
        found = {(p.row, p.column, p.rule) for p in validate(SYN / f"opendata_{short}_errors.csv", dataset).problems}
        for a in answers:
            if a["file"] == f"opendata_{short}_errors.csv":
                assert (a["row"], a["column"], a["rule"]) in found, a


def test_true_effects_are_recovered():
    rct = pd.read_csv(SYN / "health_checkup_rct.csv")
    diff = rct.groupby("はがき送付")["受診"].mean().diff().iloc[-1]
    assert abs(diff - truth.true_effect("health_checkup_rct")) < 0.04
    t = pd.read_csv(SYN / "tourism_did.csv")
    t["ly"] = np.log(t["観光客数"])
    t["post"] = (t["年"] * 100 + t["月"] >= 202204).astype(int)
    g = t.groupby(["施策町", "post"])["ly"].mean()
    did = np.expm1((g[1, 1] - g[1, 0]) - (g[0, 1] - g[0, 0]))
    assert abs(did - truth.true_effect("tourism_did")) < 0.05
    s = pd.read_csv(SYN / "subsidy_rd.csv")
    w = s[(s["世帯所得_万円"] - 400).abs() < 60]
    X = np.c_[np.ones(len(w)), w["補助対象"], w["世帯所得_万円"] - 400, w["子どもの数"]]
    jump = np.linalg.lstsq(X, w["子育て支出_千円"], rcond=None)[0][1]
    assert abs(jump - truth.true_effect("subsidy_rd")) < 40
    entry = {r["name"]: r for r in json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))["resources"]}
    assert entry["health_checkup_rct"]["true_effect"]["effect"] == truth.true_effect("health_checkup_rct")


def test_files_are_small_and_marked_synthetic():
    total = sum(p.stat().st_size for p in SYN.rglob("*") if p.is_file())
    assert total < 8_000_000
    entries = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    syn = [e for e in entries if e["path"].startswith("synthetic/")]
    assert len(syn) == len([p for p in SYN.rglob("*") if p.is_file()])
    for e in syn:
        assert e["synthetic"]["command"] == "ebpm data build"
        assert "架空" in e["description"]
