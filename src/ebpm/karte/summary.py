"""The numbers a 課長 asks for first, each with the town's rank among its peers.

人口 and its change rate, 高齢化率, 自然増減 and 社会増減 of the latest period, 財政力指数. Every
municipality's values are computed once per series and rule (kept on the :class:`Sources` object, so
a batch computes them once for all its towns); ranks are taken on the unrounded values, 1 for the
highest, ties sharing the best rank and said in words.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ebpm.karte import tables
from ebpm.karte.sources import Sources

NO_AGE = "年齢階級別のファイルがないため表示できません"
NO_FISCAL = "主要財政指標のファイルがないため表示できません"
PER = 1000   # 自然増減・社会増減 are compared per 1,000 inhabitants: towns of the group differ in size

# (項目, column of the metrics table ranked, unit, what rank 1 means)
ITEMS = (
    ("人口", "人口", "人", "人口の多い順"),
    ("人口増減率", "人口増減率_%", "%", "増加率の高い（減少の小さい）順"),
    ("高齢化率", "高齢化率_%", "%", "高齢化率の高い順"),
    ("自然増減", "自然増減_千人あたり", "人", "人口千人あたりの値の大きい順"),
    ("社会増減", "社会増減_千人あたり", "人", "人口千人あたりの値の大きい順"),
    ("財政力指数", "財政力指数", "", "財政力指数の高い順"),
)


def metrics(sources: Sources, rule: tables.PeerRule) -> pd.DataFrame:
    """One row per municipality of the latest 住基 file (index 団体コード): the values that are ranked."""
    cache = vars(sources).setdefault("_summary_metrics", {})
    if rule in cache:
        return cache[rule]
    rates = tables.change_rates(sources, rule).set_index("団体コード")
    base, last_year, _ = tables.change_window(sources, rule)
    basic = tables.basic_municipalities(sources)
    last = basic[basic["年"] == basic["年"].max()].set_index("団体コード")
    table = pd.DataFrame(index=rates.index)
    table["人口"] = last["人口_計"].reindex(table.index).astype("float64")
    table["人口増減率_%"] = ((rates[f"人口_{last_year}年"] / rates[f"人口_{base}年"] - 1) * 100).astype("float64")
    table["高齢化率_%"] = np.nan
    ageing = tables.ageing_rates(sources)
    if ageing is not None:   # the latest 年齢階級別 file (its year may differ from the 住基 file's)
        latest = ageing[ageing["年"] == ageing["年"].max()].set_index("団体コード")
        table["高齢化率_%"] = latest["高齢化率_%"].reindex(table.index).astype("float64")
    for item in ("自然増減", "社会増減"):
        count = last[f"{item}数"].reindex(table.index).astype("float64")
        table[f"{item}数"] = count
        table[f"{item}_千人あたり"] = count / table["人口"] * PER
    table["財政力指数"] = np.nan
    if sources.zaisei is not None:
        power = sources.zaisei[sources.zaisei["項目"] == "財政力指数"]
        latest = power[power["年度"] == power["年度"].max()].drop_duplicates("団体コード").set_index("団体コード")
        table["財政力指数"] = latest["値"].reindex(table.index).astype("float64")
    cache[rule] = table
    return table


def rank(values: pd.Series, code: str) -> dict[str, object]:
    """Rank of ``code`` (1 = highest) among the values present, the number ranked and the ties."""
    valid = values.dropna()
    if code not in valid.index:
        return {"順位": None, "団体数": int(len(valid)), "同順位": 0}
    mine = valid[code]
    return {"順位": int((valid > mine).sum()) + 1, "団体数": int(len(valid)), "同順位": int((valid == mine).sum())}


def rank_text(entry: dict[str, object]) -> str:
    if entry["順位"] is None:
        return "—"
    text = f"{entry['団体数']} 団体中 {entry['順位']} 位"
    if entry["同順位"] > 1:
        text += f"（{entry['同順位']} 団体が同順位）"
    return text


def _when(sources: Sources, code: str, rule: tables.PeerRule) -> dict[str, str]:
    """The date or period of each value: the latest 住基 file's 基準日 and 人口動態の期間, the latest 年度."""
    from ebpm import wareki

    base, last, _ = tables.change_window(sources, rule)
    date = sources.juki.attrs.get("基準日", {}).get(last)
    period = str(sources.juki.attrs.get("人口動態の期間", {}).get(last, ""))
    fiscal = "" if sources.zaisei is None else wareki.to_wareki(int(sources.zaisei["年度"].max()), fiscal=True)
    ageing = "" if sources.age is None else f"{max(sources.age.attrs['ファイル'])}-01-01（1月1日現在）"
    return {"人口": f"{date}（{date.month}月{date.day}日現在）" if date else f"{last}年", "人口増減率": f"{base}年→{last}年",
            "高齢化率": ageing, "自然増減": period, "社会増減": period, "財政力指数": fiscal}


def summary_table(sources: Sources, code: str, rule: tables.PeerRule) -> pd.DataFrame:
    """項目, 値, 単位, 時点, 順位の向き, then 順位・団体数・同順位 per peer group, and 備考."""
    table = metrics(sources, rule)
    groups = {label: set(group["団体コード"]) for label, group in tables.peer_groups(sources, code, rule).items()}
    when = _when(sources, code, rule)
    rows = []
    for item, column, unit, order in ITEMS:
        value = table.at[code, column] if code in table.index else np.nan
        row: dict[str, object] = {"項目": item, "値": value, "単位": unit, "時点": when[item], "順位の向き": order}
        for label, members in groups.items():
            entry = rank(table.loc[table.index.isin(members), column], code)
            row.update({f"{label}_順位": entry["順位"], f"{label}_団体数": entry["団体数"],
                        f"{label}_同順位": entry["同順位"]})
        note = ""
        if item in ("自然増減", "社会増減"):
            row["値"] = table.at[code, f"{item}数"]
            note = f"本町は千人あたり {table.at[code, column]:+.2f} 人"
        elif item == "高齢化率" and pd.isna(value):
            note = NO_AGE
        elif item == "財政力指数" and sources.zaisei is None:
            note = NO_FISCAL
        row["備考"] = note
        rows.append(row)
    out = pd.DataFrame(rows)
    for column in [c for c in out.columns if c.endswith(("_順位", "_団体数", "_同順位"))]:
        out[column] = out[column].astype("Int64")
    return out


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The summary as the report shows it: values in words, ranks as 「44 団体中 12 位」."""
    labels = [c[: -len("_順位")] for c in table.columns if c.endswith("_順位") and not c.endswith("_同順位")]
    rows = []
    for row in table.to_dict("records"):
        value = row["値"]
        if pd.isna(value):
            shown = "—"
        elif row["項目"] == "人口":
            shown = f"{value:,.0f} 人"
        elif row["項目"] in ("自然増減", "社会増減"):
            shown = f"{value:+,.0f} 人"
        elif row["単位"] == "%":
            shown = f"{value:+.2f}%" if row["項目"] == "人口増減率" else f"{value:.1f}%"
        else:
            shown = f"{value:.2f}"
        out = {"項目": row["項目"], "本町": shown, "時点": row["時点"]}
        for label in labels:
            out[f"{label}での順位"] = rank_text({"順位": None if pd.isna(row[f"{label}_順位"]) else int(row[f"{label}_順位"]),
                                             "団体数": row[f"{label}_団体数"], "同順位": row[f"{label}_同順位"]})
        out["順位の向き・備考"] = row["順位の向き"] + (f"。{row['備考']}" if row["備考"] else "")
        rows.append(out)
    return pd.DataFrame(rows)
