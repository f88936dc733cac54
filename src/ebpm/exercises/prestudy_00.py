"""Checks of 事前学習 0: Jupyter と pandas の第一歩 (solutions/prestudy/00_jupyter_and_pandas_first_steps)."""
from __future__ import annotations

import pandas as pd

from ebpm import feedback
from ebpm.exercises import Exercise, Mistake, load

OLD_CODE_BEFORE = 1981  # 旧耐震: built before the 1981 seismic code
USERS = "年間利用者数"
COST = "年間維持管理費_千円"


def _facilities() -> pd.DataFrame:
    return load("facilities")


def _judge_count(count) -> None:
    facilities = _facilities()
    feedback.expect_close(count, len(facilities), "施設の数")


count = Exercise(
    variable="facility_count",
    computed=True,
    judge=_judge_count,
    hint="表の行の数は len(表) で分かります。",
    passed="施設の数は正解です。",
    mistakes=(
        Mistake("列の数が入っています。1 行が 1 つの施設なので、行の数を数えます。", value=lambda: _facilities().shape[1]),
        Mistake("表の大きさ（行数と列数の組）が入っています。行の数だけを数えます。", value=lambda: _facilities().shape),
        Mistake("列ごとの件数（Series）が入っています。表全体の行の数を 1 つの数で求めます。",
                test=lambda answer: isinstance(answer, pd.Series)),
    ),
)


SELECTED = ["施設名", "分類", "建築年"]


def _judge_select(table) -> None:
    facilities = _facilities()
    feedback.expect_type(table, pd.DataFrame, "building_years",
                         hint="列名のリストを 2 重のかっこで囲むと、表（DataFrame）のまま取り出せます。")
    feedback.expect_columns(table, SELECTED, "building_years", exact=True)
    feedback.expect_rows(table, len(facilities), "building_years", hint="行は絞り込まず、すべての施設を残します。")
    feedback.expect_frame(table, facilities[SELECTED], "building_years")


select = Exercise(
    variable="building_years",
    computed=True,
    judge=_judge_select,
    hint="複数の列は 表[[\"列名1\", \"列名2\", ...]] のように、列名のリストで選びます。",
    passed="列の選び方は正解です。",
    mistakes=(
        Mistake("1 列だけ（Series）になっています。列名のリストを 2 重のかっこで囲みます。",
                test=lambda answer: isinstance(answer, pd.Series)),
    ),
)


def _expected_old() -> pd.DataFrame:
    facilities = _facilities()
    return facilities[facilities["建築年"] < OLD_CODE_BEFORE]


def _judge_filter(table) -> None:
    facilities = _facilities()
    expected = _expected_old()
    feedback.expect_type(table, pd.DataFrame, "old_buildings")
    feedback.expect_columns(table, list(facilities.columns), "old_buildings", exact=True,
                            hint="列は選ばずに、行だけを絞り込みます。")
    years = set(table["建築年"])
    feedback.expect(not any(year >= OLD_CODE_BEFORE for year in years),
                    f"{OLD_CODE_BEFORE} 年以降に建てられた施設が含まれています。",
                    hint="「より小さい」を表す不等号を確かめてください。")
    feedback.expect_rows(table, len(expected), "old_buildings",
                         hint=f"{OLD_CODE_BEFORE} 年より前に建てられた施設を、すべて含めてください。")
    feedback.expect_frame(table, expected, "old_buildings", check_order=False)


filter = Exercise(  # noqa: A001 - the exercise is called 絞り込み (filter) in the notebook
    variable="old_buildings",
    computed=True,
    judge=_judge_filter,
    hint="条件に合う行は 表[表[\"列名\"] < 値] で取り出せます。",
    passed="絞り込みは正解です。",
    mistakes=(
        Mistake(f"{OLD_CODE_BEFORE} 年に建てられた施設まで含まれています。「より小さい」は <= ではなく < です。",
                test=lambda table: OLD_CODE_BEFORE in set(table["建築年"])),
        Mistake("新しい施設を選んでいます。不等号の向きが逆です。",
                test=lambda table: len(table) > 0 and table["建築年"].min() >= OLD_CODE_BEFORE),
    ),
)


def _expected_top5() -> pd.DataFrame:
    return _facilities().sort_values(USERS, ascending=False).head(5)


def _judge_sort(table) -> None:
    facilities = _facilities()
    expected = _expected_top5()
    feedback.expect_type(table, pd.DataFrame, "top5_by_users")
    feedback.expect_columns(table, list(facilities.columns), "top5_by_users", exact=True,
                            hint="列は選ばずに、すべて残します。")
    feedback.expect_rows(table, 5, "top5_by_users", hint="並べ替えたあとで、上位の 5 件だけを取り出します。")
    users = list(table[USERS])
    other = feedback.sorted_column(table, exclude=USERS)
    feedback.expect(users == sorted(users, reverse=True), "利用者数の多い順（降順）に並んでいません。"
                    if other is None else f"利用者数ではなく、「{other[0]}」の{'大きい' if other[1] else '小さい'}順に並んでいます。",
                    hint="sort_values は、そのままでは小さい順（昇順）に並べます。" if other is None
                    else f"sort_values(...) の最初に書く列名を {USERS} にします。")
    feedback.expect_equal(list(table["施設名"]), list(expected["施設名"]), "上位 5 施設",
                          hint="表全体を並べ替えてから、上位の 5 件を取り出してください。")


sort = Exercise(
    variable="top5_by_users",
    computed=True,
    judge=_judge_sort,
    hint="sort_values(\"列名\", ascending=False) で大きい順に並べ、そのあとで先頭の 5 行を取り出します。",
    passed="並べ替えは正解です。",
    mistakes=(
        Mistake("表の先頭の 5 行を並べ替えています。先に表全体を並べ替えてから、上位の 5 件を取り出します。",
                value=lambda: _facilities().head(5).sort_values(USERS, ascending=False)),
        Mistake("利用者数の少ない 5 件になっています。大きい順にするには ascending=False を付けます。",
                value=lambda: _facilities().sort_values(USERS).head(5)),
        Mistake("少ない順の 5 件を逆に並べています。表全体を大きい順に並べてから、先頭の 5 件を取り出します。",
                value=lambda: _facilities().sort_values(USERS).head(5).sort_values(USERS, ascending=False)),
    ),
)


def _expected_costs() -> pd.Series:
    return _facilities().groupby("分類")[COST].sum()


def _judge_groupby(result) -> None:
    expected = _expected_costs()
    feedback.expect_type(result, pd.Series, "cost_by_category",
                         hint="groupby で分けたあと、1 つの列を選んでから集計すると Series になります。")
    feedback.expect_equal(sorted(map(str, result.index)), sorted(expected.index), "分類の一覧",
                          hint="分類の列で groupby していますか？")
    for category, value in expected.items():
        feedback.expect_close(result[category], value, f"分類「{category}」の合計")


groupby = Exercise(
    variable="cost_by_category",
    computed=True,
    judge=_judge_groupby,
    hint="groupby(\"分類\") で分類ごとに分け、集計する列を選んでから集計の関数を呼びます。",
    passed="分類ごとの合計は正解です。",
    mistakes=(
        Mistake("分類ごとの平均になっています。合計を求めます。", value=lambda: _facilities().groupby("分類")[COST].mean()),
        Mistake("分類ごとの施設の数になっています。費用の合計を求めます。",
                value=lambda: _facilities().groupby("分類")[COST].count()),
        Mistake("分類ごとの中央値になっています。合計を求めます。",
                value=lambda: _facilities().groupby("分類")[COST].median()),
        Mistake("年間利用者数を合計しています。年間維持管理費_千円の列を選びます。",
                value=lambda: _facilities().groupby("分類")[USERS].sum()),
    ),
)
