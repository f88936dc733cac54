"""Checks of ワークショップ 1-1: 課題から問いと仮説へ (solutions/ws1_problem_and_data/01_question_and_hypotheses)."""
from __future__ import annotations

from typing import Any

import pandas as pd

from ebpm import feedback, textnorm
from ebpm import inventory as _inventory
from ebpm.exercises import Exercise, Mistake, load, same
from ebpm.feedback import AnswerError

KINDS = ("テーマ", "問い", "仮説")
FAMILY_AGES = ("0〜14歳", "25〜44歳")
# The hypotheses of the worked example (example_tree in the notebook): a learner's tree needs one more.
EXAMPLE_HYPOTHESES = (
    "子育て世帯向けの賃貸住宅が足りない",
    "保育所に入りにくく、子育て環境に不満がある",
    "職場のある近隣の市へ移っている",
)


def _text(value: Any) -> str:
    return textnorm.normalize_text(str(value))


# ------------------------------------------------------------------ 演習 1: テーマ・問い・仮説


def _wrong_kinds(kinds: dict) -> list[tuple[str, str, str]]:
    """(sentence, the learner's kind, the right kind) for every sentence classified wrongly."""
    key = dict(_inventory._STATEMENT_KINDS)
    given = {_text(sentence): _text(kind) for sentence, kind in kinds.items()}
    return [(s, given.get(_text(s), ""), right) for s, right in key.items() if given.get(_text(s)) != right]


def _judge_kinds(kinds) -> None:
    key = dict(_inventory._STATEMENT_KINDS)
    feedback.expect_type(kinds, dict, "statement_kinds", hint="{文: \"テーマ\", ...} の形の辞書にします。")
    sentences = {_text(s) for s in key}
    unknown = [k for k in kinds if not isinstance(k, str) or _text(k) not in sentences]
    feedback.expect(not unknown, f"辞書のキーに、7 つの文のどれでもないものが {len(unknown)} 個あります。",
                    hint="キーには文そのものを使います。statements[0] から statements[6] までをキーにしてください。")
    missing = len(sentences - {_text(k) for k in kinds})
    feedback.expect(not missing, f"7 つの文のうち {missing} つが辞書のキーにありません。",
                    hint="statements[0] から statements[6] まで、7 つの文をすべてキーにします。")
    odd = sorted({_text(v) for v in kinds.values()} - set(KINDS))
    feedback.expect(not odd, "値は「テーマ」「問い」「仮説」のどれかにします。今ある値: " + "、".join(map(str, odd)))
    wrong = _wrong_kinds(kinds)
    feedback.expect(not wrong, f"7 つの文のうち {len(wrong)} つの分類が違います。")


def _mislabels(given: str, right: str):
    return lambda kinds: any(g == given and r == right for _, g, r in _wrong_kinds(kinds))


kinds = Exercise(
    variable="statement_kinds",
    judge=_judge_kinds,
    hint="疑問文でデータで答えられるものが「問い」、問いへの仮の答えになっている文が「仮説」、"
         "分野の名前だけのものが「テーマ」です。",
    passed="テーマ・問い・仮説を正しく見分けられました。",
    mistakes=(
        Mistake("「〜のか」「〜あるか」で終わる疑問文を「仮説」にしています。疑問文は「問い」です。"
                "仮説は「〜ため、〜している」のような、問いへの仮の答えの文です。", test=_mislabels("仮説", "問い")),
        Mistake("仮の答えになっている文（「〜ため、〜している」）を「問い」にしています。答えの形の文は「仮説」です。",
                test=_mislabels("問い", "仮説")),
        Mistake("分野の名前だけで、答えの形がない文は「テーマ」です。",
                test=lambda kinds: any(r == "テーマ" for _, _, r in _wrong_kinds(kinds))),
        Mistake("「テーマ」にした文の中に、文の形（疑問文や仮の答え）になっているものがあります。",
                test=lambda kinds: any(g == "テーマ" for _, g, _ in _wrong_kinds(kinds))),
    ),
)


# ------------------------------------------------------------------ 演習 2: 子育て世代の社会増減


def _net_by_year(ages=FAMILY_AGES, aggfunc: str = "sum") -> pd.Series:
    vital = load("town_vital_monthly")
    chosen = vital[vital["年齢区分"].isin(ages) & vital["区分"].isin(["転入", "転出"])]
    table = chosen.pivot_table(index="年", columns="区分", values="人数", aggfunc=aggfunc)
    return table["転入"] - table["転出"]


def _years(series: pd.Series) -> list[int]:
    try:
        return [int(year) for year in series.index]
    except (TypeError, ValueError):
        raise AnswerError("行の名前（インデックス）が年になっていません。",
                          "pivot_table の index=\"年\" で、年を行の名前にします。") from None


def _judge_net(net) -> None:
    expected = _net_by_year()
    feedback.expect_type(net, pd.Series, "family_net", hint="転入の列から転出の列を引くと、1 列のデータ（Series）になります。")
    years = _years(net)
    feedback.expect_equal(sorted(years), sorted(int(y) for y in expected.index), "family_net の年",
                          hint="年ごとに 1 行になるように、pivot_table の index に年を指定します。")
    for year, value in zip(years, net.tolist()):
        feedback.expect_close(value, float(expected[year]), f"{year} 年の社会増減")


def _only(ages: tuple[str, ...]):
    return lambda: _net_by_year(ages)


net = Exercise(
    variable="family_net",
    computed=True,
    judge=_judge_net,
    hint="転入と転出の行のうち、年齢区分が 0〜14歳 と 25〜44歳 の行を選び、年ごとに人数を合計してから 転入 − 転出 を求めます。",
    passed="子育て世代の社会増減は正解です。",
    mistakes=(
        Mistake("転出 − 転入 になっています。社会増減は 転入 − 転出 です。", value=lambda: -_net_by_year()),
        Mistake("全年齢の社会増減になっています。年齢区分で 0〜14歳 と 25〜44歳 に絞り込みます。",
                value=lambda: _net_by_year(tuple(_all_ages()))),
        Mistake("年齢区分が 1 つだけになっています。0〜14歳 と 25〜44歳 の両方を使います。",
                test=lambda answer: any(_same_values(answer, _only((age,))()) for age in FAMILY_AGES)),
        Mistake("子育て世代ではない年齢区分を選んでいます。isin の前に ~ を付けていませんか？",
                value=lambda: _net_by_year(tuple(a for a in _all_ages() if a not in FAMILY_AGES))),
        Mistake("月ごとの人数の平均になっています。pivot_table は何も指定しないと平均を求めます。"
                "aggfunc=\"sum\" を付けて合計します。", value=lambda: _net_by_year(aggfunc="mean")),
        Mistake("行の数を数えています。人数の合計を求めます（aggfunc=\"sum\"）。", value=lambda: _net_by_year(aggfunc="count")),
    ),
)


def _all_ages() -> list[str]:
    """Every 年齢区分 of the data (for the mistakes that choose other ages)."""
    return list(load("town_vital_monthly")["年齢区分"].unique())


def _same_values(answer: Any, expected: pd.Series) -> bool:
    return isinstance(answer, pd.Series) and same(list(answer), list(expected))


# ------------------------------------------------------------------ 演習 3: ロジックツリー


def _judge_tree(tree) -> None:
    feedback.expect_type(tree, dict, "logic_tree", hint='{"問い": ..., "仮説": [...]} の形の辞書にします。')
    problems = _inventory.check_logic_tree(tree)
    feedback.expect(not problems, "ロジックツリーの形に問題があります:\n" + "\n".join(problems))
    own = {_text(item["仮説"]) for item in tree["仮説"]}
    feedback.expect(bool(own - {_text(h) for h in EXAMPLE_HYPOTHESES}), "すべての仮説が例と同じです。",
                    hint="例とは違う、自分たちで考えた仮説を 1 つ以上入れます。")
    feedback.expect(len(_text(tree["問い"])) >= 10, "問いが短すぎます。",
                    hint="誰の、何についての疑問かが分かるように書きます。")


tree = Exercise(
    variable="logic_tree",
    judge=_judge_tree,
    hint='{"問い": "…", "仮説": [{"仮説": "…", "必要なデータ": ["…"]}, ...]} の形で、仮説を 3 つ以上書きます。',
    passed="ロジックツリーが書けました。",
)


# ------------------------------------------------------------------ 演習 4: 棚卸し表

INVENTORY_COLUMNS = ("仮説", "担当課", "形式", "更新頻度")
COLUMN_HINTS = {
    "仮説": "例のロジックツリー（example_tree）の順番で、住宅が H1、保育所が H2、転出先が H3 です。",
    "担当課": "担当課は、説明の文に書かれている「〜課」です。",
    "形式": "形式は、説明の文に書かれている持ち方（システム、Excel、CSV など）を、inventory.FORMATS の値に当てはめます。",
    "更新頻度": "更新頻度は、説明の文の「毎月」「届け出のたびに」「5 年ごと」などを、inventory.FREQUENCIES の値に当てはめます。",
}


def _judge_inventory(table) -> None:
    key = {s["データ名"]: s for s in _inventory._EXAMPLE_SOURCES}
    feedback.expect_type(table, pd.DataFrame, "inventory_table", hint="pd.DataFrame([{...}, {...}]) で表にします。")
    problems = _inventory.check_inventory(table, required=("仮説", *_inventory.REQUIRED_COLUMNS))
    feedback.expect(not problems, "棚卸し表の形に問題があります:\n" + "\n".join(problems))
    feedback.expect_rows(table, len(key), "inventory_table", hint="5 つのデータを 1 行ずつ書きます。")
    names = [_text(n) for n in table["データ名"]]
    unknown = [n for n in names if n not in key]
    feedback.expect(not unknown, "一覧にないデータ名があります: " + "、".join(unknown),
                    hint="データ名は、一覧の名前をそのまま書きます（コピーすると確実です）。")
    rows = table.assign(データ名=names).set_index("データ名")
    for column in INVENTORY_COLUMNS:
        for name, source in key.items():
            given = _text(rows.loc[name, column])
            feedback.expect(given == source[column], f"「{name}」の{column}が違います。あなたの答え: 「{given}」",
                            hint=COLUMN_HINTS[column])


inventory = Exercise(
    variable="inventory_table",
    judge=_judge_inventory,
    hint="5 つのデータの説明を読み、1 つのデータを 1 つの辞書にして pd.DataFrame([...]) で表にします。",
    passed="棚卸し表は正解です。",
    mistakes=(
        Mistake("仮説の番号は \"H1\" のように、H を付けた文字列で書きます。",
                test=lambda table: _text(table["仮説"].iloc[0]).isdigit()),
    ),
)
