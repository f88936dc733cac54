"""The report's statistics, on the tables of :class:`ebpm.evaluation.data.EvaluationData`.

Stated once, used everywhere:

- **Gains** are paired: each learner's later score minus their own earlier score, only for learners
  with both. The 95 % interval is the **t interval** of the mean difference (``mean ± t(0.975, n−1) ·
  sd / √n``); the effect size is the paired **Cohen's d_z** (mean difference ÷ standard deviation of
  the differences). The share improved counts differences above 0.
- **Form difficulty** uses the randomisation: within one occasion, learners who took form A and those
  who took form B were chosen by lot, so the difference of their means (Welch's t interval) estimates
  how much easier A is than B. Both occasions together (a crossover): with d = score(A) − score(B) per
  learner, the mean of d among A-first learners is δ − g and among B-first learners δ + g, so
  δ = (m_B-first + m_A-first) / 2 and the gain free of the forms' difference is g = (m_B-first − m_A-first) / 2,
  each with a Welch interval.
- **Small groups** (所属) are never shown: a group is shown when at least :data:`MINIMUM_GROUP` learners
  are in the table being shown; the others are merged into :data:`OTHER`; when that is still too small, the
  smallest shown group is merged into it as well, so that no group under the minimum can be worked out
  by subtracting the shown groups from the total (if there is nothing left to merge, the groups are not shown).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

LEVEL = 0.95
MINIMUM_GROUP = 5
OTHER = "その他（少人数の所属をまとめたもの）"
TOTAL = "合計"
CI_METHOD = "t 分布による 95% 信頼区間（対応のある差の平均）"
EFFECT_SIZE = "効果量 d_z（差の平均 ÷ 差の標準偏差）"


@dataclass
class Paired:
    n: int
    before: float
    after: float
    gain: float
    low: float
    high: float
    d_z: float
    improved: float   # share of learners whose difference is above 0
    worse: float

    def row(self) -> dict:
        return {"人数": self.n, "前の平均": self.before, "後の平均": self.after, "伸び（平均）": self.gain,
                "95%信頼区間の下限": self.low, "95%信頼区間の上限": self.high, "効果量 d_z": self.d_z,
                "伸びた人の割合（%）": 100 * self.improved, "下がった人の割合（%）": 100 * self.worse}


def t_interval(values, level: float = LEVEL) -> tuple[float, float, float]:
    """(mean, low, high) of the t interval of the mean; NaN bounds below 2 values."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan, math.nan
    half = float(sps.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))
    return mean, mean - half, mean + half


def paired(before, after) -> Paired:
    """The paired gain of two aligned arrays (rows with a missing value on either side are left out)."""
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    keep = ~(np.isnan(before) | np.isnan(after))
    before, after = before[keep], after[keep]
    diff = after - before
    gain, low, high = t_interval(diff)
    sd = float(diff.std(ddof=1)) if len(diff) > 1 else math.nan
    d_z = gain / sd if sd and not math.isnan(sd) else math.nan
    n = len(diff)
    return Paired(n, float(before.mean()) if n else math.nan, float(after.mean()) if n else math.nan, gain, low, high,
                  d_z, float((diff > 0).mean()) if n else math.nan, float((diff < 0).mean()) if n else math.nan)


def welch(parts: list[tuple[float, np.ndarray]], level: float = LEVEL) -> tuple[float, float, float]:
    """(estimate, low, high) of Σ cᵢ · mean(xᵢ) for independent samples xᵢ, Welch–Satterthwaite degrees of freedom."""
    estimate, variance, denominator = 0.0, 0.0, 0.0
    for weight, values in parts:
        values = np.asarray(values, dtype=float)
        values = values[~np.isnan(values)]
        if len(values) < 2:
            return (math.nan,) * 3
        share = weight ** 2 * values.var(ddof=1) / len(values)
        estimate += weight * values.mean()
        variance += share
        denominator += share ** 2 / (len(values) - 1)
    if variance == 0:
        return estimate, estimate, estimate
    df = variance ** 2 / denominator
    half = float(sps.t.ppf(0.5 + level / 2, df) * math.sqrt(variance))
    return float(estimate), float(estimate - half), float(estimate + half)


# --- the skills check ---------------------------------------------------------------------------------

def skill_scores(skills: pd.DataFrame) -> pd.DataFrame:
    """One row per learner and occasion: 形式 and a column per skill plus 合計 (only complete checks)."""
    if skills.empty:
        return pd.DataFrame(columns=["受講者ID", "時期", "形式", TOTAL])
    wide = (skills.drop_duplicates(["受講者ID", "時期", "スキル"]).set_index(["受講者ID", "時期", "形式", "スキル"])["得点"]
            .astype(float).unstack("スキル").dropna())
    wide[TOTAL] = wide.sum(axis=1)
    return wide.reset_index()


def skill_pairs(skills: pd.DataFrame) -> pd.DataFrame:
    """Learners with both occasions: 受講者ID, 最初の形式, and for each skill and 合計 the columns
    ``<skill>_before`` and ``<skill>_after``."""
    wide = skill_scores(skills)
    before = wide[wide["時期"] == "before"].set_index("受講者ID")
    after = wide[wide["時期"] == "after"].set_index("受講者ID")
    both = before.index.intersection(after.index)
    columns = [c for c in wide.columns if c not in ("受講者ID", "時期", "形式")]
    frame = pd.DataFrame({"受講者ID": both, "最初の形式": before.loc[both, "形式"].to_numpy()})
    for column in columns:
        frame[f"{column}_before"] = before.loc[both, column].to_numpy(dtype=float)
        frame[f"{column}_after"] = after.loc[both, column].to_numpy(dtype=float)
    return frame


def skill_gains(skills: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Per skill (and 合計): the paired gain, its t interval, d_z and the shares improved/worse."""
    pairs = skill_pairs(skills)
    rows = []
    for skill in [*labels, TOTAL]:
        if f"{skill}_before" not in pairs:
            continue
        result = paired(pairs[f"{skill}_before"], pairs[f"{skill}_after"])
        rows.append({"スキル": labels.get(skill, skill), "スキルID": skill, **result.row()})
    return pd.DataFrame(rows)


def form_difficulty(skills: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Per skill and 合計: A − B within each occasion (Welch), then both occasions together (crossover),
    and the gain with the forms' difference taken out."""
    wide = skill_scores(skills)
    pairs = skill_pairs(skills)
    occasion, form = wide["時期"].to_numpy(), wide["形式"].to_numpy()
    masks = {(o, f): (occasion == o) & (form == f) for o in ("before", "after") for f in ("A", "B")}
    rows = []
    for skill in [*labels, TOTAL]:
        if skill not in wide:
            continue
        row = {"スキル": labels.get(skill, skill), "スキルID": skill}
        values = wide[skill].to_numpy(dtype=float)
        for occasion, label in (("before", "研修前"), ("after", "研修後")):
            a, b = values[masks[(occasion, "A")]], values[masks[(occasion, "B")]]
            estimate, low, high = welch([(1.0, a), (-1.0, b)])
            row.update({f"{label}: A の人数": len(a), f"{label}: B の人数": len(b),
                        f"{label}: A − B": estimate, f"{label}: 下限": low, f"{label}: 上限": high})
        if f"{skill}_before" in pairs:
            first = pairs["最初の形式"].to_numpy()
            change = pairs[f"{skill}_after"].to_numpy(dtype=float) - pairs[f"{skill}_before"].to_numpy(dtype=float)
            d_a = -change[first == "A"]   # A − B among those who took A first
            d_b = change[first == "B"]    # A − B among those who took B first
            delta = welch([(0.5, d_a), (0.5, d_b)])
            gain = welch([(-0.5, d_a), (0.5, d_b)])
            row.update({"両方の時期: A − B": delta[0], "両方の時期: 下限": delta[1], "両方の時期: 上限": delta[2],
                        "形式の差を除いた伸び": gain[0], "伸びの下限": gain[1], "伸びの上限": gain[2]})
        rows.append(row)
    return pd.DataFrame(rows)


# --- the questionnaire -----------------------------------------------------------------------------------

def item_gains(answers: pd.DataFrame, labels: dict[str, str], later: str = "after") -> pd.DataFrame:
    """Per item: paired gain from before to ``later`` (after or followup) on the 1–5 scale."""
    if answers.empty:
        return pd.DataFrame()
    wide = (answers.drop_duplicates(["受講者ID", "時期", "項目"]).set_index(["受講者ID", "時期", "項目"])["回答"]
            .astype(float).unstack(["時期", "項目"]))
    rows = []
    order = list(labels) or sorted(answers["項目"].unique())
    for item in order:
        if ("before", item) not in wide or (later, item) not in wide:
            continue
        result = paired(wide[("before", item)], wide[(later, item)])
        if result.n == 0:
            continue
        rows.append({"項目": labels.get(item, item), "項目ID": item, **result.row()})
    return pd.DataFrame(rows)


def choice_shares(choices: pd.DataFrame, answered: pd.Series, kind: str, labels: dict[str, str]) -> pd.DataFrame:
    """Share (%) of those who answered that chose each option of ``kind``."""
    part = choices[choices["種類"] == kind]
    total = int(answered.nunique())
    rows = []
    for choice in list(labels) or sorted(part["選択肢"].unique()):
        count = int(part.loc[part["選択肢"] == choice, "受講者ID"].nunique())
        rows.append({"選択肢": labels.get(choice, choice), "人数": count,
                     "割合（%）": 100 * count / total if total else math.nan})
    return pd.DataFrame(rows)


# --- groups ------------------------------------------------------------------------------------------------

def shown_groups(sizes: dict[str, int], minimum: int = MINIMUM_GROUP) -> tuple[dict[str, str], str]:
    """Group → label shown (the group's own name, or :data:`OTHER`), and a note in Japanese.

    Groups left out of the mapping are not shown at all. Groups under ``minimum`` are merged; when the
    merged group is still under ``minimum`` the smallest named group joins it, so no small group can be
    derived from the others and the total.
    """
    named = {g: n for g, n in sizes.items() if n >= minimum and g}
    small = {g: n for g, n in sizes.items() if g not in named}
    merged = dict(small)
    while merged and 0 < sum(merged.values()) < minimum and named:
        smallest = min(named, key=lambda g: (named[g], g))
        merged[smallest] = named.pop(smallest)
    mapping = {g: g for g in named}
    note = ""
    if merged and sum(merged.values()) >= minimum:
        mapping.update({g: OTHER for g in merged})
        if small:
            note = (f"{minimum} 人未満の所属（所属なしを含む）は「{OTHER}」にまとめました"
                    + ("。まとめても少なかったため、人数の少ない所属もいっしょにまとめています。" if len(merged) > len(small) else "。"))
    elif merged:
        note = (f"所属別の結果は、{minimum} 人以上になる組み分けができないため示していません"
                "（少人数の所属が特定されないようにするためです）。")
        return {}, note
    if len(set(mapping.values())) < 2:
        return {}, (f"所属別の結果は、{minimum} 人以上の組が 2 つ以上できないため示していません"
                    "（全体の結果と同じになるか、少人数の所属が特定されるためです）。")
    return mapping, note


def gains_by_group(pairs: pd.DataFrame, learners: pd.DataFrame, before: str, after: str,
                   minimum: int = MINIMUM_GROUP) -> tuple[pd.DataFrame, str]:
    """The paired gain of one measure per shown group (rows of ``pairs`` with 受講者ID)."""
    affiliation = learners.set_index("受講者ID")["所属"].reindex(pairs["受講者ID"]).fillna("").to_numpy()
    frame = pairs.assign(所属=affiliation)
    mapping, note = shown_groups(frame["所属"].value_counts().to_dict(), minimum)
    if not mapping:
        return pd.DataFrame(), note
    frame["表示"] = frame["所属"].map(mapping)
    rows = []
    for label in sorted(set(mapping.values()), key=lambda g: (g == OTHER, g)):
        part = frame[frame["表示"] == label]
        rows.append({"所属": label, **paired(part[before], part[after]).row()})
    return pd.DataFrame(rows), note


# --- completion ------------------------------------------------------------------------------------------

def funnel(handins: pd.DataFrame, steps: list[str], everyone: int) -> pd.DataFrame:
    """Per step: how many handed it in, and how many stopped there (their last step handed in)."""
    done = handins[handins["提出日時"].astype(str) != ""]
    per_step = done.groupby("段階")["受講者ID"].nunique()
    order = {step: i for i, step in enumerate(steps)}
    last = done.assign(順=done["段階"].map(order)).groupby("受講者ID")["順"].max()
    rows = []
    for i, step in enumerate(steps):
        count = int(per_step.get(step, 0))
        rows.append({"段階": step, "提出した人数": count,
                     "提出した割合（%）": 100 * count / everyone if everyone else math.nan,
                     "ここで止まった人数": int((last == i).sum()) if i < len(steps) - 1 else 0})
    rows.append({"段階": "何も提出しなかった", "提出した人数": 0, "提出した割合（%）": math.nan,
                 "ここで止まった人数": everyone - int(last.index.nunique())})
    return pd.DataFrame(rows)


def release_to_handin(handins: pd.DataFrame, releases: pd.DataFrame) -> pd.DataFrame:
    """Per notebook: days from the assignment's release to each hand-in (median, quartiles)."""
    if releases.empty:
        return pd.DataFrame()
    released = releases.set_index("課題")["配布日時"].to_dict()
    done = handins[(handins["提出日時"].astype(str) != "") & handins["課題"].isin(released)].copy()
    if done.empty:
        return pd.DataFrame()
    done["日数"] = [(pd.Timestamp(h) - pd.Timestamp(released[a])).total_seconds() / 86400
                   for h, a in zip(done["提出日時"], done["課題"])]
    rows = []
    for (step, notebook), part in done.groupby(["段階", "ノートブック"], sort=False):
        days = part["日数"]
        rows.append({"段階": step, "ノートブック": notebook, "人数": len(days), "中央値（日）": days.median(),
                     "25%点（日）": days.quantile(0.25), "75%点（日）": days.quantile(0.75),
                     "配布前の提出（件）": int((days < 0).sum())})
    return pd.DataFrame(rows)
