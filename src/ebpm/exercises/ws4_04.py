"""Checks of ワークショップ 4 宿題: データ管理計画と政策提案書
(solutions/ws4_policy_and_data_quality/04_homework_policy_brief).

Exercise names drop the notebook's grade-id prefix (``ws4-4-facts`` → ``facts``).
"""
from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from ebpm import feedback, inventory
from ebpm.exercises import Exercise, Mistake, load
from ebpm.exercises.ws2_01 import call

CHILD_AGES = ["0〜4歳", "5〜9歳", "10〜14歳"]
SECTIONS = ["現状と課題", "提案する施策", "KPI と目標", "評価の方法", "データの管理と公開"]
TOWN_NAME = "星川町"
BRIEF_PATH = Path("deliverables") / "policy_brief.html"


def _children(year: int) -> int:
    population = load("town_population")
    rows = population[population["年齢階級"].isin(CHILD_AGES) & (population["年"] == year)]
    return int(rows["人口"].sum())


def _net_outflow() -> pd.Series:
    vital = load("town_vital_monthly")
    family = vital[vital["年齢区分"].isin(["0〜14歳", "25〜44歳"])]
    moves = family.pivot_table(index="年", columns="区分", values="人数", aggfunc="sum")
    return moves["転出"] - moves["転入"]


def _facts() -> dict[str, int]:
    population = load("town_population")
    return {
        "総人口_2025": int(population.loc[population["年"] == 2025, "人口"].sum()),
        "年少人口_2015": _children(2015),
        "年少人口_2025": _children(2025),
        "転出超過_3年平均": round(float(_net_outflow().loc[[2022, 2023, 2024]].mean())),
    }


# ---- 演習 1: 提案書の数字 ------------------------------------------------------------------------

def _judge_facts(facts) -> None:
    expected = _facts()
    feedback.expect_type(facts, dict, "key_facts", hint="{\"キー\": 値, ...} の辞書で作ります。")
    missing = [k for k in expected if k not in facts]
    feedback.expect(not missing, f"key_facts にキー {'、'.join(missing)} がありません。", hint="キーは表のとおりに書きます。")
    for key, value in expected.items():
        feedback.expect(feedback.is_number(facts[key]) and float(facts[key]).is_integer(),
                        f"「{key}」が整数ではありません（あなたの値 {feedback.show_value(facts[key])}）。",
                        hint="int(...) や round(...) で整数にします。")
        feedback.expect_close(facts[key], value, f"「{key}」")


facts = Exercise(
    variable="key_facts",
    judge=_judge_facts,
    hint="年で絞って人口を合計し、年少人口は 3 つの年齢階級だけ、転出超過は 3 年分の平均を round で丸めます。",
    passed="4 つの数字がそろいました。",
    mistakes=(
        Mistake("年少人口の年が入れ替わっています。2015 年と 2025 年を確かめます。",
                test=lambda f: f.get("年少人口_2015") == _children(2025) and f.get("年少人口_2025") == _children(2015)),
        Mistake("年少人口が 0〜4歳の階級だけになっています。0〜4歳・5〜9歳・10〜14歳の 3 つを合計します。",
                test=lambda f: f.get("年少人口_2025") == int(load("town_population").query("年 == 2025 and 年齢階級 == '0〜4歳'")["人口"].sum())),
        Mistake("年少人口に 15〜19歳まで入っています。0〜14 歳は 0〜4歳・5〜9歳・10〜14歳の 3 つの階級です。",
                test=lambda f: f.get("年少人口_2015") == _children(2015) + int(
                    load("town_population").query("年 == 2015 and 年齢階級 == '15〜19歳'")["人口"].sum())),
        Mistake("転出超過が 2024 年 1 年だけの値です。2022〜2024 年の平均にします。",
                test=lambda f: f.get("転出超過_3年平均") == int(_net_outflow().loc[2024])),
        Mistake("転出超過の符号が逆です（転入 − 転出）。転出数 − 転入数 にします。",
                test=lambda f: f.get("転出超過_3年平均") == -_facts()["転出超過_3年平均"]),
    ),
)


# ---- 演習 2: データ管理計画 ----------------------------------------------------------------------

def _judge_plan(plan) -> None:
    feedback.expect_type(plan, pd.DataFrame, "data_plan", hint="sources.copy() で写しを作ってから列を加えます。")
    feedback.expect_columns(plan, [*inventory.REQUIRED_COLUMNS, "個人情報", "公開", "ライセンス", "棚卸し年度"], "data_plan")
    feedback.expect_rows(plan, 5, "data_plan", hint="sources の 5 行をすべて残します。")
    problems = inventory.check_inventory(plan)
    feedback.expect(problems == [], "棚卸し表として問題があります: " + "／".join(problems))
    feedback.expect(set(plan["公開"]) <= {"公開", "非公開"}, "「公開」の列は「公開」か「非公開」だけにします。")
    feedback.expect(bool(plan["データ名"].str.contains("ごと").eq(plan["個人情報"] == "あり").all()),
                    "個人情報の列が元の棚卸し表と違います。", hint="sources の列は書き換えずに、新しい列を加えます。")
    personal = plan["個人情報"] == "あり"
    feedback.expect(bool((plan.loc[personal, "公開"] == "非公開").all()), "個人情報を含むデータが「公開」になっています。",
                    hint="個人ごと・世帯ごとの記録は公開しません。")
    feedback.expect(bool((plan.loc[~personal, "公開"] == "公開").all()), "個人情報を含まないデータが「非公開」になっています。",
                    hint="個人情報を含まないデータは、オープンデータとして公開します。")
    feedback.expect(bool((plan.loc[~personal, "ライセンス"] == "CC BY 4.0").all()), "公開するデータのライセンスが「CC BY 4.0」になっていません。")
    feedback.expect(bool((plan.loc[personal, "ライセンス"].fillna("") == "").all()), "公開しないデータのライセンス欄が空になっていません。",
                    hint="公開しないデータのライセンスは空の文字列 \"\" にします。")
    years = plan["棚卸し年度"]
    feedback.expect(bool(years.map(lambda v: feedback.is_number(v) and v == 2025).all()),
                    "棚卸し年度が、すべての行で 2025（整数）になっていません。", hint="文字列の \"2025\" ではなく、数の 2025 を入れます。")


plan = Exercise(
    variable="data_plan",
    judge=_judge_plan,
    hint="個人情報の列を .map({...}) で公開・非公開に、公開の列を .map({...}) でライセンスに置き換えます。",
    passed="データ管理計画は正解です。",
    mistakes=(
        Mistake("公開と非公開が逆です。個人情報が「あり」のデータは非公開にします。",
                test=lambda p: bool((p.loc[p["個人情報"] == "あり", "公開"] == "公開").all())),
        Mistake("非公開のデータにもライセンスが書かれています。公開しないデータのライセンスは空の文字列にします。",
                test=lambda p: bool((p.loc[p["個人情報"] == "あり", "ライセンス"].fillna("") != "").any())),
    ),
)


# ---- 演習 3: 提案書の文章 ------------------------------------------------------------------------

def _judge_brief(document) -> None:
    feedback.expect_type(document, dict, "brief", hint="{\"題名\": ..., \"現状と課題\": ..., ...} の辞書で作ります。")
    keys = ["題名", *SECTIONS]
    missing = [k for k in keys if k not in document]
    feedback.expect(not missing, f"brief にキー {'、'.join(missing)} がありません。", hint="キーは SECTIONS の見出しをそのまま使います。")
    empty = [k for k in keys if not isinstance(document[k], str) or not document[k].strip()]
    feedback.expect(not empty, f"「{'、'.join(empty)}」が空か、文字列ではありません。")
    feedback.expect(TOWN_NAME in document["題名"], "題名に町の名前がありません。", hint="TOWN_NAME を題名に入れます。")
    facts = _facts()
    for key in ("総人口_2025", "年少人口_2015", "年少人口_2025"):
        number = facts[key]
        written = f"{number:,}"
        feedback.expect(written in document["現状と課題"], f"「現状と課題」に {key} の {written} が 3 桁区切りで書かれていません。",
                        hint=f"f\"{{key_facts['{key}']:,}}\" のように、:, を付けて書き入れます。")


brief = Exercise(
    variable="brief",
    judge=_judge_brief,
    hint="題名と 5 つの見出しをキーにした辞書を作り、現状と課題には key_facts の数を :, 付きで書き入れます。",
    passed="提案書の文章がそろいました。",
    mistakes=(
        Mistake("数がコンマなしで書かれています。f\"{数:,}\" のように :, を付けると 3 桁区切りになります。",
                test=lambda d: str(_facts()["総人口_2025"]) in str(d.get("現状と課題", ""))),
    ),
)


# ---- 演習 4: 見出しと本文を HTML にする関数 -----------------------------------------------------------

SECTION_EXAMPLES = (("現状", "転出が多い"), ("A < B", "x & y"), ("評価の方法", "\"抽選\" で <比べる>"))


def _judge_section(function) -> None:
    feedback.expect(callable(function), "section_html が関数ではありません。", hint="def section_html(heading, body): で作ります。")
    for heading, body in SECTION_EXAMPLES:
        result = call(function, heading, body, name="section_html")
        what = f"section_html({feedback.show_value(heading)}, {feedback.show_value(body)}) の結果"
        feedback.expect_type(result, str, what, hint="return で文字列を返します。")
        feedback.expect_equal(result, f"<h2>{html.escape(heading)}</h2>\n<p>{html.escape(body)}</p>", what,
                              hint="見出しと本文をそれぞれ html.escape してから、<h2>…</h2>、改行、<p>…</p> の順に並べます。")


section = Exercise(
    variable="section_html",
    judge=_judge_section,
    hint="f\"<h2>{...}</h2>\\n<p>{...}</p>\" の形で、見出しと本文を html.escape して埋め込みます。",
    passed="見出しと本文を HTML にできました。",
    mistakes=(
        Mistake("< や & がそのまま入っています。見出しと本文を html.escape してから埋め込みます。",
                test=lambda f: "<h2>A < B</h2>" in str(f("A < B", "x & y")) or "x & y" in str(f("A < B", "x & y"))),
        Mistake("見出しと本文の間の改行がありません（または多すぎます）。\"\\n\" を 1 つ入れます。",
                test=lambda f: str(f("現状", "転出が多い")).replace("\n", "") == "<h2>現状</h2><p>転出が多い</p>"),
    ),
)


# ---- 演習 5: 政策提案書を HTML で書き出す -----------------------------------------------------------

class _Outline(HTMLParser):
    """The parts of a page the exercise asks for: title, h1, h2 and tables, in order, and the charset."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self.charset: str | None = None
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("title", "h1", "h2", "table", "p"):
            self.tags.append(tag)
            self._open = tag
        if tag == "meta":
            self.charset = dict(attrs).get("charset", self.charset)

    def handle_endtag(self, tag):
        self._open = None

    def handle_data(self, data):
        if self._open in ("title", "h1", "h2") and data.strip():
            self.texts.setdefault(self._open, []).append(data.strip())


def _judge_page(value) -> None:
    feedback.expect_type(value, (str, Path), "brief_file", hint="brief_file = Path(BRIEF_FILE) とします。")
    file = Path(value)
    feedback.expect_equal(file.name, BRIEF_PATH.name, "ファイル名")
    feedback.expect(file.is_file() and file.resolve() == (Path.cwd() / BRIEF_PATH).resolve(),
                    "deliverables フォルダに policy_brief.html がありません。", hint="Path(BRIEF_FILE).write_text(...) で書き出します。")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        text = None
    feedback.expect(text is not None, "ファイルが UTF-8 で書かれていません。", hint='write_text(..., encoding="utf-8") とします。')
    outline = _Outline()
    outline.feed(text)
    feedback.expect_equal((outline.charset or "").lower(), "utf-8", "meta の文字コード", hint="PAGE の枠組みをそのまま使います。")
    h1 = outline.texts.get("h1", [])
    feedback.expect(len(h1) == 1 and TOWN_NAME in h1[0], "h1 の題名がありません。", hint="最初の部品は <h1>題名</h1> です。")
    feedback.expect(outline.texts.get("title", [""])[0] == h1[0], "ページの題名（title）と h1 が違います。",
                    hint="PAGE.format(title=html.escape(brief[\"題名\"]), ...) とします。")
    feedback.expect_equal(outline.texts.get("h2", []), SECTIONS, "h2 の見出しの並び", hint="SECTIONS の順に section_html を並べます。")
    feedback.expect(outline.tags.count("table") == 1, f"KPI の表（<table>）が {outline.tags.count('table')} 個あります。1 個にします。",
                    hint="kpi_table.to_html(index=False) を 1 回だけ入れます。")
    order = [t for t in outline.tags if t in ("h2", "table")]
    feedback.expect(order.index("table") == SECTIONS.index("KPI と目標") + 1, "表が「KPI と目標」の節の直後にありません。",
                    hint="見出しが \"KPI と目標\" のときだけ、その節のすぐあとに表を加えます。")
    feedback.expect("子育て世代の転出超過数" in text, "KPI の表に指標名がありません。", hint="kpi_table を使います。")
    table = text[text.find("<table"):text.find("</table>")]
    body = table[table.find("<tbody"):]
    feedback.expect("<th" not in body, "KPI の表に、行の番号（インデックス）の列があります。",
                    hint="kpi_table.to_html(index=False) と、index=False を付けます。")


page = Exercise(
    variable="brief_file",
    judge=_judge_page,
    hint="部品のリストを作って \"\\n\".join でつなぎ、PAGE.format(...) でページにしてから write_text で書き出します。",
    passed="政策提案書の HTML ができました。ブラウザで開いてみましょう。",
)
