"""One chart per part of the town report, drawn from the tables of :mod:`ebpm.karte.tables`.

A year without a file is a grey band labelled 「ファイルなし」 and the line stops there; the change of
基準日 is a dashed line with a label; a marker such as 「-」 is written where the point would be,
never drawn as 0.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ebpm import maps, plotting
from ebpm.karte.tables import INDICATORS, MISSING

ACCENT = "#e07b39"
TOWN = "#1f5fa8"
PEER = "#8a8a8a"
MISSING_COLOR = "#dddddd"


def _mark_missing(ax, years: list[int], label: bool = True) -> None:
    for year in years:
        ax.axvspan(year - 0.5, year + 0.5, color=MISSING_COLOR, zorder=0)
        if label:
            ax.text(year, 0.5, "ファイルなし", rotation=90, ha="center", va="center", fontsize=8, color="#666666",
                    transform=ax.get_xaxis_transform())


def population_chart(table: pd.DataFrame, town: str):
    """Population and households by year, the change of 基準日 and the missing years marked."""
    plotting.use_japanese_font()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    years = table["年"].to_numpy()
    for ax, column, unit in ((top, "人口_計", "人"), (bottom, "世帯数", "世帯")):
        values = table[column].astype("float64").to_numpy()   # a missing year is NaN: the line stops there
        ax.plot(years, values, color=TOWN, marker="o", linewidth=1.8)
        march = table["状態"].str.startswith("3月31日").to_numpy()
        ax.plot(years[march], values[march], linestyle="none", marker="o", markersize=9,
                markerfacecolor="white", markeredgecolor=ACCENT, label="3月31日現在の値")
        ax.set_ylabel(f"{column.replace('_計', '')}（{unit}）")
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        _mark_missing(ax, list(table.loc[table["状態"] == MISSING, "年"]))
        _mark_date_change(ax, table)
        ax.grid(axis="y", alpha=0.3)
    top.set_title(f"{town}の人口と世帯数（住民基本台帳）")
    if (table["状態"].str.startswith("3月31日")).any():
        top.legend(loc="upper right", fontsize=8)
    bottom.set_xticks(years)
    bottom.set_xticklabels([str(y) for y in years], rotation=45)
    bottom.set_xlabel("ファイルの年（基準日の年）")
    fig.tight_layout()
    return fig


def _mark_date_change(ax, table: pd.DataFrame) -> None:
    states = list(zip(table["年"], table["状態"]))
    known = [(y, s) for y, s in states if s.endswith("現在")]
    for (y0, s0), (y1, s1) in zip(known, known[1:]):
        if s0 != s1:
            x = (y0 + y1) / 2
            ax.axvline(x, color=ACCENT, linestyle="--", linewidth=1)
            ax.text(x, 0.95, f" 基準日が変更\n {s0}→{s1}", transform=ax.get_xaxis_transform(), fontsize=8,
                    color=ACCENT, va="top")


def change_chart(table: pd.DataFrame, town: str):
    """Natural and social change by period, side by side; missing years marked."""
    plotting.use_japanese_font()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["自然増減数"].astype("float64"), width=0.4, color="#4c9a6a", label="自然増減（出生 − 死亡）")
    ax.bar(x + 0.2, table["社会増減数"].astype("float64"), width=0.4, color="#7b6fb0", label="社会増減（転入など − 転出など）")
    ax.axhline(0, color="#333333", linewidth=0.8)
    for i, state in enumerate(table["人口動態の期間"]):
        if state == MISSING:
            ax.axvspan(i - 0.5, i + 0.5, color=MISSING_COLOR, zorder=0)
            ax.text(i, 0.5, "ファイルなし", rotation=90, ha="center", va="center", fontsize=8, color="#666666",
                    transform=ax.get_xaxis_transform())
    labels = [_period_label(p, y) for p, y in zip(table["人口動態の期間"], table["ファイルの年"])]
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    kinds = table.loc[table["期間の種類"] != "", "期間の種類"]
    if kinds.nunique() > 1:
        boundary = int(np.argmax((table["期間の種類"] == "暦年").to_numpy()))
        ax.axvline(boundary - 0.5, color=ACCENT, linestyle="--", linewidth=1)
        ax.text(boundary - 0.5, 0.04, " 年度→暦年", transform=ax.get_xaxis_transform(), color=ACCENT, fontsize=8)
    ax.set_ylabel("人")
    ax.set_title(f"{town}の自然増減と社会増減（人口動態の期間ごと）")
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=2, frameon=False)   # off the bars
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def _period_label(period: str, year: int) -> str:
    if period == MISSING:
        return f"（{year - 1}年）"
    return period.split("（")[0]


def peer_chart(group: pd.DataFrame, code: str, title: str, column: str = "人口増減率_%"):
    """Bars of every member (up to 60) or a histogram with the town's position for larger groups."""
    plotting.use_japanese_font()
    data = group.dropna(subset=[column]).sort_values(column)
    mine = data.loc[data["団体コード"] == code, column]
    if len(data) <= 60:
        fig, ax = plt.subplots(figsize=(7, max(2.5, 0.28 * len(data) + 1)))
        colors = [ACCENT if c == code else PEER for c in data["団体コード"]]
        ax.barh(data["団体名"], data[column], color=colors)
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.tick_params(axis="y", labelsize=8)
    else:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ax.hist(data[column], bins=30, color=PEER)
        if not mine.empty:
            ax.axvline(float(mine.iloc[0]), color=ACCENT, linewidth=2.5, label="本町")
            ax.legend(fontsize=8)
        ax.set_ylabel("団体数")
    ax.set_xlabel("人口増減率（%）")
    ax.set_title(title)
    fig.tight_layout()
    return fig


FISCAL_UNITS = {"財政力指数": "指数", "経常収支比率": "%", "実質公債費比率": "%", "将来負担比率": "%",
                "ラスパイレス指数": "国 = 100"}
MARKER_COLOR = "#f3d9c6"


def fiscal_chart(table: pd.DataFrame, town: str):
    """Five panels, one per indicator: the town's value by 年度 and the peer groups' medians.

    A median is drawn with markers, so a year between two gaps (the first year, when the next has
    no file) still shows; a year whose value is a marker such as 「-」 is a hatched band over the
    whole height with the marker written at its top, never a point at some height; the legend sits
    under the panels, off the data.
    """
    from matplotlib.patches import Patch

    plotting.use_japanese_font()
    fig, axes = plt.subplots(len(INDICATORS), 1, figsize=(8, 2.3 * len(INDICATORS) + 1.2), sharex=True)
    medians = [c for c in table.columns if c.endswith("の中央値")]
    for ax, item in zip(axes, INDICATORS):
        part = table[table["指標"] == item]
        years = part["年度"].to_numpy()
        ax.plot(years, part["値"].astype("float64"), color=TOWN, marker="o", linewidth=2, label=town, zorder=3)
        for column, (style, mark) in zip(medians, (("--", "s"), (":", "^"))):
            ax.plot(years, part[column].astype("float64"), color=PEER, linestyle=style, marker=mark, markersize=4,
                    linewidth=1.4, label=column)
        for year, marker in zip(years, part["記号"].fillna("")):
            if marker:
                ax.axvspan(year - 0.45, year + 0.45, facecolor=MARKER_COLOR, edgecolor=ACCENT, hatch="//",
                           linewidth=0, zorder=0)
                ax.text(year, 0.97, f"「{marker}」", ha="center", va="top", transform=ax.get_xaxis_transform(),
                        color=ACCENT, fontsize=11)
        _mark_missing(ax, list(part.loc[part["状態"] == MISSING, "年度"]), label=False)
        ax.set_title(item, loc="left", fontsize=12)
        ax.set_ylabel(FISCAL_UNITS[item], fontsize=11)
        ax.tick_params(axis="y", labelsize=10)
        ax.grid(axis="y", alpha=0.3)
    labels = table.drop_duplicates("年度")
    axes[-1].set_xticks(labels["年度"])
    axes[-1].set_xticklabels(labels["和暦"], rotation=45, fontsize=10)
    axes[-1].set_xlabel("年度", fontsize=11)
    handles = axes[0].get_legend_handles_labels()[0]
    handles += [Patch(facecolor=MISSING_COLOR, label="ファイルのない年度"),
                Patch(facecolor=MARKER_COLOR, edgecolor=ACCENT, hatch="//", label="「-」など: 数字がない（算定なし、0 ではない）")]
    fig.suptitle(f"{town}の主要財政指標", fontsize=14)
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9, frameon=False)
    # fixed margins: tight_layout measures every tick label of the five panels (a third of the chart's time);
    # the PNG is cut to its content (bbox_inches="tight") anyway
    fig.subplots_adjust(left=0.1, right=0.97, top=0.94, bottom=0.15, hspace=0.42)
    return fig


def map_window(prefecture: pd.DataFrame, code: str) -> tuple[float, float, float, float] | None:
    """The surroundings the map zooms to when the town is too small at the prefecture's extent, else None."""
    shape = prefecture.loc[prefecture["団体コード"] == code, "形"].iloc[0]
    return maps.zoom_window(shape, prefecture["形"])


def map_chart(boundaries: pd.DataFrame, rates: pd.DataFrame, code: str, town: str, credit: str | None = None):
    """The prefecture with the town highlighted (left) and the change rate as a choropleth (right).

    When the town would be a few pixels at the prefecture's extent (a prefecture that runs to remote
    islands), the left map shows the town's surroundings and the whole prefecture as an inset, the
    town marked in both.
    """
    from matplotlib.patches import Rectangle

    plotting.use_japanese_font()
    prefecture = boundaries[boundaries["団体コード"].astype("string").str[:2] == code[:2]]
    present = set(prefecture["団体コード"].dropna().astype(str))
    values = {c: v for c, v in zip(rates["団体コード"], rates["人口増減率_%"]) if c in present and pd.notna(v)}
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5.8))
    fig.subplots_adjust(left=0.01, right=0.93, bottom=0.08, top=0.93, wspace=0.08)
    shape = prefecture.loc[prefecture["団体コード"] == code, "形"].iloc[0]
    window = map_window(prefecture, code)
    title = f"{town}の位置" if window is None else f"{town}の位置（周辺を拡大。右下は県の全体）"
    maps.municipality_map(prefecture, highlight=code, ax=left, title=title, credit=credit)
    if window is not None:
        x0, y0, x1, y1 = window
        left.set_xlim(x0, x1)
        left.set_ylim(y0, y1)
        inset = left.inset_axes((0.66, 0.0, 0.34, 0.34))
        maps.municipality_map(prefecture, highlight=code, ax=inset, title="", names=False, foot=False)
        inset.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=ACCENT, linewidth=1.2))
        inset.plot(*shape.centroid(), marker="o", markersize=9, markerfacecolor="none",
                   markeredgecolor=maps.HIGHLIGHT_COLOR, markeredgewidth=2)
        inset.add_patch(Rectangle((0, 0), 1, 1, transform=inset.transAxes, facecolor="white", edgecolor="#999999",
                                  linewidth=0.8, zorder=0, clip_on=False))
    maps.municipality_map(prefecture, values=values, ax=right, label="人口増減率（%）", cmap="YlOrRd_r", names=False,
                          title="人口増減率（%）" if window is None else "人口増減率（%、左と同じ範囲）", foot=False)
    if window is not None:
        right.set_xlim(window[0], window[2])
        right.set_ylim(window[1], window[3])
    return fig


# --- age structure -----------------------------------------------------------------------------------

def pyramid_chart(table: pd.DataFrame, town: str):
    """The latest file's pyramid (bars, men left, women right) with the earliest file's as an outline."""
    plotting.use_japanese_font()
    years = sorted(table["年"].unique())
    first, last = years[0], years[-1]
    latest = table[table["年"] == last]
    fig, ax = plt.subplots(figsize=(8, 6.5))
    plotting.population_pyramid(latest, value_column="人口", ax=ax,
                                title=f"{town}の人口ピラミッド（{last}年、線は{first}年）" if first != last
                                else f"{town}の人口ピラミッド（{last}年）")
    if first != last:
        earliest = table[table["年"] == first]
        order = list(dict.fromkeys(latest["年齢階級"]))
        for sex, sign in (("男", -1), ("女", 1)):
            values = earliest[earliest["性別"] == sex].set_index("年齢階級")["人口"].reindex(order).astype("float64")
            ax.step(sign * values.to_numpy(), np.arange(len(order)), where="mid", color="#222222", linewidth=1.4,
                    label=f"{first}年" if sex == "男" else None)
        limit = float(max(latest["人口"].max(), earliest["人口"].max())) * 1.1
        ax.set_xlim(-limit, limit)
        ticks = ax.get_xticks()
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{abs(t):,.0f}" for t in ticks])
        ax.legend(loc="lower right", fontsize=9)
    ax.set_xlabel("人口（人）")
    fig.tight_layout()
    return fig


def ageing_chart(table: pd.DataFrame, town: str):
    """Left: the three age groups' shares per file year (stacked). Right: 高齢化率 against the peers' medians."""
    plotting.use_japanese_font()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.3))
    years = table["年"].astype(str).to_numpy()
    bottom = np.zeros(len(table))
    for column, color in (("年少人口割合_%", "#7fb3d5"), ("生産年齢人口割合_%", "#a9cce3"), ("老年人口割合_%", ACCENT)):
        values = table[column].astype("float64").to_numpy()
        left.bar(years, values, bottom=bottom, color=color, label=column.replace("割合_%", ""))
        for x, (b, v) in enumerate(zip(bottom, values)):
            left.text(x, b + v / 2, f"{v:.1f}%", ha="center", va="center", fontsize=9)
        bottom += values
    left.set_ylim(0, 100)
    left.set_ylabel("総数に占める割合（%）")
    left.set_xlabel("ファイルの年（1月1日現在）")
    left.set_title("年齢 3 区分の割合")
    left.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    x = table["年"].to_numpy()
    right.plot(x, table["高齢化率_%"], color=TOWN, marker="o", linewidth=2, label=town)
    for column, style in zip([c for c in table.columns if c.endswith("の高齢化率の中央値_%")], ("--", ":")):
        right.plot(x, table[column], color=PEER, linestyle=style, marker="s", markersize=4,
                   label=column.replace("の高齢化率の中央値_%", "の中央値"))
    right.set_xticks(x)
    right.set_ylabel("高齢化率（%）")
    right.set_xlabel("ファイルの年（1月1日現在）")
    right.set_title("高齢化率（65 歳以上の割合）")
    right.grid(axis="y", alpha=0.3)
    right.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    fig.tight_layout()
    return fig


def cohort_chart(table: pd.DataFrame, town: str):
    """The change of each generation (計) between two files, one panel per period."""
    plotting.use_japanese_font()
    both = table[table["性別"] == "計"]
    periods = list(dict.fromkeys(both["期間"]))
    fig, axes = plt.subplots(1, len(periods), figsize=(5.5 * len(periods), 5), squeeze=False, sharey=True)
    for ax, period in zip(axes[0], periods):
        part = both[both["期間"] == period]
        labels = [f"{a}→{b}" for a, b in zip(part["最初の年齢"], part["後の年齢"])]
        values = part["変化率_%"].astype("float64").to_numpy()
        ax.barh(labels, values, color=[ACCENT if v < 0 else TOWN for v in values])
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.invert_yaxis()
        ax.tick_params(axis="y", labelsize=8)
        ax.set_xlabel("同じ世代の人数の変化率（%）")
        ax.set_title(f"{period}")
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"{town}の世代ごとの人数の変化（死亡と転出入の差し引き）", fontsize=11)
    fig.tight_layout()
    return fig
