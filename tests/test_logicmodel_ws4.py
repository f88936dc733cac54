"""Tests of the Workshop 4 additions to ebpm.logicmodel: consistency, table and diagram."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from ebpm import logicmodel as lm  # noqa: E402

MEASURES = {"家賃補助の利用世帯数": "アウトプット", "子育て世帯の転出超過数": "中長期アウトカム"}


def test_example_model_is_consistent():
    assert lm.check_consistency(lm.example_childcare_model(), MEASURES) == []


def test_kpi_stages_uses_element_names_then_measures():
    model = lm.example_childcare_model()
    assert lm.kpi_stages(model) == {"家賃補助の利用世帯数": "アウトプット", "子育て世帯の転出超過数": None}
    assert lm.kpi_stages(model, MEASURES)["子育て世帯の転出超過数"] == "中長期アウトカム"


def test_output_called_outcome_is_reported():
    model = lm.example_childcare_model()
    model.kpis[0].kind = "アウトカム"
    problems = lm.check_consistency(model, MEASURES)
    assert problems == ["KPI「家賃補助の利用世帯数」は「アウトプット」を測るので種類は「アウトプット」です。「アウトカム」になっています。"]


def test_outcome_called_output_is_reported():
    model = lm.example_childcare_model()
    model.kpis[1].kind = "アウトプット"
    text = "\n".join(lm.check_consistency(model, MEASURES))
    assert "種類は「アウトカム」です" in text
    assert "アウトカム）を測る KPI を加えてください" in text


@pytest.mark.parametrize(
    "measures, fragment",
    [
        ({"家賃補助の利用世帯数": "アウトプット"}, "どの段階を測るのか分かりません"),
        ({**MEASURES, "子育て世帯の転出超過数": "長期アウトカム"}, "「中長期アウトカム」のことですか"),
        ({**MEASURES, "子育て世帯の転出超過数": "活動"}, "KPI には活動の結果"),
        ({**MEASURES, "存在しない指標": "アウトプット"}, "モデルにありません"),
        ({**MEASURES, "子育て世帯の転出超過数": "短期アウトカム"}, "中長期アウトカム（施策が最終的に目指すこと）"),
    ],
)
def test_stage_problems_in_japanese(measures, fragment):
    problems = lm.check_consistency(lm.example_childcare_model(), measures)
    assert any(fragment in p for p in problems), problems


def test_render_table_orders_by_stage_and_marks_blanks():
    model = lm.example_childcare_model()
    model.kpis.reverse()
    model.kpis[0].owner = ""
    table = lm.render_table(model, MEASURES)
    assert list(table.columns) == ["段階", *lm.KPI_FIELDS]
    assert list(table["段階"]) == ["アウトプット", "中長期アウトカム"]
    assert table.loc[1, "担当"] == "（空欄）"
    assert lm.render_table(model).loc[1, "段階"] == "（不明）"


def test_draw_diagram_has_a_box_per_element_and_arrows():
    model = lm.example_childcare_model()
    ax = lm.draw_diagram(model)
    texts = [t.get_text().replace("\n", "") for t in ax.texts]
    for stage, elements in model.stages.items():
        assert stage in texts
        for element in elements:
            assert element in texts
    assert len(ax.patches) == sum(len(v) for v in model.stages.values())
    assert len([c for c in ax.get_children() if type(c).__name__ == "Annotation"]) == len(lm.STAGES) - 1
    assert ax.get_title() == model.title
    plt.close("all")


def test_voucher_model_is_clean_and_complete():
    model = lm.example_voucher_model()
    assert lm.check_logic_model(model) == []
    assert all(len(model.stages[s]) == 2 for s in lm.STAGES)


def test_voucher_kpis_are_consistent_and_baseline_matches_the_data():
    from ebpm import datasets

    model = lm.example_voucher_model()
    assert lm.check_consistency(model, lm.VOUCHER_MEASURES) == []
    vital = datasets.load("town_vital_monthly")
    ages = vital[vital["年齢区分"].isin(["0〜14歳", "25〜44歳"])]
    moves = ages.pivot_table(index="年", columns="区分", values="人数", aggfunc="sum")
    net = moves["転出"] - moves["転入"]
    assert model.kpis[1].baseline == round(net.loc[[2022, 2023, 2024]].mean())
