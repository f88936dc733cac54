"""The report's sections, in order: one list that the notebook and the batch renderer both read.

A section is a function of the report's context (:class:`ebpm.karte.notebook.Karte`: the town, the
series read once, the peer rule) that returns *blocks*: :class:`Text` (Markdown), :class:`Table` (a
table shown as HTML and/or saved as ``csv/<name>.csv``) and :class:`Figure` (a chart of
:mod:`ebpm.karte.figures`, named, not yet drawn). The numbers come from :mod:`ebpm.karte.tables`.
The single-town notebook (``town_karte.ipynb``, run by papermill) has one cell per section,
``sections.show(k, "key")``, which draws and displays the blocks; the batch renderer
(:mod:`ebpm.karte.batch`) computes the same blocks for every town and draws them in worker processes
into the same notebook outputs, so both write the same CSVs and HTML.

How to add a section
--------------------
1. Write ``def my_part(k: Karte) -> list[Block]`` below: compute the tables with functions of
   :mod:`ebpm.karte.tables`, return ``Table(frame, csv="8_名前")`` for every table a reader may want in
   Excel, ``Figure("chart_name", (table, k.name))`` for each chart (a function of
   :mod:`ebpm.karte.figures` that returns a matplotlib figure; its arguments must be picklable) and
   ``Text("...")`` for the sentences (です・ます, numbers through :func:`fmt`). A section with nothing
   to show (a file missing) returns a single ``Text`` saying which file to download.
2. Add ``Section("my_part", "8. 見出し", my_part, guide="**読み方** …")`` to :data:`SECTIONS`
   where it belongs in the report.
3. Add a code cell ``sections.show(k, "my_part")`` to ``town_karte.ipynb`` at the same place
   (tests/test_karte.py checks that the notebook and :data:`SECTIONS` list the same keys in the
   same order, and that the notebook and the batch renderer write the same CSVs).
"""
from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from ebpm.karte import figures, summary, tables
from ebpm.karte.notebook import fmt, table_html

if TYPE_CHECKING:
    from ebpm.karte.notebook import Karte

CALL = re.compile(r'^sections\.show\(k, "(\w+)"\)', re.MULTILINE)   # a section's call in town_karte.ipynb
PNG_DPI = 100   # the notebook's figure.dpi (plotting.setup); both renderers write the PNG at this resolution


@dataclass
class Text:
    """A paragraph of Markdown."""

    markdown: str


@dataclass
class Table:
    """A table: saved as ``csv/<csv>.csv`` (UTF-8 with BOM) when ``csv`` is given, shown when ``show``."""

    frame: pd.DataFrame
    csv: str | None = None
    show: bool = True


@dataclass
class Figure:
    """A chart of :mod:`ebpm.karte.figures`, drawn by whoever displays the section."""

    chart: str | Callable
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


Block = Text | Table | Figure


@dataclass(frozen=True)
class Section:
    key: str
    title: str | None              # the heading (## …); None for the page's top
    build: Callable[[Karte], list[Block]]
    guide: str | None = None       # the reading guide under the section (読み方・分からないこと・次に問うこと)


# --- the sections ----------------------------------------------------------------------------------

def header(k: Karte) -> list[Block]:
    info = k.info
    return [Text(f"## {info['団体名']}（{info['都道府県名']}、団体コード {k.code}）\n\n"
                 + ("**このカルテは本研修の架空データで作っています。実在の市町村の数字ではありません。**\n\n"
                    if k.synthetic else "")
                 + f"比較の決め方: {k.rule.describe()}")]


def first_numbers(k: Karte) -> list[Block]:
    table = summary.summary_table(k.sources, k.code, k.rule)
    return [Table(table, "0_まず見る数字", show=False), Table(summary.display_table(table)),
            Text("順位は丸める前の値でつけ、いちばん値の高い団体が 1 位です（向きは右の列）。同じ値の団体は同じ順位とし、"
                 "その数を書いています。比べる団体の決め方はページの上にあります。自然増減と社会増減は団体の大きさが違うため、"
                 "人口千人あたりの値で順位をつけました。")]


def population(k: Karte) -> list[Block]:
    table = tables.population_table(k.sources, k.code)
    known = table.dropna(subset=["人口_計"])
    first, last = known.iloc[0], known.iloc[-1]
    rate = (last["人口_計"] / first["人口_計"] - 1) * 100
    lines = [
        f"- 最新の総人口は **{fmt(last['人口_計'])} 人**（{last['基準日']}、{last['状態']}）、世帯数は {fmt(last['世帯数'])} 世帯です。",
        f"- いちばん古いファイルでは {fmt(first['人口_計'])} 人（{first['基準日']}、{first['状態']}）で、そこから {rate:+.1f}% 変わりました。",
    ]
    missing = table.loc[table["状態"] == tables.MISSING, "年"].tolist()
    if missing:
        lines.append(f"- **{'、'.join(map(str, missing))} 年のファイルがありません**。グラフではグレーの帯にし、線をつないでいません（補っていません）。")
    if table["状態"].str.startswith("3月31日").any():
        lines.append("- 2013 年までの値は 3 月 31 日現在、2014 年からは 1 月 1 日現在です（オレンジの点線）。その間は 9 か月しかありません。")
    return [Table(table, "1_人口と世帯数", show=False), Figure("population_chart", (table, k.name)),
            Text("\n".join(lines)), Table(table)]


def change(k: Karte) -> list[Block]:
    table = tables.change_table(k.sources, k.code)
    totals = tables.change_totals(k.sources, k.code)
    natural, social = totals["自然増減"], totals["社会増減"]
    latest = table.dropna(subset=["自然増減数"]).iloc[-1]
    text = (f"- 最新の期間（{latest['人口動態の期間']}）: 自然増減 **{fmt(latest['自然増減数'])} 人**（出生 {fmt(latest['出生者数'])}・死亡 {fmt(latest['死亡者数'])}）、"
            f"社会増減 **{fmt(latest['社会増減数'])} 人**（転入 {fmt(latest['転入者数'])}・転出 {fmt(latest['転出者数'])}）。\n"
            f"- ファイルのある {totals['期間の数']} 期間の合計: 自然増減 {fmt(natural)} 人、社会増減 {fmt(social)} 人。"
            + ("人口の減少は主に**自然減**（出生より死亡が多い）によるものです。" if abs(natural) >= abs(social)
               else "人口の変化は主に**社会増減**（転入と転出の差）によるものです。"))
    return [Table(table, "2_自然増減と社会増減", show=False), Figure("change_chart", (table, k.name)),
            Text(text), Table(table)]


def ages(k: Karte) -> list[Block]:
    s = k.sources
    pyramid = tables.pyramid_table(s, k.code)
    if pyramid is None or pyramid.empty:
        from ebpm.karte.sources import AGE_DOWNLOAD

        return [Text("年齢構成は示していません。**" + AGE_DOWNLOAD + "**をデータのフォルダに入れると、人口ピラミッド、"
                     "年少・生産年齢・老年人口の割合と高齢化率、世代ごとの人数の変化が加わります（5 年離れた 2 年分があると"
                     "世代の変化も見られます）。")]
    structure = tables.age_structure_table(s, k.code, k.rule)
    cohorts, cohort_notes = tables.cohort_table(s, k.code)
    first, last = structure.iloc[0], structure.iloc[-1]
    lines = [f"- {last['年']} 年 1 月 1 日の**高齢化率は {fmt(last['高齢化率_%'], 1)}%**（65 歳以上 {fmt(last['老年人口'])} 人 ÷ 総数 "
             f"{fmt(last['総数'])} 人）、年少人口（0〜14 歳）は {fmt(last['年少人口割合_%'], 1)}%、生産年齢人口（15〜64 歳）は "
             f"{fmt(last['生産年齢人口割合_%'], 1)}% です。"]
    if len(structure) > 1:
        lines.append(f"- {first['年']} 年には高齢化率 {fmt(first['高齢化率_%'], 1)}% でした"
                     f"（{last['高齢化率_%'] - first['高齢化率_%']:+.1f} ポイント）。")
    for label in [c[: -len("での高齢化率の順位")] for c in structure.columns if c.endswith("での高齢化率の順位")]:
        rank = last[f"{label}での高齢化率の順位"]
        if pd.notna(rank):
            ties = int(last[f"{label}の同順位"])
            lines.append(f"- {label}: 高齢化率の高い順に **{int(last[f'{label}の団体数'])} 団体中 {int(rank)} 位**"
                         + (f"（{ties} 団体が同じ値で同順位）" if ties > 1 else "")
                         + f"、中央値は {fmt(last[f'{label}の高齢化率の中央値_%'], 1)}%。")
    unknown = structure["年齢不詳・非公表"].fillna(0)
    if (unknown != 0).any():
        shown = "、".join(f"{y} 年 {int(n)} 人" for y, n in zip(structure["年"], unknown) if n)
        lines.append(f"- 総数のうち年齢階級に入っていない人がいます（{shown}）。外国人住民の年齢別の内訳が公表されていない"
                     "（ファイルの団体名の「*」や注）か、年齢が分からない人です。割合は総数に対して計算しています。")
    tops = s.age.attrs.get("最上位の階級", {})
    if len(set(tops.values())) > 1:
        lines.append(f"- いちばん上の年齢階級がファイルによって違うため（{'・'.join(sorted(set(tops.values())))}）、"
                     f"ピラミッドと世代の表では {pyramid.loc[pyramid['下限'].idxmax(), '年齢階級']} にまとめました。")
    blocks: list[Block] = [Table(pyramid, "2-2_年齢構成_ピラミッド", show=False),
                           Table(structure, "2-2_年齢構成_3区分と高齢化率", show=False),
                           Figure("pyramid_chart", (pyramid, k.name)), Figure("ageing_chart", (structure, k.name)),
                           Text("\n".join(lines))]
    shown = ["年", "総数", "年少人口割合_%", "生産年齢人口割合_%", "高齢化率_%"] + [
        c for c in structure.columns if c.endswith("の高齢化率の中央値_%")]
    blocks.append(Table(structure[shown]))
    if cohorts is None:
        blocks.append(Text("**世代ごとの変化**: " + " ".join(cohort_notes)))
        return blocks
    both = cohorts[cohorts["性別"] == "計"]
    young = both[both["最初の年齢"].isin(["15〜19歳", "20〜24歳"])]
    text = ["**世代ごとの変化**（同じ世代の人数を 2 つのファイルで比べます）:"]
    for row in young.to_dict("records"):
        text.append(f"- {row['期間']}: {row['最初の年齢']}だった {fmt(row['最初の人数'])} 人の世代は、{row['後の年齢']}で "
                    f"{fmt(row['後の人数'])} 人（{row['変化率_%']:+.1f}%）。")
    text += [f"- {note}" for note in cohort_notes]
    blocks += [Table(cohorts, "2-2_年齢構成_世代の変化", show=False), Figure("cohort_chart", (cohorts, k.name)),
               Text("\n".join(text))]
    return blocks


def peers(k: Karte) -> list[Block]:
    base, last_year, window_note = tables.change_window(k.sources, k.rule)
    summary = tables.peer_summary(k.sources, k.code, k.rule)
    members = tables.peer_table(k.sources, k.code, k.rule)
    lines = [f"人口増減率 = {last_year} 年の人口 ÷ {base} 年の人口 − 1（%）。{window_note}", ""]
    for _, row in summary.iterrows():
        if pd.isna(row["順位"]):
            continue
        ties = f"、{int(row['同順位'])} 団体が同じ率で同順位" if row["同順位"] > 1 else ""
        lines.append(f"- {row['比較グループ']}: **{row['団体数']} 団体中 {int(row['順位'])} 位**（増加率の高い順{ties}）、"
                     f"本町より率の低い団体の割合（パーセンタイル）は **{fmt(row['パーセンタイル'], 1)}%**。"
                     f"本町 {fmt(row['値'], 2)}%、グループの中央値 {fmt(row['グループの中央値_%'], 2)}%。")
    blocks: list[Block] = [Table(summary, "3_比較_まとめ", show=False), Table(members, "3_比較_団体別", show=False),
                           Text("\n".join(lines))]
    for label, group in tables.peer_groups(k.sources, k.code, k.rule).items():
        blocks.append(Figure("peer_chart", (group, k.code, f"{label}の人口増減率（{base}→{last_year} 年、オレンジが本町）")))
    blocks.append(Table(summary))
    return blocks


def fiscal(k: Karte) -> list[Block]:
    table = tables.fiscal_table(k.sources, k.code, k.rule)
    if table is None:
        return [Text("主要財政指標のファイルがないため、この部分は省きました。" + " ".join(k.sources.notes))]
    lines = []
    for item in tables.INDICATORS:
        rows = table[table["指標"] == item]
        last = rows[rows["状態"] != tables.MISSING].iloc[-1]
        value = f"「{last['記号']}」（算定なし）" if last["記号"] else fmt(last["値"], 2)
        lines.append(f"- **{item}**（{last['和暦']}）: {value}。{tables.INDICATOR_NOTES[item]}")
    markers = tables.fiscal_markers(k.sources, k.code)
    if len(markers):
        lines.append("- 数字の代わりに記号が入っていたところ: "
                     + "、".join(f"{r.年度} 年度の{r.項目}「{r.記号}」" for r in markers.itertuples())
                     + "。グラフでは 0 とせず、記号のまま書いています。")
    return [Table(table, "4_主要財政指標", show=False), Figure("fiscal_chart", (table, k.name)),
            Text("\n".join(lines)), Table(table[table["年度"] == table["年度"].max()])]


def town_map(k: Karte) -> list[Block]:
    base, last_year, _ = tables.change_window(k.sources, k.rule)
    rates = tables.change_rates(k.sources, k.rule)
    shapes = k.sources.boundaries
    in_prefecture = None if shapes is None else shapes[shapes["団体コード"].astype("string").str[:2] == k.code[:2]]
    if in_prefecture is None or in_prefecture.empty or not (in_prefecture["団体コード"] == k.code).any():
        return [Text("地図は描いていません。**国土数値情報「行政区域データ（N03）」の、この都道府県の GeoJSON ファイル**をデータのフォルダに"
                     "入れる（またはパラメータ `boundaries` に指定する）と、県内での位置と人口増減率の地図が加わります。")]
    map_table = rates[rates["団体コード"].isin(set(in_prefecture["団体コード"].dropna().astype(str)))]
    credit = None if not k.synthetic else "架空の境界データ（本研修が生成したもので、実在の地形とは関係ありません）"
    zoomed = ""
    if figures.map_window(in_prefecture, k.code) is not None:
        zoomed = (f"{k.name}は県の全体の地図では小さすぎて見えないため、2 つの地図とも{k.name}の周辺を拡大し、"
                  "県の全体を左の地図の右下に小さく示しました（オレンジの丸が本町、四角が拡大した範囲）。")
    return [Table(map_table, "5_地図_人口増減率", show=False),
            Figure("map_chart", (in_prefecture, map_table, k.code, k.name), {"credit": credit}),
            Text(f"左: {k.name}の位置（オレンジ）。右: 県内の市町村の人口増減率（{base}→{last_year} 年、色が濃いほど減少が大きい）。"
                 + zoomed + f"境界: {'、'.join(k.sources.boundary_files)}。")]


def data_notes(k: Karte) -> list[Block]:
    s = k.sources
    notes = list(s.juki.attrs.get("注記", []))
    for series in (s.age, s.zaisei):
        if series is not None:
            notes += list(series.attrs.get("注記", []))
    notes += s.notes + tables.missing_messages(s)
    changes = tables.appearing_and_disappearing(s)
    if len(changes):
        notes.append(f"途中で現れた・無くなった市町村（合併など）が {len(changes)} あります。比較は最新の年にある団体だけで行いました。")
    from ebpm.karte.sources import NOT_READ

    accounts = pd.DataFrame(s.files, columns=["ファイル", "状態", "内容・理由"])
    skipped = int((accounts["状態"] == NOT_READ).sum())
    notes.append(f"データのフォルダの {len(accounts)} ファイルのうち、{len(accounts) - skipped} ファイルを読み、"
                 f"{skipped} ファイルは読みませんでした（理由は下の「フォルダのファイル」の表）。")
    markers = set(s.juki["記号"].dropna().astype(str))
    if s.zaisei is not None:
        markers |= set(s.zaisei["記号"].dropna().astype(str))
    if markers:
        notes.append("ファイルにあった記号: " + "、".join(f"「{m}」" for m in sorted(markers)) + "（数字として扱っていません）。")
    credits = [k.credit("juki")] + ([k.credit("zaisei")] if s.zaisei is not None else [])
    if s.age is not None and not k.synthetic:
        credits.insert(1, "出典：総務省「住民基本台帳に基づく人口、人口動態及び世帯数」年齢階級別人口（CC BY 4.0）")
    if s.boundaries is not None:
        credits.append("架空の境界データ" if k.synthetic else "出典：国土交通省国土数値情報（行政区域データ）を加工して作成")
    blocks: list[Block] = [
        Table(tables.source_files(s), "6_読んだファイル"),
        Text("\n".join(["**注記**:"] + [f"- {n}" for n in notes] + ["", "**出典とライセンス**:"] + [f"- {c}" for c in credits])),
        Text("**フォルダのファイル**（読んだファイルは何の何年分か、読まなかったファイルはその理由）:"),
        Table(accounts, "6_フォルダのファイル"),
    ]
    if len(changes):
        blocks.append(Table(changes, "6_合併などで変わった団体"))
    return blocks


def kpi(k: Karte) -> list[Block]:
    return [Table(tables.kpi_baselines(k.sources, k.code), "7_KPI基準値"),
            Text("この表は、このカルテのフォルダの `csv/7_KPI基準値.csv` にもあります。第 4 回ワークショップの KPI シートの"
                 "「基準値」「基準年」「データソース」に使えます。")]


SECTIONS: list[Section] = [
    Section("header", None, header),
    Section("summary", "まず見る数字", first_numbers),
    Section("population", "1. 人口と世帯数", population, guide=(
        "**読み方** 青い線が住民基本台帳の人口（上）と世帯数（下）です。人口が減っても世帯数が減らない（1 世帯あたりの人数が減る）のは、"
        "ひとり暮らしの高齢者が増えるとよく起きます。**分からないこと**: なぜ減ったか（亡くなった人が多いのか、転出が多いのか）は"
        "このグラフからは分かりません。次の 2 で分けて見ます。住民基本台帳の人口は国勢調査の人口と少し違います（住民票を移さずに"
        "住んでいる人がいるため）。**次に問うこと**: 減り方は速くなっていますか、ゆるやかになっていますか。")),
    Section("change", "2. 自然増減と社会増減", change, guide=(
        "**読み方** 緑の棒が自然増減（出生 − 死亡）、紫の棒が社会増減（転入など − 転出など）です。地方創生の計画はこの 2 つを分けて"
        "考えるところから始まります。2013 年のファイルまでは年度（4 月〜翌年 3 月）、2014 年のファイルからは暦年（1 月〜12 月）の"
        "集計なので、境目の前後は期間が重なっています。**分からないこと**: どの年齢の人が出ていくのか、どこへ行くのかは、この表には"
        "ありません（年齢別の転出入は住民基本台帳の年齢別の表や住民基本台帳人口移動報告で見ます）。**次に問うこと**: 社会減は"
        "若い世代の進学・就職の時期に集中していますか。")),
    Section("ages", "2-2. 年齢構成（人口ピラミッド、高齢化率、世代ごとの変化）", ages, guide=(
        "**読み方** ピラミッドの棒が最新のファイル、黒い線がいちばん古いファイルの人口です（左が男性、右が女性）。"
        "高齢化率は 65 歳以上の人が総数に占める割合で、右の図の青い線が本町、グレーの線が比べた団体の中央値です。"
        "世代ごとの変化は、たとえば 15〜19 歳だった人たちが 5 年後に 20〜24 歳として何人いるかを比べたものです（コーホート変化率）。"
        "**分かること**: 若い世代では亡くなる人がごく少ないので、減った分のほとんどは**転出が転入を上回った**ことによります。"
        "進学・就職の年齢（15〜24 歳）で大きく減り、25〜39 歳で戻る（増える）かどうかが、U ターンの手がかりになります。"
        "**分からないこと**: この数字は差し引きです。何人が出て行き何人が入ってきたか、どこへ行ったかは分かりません"
        "（住民基本台帳人口移動報告や転出入の届で見ます）。高齢の世代の減少は主に死亡で、移動とは区別できません。"
        "住民票を移さずに進学する学生は、町に残っているように数えられます。5 年離れていないファイルの組は、世代が階級の境目を"
        "またぐため比べていません。**次に問うこと**: 若い世代の減り方は、前の 5 年より大きくなっていますか。"
        "戻ってくる年齢の人を増やす施策は、何をきっかけにしていますか。")),
    Section("peers", "3. 近隣・類似団体との比較", peers, guide=(
        "**読み方** 同じ期間の人口増減率を、県内の市町村と、全国の同じ種類・似た人口規模の市町村とで比べています（決め方はページの上に"
        "書いてあります。パラメータ `peer_rule` で変えられます）。順位は増加率の高い順（減少の小さい順）です。パーセンタイルが 30% なら、"
        "比べた団体の 30% は本町より減り方が大きいということです。**分からないこと**: 順位が低い理由（地理、産業、合併の有無）は"
        "分かりません。比べる相手を変えると順位も変わります。**次に問うこと**: 似た条件で減り方の小さい団体は、何をしていますか。"
        "\n\n**なぜ「人口が半分から 2 倍まで」なのか** 総務省の「類似団体区分」（決算カードや財政状況資料集の類似団体）は、"
        "人口と産業構造（国勢調査の第 2 次・第 3 次産業の就業者の割合）で市町村を分けたものです。産業構造の数字は、このカルテが"
        "読むファイル（住民基本台帳と主要財政指標）にないため、その区分をここで正しく作ることはできません（推し量って作ることは"
        "していません）。そこで、同じファイルからだれでも確かめられる「同じ種類（市は市、町村は町村）で、人口が本町の半分から"
        "2 倍まで」を使っています。人口の規模は、行政サービスにかかる費用や財政の形にいちばん強く関わる条件で、この幅なら全国で"
        "比べるのに足りる数の団体が入ります。順位はパラメータ `peer_rule` の `size_ratio` などで変えて確かめられます。"
        "類似団体区分で比べたいときは、財政状況資料集の類似団体の一覧と見比べてください。")),
    Section("fiscal", "4. 主要財政指標", fiscal, guide=(
        "**読み方** 青い線が本町、グレーの破線・点線が比べた団体の中央値（真ん中の値）です。「-」は数字がないことを示す記号で、"
        "将来負担比率の「-」は負担より充てられる財源が多いため比率が算定されないことを表します。0 ではありません。"
        "**分からないこと**: 指標の良し悪しの理由（大きな事業、災害、合併特例の終わり）はこの表からは分かりません。決算カードや"
        "財政状況資料集で確かめます。**次に問うこと**: 経常収支比率が上がり続けていれば、新しい事業に使えるお金は減っています。")),
    Section("map", "5. 地図", town_map, guide=(
        "**読み方** 色は市町村ごとの人口増減率です。となりの市町村と同じ色なら、本町だけの事情ではなく地域に共通する動きかもしれません。"
        "**分からないこと**: 市町村の中のどの地区で減っているかは分かりません（町丁別の人口で見ます）。")),
    Section("notes", "6. データについての注記", data_notes),
    Section("kpi", "7. KPI シートに貼る基準値", kpi, guide=(
        "**読み方** KPI（重要業績評価指標）の基準値は、施策を始める前の値です。目標値は、この基準値と上のグラフの傾きを見て決めます。"
        "人口のように施策以外の要因で大きく動く指標は、施策の効果を測る KPI にはしにくいことに注意してください。")),
]
BY_KEY = {section.key: section for section in SECTIONS}


# --- computing and displaying ----------------------------------------------------------------------

def keys_in(source: str) -> list[str]:
    """The sections a notebook cell shows, in order."""
    return CALL.findall(source)


def blocks(k: Karte, key: str) -> list[Block]:
    """The section's blocks with its heading and reading guide, CSVs saved under ``k.output``."""
    section = BY_KEY[key]
    out: list[Block] = [Text(f"## {section.title}")] if section.title else []
    for block in section.build(k):
        if isinstance(block, Table) and block.csv:
            k.save(block.frame, block.csv)
        out.append(block)
    if section.guide:
        out.append(Text(section.guide))
    return out


def draw(figure: Figure):
    """Draw a chart: a function of :mod:`ebpm.karte.figures` by name, or any module-level function
    (another report, e.g. :mod:`ebpm.evaluation.figures`, uses the same blocks)."""
    if callable(figure.chart):
        return figure.chart(*figure.args, **figure.kwargs)
    from ebpm.karte import figures

    return getattr(figures, figure.chart)(*figure.args, **figure.kwargs)


def png(fig) -> bytes:
    """The figure as PNG, the same bytes in the notebook and in a batch worker; the figure is closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    # no bbox_inches="tight": every chart lays itself out, and cutting to the content costs another full draw
    fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def outputs(items: list[Block]) -> list[dict]:
    """The blocks as the notebook's display_data outputs (what IPython's display() writes)."""
    result = []
    for block in items:
        if isinstance(block, Text):
            data = {"text/markdown": block.markdown, "text/plain": "<IPython.core.display.Markdown object>"}
        elif isinstance(block, Table):
            if not block.show:
                continue
            data = {"text/html": table_html(block.frame), "text/plain": "<IPython.core.display.HTML object>"}
        else:
            data = {"image/png": base64.b64encode(png(draw(block))).decode("ascii"),
                    "text/plain": "<IPython.core.display.Image object>"}
        result.append({"output_type": "display_data", "data": data, "metadata": {}})
    return result


def show(k: Karte, key: str) -> None:
    """Compute the section, save its CSVs and display it (the notebook's one call per section)."""
    display_blocks(blocks(k, key))


def display_blocks(items: list[Block]) -> None:
    """Blocks shown in a running notebook (what :func:`outputs` writes for the batch renderer)."""
    from IPython.display import HTML, Image, Markdown, display

    for block in items:
        if isinstance(block, Text):
            display(Markdown(block.markdown))
        elif isinstance(block, Table):
            if block.show:
                display(HTML(table_html(block.frame)))
        else:
            display(Image(data=png(draw(block)), format="png"))
