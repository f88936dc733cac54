"""Population of the fictional world: a seeded cohort-component simulation.

The main town is simulated per 地区 × 性別 × 5-year age band from 2000 to 2026 (1 January,
as in 住民基本台帳). Every year's births, deaths, moves in and moves out are drawn as whole
numbers, so the tables add up exactly: population(t+1) − population(t) equals births − deaths
+ moves in − moves out of year t, and the monthly table sums to the yearly events.
Young families (25–44 with children 0–14) leave more than they arrive: the course's theme
子育て世帯の転出超過. Other towns use the same model with one area and their own parameters.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ebpm.synth.world import (
    AGE_BANDS, DISTRICT_AGEING, DISTRICT_SHARE, DISTRICTS, MAIN_TOWN, MUNICIPALITIES,
    ROLE_REFERENCE, SEXES, Municipality,
)

SEED = 43801
FIRST_YEAR = 2000
LAST_YEAR = 2025          # last published population (1 January)
VITAL_YEARS = range(2015, 2026)   # monthly events published for these years
N_BANDS = len(AGE_BANDS)
BROAD_GROUPS = ("0〜14歳", "15〜24歳", "25〜44歳", "45〜64歳", "65歳以上")
EVENTS = ("出生", "死亡", "転入", "転出")

# A rural Kyushu town's age profile in 2000 (share of each 5-year band, before normalising).
_BASE_PROFILE = np.array([3.7, 4.2, 4.7, 5.0, 3.1, 3.7, 4.2, 4.5, 5.0, 6.1, 7.5, 6.9, 6.6, 7.2, 7.0, 5.7, 3.8, 2.9])
_FEMALE_SHARE = np.array([0.49, 0.49, 0.49, 0.49, 0.48, 0.49, 0.49, 0.50, 0.50, 0.50, 0.50, 0.51, 0.52,
                          0.53, 0.55, 0.58, 0.62, 0.70])
# Annual death probability by band, for men and women.
_MORTALITY = {
    "男": np.array([.0006, .0001, .0001, .0003, .0005, .0006, .0007, .0009, .0014, .0022, .0035, .0055,
                    .0085, .013, .021, .036, .065, .165]),
    "女": np.array([.0005, .0001, .0001, .0002, .0003, .0003, .0004, .0006, .0009, .0013, .0020, .0028,
                    .0040, .0060, .0100, .0190, .0380, .125]),
}
# Births per woman per year by band (15–19 … 45–49): TFR about 1.55.
_FERTILITY = np.zeros(N_BANDS)
_FERTILITY[3:10] = [0.005, 0.060, 0.125, 0.125, 0.070, 0.015, 0.0005]
# Annual probability of moving out, and moves in as a share of the band's population.
_OUT = np.array([.050, .036, .022, .070, .150, .100, .075, .055, .038, .022, .016, .013, .012, .010,
                 .010, .011, .013, .015])
_IN = np.array([.032, .022, .014, .020, .075, .072, .055, .038, .026, .018, .014, .013, .013, .010,
                .008, .008, .010, .012])
_MONTH_WEIGHTS = {
    "出生": np.array([8, 7.5, 8, 8, 8.5, 8.5, 9, 9, 8.8, 8.6, 8, 8]),
    "死亡": np.array([11, 9.5, 9.3, 8.2, 7.8, 7.2, 7.6, 7.8, 7.4, 8.1, 8.5, 10.2]),
    "転入": np.array([6, 6, 16, 19, 7, 6, 6, 6, 6, 7, 7, 6]),
    "転出": np.array([5, 6, 22, 15, 7, 6, 6, 6, 6, 7, 7, 5]),
}
_BROAD_OF_BAND = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4])


@dataclass(frozen=True)
class Area:
    """One simulated area with its start size and how it differs from the base profile."""
    name: str
    size_2000: int
    ageing: float = 0.0       # tilts the 2000 profile towards old age
    out_scale: float = 1.0    # multiplies out-migration of the young


@dataclass
class Simulation:
    """Populations (years × areas × sexes × bands) and the events of each year."""
    years: list[int]
    areas: list[str]
    population: np.ndarray    # [year, area, sex, band], year index 0 = FIRST_YEAR
    events: dict[str, np.ndarray]  # name -> [year, area, sex, band] events during that year


def _initial(area: Area, rng: np.random.Generator) -> np.ndarray:
    tilt = np.linspace(-1.0, 1.0, N_BANDS)
    profile = _BASE_PROFILE * np.exp(3.0 * area.ageing * tilt)
    profile = profile / profile.sum()
    counts = rng.multinomial(area.size_2000, profile)
    female = rng.binomial(counts, _FEMALE_SHARE)
    return np.stack([counts - female, female])   # [sex, band]


def simulate(areas: list[Area], last_year: int, rng: np.random.Generator) -> Simulation:
    years = list(range(FIRST_YEAR, last_year + 1))
    pop = np.zeros((len(years), len(areas), 2, N_BANDS), dtype=np.int64)
    events = {e: np.zeros_like(pop) for e in EVENTS}
    for a, area in enumerate(areas):
        pop[0, a] = _initial(area, rng)
    for t in range(len(years) - 1):
        # Fertility and in-migration drift down slowly as the region shrinks.
        trend = 1.0 - 0.005 * t
        for a, area in enumerate(areas):
            n = pop[t, a]
            out_rate = _OUT * 0.8
            out_rate[:10] *= area.out_scale
            nxt = np.zeros_like(n)
            women = n[1]
            births = rng.poisson(float((women * _FERTILITY).sum()) * trend)
            boys = rng.binomial(births, 0.512)
            for s, sex in enumerate(SEXES):
                deaths = rng.binomial(n[s], _MORTALITY[sex] * 0.72)
                alive = n[s] - deaths
                out = rng.binomial(alive, np.minimum(out_rate, 0.9))
                moved_in = rng.poisson(n[s] * _IN * trend)
                stay = alive - out + moved_in
                up = rng.binomial(stay[:-1], 0.2)
                nxt[s] = stay
                nxt[s, :-1] -= up
                nxt[s, 1:] += up
                nxt[s, 0] += boys if s == 0 else births - boys
                events["死亡"][t, a, s] = deaths
                events["転出"][t, a, s] = out
                events["転入"][t, a, s] = moved_in
                events["出生"][t, a, s, 0] = boys if s == 0 else births - boys
            pop[t + 1, a] = nxt
    return Simulation(years, [a.name for a in areas], pop, events)


@lru_cache(maxsize=1)
def main_town() -> Simulation:
    """The main town by 地区 (2000–2026; 2026 is internal, for the events of 2025)."""
    rng = np.random.default_rng(SEED)
    total_2000 = 21300
    areas = [
        Area(d, int(round(total_2000 * DISTRICT_SHARE[d])), ageing=-0.01 + DISTRICT_AGEING[d],
             out_scale=1.0 + 2.0 * DISTRICT_AGEING[d])
        for d in DISTRICTS
    ]
    return simulate(areas, LAST_YEAR + 1, rng)


def _other_towns() -> list[Municipality]:
    return [m for m in MUNICIPALITIES if m is not MAIN_TOWN and m.role != ROLE_REFERENCE]


@lru_cache(maxsize=1)
def other_towns() -> Simulation:
    """Neighbours and comparable towns, one area each (2000–2026)."""
    rng = np.random.default_rng(SEED + 1)
    areas = []
    for m in _other_towns():
        ageing = (m.ageing_2025 - 0.42) * 1.6 - 0.01
        decline = 1.42 + (m.ageing_2025 - 0.42) * 1.5
        areas.append(Area(m.code, int(round(m.population_2025 * decline)), ageing=ageing,
                          out_scale=1.0 + 3.0 * (m.ageing_2025 - 0.42)))
    return simulate(areas, LAST_YEAR + 1, rng)


def town_population() -> pd.DataFrame:
    """Tidy: 団体コード, 地区, 年, 性別, 年齢階級, 人口 (1 January, 2000–2025)."""
    sim = main_town()
    idx = pd.MultiIndex.from_product(
        [sim.years, sim.areas, SEXES, AGE_BANDS], names=["年", "地区", "性別", "年齢階級"]
    )
    df = pd.DataFrame({"人口": sim.population.reshape(-1)}, index=idx).reset_index()
    df = df[df["年"] <= LAST_YEAR]
    df.insert(0, "団体コード", MAIN_TOWN.code)
    return df[["団体コード", "地区", "年", "性別", "年齢階級", "人口"]].reset_index(drop=True)


def area_population(code: str) -> np.ndarray:
    """[year, sex, band] for any town (main town summed over districts), 2000–2026."""
    if code == MAIN_TOWN.code:
        return main_town().population.sum(axis=1)
    sim = other_towns()
    return sim.population[:, sim.areas.index(code)]


def area_events(code: str) -> dict[str, np.ndarray]:
    """Yearly events [year, sex, band] for any town."""
    if code == MAIN_TOWN.code:
        return {k: v.sum(axis=1) for k, v in main_town().events.items()}
    sim = other_towns()
    a = sim.areas.index(code)
    return {k: v[:, a] for k, v in sim.events.items()}


@lru_cache(maxsize=1)
def vital_monthly() -> pd.DataFrame:
    """Tidy monthly events of the main town: 団体コード, 年, 月, 区分, 年齢区分, 性別, 人数."""
    rng = np.random.default_rng(SEED + 2)
    sim = main_town()
    rows = []
    for year in VITAL_YEARS:
        t = sim.years.index(year)
        for event in EVENTS:
            weights = _MONTH_WEIGHTS[event] / _MONTH_WEIGHTS[event].sum()
            yearly = sim.events[event][t].sum(axis=0)       # [sex, band]
            for s, sex in enumerate(SEXES):
                broad = np.bincount(_BROAD_OF_BAND, weights=yearly[s], minlength=5).astype(np.int64)
                for g, group in enumerate(BROAD_GROUPS):
                    if event == "出生" and g > 0:
                        continue
                    months = rng.multinomial(broad[g], weights)
                    for m in range(12):
                        rows.append((MAIN_TOWN.code, year, m + 1, event, group, sex, int(months[m])))
    return pd.DataFrame(rows, columns=["団体コード", "年", "月", "区分", "年齢区分", "性別", "人数"])


def households() -> pd.DataFrame:
    """Tidy households per 地区 and year (1 January): 団体コード, 地区, 年, 人口, 世帯数."""
    rng = np.random.default_rng(SEED + 3)
    sim = main_town()
    rows = []
    for d, district in enumerate(sim.areas):
        base_size = 2.85 - 0.6 * DISTRICT_AGEING[district]
        for t, year in enumerate(sim.years):
            if year > LAST_YEAR:
                break
            people = int(sim.population[t, d].sum())
            size = base_size - 0.024 * (year - FIRST_YEAR) + rng.normal(0, 0.01)
            rows.append((MAIN_TOWN.code, district, year, people, int(round(people / size))))
    return pd.DataFrame(rows, columns=["団体コード", "地区", "年", "人口", "世帯数"])


def households_of(code: str, year: int) -> int:
    """Households of a whole town on 1 January of ``year`` (main town: sum of 地区)."""
    if code == MAIN_TOWN.code:
        hh = households()
        return int(hh.loc[hh["年"] == year, "世帯数"].sum())
    people = int(area_population(code)[year - FIRST_YEAR].sum())
    size = 2.55 - 0.024 * (year - FIRST_YEAR) + (int(code[2:5]) % 7) * 0.02
    return int(round(people / size))
