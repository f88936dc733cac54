"""Tests of ebpm.logicmodel: logic models, KPI sheets and their Japanese checks."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from ebpm import logicmodel as lm


def complete_sheet(**changes: object) -> dict:
    sheet = lm.example_childcare_model().kpis[1].to_dict()
    sheet.update(changes)
    return sheet


def test_stage_kinds_cover_every_stage():
    assert set(lm.STAGE_KIND) == set(lm.STAGES)
    assert {kind for kind in lm.STAGE_KIND.values() if kind} == set(lm.KINDS)


def test_kpi_round_trips_through_japanese_labels():
    kpi = lm.example_childcare_model().kpis[0]
    sheet = kpi.to_dict()
    assert list(sheet)[: len(lm.KPI_FIELDS)] == list(lm.KPI_FIELDS)
    assert lm.KPI.from_mapping(sheet) == kpi


def test_from_mapping_names_unknown_field_and_suggests_label():
    with pytest.raises(lm.LogicModelError, match="「指標名」のことですか"):
        lm.KPI.from_mapping({"指標": "転出超過数"})


def test_complete_kpi_has_no_problems():
    assert lm.check_kpi(complete_sheet()) == []
    assert lm.check_kpi(lm.KPI.from_mapping(complete_sheet())) == []


@pytest.mark.parametrize("blank", [None, "", "  ", math.nan])
def test_blank_values_count_as_missing(blank):
    assert lm.missing_fields(complete_sheet(単位=blank)) == ["単位"]


def test_missing_fields_in_sheet_order_and_absent_keys():
    sheet = complete_sheet()
    del sheet["基準年"], sheet["担当"]
    assert lm.missing_fields(sheet) == ["基準年", "担当"]
    problems = lm.check_kpi(sheet)
    assert problems == ["KPI「子育て世帯の転出超過数」: 次の項目が空です: 基準年、担当。"]


def test_example_draft_misses_four_fields():
    assert lm.missing_fields(lm.example_kpi_draft()) == ["単位", "基準年", "データソース", "担当"]


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"種類": "成果"}, "「アウトプット」か「アウトカム」"),
        ({"基準値": "35世帯"}, "単位を除いた数値"),
        ({"基準年": "令和6"}, "令和6年度 → 2024"),
        ({"目標年": 28}, "西暦の年"),
        ({"目標年": 2024}, "より後になっていません"),
        ({"目標値": 35}, "基準値」と同じ"),
        ({"目標値": 50}, "逆の向き"),
        ({"目指す方向": "上げる"}, "「増やす」か「減らす」"),
        ({"担当者": "企画課"}, "「担当」のことですか"),
    ],
)
def test_inconsistent_fields_are_reported_in_japanese(changes, fragment):
    problems = lm.check_kpi(complete_sheet(**changes))
    assert any(fragment in p for p in problems), problems
    assert all(p.startswith("KPI「子育て世帯の転出超過数」: ") for p in problems)


def test_check_kpi_refuses_other_types():
    with pytest.raises(lm.LogicModelError, match="辞書"):
        lm.check_kpi(["指標名"])


def test_example_models_are_clean():
    for model in (lm.example_childcare_model(), lm.example_tourism_model()):
        assert lm.check_logic_model(model) == []
        assert set(model.stages) == set(lm.STAGES)


def test_placement_and_stage_of():
    model = lm.example_tourism_model()
    placement = model.placement()
    assert placement["SNS 投稿の数"] == "アウトプット"
    assert model.stage_of("観光客数が増える") == "中長期アウトカム"
    assert len(placement) == sum(len(v) for v in model.stages.values())
    with pytest.raises(lm.LogicModelError, match="要素にありません"):
        model.stage_of("存在しない要素")


def test_to_frame_has_stage_columns_in_order():
    frame = lm.example_childcare_model().to_frame()
    assert list(frame.columns) == list(lm.STAGES)
    assert frame.loc[1, "インプット"].startswith("子育て支援の予算")
    assert (frame["短期アウトカム"] == "").sum() == 1


def test_check_logic_model_reports_stage_problems():
    problems = lm.check_logic_model({
        "インプット": ["予算"], "活動": ["相談会"], "アウトプト": ["参加者数"],
        "短期アウトカム": ["参加者数"], "中長期アウトカム": [],
    })
    text = "\n".join(problems)
    assert "「アウトプト」という段階はありません。「アウトプット」のことですか？" in text
    assert "段階「アウトプット」に要素がありません。" in text
    assert "段階「中長期アウトカム」に要素がありません。" in text
    assert "「参加者数」が「アウトプト」と「短期アウトカム」の両方にあります" in text


def test_check_logic_model_wants_an_outcome_kpi():
    model = lm.example_childcare_model()
    model.kpis = [k for k in model.kpis if k.kind == "アウトプット"]
    assert lm.check_logic_model(model) == [
        "KPI がアウトプット（活動の量）だけです。施策で変えたいこと（アウトカム）を測る KPI を加えてください。"
    ]


def test_check_logic_model_includes_kpi_problems():
    model = lm.example_childcare_model()
    model.kpis[1].unit = ""
    assert lm.check_logic_model(model) == ["KPI「子育て世帯の転出超過数」: 次の項目が空です: 単位。"]


def test_example_indicators_use_both_kinds():
    kinds = lm.example_indicators()
    assert set(kinds.values()) == set(lm.KINDS)
    assert list(kinds.values()).count("アウトプット") == list(kinds.values()).count("アウトカム")


def test_tables_for_display():
    model = lm.example_childcare_model()
    assert list(model.kpi_table().columns) == list(lm.KPI_FIELDS)
    sheet = lm.as_kpi_sheet(lm.example_kpi_draft())
    assert isinstance(sheet, pd.Series)
    assert sheet["基準年"] == "（空欄）" and sheet["目標年"] == 2028
