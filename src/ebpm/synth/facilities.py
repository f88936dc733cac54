"""公共施設の一覧（星川町, 架空）: the first notebook's table of the main town's facilities."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ebpm.datapackage import ResourceSpec
from ebpm.synth._io import write_tidy_csv
from ebpm.synth.world import MAIN_TOWN, SYNTHETIC_NOTE

SEED = 20250401
PATH = "synthetic/facilities.csv"
COLUMNS = ("施設ID", "施設名", "分類", "地区", "建築年", "延床面積_m2", "年間利用者数", "年間維持管理費_千円")

# name, category, district, floor area (m2), annual users (延べ人数), year built (approximate)
_FACILITIES: tuple[tuple[str, str, str, int, int, int], ...] = (
    ("星川町役場本庁舎", "庁舎", "中央地区", 5800, 38000, 1978),
    ("北原支所", "庁舎", "北原地区", 620, 6500, 1986),
    ("川上支所", "庁舎", "川上地区", 480, 3100, 1983),
    ("星川小学校", "学校", "中央地区", 5200, 78000, 1975),
    ("北原小学校", "学校", "北原地区", 4300, 52000, 1984),
    ("東山小学校", "学校", "東山地区", 3600, 31000, 1989),
    ("南谷小学校", "学校", "南谷地区", 3100, 19000, 1992),
    ("川上小学校", "学校", "川上地区", 2700, 9800, 1979),
    ("大野小学校", "学校", "大野地区", 2600, 8400, 1996),
    ("星川中学校", "学校", "中央地区", 7400, 69000, 1982),
    ("北原中学校", "学校", "北原地区", 5900, 41000, 1991),
    ("学校給食センター", "学校", "北原地区", 1500, 0, 2008),
    ("中央公民館", "公民館", "中央地区", 2400, 46000, 1980),
    ("北原公民館", "公民館", "北原地区", 780, 14500, 1990),
    ("東山公民館", "公民館", "東山地区", 640, 9800, 1993),
    ("南谷公民館", "公民館", "南谷地区", 560, 7200, 1987),
    ("川上公民館", "公民館", "川上地区", 520, 4100, 1976),
    ("大野公民館", "公民館", "大野地区", 480, 3500, 1998),
    ("町民体育館", "体育施設", "中央地区", 3300, 52000, 1984),
    ("星川運動公園", "体育施設", "北原地区", 1200, 61000, 1997),
    ("町民プール", "体育施設", "中央地区", 950, 18000, 1988),
    ("川上B&G海洋センター", "体育施設", "川上地区", 1400, 9500, 1994),
    ("星川町立図書館", "図書館", "中央地区", 1350, 42000, 2003),
    ("中央保育所", "子育て支援", "中央地区", 980, 29000, 1985),
    ("北原保育所", "子育て支援", "北原地区", 820, 24000, 2001),
    ("東山保育所", "子育て支援", "東山地区", 690, 13500, 1981),
    ("子育て支援センターほしの子", "子育て支援", "中央地区", 420, 8600, 2016),
    ("北原児童館", "子育て支援", "北原地区", 380, 7900, 1999),
    ("老人福祉センター", "高齢者福祉", "中央地区", 1150, 21000, 1983),
    ("南谷デイサービスセンター", "高齢者福祉", "南谷地区", 760, 11500, 1995),
    ("大野ふれあいセンター", "高齢者福祉", "大野地区", 540, 5200, 2005),
    ("保健センター", "保健・医療", "中央地区", 1300, 16500, 1991),
    ("道の駅ほしかわ", "観光施設", "東山地区", 1600, 212000, 2009),
    ("星川温泉ふれあい館", "観光施設", "川上地区", 1900, 98000, 1996),
    ("奥川上キャンプ場", "観光施設", "川上地区", 350, 12500, 2012),
    ("星川郷土資料館", "観光施設", "中央地区", 720, 3900, 1974),
    ("文化ホール", "文化施設", "中央地区", 3900, 34000, 1993),
    ("町営北原団地", "公営住宅", "北原地区", 4200, 0, 1977),
    ("町営東山団地", "公営住宅", "東山地区", 2900, 0, 1985),
    ("斎場", "その他", "南谷地区", 850, 4300, 1987),
)

# Annual upkeep in 千円 per m2, by category (cleaning, utilities, staff contracts, repairs).
_COST_PER_M2 = {
    "庁舎": 11.0, "学校": 6.5, "公民館": 9.0, "体育施設": 10.5, "図書館": 16.0, "子育て支援": 14.0,
    "高齢者福祉": 13.0, "保健・医療": 10.0, "観光施設": 15.0, "文化施設": 12.0, "公営住宅": 3.5, "その他": 12.0,
}


_BUILT_IN_BOUNDARY_YEAR = {"東山保育所"}


def make_facilities(seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(_FACILITIES)
    area_noise = rng.normal(1.0, 0.06, n)
    user_noise = rng.lognormal(0.0, 0.12, n)
    year_noise = rng.integers(-1, 2, n)
    cost_noise = rng.lognormal(0.0, 0.15, n)
    rows = []
    for i, (name, category, district, area, users, year) in enumerate(_FACILITIES):
        floor = int(round(area * area_noise[i] / 10) * 10)
        # One facility is built exactly in the boundary year of the 1981 seismic code, so that
        # exercises on 旧耐震 tell `< 1981` from `<= 1981`.
        built = year if name in _BUILT_IN_BOUNDARY_YEAR else int(year + year_noise[i])
        age = 2025 - built
        # Older buildings cost more to keep up.
        cost = _COST_PER_M2[category] * floor * (1 + 0.012 * age) * cost_noise[i]
        rows.append({
            "施設ID": f"F{i + 1:03d}",
            "施設名": name,
            "分類": category,
            "地区": district,
            "建築年": built,
            "延床面積_m2": floor,
            "年間利用者数": int(round(users * user_noise[i] / 10) * 10),
            "年間維持管理費_千円": int(round(cost)),
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))


def build(data_root: Path) -> list[ResourceSpec]:
    df = make_facilities()
    write_tidy_csv(df, data_root / PATH)
    return [
        ResourceSpec(
            name="facilities",
            path=PATH,
            title=f"{MAIN_TOWN.name}（架空）の公共施設一覧",
            description=(
                f"{SYNTHETIC_NOTE} {MAIN_TOWN.prefecture.name}の架空の町「{MAIN_TOWN.name}」"
                f"（人口約 1.5 万人）が保有する公共施設 {len(df)} 件。建築年は西暦、"
                "年間利用者数は延べ人数（公営住宅と給食センターは 0）、年間維持管理費は千円単位。"
                "1981 年以前の建築（旧耐震基準）を含みます。"
            ),
            format="csv",
            encoding="utf-8",
            synthetic={"command": "ebpm data build", "generator": "ebpm.synth.facilities:make_facilities", "seed": SEED},
            schema={"fields": [
                {"name": "施設ID", "type": "string"},
                {"name": "施設名", "type": "string"},
                {"name": "分類", "type": "string"},
                {"name": "地区", "type": "string"},
                {"name": "建築年", "type": "integer"},
                {"name": "延床面積_m2", "type": "integer"},
                {"name": "年間利用者数", "type": "integer"},
                {"name": "年間維持管理費_千円", "type": "integer"},
            ]},
        )
    ]
