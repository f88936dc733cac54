"""The small datasets of the skills check (効果測定: スキルチェック), one set per parallel form.

Both forms come from the same generator with a different seed, so they share their structure and
their pitfalls in the same proportion (the same count of marker cells and of thousands separators in
the e-Stat-like file, the same count of codes that join, of treated and comparison towns) and differ
only in their numbers and in which towns carry the pitfalls. tests/test_skills_check.py checks this.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ebpm.datapackage import ResourceSpec
from ebpm.synth._io import write_rows, write_tidy_csv
from ebpm.synth.world import DISTRICTS, SYNTHETIC_NOTE, comparable_towns

SEEDS = {"a": 27101, "b": 27102}
FOLDER = "synthetic/skills_check"

# The e-Stat-like file: the legend's markers and how many cells carry each (the same in both forms).
MARKER_COUNTS = {"-": 1, "x": 2, "…": 1}
MARKER_LEGEND = {"-": "該当数値なし", "x": "秘匿（個人や法人が特定されるおそれがあるため）", "…": "不詳"}
ESTAT_PREAMBLE = 2  # lines above the header row (a title and the legend)
ESTAT_VALUE = "空き家数"
# The join: towns only in the 6-digit table, only in the 5-digit table, and in both.
JOIN_LEFT_ONLY, JOIN_RIGHT_ONLY, JOIN_BOTH = 2, 2, 7
TREND_YEARS = tuple(range(2015, 2025))
DID_TREATED, DID_COMPARISON = 2, 4


def dataset_name(form: str, part: str) -> str:
    """The resource name of one part of a form, e.g. ``skills_check_a_rate``."""
    return f"skills_check_{form}_{part}"


def estat_rows(form: str) -> list[list[str]]:
    """An e-Stat-like download: a title, a legend, the header, then one row per town."""
    rng = np.random.default_rng(SEEDS[form])
    towns = comparable_towns()[1:]  # the 12 comparable towns
    values = rng.integers(1_050, 4_800, len(towns))
    slots = rng.permutation(len(towns))
    shown = [f"{int(v):,}" for v in values]
    start = 0
    for marker, count in MARKER_COUNTS.items():
        for index in slots[start:start + count]:
            shown[index] = marker
        start += count
    legend = "、".join(f"「{m}」は{text}" for m, text in MARKER_LEGEND.items())
    rows = [["表題: 市町村別の空き家数（架空の統計、令和5年）"], [f"凡例: {legend}"],
            ["団体コード", "市区町村名", ESTAT_VALUE]]
    rows += [[m.code5, m.name, value] for m, value in zip(towns, shown)]
    return rows


def rate_table(form: str) -> pd.DataFrame:
    """地区 × 人口 × 救急出動件数 of the main town (one row per district)."""
    rng = np.random.default_rng(SEEDS[form] + 1)
    population = rng.integers(900, 4_600, len(DISTRICTS))
    per_1000 = rng.uniform(38, 75, len(DISTRICTS))
    calls = np.rint(population * per_1000 / 1000).astype(int)
    return pd.DataFrame({"地区": DISTRICTS, "人口": population, "救急出動件数": calls})


def join_tables(form: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 住基-like table with 6-digit codes and an e-Stat-like table with 5-digit codes."""
    rng = np.random.default_rng(SEEDS[form] + 2)
    towns = list(comparable_towns())
    order = rng.permutation(len(towns))[:JOIN_LEFT_ONLY + JOIN_RIGHT_ONLY + JOIN_BOTH]
    chosen = [towns[i] for i in order]
    both = chosen[:JOIN_BOTH]
    left = sorted(both + chosen[JOIN_BOTH:JOIN_BOTH + JOIN_LEFT_ONLY], key=lambda m: m.code)
    right = sorted(both + chosen[JOIN_BOTH + JOIN_LEFT_ONLY:], key=lambda m: m.code)
    population = pd.DataFrame({"団体コード": [m.code for m in left], "市区町村名": [m.name for m in left],
                               "人口": rng.integers(8_000, 24_000, len(left))})
    cars = pd.DataFrame({"団体コード": [m.code5 for m in right],
                         "公用車台数": rng.integers(25, 90, len(right))})
    return population, cars


def trend_table(form: str) -> pd.DataFrame:
    """年 × 図書館の年間利用者数 (a dip in the middle, so a cut axis would exaggerate it)."""
    rng = np.random.default_rng(SEEDS[form] + 3)
    level = rng.uniform(38_000, 52_000)
    dip = np.array([0, 0, 0, 0, 0, -0.22, -0.15, -0.08, -0.05, -0.03])
    users = level * (1 + dip + rng.normal(0, 0.03, len(TREND_YEARS)))
    return pd.DataFrame({"年": TREND_YEARS, "利用者数": np.rint(users).astype(int)})


def did_table(form: str) -> pd.DataFrame:
    """健診受診率 (%) of treated and comparison towns before and after a reminder campaign.

    Drawn again (from the same seeded generator) until every other aggregation of the towns (min, max,
    median, first, last, sum) gives an effect at least ``DID_MARGIN`` away from the one of the means,
    so that a check to one decimal tells them apart in both forms.
    """
    rng = np.random.default_rng(SEEDS[form] + 4)
    while True:
        table = _draw_did(rng)
        if all(abs(did_by(table, how) - did_by(table, "mean")) >= DID_MARGIN for how in DID_OTHER_AGGREGATIONS):
            return table


DID_MARGIN = 0.2
DID_OTHER_AGGREGATIONS = ("min", "max", "median", "first", "last", "sum")


def did_by(table: pd.DataFrame, how: str) -> float:
    """(change of the treated towns) − (change of the comparison towns), each group aggregated by ``how``."""
    wide = table.pivot_table(index="施策町", columns="期間", values="受診率", aggfunc=how)
    change = wide["施策後"] - wide["施策前"]
    return float(change[1] - change[0])


def _draw_did(rng: np.random.Generator) -> pd.DataFrame:
    towns = list(comparable_towns()[1:])
    chosen = [towns[i] for i in rng.permutation(len(towns))[:DID_TREATED + DID_COMPARISON]]
    common = rng.uniform(1.5, 3.5)   # a change every town saw (the comparison group shows it)
    effect = rng.uniform(2.0, 4.0)
    rows = []
    for town in sorted(chosen, key=lambda m: m.code):
        treated = town in chosen[:DID_TREATED]
        before = rng.uniform(30, 46) - (4 if treated else 0)  # treated towns start lower, as chosen towns often do
        after = before + common + (effect if treated else 0) + rng.normal(0, 1.2)
        for period, rate in (("施策前", before), ("施策後", after)):
            rows.append((town.code, town.name, int(treated), period, round(float(rate), 1)))
    return pd.DataFrame(rows, columns=["団体コード", "市区町村名", "施策町", "期間", "受診率"])


def _spec(form: str, part: str, title: str, description: str, strings: tuple[str, ...] = (),
          tidy: bool = True, generator: str = "") -> ResourceSpec:
    name = dataset_name(form, part)
    return ResourceSpec(
        name=name, path=f"{FOLDER}/{name}.csv", title=f"スキルチェック {form.upper()} 票: {title}",
        description=f"{SYNTHETIC_NOTE} {description}", format="csv", tidy=tidy,
        synthetic={"command": "ebpm data build", "generator": f"ebpm.synth.skills_check:{generator}",
                   "seed": SEEDS[form]},
        schema={"fields": [{"name": s, "type": "string"} for s in strings]} if strings else None,
    )


def build(data_root: Path) -> list[ResourceSpec]:
    specs = []
    for form in SEEDS:
        folder = data_root / FOLDER
        write_rows(estat_rows(form), folder / f"{dataset_name(form, 'estat')}.csv")
        population, cars = join_tables(form)
        tables = {"rate": rate_table(form), "join6": population, "join5": cars,
                  "trend": trend_table(form), "did": did_table(form)}
        for part, table in tables.items():
            write_tidy_csv(table, folder / f"{dataset_name(form, part)}.csv")
        specs += [
            _spec(form, "estat", "市町村別の空き家数（e-Stat 形式、記号入り）",
                  "e-Stat のダウンロードファイルの形: 表題と凡例の 2 行、見出し、3 桁区切りのカンマ、"
                  "記号（-、x、…）のある値。", tidy=False, generator="estat_rows"),
            _spec(form, "rate", "地区別の人口と救急出動件数", "6 地区の人口と年間の救急出動件数。",
                  ("地区",), generator="rate_table"),
            _spec(form, "join6", "市町村の人口（6 桁の団体コード）", "検査数字つき 6 桁の団体コードと人口。",
                  ("団体コード", "市区町村名"), generator="join_tables"),
            _spec(form, "join5", "市町村の公用車台数（5 桁の団体コード）", "検査数字のない 5 桁の団体コードと公用車台数。",
                  ("団体コード",), generator="join_tables"),
            _spec(form, "trend", "図書館の年間利用者数（2015〜2024 年）", "年ごとの図書館の利用者数（人）。",
                  generator="trend_table"),
            _spec(form, "did", "健診受診率の施策前後（施策町と比較町）",
                  "受診勧奨を行った施策町と行わなかった比較町の、施策前と施策後の特定健診受診率（%）。",
                  ("団体コード", "市区町村名", "期間"), generator="did_table"),
        ]
    return specs
