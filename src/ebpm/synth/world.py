"""The fictional world that every synthetic dataset shares.

One main town (本町) in 熊本県 of about 15,000 people, shrinking and ageing, its neighbours
(近隣), twelve comparable towns across Kyushu (類似団体), and one fictional designated city with
wards that exists only so that the 住基-style Excel has the shape of the real table.

Codes use the 8xx block (and 19x for the designated city), which no real municipality in these
prefectures uses; every code carries a valid check digit (``ebpm.lgcode``). Names were chosen not
to be the name of any real municipality; a test checks both against the bundled official list.
"""
from __future__ import annotations

from dataclasses import dataclass

from ebpm.lgcode import to_6digit

FICTIONAL_MARK = "架空"
SYNTHETIC_NOTE = "【架空データ】本研修のために乱数で生成した架空の自治体のデータです。実在の自治体・人物とは関係ありません。"

ROLE_MAIN = "本町"
ROLE_NEIGHBOUR = "近隣"
ROLE_COMPARABLE = "類似団体"
ROLE_REFERENCE = "参考（政令指定都市）"


@dataclass(frozen=True)
class Prefecture:
    code2: str
    name: str
    kana: str

    @property
    def code(self) -> str:
        """6-digit prefecture code, e.g. ``430005``."""
        return to_6digit(self.code2 + "000")


@dataclass(frozen=True)
class Municipality:
    code5: str
    pref_code2: str
    name: str
    kana: str
    role: str
    gun: str = ""           # 郡 name for towns and villages, "" for cities
    parent: str = ""        # designated city's code5 for a ward
    population_2025: int = 0
    ageing_2025: float = 0.0  # share 65+
    area_km2: float = 0.0

    @property
    def code(self) -> str:
        return to_6digit(self.code5)

    @property
    def prefecture(self) -> Prefecture:
        return PREFECTURES[self.pref_code2]


@dataclass(frozen=True)
class Gun:
    code5: str
    pref_code2: str
    name: str

    @property
    def code(self) -> str:
        return to_6digit(self.code5)


PREFECTURES: dict[str, Prefecture] = {
    p.code2: p
    for p in (
        Prefecture("40", "福岡県", "フクオカケン"),
        Prefecture("41", "佐賀県", "サガケン"),
        Prefecture("42", "長崎県", "ナガサキケン"),
        Prefecture("43", "熊本県", "クマモトケン"),
        Prefecture("44", "大分県", "オオイタケン"),
        Prefecture("45", "宮崎県", "ミヤザキケン"),
        Prefecture("46", "鹿児島県", "カゴシマケン"),
    )
}

GUN: tuple[Gun, ...] = (
    Gun("40800", "40", "若葉郡"),
    Gun("41800", "41", "青柳郡"),
    Gun("42800", "42", "汐入郡"),
    Gun("43800", "43", "星野郡"),
    Gun("43820", "43", "霧野郡"),
    Gun("44800", "44", "湯煙郡"),
    Gun("45800", "45", "楠原郡"),
    Gun("46800", "46", "椿原郡"),
)

_M = Municipality
MUNICIPALITIES: tuple[Municipality, ...] = (
    _M("43801", "43", "星川町", "ホシカワマチ", ROLE_MAIN, "星野郡", population_2025=15000, ageing_2025=0.42, area_km2=182.4),
    _M("43802", "43", "月見町", "ツキミマチ", ROLE_NEIGHBOUR, "星野郡", population_2025=9800, ageing_2025=0.44, area_km2=121.7),
    _M("43803", "43", "桐原町", "キリハラマチ", ROLE_NEIGHBOUR, "星野郡", population_2025=23600, ageing_2025=0.33, area_km2=64.2),
    _M("43821", "43", "白鷺村", "シラサギムラ", ROLE_NEIGHBOUR, "霧野郡", population_2025=3900, ageing_2025=0.47, area_km2=88.9),
    _M("43822", "43", "岩清水町", "イワシミズマチ", ROLE_NEIGHBOUR, "霧野郡", population_2025=12300, ageing_2025=0.39, area_km2=97.3),
    _M("43823", "43", "森ノ木町", "モリノキマチ", ROLE_COMPARABLE, "霧野郡", population_2025=14100, ageing_2025=0.41, area_km2=150.8),
    _M("40801", "40", "菜の花町", "ナノハナマチ", ROLE_COMPARABLE, "若葉郡", population_2025=16800, ageing_2025=0.37, area_km2=58.6),
    _M("40802", "40", "竹ノ内町", "タケノウチマチ", ROLE_COMPARABLE, "若葉郡", population_2025=13200, ageing_2025=0.40, area_km2=72.1),
    _M("41801", "41", "松風町", "マツカゼチョウ", ROLE_COMPARABLE, "青柳郡", population_2025=15700, ageing_2025=0.38, area_km2=66.4),
    _M("42801", "42", "潮見町", "シオミチョウ", ROLE_COMPARABLE, "汐入郡", population_2025=12900, ageing_2025=0.43, area_km2=81.5),
    _M("42802", "42", "磯辺町", "イソベチョウ", ROLE_COMPARABLE, "汐入郡", population_2025=17400, ageing_2025=0.39, area_km2=95.0),
    _M("44801", "44", "湯ノ川町", "ユノカワマチ", ROLE_COMPARABLE, "湯煙郡", population_2025=14600, ageing_2025=0.44, area_km2=210.3),
    _M("44802", "44", "杉谷町", "スギタニマチ", ROLE_COMPARABLE, "湯煙郡", population_2025=11800, ageing_2025=0.45, area_km2=176.9),
    _M("45801", "45", "楠木町", "クスノキチョウ", ROLE_COMPARABLE, "楠原郡", population_2025=16200, ageing_2025=0.36, area_km2=102.6),
    _M("45802", "45", "棚田町", "タナダチョウ", ROLE_COMPARABLE, "楠原郡", population_2025=10900, ageing_2025=0.46, area_km2=243.1),
    _M("46801", "46", "桜ヶ丘町", "サクラガオカチョウ", ROLE_COMPARABLE, "椿原郡", population_2025=15300, ageing_2025=0.40, area_km2=118.2),
    _M("46802", "46", "椿浜町", "ツバキハマチョウ", ROLE_COMPARABLE, "椿原郡", population_2025=13700, ageing_2025=0.42, area_km2=89.7),
    _M("43190", "43", "有明浜市", "アリアケハマシ", ROLE_REFERENCE, population_2025=712000, ageing_2025=0.27, area_km2=390.3),
    _M("43191", "43", "有明浜市東区", "アリアケハマシヒガシク", ROLE_REFERENCE, parent="43190", population_2025=190500, ageing_2025=0.25),
    _M("43192", "43", "有明浜市西区", "アリアケハマシニシク", ROLE_REFERENCE, parent="43190", population_2025=93200, ageing_2025=0.30),
    _M("43193", "43", "有明浜市南区", "アリアケハマシミナミク", ROLE_REFERENCE, parent="43190", population_2025=128700, ageing_2025=0.28),
    _M("43194", "43", "有明浜市北区", "アリアケハマシキタク", ROLE_REFERENCE, parent="43190", population_2025=299600, ageing_2025=0.26),
)

MAIN_TOWN: Municipality = MUNICIPALITIES[0]

# 地区 (districts) of the main town with their share of the 2000 population and character.
# young: relative share of young families; decline: relative out-migration pressure.
DISTRICTS: tuple[str, ...] = ("中央地区", "北原地区", "東山地区", "南谷地区", "川上地区", "大野地区")
DISTRICT_SHARE: dict[str, float] = {
    "中央地区": 0.30, "北原地区": 0.20, "東山地区": 0.15, "南谷地区": 0.14, "川上地区": 0.11, "大野地区": 0.10,
}
# Older, more rural districts age faster.
DISTRICT_AGEING: dict[str, float] = {
    "中央地区": -0.05, "北原地区": 0.0, "東山地区": 0.02, "南谷地区": 0.05, "川上地区": 0.09, "大野地区": 0.11,
}
# 町丁 (neighbourhoods) per district, used by address-like fields.
CHOCHO: dict[str, tuple[str, ...]] = {
    "中央地区": ("本町一丁目", "本町二丁目", "駅前", "新町"),
    "北原地区": ("北原", "北原団地", "若宮"),
    "東山地区": ("東山", "桜町", "上野"),
    "南谷地区": ("南谷", "清水"),
    "川上地区": ("川上", "奥川上"),
    "大野地区": ("大野", "大野原"),
}

AGE_BANDS: tuple[str, ...] = tuple(
    [f"{a}〜{a + 4}歳" for a in range(0, 85, 5)] + ["85歳以上"]
)
SEXES: tuple[str, ...] = ("男", "女")


def by_role(role: str) -> tuple[Municipality, ...]:
    return tuple(m for m in MUNICIPALITIES if m.role == role)


def comparable_towns() -> tuple[Municipality, ...]:
    """The main town and the 12 comparable towns (used for fiscal and tourism panels)."""
    return (MAIN_TOWN, *by_role(ROLE_COMPARABLE))


def full_name(m: Municipality) -> str:
    """The name as the 住基 table prints it: ``星野郡星川町``; cities and wards as they are."""
    return f"{m.gun}{m.name}" if m.gun else m.name


def all_codes() -> list[str]:
    """Every 6-digit code the synthetic data uses (municipalities, wards, 郡, prefectures)."""
    codes = [m.code for m in MUNICIPALITIES] + [g.code for g in GUN]
    return sorted(codes)
