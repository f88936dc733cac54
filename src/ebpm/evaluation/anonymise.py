"""The CSV other municipalities may receive: one row per learner, no name, no id, no small group.

Each learner gets a random token (``secrets``), drawn anew for every export and kept nowhere, so a
token cannot be traced back to an id, and two exports cannot be joined. Rows are in the tokens' order
(not the roster's). 所属 follows :func:`ebpm.evaluation.stats.shown_groups` on the rows of this file:
groups under five are merged (or the column is left empty when no safe grouping exists).
"""
from __future__ import annotations

import secrets
from pathlib import Path

import pandas as pd

from ebpm.evaluation import stats
from ebpm.evaluation.data import OCCASION_LABELS, EvaluationData

HIDDEN = "（非表示）"


def table(data: EvaluationData) -> pd.DataFrame:
    """The anonymised table (see the module's docstring)."""
    learners = data.learners.set_index("受講者ID")
    rows = {learner: {} for learner in learners.index}
    for row in data.skills.itertuples():
        rows.setdefault(row.受講者ID, {})[f"{data.skill_labels.get(row.スキル, row.スキル)}（{OCCASION_LABELS[row.時期]}、点）"] = row.得点
    for row in data.answers.itertuples():
        rows.setdefault(row.受講者ID, {})[f"{data.item_labels.get(row.項目, row.項目)}（{OCCASION_LABELS[row.時期]}、1〜5）"] = row.回答
    for row in data.choices.itertuples():
        label = data.choice_labels.get(row.種類, {}).get(row.選択肢, row.選択肢)
        rows.setdefault(row.受講者ID, {})[f"{label}（{OCCASION_LABELS[row.時期]}、選んだ=1）"] = 1
    done = data.handins[data.handins["提出日時"].astype(str) != ""]
    order = {step: i for i, step in enumerate(data.steps)}
    last = done.assign(順=done["段階"].map(order)).sort_values("順").groupby("受講者ID")["段階"].last()
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame = frame.reindex(columns=sorted(frame.columns, key=_column_order(data)))
    for column in [c for c in frame.columns if c.endswith("選んだ=1）")]:
        answered = data.answers.loc[data.answers["時期"] == _occasion_of(column), "受講者ID"].unique()
        frame.loc[frame.index.isin(answered), column] = frame.loc[frame.index.isin(answered), column].fillna(0)
    frame.insert(0, "最後に提出した段階", last.reindex(frame.index).fillna("なし").to_numpy())
    frame.insert(0, "最初の形式", learners["最初の形式"].reindex(frame.index).fillna("").to_numpy())
    affiliation = learners["所属"].reindex(frame.index).fillna("")
    mapping, _ = stats.shown_groups(affiliation.value_counts().to_dict())
    frame.insert(0, "所属", affiliation.map(mapping).fillna(HIDDEN).to_numpy() if mapping else HIDDEN)
    tokens = set()
    while len(tokens) < len(frame):
        tokens.add(secrets.token_hex(6))
    frame.insert(0, "匿名ID", sorted(tokens))   # sorted tokens: the rows' order says nothing about the roster
    return frame.sample(frac=1, random_state=secrets.randbits(32)).sort_values("匿名ID").reset_index(drop=True)


def _occasion_of(column: str) -> str:
    return next(o for o, label in OCCASION_LABELS.items() if f"（{label}、" in column)


def _column_order(data: EvaluationData):
    skills = [data.skill_labels.get(s, s) for s in data.skill_labels]
    items = [data.item_labels.get(i, i) for i in data.item_labels]
    occasions = list(OCCASION_LABELS.values())

    def key(column: str):
        name, _, rest = column.partition("（")
        occasion = next((i for i, o in enumerate(occasions) if rest.startswith(o)), 9)
        group = 0 if name in skills else 1 if name in items else 2
        within = (skills.index(name) if name in skills else items.index(name) if name in items else 0)
        return (group, occasion, within, name)
    return key


def write(data: EvaluationData, path: Path) -> Path:
    """The anonymised table as CSV (UTF-8 with BOM, for Excel)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table(data).to_csv(path, index=False, encoding="utf-8-sig")
    return path
