"""The report's charts: Japanese titles, axes with units, one function per chart (picklable by name).

Each takes a table the report shows (so the chart and the table cannot disagree) and returns a
matplotlib figure; the report's renderer draws and closes it.
"""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ebpm import plotting

LOW, HIGH, GAIN = "95%信頼区間の下限", "95%信頼区間の上限", "伸び（平均）"


def _japanese() -> None:
    plotting.use_japanese_font()


def _wrap(labels, width: int = 15) -> list[str]:
    """Long Japanese labels on several lines (no spaces to break at: every ``width`` characters)."""
    return ["\n".join(str(t)[i:i + width] for i in range(0, len(str(t)), width)) for t in labels]


def _height(labels: list[str]) -> float:
    """Inches for one row per label, each tall enough for its lines (a 12-point line is about 0.2 inch)."""
    return sum(max(0.5, 0.2 * (str(t).count("\n") + 1) + 0.1) for t in labels)


def gain_intervals(table: pd.DataFrame, label: str, title: str, unit: str):
    """Each row's mean gain as a dot and its 95 % interval as a line, a dashed line at 0 (no change)."""
    _japanese()
    rows = table.iloc[::-1]
    labels = [f"{wrapped}\n（{n} 人）" for wrapped, n in zip(_wrap(rows[label]), rows["人数"])]
    fig, ax = plt.subplots(figsize=(8, _height(labels) + 1.6))
    y = np.arange(len(rows))
    ax.hlines(y, rows[LOW], rows[HIGH], color=plotting.HOUSE_PALETTE[0], linewidth=2.5)
    ax.plot(rows[GAIN], y, "o", color=plotting.HOUSE_PALETTE[1], markersize=8)
    ax.axvline(0, color="#555555", linestyle="--", linewidth=1)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlabel(f"伸び（{unit}）")
    ax.set_title(f"{title}\n点: 平均、線: 95% 信頼区間", fontsize=12)
    fig.tight_layout()
    return fig


def before_after(table: pd.DataFrame, label: str, title: str, unit: str, later: str = "研修後"):
    """Mean before and after per row, side by side."""
    _japanese()
    fig, ax = plt.subplots(figsize=(8, _height(_wrap(table[label])) + 1.8))
    y = np.arange(len(table))[::-1]
    ax.barh(y + 0.2, table["前の平均"], height=0.4, color="#9fb7c9", label="研修前")
    ax.barh(y - 0.2, table["後の平均"], height=0.4, color=plotting.HOUSE_PALETTE[0], label=later)
    ax.set_yticks(y)
    ax.set_yticklabels(_wrap(table[label]))
    ax.set_xlabel(f"平均（{unit}）")
    ax.set_title(title, pad=24)
    # above the bars, not over them
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def form_difference(table: pd.DataFrame):
    """A − B per skill (both occasions, crossover) with its 95 % interval."""
    _japanese()
    rows = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, _height(_wrap(rows["スキル"])) + 1.6))
    y = np.arange(len(rows))
    ax.hlines(y, rows["両方の時期: 下限"], rows["両方の時期: 上限"], color=plotting.HOUSE_PALETTE[2], linewidth=2.5)
    ax.plot(rows["両方の時期: A − B"], y, "o", color=plotting.HOUSE_PALETTE[3], markersize=8)
    ax.axvline(0, color="#555555", linestyle="--", linewidth=1)
    ax.set_yticks(y)
    ax.set_yticklabels(_wrap(rows["スキル"]))
    ax.set_xlabel("形式 A の得点 − 形式 B の得点（点）")
    ax.set_title("2 つの形式の難しさの差（0 より右なら A がやさしい）\n点: 推定値、線: 95% 信頼区間", fontsize=12)
    fig.tight_layout()
    return fig


def shares(table: pd.DataFrame, title: str):
    """Share of respondents per choice (%)."""
    _japanese()
    fig, ax = plt.subplots(figsize=(8, _height(_wrap(table["選択肢"])) + 1.6))
    y = np.arange(len(table))[::-1]
    ax.barh(y, table["割合（%）"], color=plotting.HOUSE_PALETTE[2])
    ax.set_yticks(y)
    ax.set_yticklabels(_wrap(table["選択肢"]))
    ax.set_xlim(0, 100)
    ax.set_xlabel("選んだ人の割合（%）")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def funnel(table: pd.DataFrame, everyone: int):
    """Learners who handed in each step, in course order."""
    _japanese()
    rows = table[table["段階"] != "何も提出しなかった"]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.6))
    y = np.arange(len(rows))[::-1]
    ax.barh(y, rows["提出した人数"], color=plotting.HOUSE_PALETTE[0])
    ax.set_yticks(y)
    ax.set_yticklabels(rows["段階"])
    ax.set_xlim(0, max(everyone, 1))
    ax.set_xlabel(f"提出した人数（人、受講者 {everyone} 人）")
    ax.set_title("段階ごとの提出者数（どこで止まったか）")
    fig.tight_layout()
    return fig


def days_to_handin(table: pd.DataFrame):
    """Median days from release to hand-in per notebook, with the quartiles."""
    _japanese()
    rows = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(rows) + 1.6))
    y = np.arange(len(rows))
    ax.hlines(y, rows["25%点（日）"], rows["75%点（日）"], color="#9fb7c9", linewidth=5)
    ax.plot(rows["中央値（日）"], y, "o", color=plotting.HOUSE_PALETTE[0])
    ax.set_yticks(y)
    ax.set_yticklabels([f"{s} {n}" if n != s else s for s, n in zip(rows["段階"], rows["ノートブック"])], fontsize=8)
    ax.set_xlabel("配布から提出までの日数（日）")
    ax.set_title("配布から提出までの日数\n点: 中央値、帯: 25〜75% 点", fontsize=12)
    fig.tight_layout()
    return fig


matplotlib.rcParams["axes.unicode_minus"] = False
