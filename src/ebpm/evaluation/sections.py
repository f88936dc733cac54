"""The organiser's report, section by section: one list that the notebook and the batch renderer both read.

It reuses the town karte's blocks (:class:`ebpm.karte.sections.Text`, ``Table`` and ``Figure``), its
drawing and its HTML export, so both reports look and render alike. A section returns no blocks when
its data are absent (no follow-up yet, no release times): its heading and guide are then left out too.
Every table shown is an aggregate; no learner id or name reaches the report.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ebpm.evaluation import figures, questionnaire, stats
from ebpm.evaluation.data import OCCASION_LABELS, EvaluationData
from ebpm.karte.sections import Figure, Section, Table, Text

CALL = re.compile(r'^sections\.show\(r, "(\w+)"\)', re.MULTILINE)   # a section's call in the template


@dataclass
class Evaluation:
    """One report run: the tables and where the report's CSVs go."""

    data: EvaluationData
    output: Path

    def save(self, table: pd.DataFrame, name: str) -> pd.DataFrame:
        folder = self.output / "csv"
        folder.mkdir(parents=True, exist_ok=True)
        table.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")
        return table


def start(data_folder: str | Path, output_folder: str | Path = "evaluation_report") -> Evaluation:
    """Read the saved tables (:meth:`EvaluationData.save`) for the notebook."""
    from ebpm.karte.report import absolute

    return Evaluation(EvaluationData.load(absolute(data_folder)), absolute(output_folder))


SCALE_TEXT = f"{questionnaire.SCALE[0][0]}: {questionnaire.SCALE[0][1]} 〜 {questionnaire.SCALE[-1][0]}: {questionnaire.SCALE[-1][1]}"


def fmt(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def _rounded(table: pd.DataFrame, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    shown = table.drop(columns=[c for c in drop if c in table.columns]).copy()
    for column in shown.columns:
        if shown[column].dtype.kind == "f":
            shown[column] = shown[column].round(1 if "%" in column else 2) + 0.0  # no "-0" in a table
    return shown


def _interval_sentence(row: dict, unit: str) -> str:
    verdict = ("区間が 0 より上にあり、伸びたと言えます" if row["95%信頼区間の下限"] > 0 else
               "区間が 0 より下にあり、下がったと言えます" if row["95%信頼区間の上限"] < 0 else
               "区間が 0 をまたぎ、伸びたとは言い切れません")
    return (f"平均 {fmt(row['前の平均'])} → {fmt(row['後の平均'])}（伸び {fmt(row['伸び（平均）'])} {unit}、95% 信頼区間 "
            f"{fmt(row['95%信頼区間の下限'])}〜{fmt(row['95%信頼区間の上限'])}、d_z {fmt(row['効果量 d_z'])}、{row['人数']} 人）。{verdict}")


# --- the sections -------------------------------------------------------------------------------------------

def header(r: Evaluation) -> list:
    d = r.data
    both = stats.skill_pairs(d.skills)
    asked = d.answers["受講者ID"].nunique() if not d.answers.empty else 0
    lines = [f"**対象**: {d.note}。受講者 {len(d.learners)} 人、スキルチェックを 2 回とも受けた人 {len(both)} 人、"
             f"アンケートに 1 回以上答えた人 {asked} 人。"]
    if d.synthetic:
        lines.insert(0, "**この報告は架空の受講者（ebpm.synth.cohorts）で作った例です。実際の研修の結果ではありません。**")
    lines.append(f"**統計の方法**: 伸びは同じ人の「後 − 前」の平均で、{stats.CI_METHOD}を付けています。"
                 f"{stats.EFFECT_SIZE}。所属別の結果は {stats.MINIMUM_GROUP} 人以上の組だけを示します。")
    return [Text("\n\n".join(lines))]


READING_GUIDE = """\
この報告は、研修の**前と後**に同じ人が受けたスキルチェックとアンケートを比べたものです。ワークショップ 3 で学んだ
「前後比較のわな」は、この報告にもそのまま当てはまります。

**分かること**

- 受講した人が、研修の前と後で、同じ種類の問題をどれだけ解けるようになったか。同じ人の前後の差を見ているので、
  人による得意・不得意は差し引かれています。
- スキルチェックの 2 つの形式（A と B）は、どちらを先に受けるかを受講者ごとに抽選で決めました。そのため、
  形式の難しさの違いを確かめ、伸びから差し引くことができます（「2 つの形式の難しさ」の節）。
- どの段階で何人が提出をやめたか、配布から提出までに何日かかったか。

**分からないこと**

- **伸びのすべてが研修のおかげとは言えません。** 研修を受けなかった人（比較群）がいないので、「受けなかったら
  どれだけ伸びていたか」が分からないからです。同じ時期の別の出来事（異動、庁内の別の研修、業務でデータを使い
  始めたこと）、2 回目は問題の形に慣れていること（練習の効果）も、伸びに混ざっています。
- アンケートは自己評価です。研修の後は「できるようになったはず」と高めに答えやすく、実際の力の伸びとは限りません。
- 途中でやめた人は、前後の比較に入っていません。続けた人はもともと意欲の高い人かもしれず、その分、伸びは
  大きめに見えることがあります。
- 1 回目がたまたま低かった人は、2 回目に平均に近づきやすい（平均への回帰）ので、「伸びた人の割合」は
  研修がなくても 0 にはなりません。

**効果を確かめたいときは**: 次の期の受講者（受講を待っている人）に同じ時期に同じスキルチェックを受けてもらい、
その人たちの「前後の差」と比べる（待機群を比較群にする）、または受講する時期を抽選で決める、といった設計が
必要です。ワークショップ 3-2（実験と差の差分法）と 4-2（評価計画）の考え方を、研修そのものに当てはめます。

**数字の読み方**: 95% 信頼区間は、同じような受講者で研修を繰り返したときの推定のぶれの幅です。区間が 0 を
またぐときは「伸びたとは言い切れない」と読みます。人数が少ないほど区間は広くなります。効果量 d_z は伸びの
平均を、伸びの個人差（標準偏差）で割ったもので、0.2 で小さい、0.5 で中くらい、0.8 で大きいが目安です。
"""


def guide(r: Evaluation) -> list:
    return [Text(READING_GUIDE)]


def skills(r: Evaluation) -> list:
    d = r.data
    table = stats.skill_gains(d.skills, d.skill_labels)
    if table.empty:
        return []
    points = float(d.skills["満点"].max())
    total = table[table["スキルID"] == stats.TOTAL].iloc[0].to_dict()
    unit = f"点（各スキル {points:g} 点満点、合計 {points * len(d.skill_labels):g} 点満点）"
    per_skill = table[table["スキルID"] != stats.TOTAL]
    return [Table(_rounded(table), "1_スキルの伸び", show=False),
            Text(f"**合計点**: {_interval_sentence(total, '点')}"),
            Figure(figures.gain_intervals, (per_skill, "スキル", "スキルごとの伸び（研修後 − 研修前）", "点")),
            Figure(figures.before_after, (per_skill, "スキル", "スキルごとの平均点", f"点、各 {points:g} 点満点")),
            Table(_rounded(table, ("スキルID",))),
            Text(f"単位: {unit}。")]


def forms_check(r: Evaluation) -> list:
    d = r.data
    table = stats.form_difficulty(d.skills, d.skill_labels)
    if table.empty or "両方の時期: A − B" not in table:
        return []
    total = table[table["スキルID"] == stats.TOTAL].iloc[0]
    differs = total["両方の時期: 下限"] > 0 or total["両方の時期: 上限"] < 0
    text = (f"合計点で、形式 A は形式 B より平均 {fmt(total['両方の時期: A − B'])} 点"
            f"{'やさしい' if total['両方の時期: A − B'] >= 0 else '難しい'}と推定されます（95% 信頼区間 "
            f"{fmt(total['両方の時期: 下限'])}〜{fmt(total['両方の時期: 上限'])}）。"
            + ("**区間が 0 をまたがないので、2 つの形式の難しさは違います。** 伸びは「形式の差を除いた伸び」の列で読んでください"
               f"（合計 {fmt(total['形式の差を除いた伸び'])} 点、{fmt(total['伸びの下限'])}〜{fmt(total['伸びの上限'])}）。"
               if differs else "区間が 0 をまたぐので、難しさが違うとは言えません（2 つの形式はほぼ同じ難しさとみなせます）。"))
    return [Table(_rounded(table), "2_形式の難しさ", show=False), Text(text), Figure(figures.form_difference, (table,)),
            Table(_rounded(table, ("スキルID",)))]


def _items(r: Evaluation, later: str, key: str) -> list:
    d = r.data
    table = stats.item_gains(d.answers, d.item_labels, later)
    if table.empty:
        return []
    title = f"アンケートの項目ごとの伸び（{OCCASION_LABELS[later]} − 研修前）"
    return [Table(_rounded(table), key, show=False),
            Text(f"5 段階の自己評価（{SCALE_TEXT}）の平均です。単位は段階（ポイント）です。"),
            Figure(figures.gain_intervals, (table, "項目", title, "段階")),
            Figure(figures.before_after, (table, "項目", "項目ごとの平均", "段階、1〜5", OCCASION_LABELS[later])),
            Table(_rounded(table, ("項目ID",)))]


def questionnaire_after(r: Evaluation) -> list:
    return _items(r, "after", "3_アンケート_研修後")


def _choices(r: Evaluation, occasion: str, kind: str, title: str, key: str) -> list:
    d = r.data
    respondents = d.answers.loc[d.answers["時期"] == occasion, "受講者ID"]
    if respondents.empty:
        return []
    table = stats.choice_shares(d.choices[d.choices["時期"] == occasion], respondents, kind,
                                d.choice_labels.get(kind, {}))
    if table.empty:
        return []
    return [Table(_rounded(table), key, show=False),
            Text(f"{OCCASION_LABELS[occasion]}のアンケートに答えた {respondents.nunique()} 人のうち、各選択肢を選んだ人の割合です（複数回答）。"),
            Figure(figures.shares, (table, title)), Table(_rounded(table))]


def intentions(r: Evaluation) -> list:
    return _choices(r, "after", "intentions", "研修後にしようと思うこと（複数回答）", "4_研修後の意向")


def followup(r: Evaluation) -> list:
    items = _items(r, "followup", "5_アンケート_3か月後")
    actions = _choices(r, "followup", "actions", "3 か月の間にデータを使ってしたこと（複数回答）", "6_3か月後の行動")
    if not items and not actions:
        return []
    return items + actions


def groups(r: Evaluation) -> list:
    d = r.data
    out = []
    pairs = stats.skill_pairs(d.skills)
    if not pairs.empty:
        table, note = stats.gains_by_group(pairs, d.learners, f"{stats.TOTAL}_before", f"{stats.TOTAL}_after")
        out.append(Text("**スキルチェックの合計点の伸び（点）**" + (f" {note}" if note else "")))
        if not table.empty:
            out += [Table(_rounded(table), "7_所属別_スキル", show=False), Table(_rounded(table))]
    if not d.answers.empty:
        wide = (d.answers.groupby(["受講者ID", "時期"])["回答"].mean().unstack("時期"))
        if {"before", "after"} <= set(wide.columns):
            both = wide.dropna(subset=["before", "after"]).reset_index()
            table, note = stats.gains_by_group(both, d.learners, "before", "after")
            out.append(Text("**アンケートの全項目の平均の伸び（段階）**" + (f" {note}" if note else "")))
            if not table.empty:
                out += [Table(_rounded(table), "8_所属別_アンケート", show=False), Table(_rounded(table))]
    return out


def completion(r: Evaluation) -> list:
    d = r.data
    table = stats.funnel(d.handins, d.steps, len(d.learners))
    return [Table(_rounded(table), "9_段階ごとの提出", show=False),
            Figure(figures.funnel, (table, len(d.learners))), Table(_rounded(table))]


def timing(r: Evaluation) -> list:
    d = r.data
    table = stats.release_to_handin(d.handins, d.releases)
    if table.empty:
        return []
    order = {step: i for i, step in enumerate(d.steps)}
    table = table.sort_values("段階", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    return [Table(_rounded(table), "10_配布から提出まで", show=False), Figure(figures.days_to_handin, (table,)),
            Table(_rounded(table))]


def checks(r: Evaluation) -> list:
    d = r.data
    if d.flags.empty:
        return [Text("スキルチェックの形式と提出の時期に、割り当てと合わないものはありませんでした。")]
    return [Text(f"割り当てと合わない提出などが **{d.flags['受講者ID'].nunique()} 人分（{len(d.flags)} 件）**あります。"
                 "この報告には個人を示しません。講師は `_grading/evaluation/要確認.csv`（氏名つき）で確かめてください。")]


SECTIONS: list[Section] = [
    Section("header", None, header),
    Section("guide", "この報告の読み方（前後比較で分かること・分からないこと）", guide),
    Section("skills", "1. スキルチェックの伸び", skills, guide=(
        "**読み方** 点が伸びの平均、線が 95% 信頼区間です。線が 0 の破線より右にあれば伸びたと言えます。伸びには研修以外の"
        "理由（練習の効果、同じ時期の出来事）も混ざっています（上の「読み方」）。")),
    Section("forms", "2. 2 つの形式の難しさ（無作為な割り当てによる確認）", forms_check, guide=(
        "**読み方** どちらの形式を先に受けるかは抽選で決めたので、同じ時期に A を受けた人と B を受けた人は、平均すると同じ力の"
        "人たちです。その平均点の差（A − B）が形式の難しさの差です。研修前と研修後のそれぞれで比べ（Welch の t 区間）、"
        "両方の時期を合わせた推定（A を先に受けた人と B を先に受けた人の「A − B」の平均の、そのまた平均）も示します。"
        "同じ組み合わせから、形式の差を除いた伸びも求められます。")),
    Section("questionnaire", "3. アンケート（研修前 → 研修後）", questionnaire_after, guide=(
        "**読み方** 自己評価の伸びです。できるようになったと感じているかを示しますが、実際の力の伸びとは限りません。"
        "スキルチェックの伸びと見比べてください。")),
    Section("intentions", "4. 研修後にしようと思うこと", intentions),
    Section("followup", "5. 3 か月後のアンケート", followup, guide=(
        "**読み方** 研修前から 3 か月後までの伸びと、その間にデータを使ってしたことです。3 か月後に答えた人は、研修後に答えた人より"
        "少ないことが多く、答えた人はデータを使っている人に偏りがちです。")),
    Section("groups", "6. 所属別の結果", groups, guide=(
        f"**読み方** {stats.MINIMUM_GROUP} 人以上の所属だけを示します。少人数の所属は「{stats.OTHER}」にまとめ、まとめても"
        f"{stats.MINIMUM_GROUP} 人に満たないときは人数の少ない所属もいっしょにまとめるか、表を示しません。"
        "人数が少ないので区間は広く、所属どうしの差を順位のように読まないでください。")),
    Section("completion", "7. 段階ごとの提出（どこで止まったか）", completion, guide=(
        "**読み方** 各段階で提出した人数と、そこが最後の提出になった人数です。止まった人が多い段階は、時間や難しさを見直す"
        "手がかりになります。")),
    Section("timing", "8. 配布から提出までの日数", timing, guide=(
        "**読み方** `ebpm release` で配布した日時から、各ノートブックの提出日時までの日数です。スキルチェックは 2 つの形式を"
        "研修の始めに配布するため、2 回目の日数は研修の期間を含みます。")),
    Section("checks", "9. 確認が必要な提出", checks),
]
BY_KEY = {section.key: section for section in SECTIONS}


def keys_in(source: str) -> list[str]:
    return CALL.findall(source)


def blocks(r: Evaluation, key: str) -> list:
    """The section's blocks with heading and guide (none at all when the section has nothing to show)."""
    section = BY_KEY[key]
    made = section.build(r)
    if not made:
        return []
    out: list = [Text(f"## {section.title}")] if section.title else []
    for block in made:
        if isinstance(block, Table) and block.csv:
            r.save(block.frame, block.csv)
        out.append(block)
    if section.guide:
        out.append(Text(section.guide))
    return out


def show(r: Evaluation, key: str) -> None:
    """The notebook's one call per section: compute, save CSVs, display (as the karte shows its sections)."""
    from ebpm.karte.sections import display_blocks

    display_blocks(blocks(r, key))
