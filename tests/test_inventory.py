"""Tests of ebpm.inventory: logic trees and data inventories."""
from __future__ import annotations

import pandas as pd
import pytest

from ebpm import inventory
from ebpm.errors import DataFormatError

GOOD_TREE = {
    "問い": "なぜ子育て世帯の転出が多いのか",
    "仮説": [
        {"仮説": "賃貸住宅が少ない", "必要なデータ": ["町営住宅の入居待ち世帯数"]},
        {"仮説": "保育所に入りにくい", "必要なデータ": ["保育所の入所待ち児童数", "住民意識調査"]},
        {"仮説": "通勤に不便", "必要なデータ": ["住民異動届の記録"]},
    ],
}


def _rows():
    return [{k: v for k, v in s.items() if k != "説明"} for s in inventory._EXAMPLE_SOURCES]


def test_good_tree_has_no_problems():
    assert inventory.check_logic_tree(GOOD_TREE) == []


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda t: t.update(問い=""), "問い"),
        (lambda t: t["仮説"].pop(), "少なくとも 3 個"),
        (lambda t: t["仮説"][0].update(必要なデータ=[]), "1 番目の仮説に「必要なデータ」がありません"),
        (lambda t: t["仮説"][1].update(必要なデータ="住民意識調査"), "リストにしてください"),
        (lambda t: t["仮説"][2].update(仮説="賃貸住宅が少ない"), "同じ仮説"),
        (lambda t: t.update(仮説="賃貸住宅"), "リスト"),
    ],
)
def test_tree_problems_are_named(change, words):
    tree = {"問い": GOOD_TREE["問い"], "仮説": [dict(h) for h in GOOD_TREE["仮説"]]}
    change(tree)
    problems = inventory.check_logic_tree(tree)
    assert problems and any(words in p for p in problems), problems


def test_tree_that_is_not_a_dict():
    assert "辞書" in inventory.check_logic_tree(["a"])[0]


def test_logic_tree_frame_has_one_row_per_data():
    frame = inventory.logic_tree_frame(GOOD_TREE)
    assert list(frame.columns) == ["問い", "仮説番号", "仮説", "必要なデータ"]
    assert len(frame) == 4
    assert list(frame["仮説番号"].unique()) == ["H1", "H2", "H3"]


def test_logic_tree_frame_refuses_a_broken_tree():
    with pytest.raises(DataFormatError, match="仮説"):
        inventory.logic_tree_frame({"問い": "x", "仮説": "y"})


def test_inventory_frame_orders_and_cleans():
    frame = inventory.inventory_frame([{"形式": " CSV ", "データ名": "Ａ", "備考": "x"}])
    assert list(frame.columns) == [*inventory.REQUIRED_COLUMNS, "備考"]
    assert frame.loc[1, "形式"] == "CSV" and frame.loc[1, "データ名"] == "A"
    assert frame.loc[1, "担当課"] == ""


def test_inventory_frame_refuses_bad_records():
    with pytest.raises(DataFormatError):
        inventory.inventory_frame([])
    with pytest.raises(DataFormatError, match="2 件目"):
        inventory.inventory_frame([{"データ名": "a"}, "b"])


def test_example_inventory_is_valid():
    frame = pd.DataFrame(_rows())
    assert inventory.check_inventory(frame, required=("仮説", *inventory.REQUIRED_COLUMNS)) == []
    for column, allowed in inventory.ALLOWED_VALUES.items():
        if column in frame:
            assert set(frame[column]) <= set(allowed)


def test_inventory_problems():
    rows = _rows()
    rows[0]["更新頻度"] = "月1回"
    rows[1]["担当課"] = " "
    rows[2]["形式"] = "エクセル"
    rows[3]["データ名"] = rows[4]["データ名"]
    problems = inventory.check_inventory(pd.DataFrame(rows))
    text = "\n".join(problems)
    assert "「毎月」のことでしょうか" in text
    assert "「Excel」のことでしょうか" in text
    assert "担当課」が空欄" in text and "2 行目" in text
    assert "同じデータ名" in text


def test_inventory_missing_column_and_not_a_frame():
    frame = pd.DataFrame(_rows()).drop(columns="担当課")
    assert "担当課" in inventory.check_inventory(frame)[0]
    assert "DataFrame" in inventory.check_inventory(_rows())[0]
    assert inventory.check_inventory(pd.DataFrame(columns=list(inventory.REQUIRED_COLUMNS)))


def test_personal_info_values_are_checked():
    rows = _rows()
    for row in rows:
        row["個人情報"] = "あり"
    rows[0]["個人情報"] = "有"
    problems = inventory.check_inventory(pd.DataFrame(rows))
    assert len(problems) == 1 and "「あり」のことでしょうか" in problems[0]


def test_example_statements_cover_three_kinds():
    assert set(inventory._STATEMENT_KINDS.values()) == {"テーマ", "問い", "仮説"}
    assert inventory.example_statements() == list(inventory._STATEMENT_KINDS)


def test_learner_facing_examples_do_not_carry_the_answers():
    """Handing back what the library gives must not pass the exercises (found by a learner's try)."""
    assert all(isinstance(s, str) for s in inventory.example_statements())
    assert all(set(source) == {"データ名", "説明"} for source in inventory.example_sources())
