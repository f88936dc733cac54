"""Seeded studies with known truth: resident survey, a health-check RCT, a tourism DiD panel,
a subsidy with an income threshold (RD), and fiscal indicators of the comparable towns."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ebpm.datapackage import ResourceSpec
from ebpm.synth import truth
from ebpm.synth._io import write_tidy_csv
from ebpm.synth.world import DISTRICTS, MAIN_TOWN, SYNTHETIC_NOTE, comparable_towns

D = "synthetic/"
POLICY_TOWNS = ("438014", "428019", "448010", "468011")  # 星川町, 潮見町, 湯ノ川町, 桜ヶ丘町


def _syn(fn: str, seed: int) -> dict:
    return {"command": "ebpm data build", "generator": f"ebpm.synth.studies:{fn}", "seed": seed}


def resident_survey(seed: int = truth.SURVEY_SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 812
    groups = np.array(["18〜24歳", "25〜34歳", "35〜44歳", "45〜54歳", "55〜64歳", "65〜74歳", "75歳以上"])
    age = rng.choice(len(groups), n, p=[0.05, 0.08, 0.11, 0.13, 0.16, 0.24, 0.23])
    district = rng.choice(len(DISTRICTS), n, p=[0.30, 0.21, 0.15, 0.14, 0.11, 0.09])
    p_child = np.array([0.05, 0.45, 0.65, 0.35, 0.05, 0.01, 0.0])[age]
    child = rng.random(n) < p_child
    def item(base, sd=1.0):
        return np.clip(np.rint(base + rng.normal(0, sd, n)), 1, 5).astype(int)
    rural = np.array([0, 0.1, 0.2, 0.3, 0.5, 0.6])[district]
    kosodate = item(3.0 - 0.5 * child - 0.6 * rural)
    iryo = item(3.1 - 0.8 * rural)
    kotsu = item(2.6 - 1.0 * rural)
    sumi = item(3.6 + 0.1 * (age >= 5))
    overall = item(0.3 * kosodate + 0.25 * iryo + 0.2 * kotsu + 0.3 * sumi + 0.1, 0.7)
    young_family = child & np.isin(age, [1, 2])
    logit = -0.2 + 0.35 * (age - 1) + 0.15 * (sumi - 3)
    p_stay = 1 / (1 + np.exp(-logit))
    p_stay = np.where(young_family, 0.55 + truth.true_effect("resident_survey") * (kosodate - 3), p_stay)
    stay = rng.random(n) < np.clip(p_stay, 0.02, 0.98)
    answers = np.where(stay, "住み続けたい", np.where(rng.random(n) < 0.5, "どちらともいえない", "町外に移りたい"))
    df = pd.DataFrame({
        "回答者ID": [f"R{i + 1:04d}" for i in range(n)], "年齢層": groups[age],
        "地区": np.array(DISTRICTS)[district], "子どもの有無": np.where(child, "あり", "なし"),
        "満足度_子育て環境": kosodate, "満足度_医療": iryo, "満足度_公共交通": kotsu,
        "満足度_住みやすさ": sumi, "満足度_総合": overall, "定住意向": answers,
    })
    # Item non-response, as real surveys have (kept as blank cells).
    for col in ("満足度_子育て環境", "満足度_公共交通"):
        df[col] = df[col].astype("Int64").mask(rng.random(n) < 0.03)
    return df


def health_rct(seed: int = truth.RCT_SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 2000
    age = rng.integers(40, 75, n)
    male = rng.random(n) < 0.48
    district = rng.choice(len(DISTRICTS), n, p=[0.30, 0.20, 0.15, 0.14, 0.11, 0.10])
    past = rng.random(n) < 0.25 + 0.004 * (age - 40)
    treat = np.zeros(n, dtype=bool)
    treat[rng.permutation(n)[: n // 2]] = True
    base = 0.18 + 0.35 * past + 0.002 * (age - 40) - 0.04 * male
    p = np.clip(base + truth.true_effect("health_checkup_rct") * treat, 0, 1)
    return pd.DataFrame({
        "対象者ID": [f"H{i + 1:05d}" for i in range(n)], "年齢": age, "性別": np.where(male, "男", "女"),
        "地区": np.array(DISTRICTS)[district], "前年度受診": past.astype(int),
        "はがき送付": treat.astype(int), "受診": (rng.random(n) < p).astype(int),
    })


def tourism_panel(seed: int = truth.DID_SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    months = pd.period_range("2020-04", "2025-03", freq="M")
    season = np.log(np.array([1.0, 1.25, 0.9, 0.95, 1.4, 1.0, 1.05, 1.3, 0.95, 0.7, 0.75, 1.1]))
    common = np.cumsum(rng.normal(0.004, 0.02, len(months)))   # shared shocks: parallel trends
    common[:12] += np.linspace(-0.5, 0, 12)                     # recovery from the pandemic
    start = pd.Period("2022-04", freq="M")
    rows = []
    for m in comparable_towns():
        level = np.log(rng.uniform(8000, 40000))
        treated = m.code in POLICY_TOWNS
        for t, month in enumerate(months):
            post = treated and month >= start
            y = level + season[month.month - 1] + common[t] + rng.normal(0, 0.05)
            if post:
                y += np.log1p(truth.true_effect("tourism_did"))
            rows.append((m.code, m.name, month.year, month.month, int(treated), int(post), int(round(np.exp(y)))))
    return pd.DataFrame(rows, columns=["団体コード", "市区町村名", "年", "月", "施策町", "施策期間", "観光客数"])


def subsidy_rd(seed: int = truth.RD_SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 1500
    income = np.clip(rng.normal(430, 140, n), 120, 900).round(0)
    children = rng.choice([1, 2, 3], n, p=[0.45, 0.4, 0.15])
    eligible = income < truth.TRUE_EFFECTS["subsidy_rd"]["cutoff"]
    spend = 180 + 0.55 * income + 60 * children + truth.true_effect("subsidy_rd") * eligible + rng.normal(0, 60, n)
    return pd.DataFrame({
        "世帯ID": [f"K{i + 1:04d}" for i in range(n)], "世帯所得_万円": income.astype(int),
        "子どもの数": children, "補助対象": eligible.astype(int), "子育て支出_千円": spend.round(0).astype(int),
    })


def fiscal_indicators(seed: int = truth.FISCAL_SEED) -> pd.DataFrame:
    """財政指標 of the main and comparable towns, 2019–2023 年度; "-" where not applicable."""
    rng = np.random.default_rng(seed)
    rows = []
    for m in comparable_towns():
        fr = rng.uniform(0.22, 0.48)
        kei = rng.uniform(86, 95)
        kousai = rng.uniform(5, 13)
        future = rng.uniform(-20, 60)
        lasp = rng.uniform(94, 100)
        for fy in range(2019, 2024):
            fr += rng.normal(0.0, 0.006)
            kei += rng.normal(0.3, 1.2)
            kousai += rng.normal(-0.2, 0.4)
            future += rng.normal(-3, 6)
            lasp += rng.normal(0.1, 0.3)
            # 将来負担比率: "-" when 充当可能財源 exceed the burden (negative ratio is not published).
            rows.append((m.code, m.name, fy, f"{fr:.2f}", f"{kei:.1f}", f"{kousai:.1f}",
                         "-" if future <= 0 else f"{future:.1f}", f"{lasp:.1f}"))
    return pd.DataFrame(rows, columns=["団体コード", "市区町村名", "年度", "財政力指数", "経常収支比率",
                                       "実質公債費比率", "将来負担比率", "ラスパイレス指数"])


def build(data_root: Path) -> list[ResourceSpec]:
    s = lambda *n: [{"name": x, "type": "string"} for x in n]  # noqa: E731
    te = truth.TRUE_EFFECTS
    specs = []
    items = [
        ("resident_survey", resident_survey, truth.SURVEY_SEED, f"{MAIN_TOWN.name}（架空）住民意識調査（{812} 人）",
         "年齢層・地区・子どもの有無・満足度（1〜5）・定住意向。満足度の一部は無回答（空欄）。", s("回答者ID", "年齢層", "地区", "子どもの有無", "定住意向")),
        ("health_checkup_rct", health_rct, truth.RCT_SEED, "特定健診の受診勧奨はがきのランダム化比較試験（架空, 2,000 人）",
         "対象者を無作為に半分ずつ「はがき送付」と「送付なし」に分け、受診（1/0）を記録。真の効果は +6 ポイント。", s("対象者ID", "性別", "地区")),
        ("tourism_did", tourism_panel, truth.DID_SEED, "架空の 13 町の月別観光客数（2020年4月〜2025年3月）",
         "4 町（施策町=1）が 2022年4月から観光施策を実施。施策がなければ全町が平行に推移するように作っています。真の効果は +15%。", s("団体コード", "市区町村名")),
        ("subsidy_rd", subsidy_rd, truth.RD_SEED, "世帯所得 400 万円未満に支給する子育て補助金と子育て支出（架空, 1,500 世帯）",
         "回帰不連続デザインの演習用。所得 400 万円で支給の有無が切り替わり、子育て支出が 120 千円跳びます。", s("世帯ID")),
        ("fiscal_indicators", fiscal_indicators, truth.FISCAL_SEED, "架空の本町と類似団体の主要財政指標（2019〜2023年度）",
         "財政力指数、経常収支比率（%）、実質公債費比率（%）、将来負担比率（%）、ラスパイレス指数。将来負担比率が算定されない年度は「-」。",
         s("団体コード", "市区町村名", "将来負担比率")),
    ]
    for name, fn, seed, title, desc, fields in items:
        df = fn()
        path = f"{D}{name}.csv"
        write_tidy_csv(df, data_root / path)
        extra = {"true_effect": te[name]} if name in te else {}
        specs.append(ResourceSpec(
            name=name, path=path, title=title, description=f"{SYNTHETIC_NOTE} {desc}", format="csv",
            synthetic=_syn(fn.__name__, seed), schema={"fields": fields}, extra=extra,
        ))
    return specs
