"""The numbers behind each part of the town report, as plain tables (one function per part).

Every table keeps the years as the files have them: a year without a file is a row marked
``ファイルなし`` with empty values, and the 基準日 (3月31日 or 1月1日) stays beside each value. A
marker such as ``-`` stays a marker (``記号``), never a 0.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ebpm import juki, lgcode, soumu
from ebpm.errors import DataFormatError
from ebpm.karte.sources import JUKI_DOWNLOAD, ZAISEI_DOWNLOAD, Sources

BASIC_KINDS = (juki.MUNICIPALITY, juki.DESIGNATED_CITY)   # counted once: no wards, no 郡 subtotals
MISSING = "ファイルなし"
INDICATORS = ("財政力指数", "経常収支比率", "実質公債費比率", "将来負担比率", "ラスパイレス指数")
INDICATOR_NOTES = {
    "財政力指数": "1 に近いほど自前の税収で行政サービスをまかなえる力が強い（3 か年平均）。",
    "経常収支比率": "毎年決まって入るお金のうち、人件費や扶助費など毎年決まって出ていくお金の割合（%）。高いほど自由に使えるお金が少ない。",
    "実質公債費比率": "借金の返済などの重さ（%、3 か年平均）。18% 以上で起債に許可が必要、25% 以上で早期健全化基準。",
    "将来負担比率": "将来払う必要のある負担の重さ（%）。「-」は負担を充てられる財源が上回り、比率が算定されないことを示します（0 ではありません）。",
    "ラスパイレス指数": "国家公務員の給与を 100 としたときの職員の給与の水準。",
}
_GUN_PREFIX = re.compile(r"^.+?郡(?=.)")


@dataclass(frozen=True)
class PeerRule:
    """How the town's peers are chosen; :meth:`describe` says it in the report."""

    same_prefecture: bool = True   # the other municipalities of the prefecture
    size_ratio: float = 2.0        # national peers: population between 1/ratio and ratio times the town's
    same_kind: bool = True         # 市 with 市, 町・村 with 町・村
    change_years: int = 5          # the population change rate is measured over this many years

    @classmethod
    def from_dict(cls, values: dict | None) -> PeerRule:
        values = dict(values or {})
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise DataFormatError(
                f"比較の決め方（peer_rule）に分からない項目があります: {'、'.join(unknown)}。",
                expected="same_prefecture, size_ratio, same_kind, change_years",
            )
        rule = cls(**values)
        if rule.size_ratio < 1:
            raise DataFormatError(f"size_ratio は 1 以上にしてください（{rule.size_ratio} でした）。",
                                  expected="たとえば 2（人口が半分から 2 倍まで）")
        if rule.change_years < 1:
            raise DataFormatError(f"change_years は 1 以上にしてください（{rule.change_years} でした）。",
                                  expected="たとえば 5（5 年間の変化率）")
        return rule

    def describe(self) -> str:
        kind = "同じ種類（市は市、町村は町村）で、" if self.same_kind else ""
        low, high = 1 / self.size_ratio, self.size_ratio
        text = (f"全国の類似規模: {kind}最新の人口が本町の {low:.2g} 倍から {high:.2g} 倍までの市町村"
                "（政令指定都市の区と郡の小計は除く）。")
        if self.same_prefecture:
            text = "県内: 同じ都道府県のほかの市町村（政令指定都市は市として 1 つに数え、区は除く）。" + text
        return text


# --- the town --------------------------------------------------------------------------------------

def short_name(name: str) -> str:
    """「葦北郡芦北町」 → 「芦北町」 (住基 writes towns with their 郡)."""
    return _GUN_PREFIX.sub("", str(name))


def kind_of(name: str, area_kind: str) -> str:
    """市 or 町村, for choosing peers of the same kind."""
    return "市" if area_kind == juki.DESIGNATED_CITY or short_name(name).endswith("市") else "町村"


def check_code(sources: Sources, code: object) -> str:
    """The 6-digit code of a town present in the 住基 series; a Japanese error otherwise."""
    text = unicodedata.normalize("NFKC", str(code)).strip()   # 「４３４８２５」 typed with a Japanese IME
    if re.fullmatch(r"[0-9]{5}", text):
        text = lgcode.to_6digit(text)
    if not lgcode.is_valid(text):
        raise DataFormatError(
            f"団体コード「{code}」は正しい団体コードではありません（検査数字が合わないか、桁数が違います）。",
            expected="6 桁の全国地方公共団体コード（例: 434825）か、検査数字を除いた 5 桁",
        )
    wide = sources.juki_wide
    rows = wide[wide["団体コード"] == text]
    if rows.empty:
        files = "、".join(sorted(set(sources.juki["出典ファイル"].astype(str))))
        raise DataFormatError(
            f"団体コード {text} の市区町村が住基のファイルにありません（読んだファイル: {files}）。",
            path=sources.folder, expected=f"{JUKI_DOWNLOAD}（全国の市区町村別の表）",
        )
    if not rows["区分"].isin(BASIC_KINDS).any():
        raise DataFormatError(
            f"団体コード {text}（{rows['団体名'].iloc[-1]}）は{rows['区分'].iloc[-1]}です。カルテは市町村ごとに作ります。",
            expected="市町村（政令指定都市は市の団体コード）",
        )
    return text


def town_info(sources: Sources, code: str) -> dict[str, object]:
    wide = sources.juki_wide
    rows = wide[wide["団体コード"] == code].sort_values("年")
    last = rows.iloc[-1]
    return {"団体コード": code, "団体名": short_name(last["団体名"]), "住基の団体名": last["団体名"],
            "都道府県名": last["都道府県名"], "区分": last["区分"], "種類": kind_of(last["団体名"], last["区分"]),
            "都道府県コード": code[:2]}


# --- population and households ---------------------------------------------------------------------

def years_of(sources: Sources) -> list[int]:
    """Every year from the first file's to the last file's, missing ones included."""
    present = sorted(sources.juki.attrs["ファイル"])
    return list(range(present[0], present[-1] + 1))


def population_table(sources: Sources, code: str) -> pd.DataFrame:
    """年, 基準日, 状態, 人口_計, 人口_男, 人口_女, 世帯数, 1世帯あたり人員, 出典ファイル; a row per year."""
    wide = sources.juki_wide
    rows = wide[wide["団体コード"] == code].set_index("年")
    files = sources.juki.attrs["ファイル"]
    out = []
    for year in years_of(sources):
        if year in rows.index:
            r = rows.loc[year]
            date = pd.Timestamp(r["基準日"])
            out.append({"年": year, "基準日": date.date().isoformat(), "状態": f"{date.month}月{date.day}日現在",
                        "人口_計": r["人口_計"], "人口_男": r["人口_男"], "人口_女": r["人口_女"], "世帯数": r["世帯数"],
                        "出典ファイル": files.get(year, "")})
        else:
            status = MISSING if year not in files else "この団体の行なし"
            out.append({"年": year, "基準日": "", "状態": status, "人口_計": np.nan, "人口_男": np.nan,
                        "人口_女": np.nan, "世帯数": np.nan, "出典ファイル": files.get(year, "")})
    table = pd.DataFrame(out)
    table["1世帯あたり人員"] = (table["人口_計"] / table["世帯数"]).round(2)
    return _counts_as_int(table, ["人口_計", "人口_男", "人口_女", "世帯数"])


def _counts_as_int(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Whole numbers stay whole in the CSV (19348, not 19348.0); a missing one stays empty."""
    for column in columns:
        table[column] = pd.to_numeric(table[column]).round().astype("Int64")
    return table


def change_table(sources: Sources, code: str) -> pd.DataFrame:
    """Natural and social change by the period each file covers (年度 up to the 2013 file, then 暦年)."""
    long = sources.juki
    mine = long[(long["団体コード"] == code)]
    periods = sources.juki.attrs.get("人口動態の期間", {})
    wide = sources.juki_wide
    rows = wide[wide["団体コード"] == code].set_index("年")
    out = []
    for year in years_of(sources):
        period = periods.get(year, "")
        if year not in rows.index:
            out.append({"ファイルの年": year, "人口動態の期間": MISSING, "期間の種類": "", "出生者数": np.nan,
                        "死亡者数": np.nan, "自然増減数": np.nan, "転入者数": np.nan, "転出者数": np.nan,
                        "社会増減数": np.nan})
            continue
        r = rows.loc[year]
        kind = str(mine.loc[(mine["年"] == year) & (mine["項目"] == "自然増減数"), "期間"].iloc[0]) \
            if ((mine["年"] == year) & (mine["項目"] == "自然増減数")).any() else ""
        out.append({
            "ファイルの年": year, "人口動態の期間": period, "期間の種類": kind,
            "出生者数": r.get("住民票記載数_出生者数"), "死亡者数": r.get("住民票消除数_死亡者数"),
            "自然増減数": r.get("自然増減数"),
            "転入者数": r.get("住民票記載数_転入者数(計)"), "転出者数": r.get("住民票消除数_転出者数(計)"),
            "社会増減数": r.get("社会増減数"),
        })
    return _counts_as_int(pd.DataFrame(out), ["出生者数", "死亡者数", "自然増減数", "転入者数", "転出者数", "社会増減数"])


def change_totals(sources: Sources, code: str) -> dict[str, int]:
    """自然増減 and 社会増減 summed over the periods that have a file (a missing year adds nothing)."""
    table = change_table(sources, code).dropna(subset=["自然増減数"])
    return {"自然増減": int(table["自然増減数"].sum()), "社会増減": int(table["社会増減数"].sum()),
            "期間の数": int(len(table))}


# --- peers ------------------------------------------------------------------------------------------

def basic_municipalities(sources: Sources) -> pd.DataFrame:
    wide = sources.juki_wide
    return wide[wide["区分"].isin(BASIC_KINDS)]


def change_window(sources: Sources, rule: PeerRule) -> tuple[int, int, str]:
    """(base year, last year, note): the base is ``change_years`` before the last, or the next year with a file."""
    present = sorted(sources.juki.attrs["ファイル"])
    last = present[-1]
    wanted = last - rule.change_years
    later = [y for y in present if y >= wanted]
    base = later[0] if later[0] < last else present[0]
    note = ""
    if base != wanted:
        note = (f"{wanted} 年のファイルがないため、{base} 年から {last} 年までの変化率にしました"
                f"（{last - base} 年間）。")
    dates = sources.juki.attrs.get("基準日", {})
    if base in dates and last in dates and dates[base] and dates[last] \
            and (dates[base].month, dates[base].day) != (dates[last].month, dates[last].day):
        note += f"基準日が違います（{dates[base]} と {dates[last]}）。期間は {last - base} 年ちょうどではありません。"
    return base, last, note


def change_rates(sources: Sources, rule: PeerRule) -> pd.DataFrame:
    """Every basic municipality's population change rate (%) between the base and the last year."""
    base, last, _ = change_window(sources, rule)
    table = basic_municipalities(sources)
    start = table[table["年"] == base].set_index("団体コード")["人口_計"]
    end = table[table["年"] == last].set_index("団体コード")
    out = pd.DataFrame({
        "団体コード": end.index, "都道府県名": end["都道府県名"].to_numpy(),
        "団体名": [short_name(n) for n in end["団体名"]],
        "種類": [kind_of(n, k) for n, k in zip(end["団体名"], end["区分"])],
        f"人口_{base}年": start.reindex(end.index).to_numpy(), f"人口_{last}年": end["人口_計"].to_numpy(),
    })
    # unrounded: ranks are taken on these values (rounding first made ties that the files do not have)
    out["人口増減率_%"] = (out[f"人口_{last}年"] / out[f"人口_{base}年"] - 1) * 100
    return out.reset_index(drop=True)


def peer_groups(sources: Sources, code: str, rule: PeerRule) -> dict[str, pd.DataFrame]:
    """{group label: change-rate rows of the group, the town included}."""
    rates = change_rates(sources, rule)
    me = rates[rates["団体コード"] == code]
    if me.empty:
        raise DataFormatError(f"団体コード {code} が最新の住基のファイルにありません（合併などで無くなった団体かもしれません）。",
                              expected="最新の年のファイルにある市町村")
    me = me.iloc[0]
    last_col = [c for c in rates.columns if c.startswith("人口_")][-1]
    groups: dict[str, pd.DataFrame] = {}
    if rule.same_prefecture:
        groups["県内"] = rates[rates["団体コード"].str[:2] == code[:2]]
    size = me[last_col]
    similar = rates[(rates[last_col] >= size / rule.size_ratio) & (rates[last_col] <= size * rule.size_ratio)]
    if rule.same_kind:
        similar = similar[similar["種類"] == me["種類"]]
    groups["全国の類似規模"] = similar
    return {k: v.reset_index(drop=True) for k, v in groups.items()}


def rank_in(group: pd.DataFrame, code: str, column: str = "人口増減率_%") -> dict[str, object]:
    """Rank (1 = highest value) on the unrounded values, the number ranked, how many share the town's value
    (ties share the best rank), and the percentile: the share of the others below."""
    valid = group.dropna(subset=[column])
    mine = valid.loc[valid["団体コード"] == code, column]
    if mine.empty:
        return {"順位": None, "団体数": len(valid), "同順位": 0, "パーセンタイル": None, "値": None}
    value = float(mine.iloc[0])
    others = valid.loc[valid["団体コード"] != code, column]
    rank = int((valid[column] > value).sum()) + 1
    percentile = round(100 * float((others < value).sum()) / len(others), 1) if len(others) else None
    return {"順位": rank, "団体数": len(valid), "同順位": int((valid[column] == value).sum()),
            "パーセンタイル": percentile, "値": value}


def peer_table(sources: Sources, code: str, rule: PeerRule) -> pd.DataFrame:
    """One row per (group, member) with the rate, the rank in the group and a mark for the town."""
    frames = []
    for label, group in peer_groups(sources, code, rule).items():
        g = group.copy()
        g.insert(0, "比較グループ", label)
        g["順位"] = g["人口増減率_%"].rank(ascending=False, method="min").astype("Int64")
        g["本町"] = np.where(g["団体コード"] == code, "◎", "")
        frames.append(g.sort_values("順位", kind="stable"))
    return pd.concat(frames, ignore_index=True)


def peer_summary(sources: Sources, code: str, rule: PeerRule) -> pd.DataFrame:
    rows = []
    for label, group in peer_groups(sources, code, rule).items():
        rows.append({"比較グループ": label, **rank_in(group, code),
                     "グループの中央値_%": float(group["人口増減率_%"].median())})
    return pd.DataFrame(rows)


# --- fiscal indicators -----------------------------------------------------------------------------

def fiscal_table(sources: Sources, code: str, rule: PeerRule) -> pd.DataFrame | None:
    """Per 年度 and indicator: the town's value or marker, and the peer groups' medians."""
    if sources.zaisei is None:
        return None
    long = sources.zaisei
    present = sorted(long.attrs["ファイル"])
    groups = {k: set(v["団体コード"]) - {code} for k, v in peer_groups(sources, code, rule).items()}
    rows = []
    for year in range(present[0], present[-1] + 1):
        this = long[long["年度"] == year]
        for item in INDICATORS:
            cells = this[this["項目"] == item]
            mine = cells[cells["団体コード"] == code]
            row: dict[str, object] = {"年度": year, "和暦": _fiscal_label(year), "指標": item}
            if year not in long.attrs["ファイル"]:
                row.update({"値": np.nan, "記号": "", "状態": MISSING})
            elif mine.empty:
                row.update({"値": np.nan, "記号": "", "状態": "この団体の行なし"})
            else:
                marker = mine["記号"].iloc[0]
                row.update({"値": mine["値"].iloc[0], "記号": "" if pd.isna(marker) else str(marker),
                            "状態": "記号" if not pd.isna(marker) else ""})
            for label, members in groups.items():
                values = cells.loc[cells["団体コード"].isin(members), "値"].dropna()
                row[f"{label}の中央値"] = round(float(values.median()), 3) if len(values) else np.nan
                row[f"{label}の団体数"] = len(values)
            row["出典ファイル"] = long.attrs["ファイル"].get(year, "")
            rows.append(row)
    return pd.DataFrame(rows)


def _fiscal_label(year: int) -> str:
    from ebpm import wareki

    return wareki.to_wareki(year, fiscal=True)


def fiscal_markers(sources: Sources, code: str) -> pd.DataFrame:
    """Every marker the town's 財政指標 rows carry, with where it came from."""
    if sources.zaisei is None:
        return pd.DataFrame(columns=["年度", "項目", "記号", "出典ファイル"])
    long = sources.zaisei
    rows = long[(long["団体コード"] == code) & long["記号"].notna()]
    return rows[["年度", "項目", "記号", "出典ファイル"]].astype({"記号": str, "出典ファイル": str}).reset_index(drop=True)


# --- notes and KPI baselines -----------------------------------------------------------------------

def appearing_and_disappearing(sources: Sources) -> pd.DataFrame:
    """Basic municipalities missing from some of the files (mergers, new cities), with the years present."""
    table = basic_municipalities(sources)
    years = sorted(table["年"].unique())
    present = table.groupby("団体コード")["年"].agg(lambda s: sorted(set(s)))
    odd = present[present.map(len) < len(years)]
    names = table.drop_duplicates("団体コード", keep="last").set_index("団体コード")["団体名"]
    return pd.DataFrame({
        "団体コード": odd.index, "団体名": [names[c] for c in odd.index],
        "ある年": [f"{y[0]}〜{y[-1]}（{len(y)} 年分）" for y in odd],
        "変化": ["途中で無くなった" if y[-1] < years[-1] else "途中から現れた" for y in odd],
    })


def source_files(sources: Sources) -> pd.DataFrame:
    """Every file read: kind, year, where the year was read, 基準日 and period of the 住基 files."""
    rows = []
    for kind, table in ((soumu.JUKI, sources.juki), (soumu.AGE, sources.age), (soumu.ZAISEI, sources.zaisei)):
        if table is None:
            continue
        origins = table.attrs.get("年の出どころ", {})
        dates = table.attrs.get("基準日", {})
        periods = table.attrs.get("人口動態の期間", {})
        for year, name in sorted(table.attrs["ファイル"].items()):
            part = table[table["出典ファイル"] == name]
            rows.append({
                "種類": kind, "年": _fiscal_label(year) if kind == soumu.ZAISEI else year, "ファイル": name,
                "年の出どころ": origins.get(name, ""),
                "基準日": "" if kind == soumu.ZAISEI else str(dates.get(year) or ""),
                "人口動態の期間": periods.get(year, "") if kind == soumu.JUKI else "",
                "行数": int(len(part)),
            })
    return pd.DataFrame(rows)


def kpi_baselines(sources: Sources, code: str) -> pd.DataFrame:
    """Ready for workshop 4's KPI sheet: 指標名, 定義, 単位, 基準値, 基準年, データソース, 更新頻度."""
    pop = population_table(sources, code).dropna(subset=["人口_計"]).iloc[-1]
    change = change_table(sources, code).dropna(subset=["自然増減数"]).iloc[-1]
    juki_source = f"総務省「住民基本台帳に基づく人口、人口動態及び世帯数」（{pop['出典ファイル']}）"
    rows = [
        ("総人口", f"住民基本台帳の人口（{pop['状態']}）", "人", pop["人口_計"], pop["基準日"], juki_source, "毎年"),
        ("世帯数", f"住民基本台帳の世帯数（{pop['状態']}）", "世帯", pop["世帯数"], pop["基準日"], juki_source, "毎年"),
        ("出生者数", f"{change['人口動態の期間']}の出生者数", "人", change["出生者数"], change["人口動態の期間"], juki_source, "毎年"),
        ("自然増減数", f"{change['人口動態の期間']}の出生者数 − 死亡者数", "人", change["自然増減数"],
         change["人口動態の期間"], juki_source, "毎年"),
        ("社会増減数", f"{change['人口動態の期間']}の転入など − 転出など", "人", change["社会増減数"],
         change["人口動態の期間"], juki_source, "毎年"),
    ]
    if sources.zaisei is not None:
        mine = sources.zaisei[sources.zaisei["団体コード"] == code]
        for item in INDICATORS:
            cells = mine[mine["項目"] == item].sort_values("年度")
            if cells.empty:
                continue
            last = cells.iloc[-1]
            value = last["値"] if pd.isna(last["記号"]) else f"{last['記号']}（算定なし）"
            rows.append((item, INDICATOR_NOTES[item], "" if item in ("財政力指数", "ラスパイレス指数") else "%",
                         value, _fiscal_label(int(last["年度"])),
                         f"総務省「全市町村の主要財政指標」（{last['出典ファイル']}）", "毎年度"))
    return pd.DataFrame(rows, columns=["指標名", "定義", "単位", "基準値", "基準年", "データソース", "更新頻度"])


def missing_messages(sources: Sources) -> list[str]:
    """A Japanese line per missing year, naming what to download."""
    lines = []
    for year in sources.juki.attrs.get("欠けている年", []):
        lines.append(f"{year} 年の住基のファイルがありません。{JUKI_DOWNLOAD} のうち {year} 年 1 月 1 日現在の表を"
                     "ダウンロードして同じフォルダに入れると、この年も表とグラフに入ります。")
    if sources.zaisei is not None:
        for year in sources.zaisei.attrs.get("欠けている年", []):
            lines.append(f"{_fiscal_label(year)}（{year} 年度）の主要財政指標のファイルがありません。"
                         f"{ZAISEI_DOWNLOAD} のうちこの年度の表を入れると加わります。")
    return lines


# --- age structure (住民基本台帳 年齢階級別人口) ----------------------------------------------------

AGE_GROUPS = (("年少人口", 0, 14), ("生産年齢人口", 15, 64), ("老年人口", 65, None))
COHORT_STEP = 5   # the files' bands are 5 years wide: a generation is followed only across a multiple of 5 years


def age_bands_of(sources: Sources) -> pd.DataFrame | None:
    """Every area's bands with one top band for all years (80歳以上 when a 2014 file is among them), cached."""
    if sources.age is None:
        return None
    cache = vars(sources).setdefault("_age_bands", {})
    if "bands" not in cache:
        cache["bands"] = soumu.age_bands(sources.age)
    return cache["bands"]


def pyramid_table(sources: Sources, code: str) -> pd.DataFrame | None:
    """年, 基準日, 性別 (男/女), 年齢階級, 下限, 人口 of the town for every 年齢階級別 file (one top band for all)."""
    bands = age_bands_of(sources)
    if bands is None:
        return None
    mine = bands[(bands["団体コード"] == code) & bands["性別"].isin(["男", "女"]) & (bands["年齢階級"] != "総数")]
    out = mine[["年", "基準日", "性別", "年齢階級", "下限", "値", "出典ファイル"]].rename(columns={"値": "人口"})
    out = out.assign(性別=out["性別"].astype(str), 基準日=pd.to_datetime(out["基準日"]).dt.date.astype(str))
    return _counts_as_int(out.reset_index(drop=True), ["人口"])


def ageing_rates(sources: Sources) -> pd.DataFrame | None:
    """One row per basic municipality and year: 総数, the three age groups, their shares and 高齢化率 (unrounded).

    Shares are of 総数 (the population of the file, as 高齢化率 is published); the people in 総数 but in no
    band (foreign residents whose ages are withheld, ages unknown) are counted in 年齢不詳・非公表.
    """
    if sources.age is None:
        return None
    cache = vars(sources).setdefault("_age_bands", {})
    if "rates" in cache:
        return cache["rates"]
    table = sources.age
    rows = table[(table["性別"] == "計") & table["区分"].isin(BASIC_KINDS)]
    keys = ["団体コード", "年"]
    total = rows[rows["年齢階級"] == "総数"].set_index(keys)["値"]
    bands = rows[rows["年齢階級"] != "総数"]
    out = pd.DataFrame({"総数": total})
    for name, low, high in AGE_GROUPS:
        inside = bands[(bands["下限"] >= low) & ((bands["下限"] <= high) if high is not None else True)]
        out[name] = inside.groupby(keys, observed=True)["値"].sum(min_count=1).reindex(out.index)
    out["年齢不詳・非公表"] = out["総数"] - out[[g for g, _, _ in AGE_GROUPS]].sum(axis=1)
    for name, _, _ in AGE_GROUPS:
        out[f"{name}割合_%"] = out[name] / out["総数"] * 100
    out["高齢化率_%"] = out["老年人口割合_%"]
    out = out.reset_index()
    cache["rates"] = out
    return out


def age_structure_table(sources: Sources, code: str, rule: PeerRule) -> pd.DataFrame | None:
    """Per 年齢階級別 file: the town's three groups and shares, 高齢化率 with its rank, and each peer group's median."""
    rates = ageing_rates(sources)
    if rates is None:
        return None
    groups = {label: set(group["団体コード"]) for label, group in peer_groups(sources, code, rule).items()}
    files = sources.age.attrs["ファイル"]
    rows = []
    for year in sorted(files):
        this = rates[rates["年"] == year].set_index("団体コード")
        row: dict[str, object] = {"年": year, "基準日": str(sources.age.attrs["基準日"][year])}
        if code in this.index:
            mine = this.loc[code]
            row.update({c: mine[c] for c in ("総数", "年少人口", "生産年齢人口", "老年人口", "年齢不詳・非公表",
                                                "年少人口割合_%", "生産年齢人口割合_%", "老年人口割合_%", "高齢化率_%")})
        for label, members in groups.items():
            values = this.loc[this.index.isin(members), "高齢化率_%"].dropna()
            row[f"{label}の高齢化率の中央値_%"] = float(values.median()) if len(values) else np.nan
            entry = rank_of(values, code)
            row[f"{label}での高齢化率の順位"] = entry["順位"]
            row[f"{label}の団体数"] = entry["団体数"]
            row[f"{label}の同順位"] = entry["同順位"]
        row["出典ファイル"] = files[year]
        rows.append(row)
    out = pd.DataFrame(rows)
    counts = ["総数", "年少人口", "生産年齢人口", "老年人口", "年齢不詳・非公表"]
    return _counts_as_int(out, [c for c in counts if c in out])


def rank_of(values: pd.Series, code: str) -> dict[str, object]:
    """Rank of ``code`` among ``values`` (index 団体コード; 1 = highest), on the values as they are (unrounded),
    with the number ranked and how many share the town's value (a tie shares the best rank)."""
    valid = values.dropna()
    if code not in valid.index:
        return {"順位": None, "団体数": int(len(valid)), "同順位": 0}
    mine = valid[code]
    return {"順位": int((valid > mine).sum()) + 1, "団体数": int(len(valid)), "同順位": int((valid == mine).sum())}


def cohort_pairs(years: list[int]) -> tuple[list[tuple[int, int]], list[str]]:
    """Pairs of consecutive file years that a generation can be followed across (a multiple of 5 years apart),
    and a Japanese note for each pair that cannot."""
    pairs, notes = [], []
    for y0, y1 in zip(years, years[1:]):
        gap = y1 - y0
        if gap % COHORT_STEP == 0:
            pairs.append((y0, y1))
        else:
            notes.append(f"{y0} 年と {y1} 年のファイルは {gap} 年離れています。年齢階級が 5 歳ごとなので、{gap} 年後の同じ世代は"
                         "2 つの階級にまたがり、ファイルの数字だけでは追えません（按分して推計することはしていません）。"
                         "5 年（か 10 年）離れた年のファイルを加えると、この期間も表に入ります。")
    return pairs, notes


def cohort_table(sources: Sources, code: str) -> tuple[pd.DataFrame | None, list[str]]:
    """The change of each 5-year generation between files a multiple of 5 years apart, by sex.

    A row follows the people aged ``a``–``a+4`` in the first file to ``a+gap``–``a+gap+4`` in the second;
    the open top band gathers everyone at or above it (「75歳以上 → 80歳以上」). Those born in between
    have no row. 変化率 = second ÷ first − 1.
    """
    bands = age_bands_of(sources)
    if bands is None:
        return None, []
    mine = bands[(bands["団体コード"] == code) & (bands["年齢階級"] != "総数")]
    years = sorted(sources.age.attrs["ファイル"])
    pairs, notes = cohort_pairs(years)
    top = int(mine["下限"].max()) if len(mine) else 0
    rows = []
    for y0, y1 in pairs:
        gap = y1 - y0
        for sex in ("計", "男", "女"):
            first = mine[(mine["年"] == y0) & (mine["性別"] == sex)].set_index("下限")["値"]
            second = mine[(mine["年"] == y1) & (mine["性別"] == sex)].set_index("下限")["値"]
            if first.empty or second.empty:
                continue
            for low in range(0, top - gap + 1, COHORT_STEP):
                high = low + gap
                if high >= top:   # everyone from ``low`` up in the first file is in the top band of the second
                    start = float(first[first.index >= low].sum())
                    end = float(second[second.index >= top].sum())
                    before, after = f"{low}歳以上", f"{top}歳以上"
                else:
                    start, end = float(first.get(low, np.nan)), float(second.get(high, np.nan))
                    before, after = f"{low}〜{low + 4}歳", f"{high}〜{high + 4}歳"
                rows.append({"期間": f"{y0}年→{y1}年", "年数": gap, "性別": sex, "最初の年齢": before,
                             "後の年齢": after, "最初の人数": start, "後の人数": end, "増減": end - start,
                             "変化率_%": (end / start - 1) * 100 if start else np.nan})
                if high >= top:
                    break
    if not rows:
        return None, notes or ["同じ世代を追うには、5 年（か 10 年）離れた 2 年分以上の年齢階級別のファイルが必要です。"]
    table = pd.DataFrame(rows)
    return _counts_as_int(table, ["最初の人数", "後の人数", "増減"]), notes
