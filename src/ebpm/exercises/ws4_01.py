"""Checks of ワークショップ 4-1: 施策のロジックモデルと KPI シート
(solutions/ws4_policy_and_data_quality/01_logic_model_and_kpi).

Exercise names drop the notebook's grade-id prefix (``ws4-1-model`` → ``model``).
"""
from __future__ import annotations

import pandas as pd

from ebpm import feedback, logicmodel
from ebpm.exercises import Exercise, Mistake, load

BASELINE_YEARS = [2022, 2023, 2024]
FAMILY_AGES = ["0〜14歳", "25〜44歳"]
TITLE = "星川町 一時預かり保育利用券パイロット"
OUTPUT_KPI = "利用券を受け取った世帯数"
OUTCOME_KPI = "子育て世代の転出超過数"
MEASURES = {OUTPUT_KPI: "アウトプット", OUTCOME_KPI: "中長期アウトカム"}


def _key() -> dict[str, str]:
    return logicmodel.example_voucher_model().placement()


def _net_outflow(sign: int = 1) -> pd.Series:
    vital = load("town_vital_monthly")
    family = vital[vital["年齢区分"].isin(FAMILY_AGES)]
    moves = family.pivot_table(index="年", columns="区分", values="人数", aggfunc="sum")
    return sign * (moves["転出"] - moves["転入"])


def _baseline() -> int:
    return round(float(_net_outflow().loc[BASELINE_YEARS].mean()))


def _expect_placement(model, what: str) -> None:
    key = _key()
    placement = model.placement()
    unknown = sorted(set(placement) - set(key))
    feedback.expect(not unknown, f"{what}の要素 {'、'.join(unknown)} は voucher_elements にありません。",
                    hint="要素の文字は voucher_elements からそのまま写します（コピーと貼り付けが確実です）。")
    missing = sorted(set(key) - set(placement))
    feedback.expect(not missing, f"{what}に要素 {'、'.join(missing)} が入っていません。")
    wrong = [element for element, stage in key.items() if placement.get(element) != stage]
    feedback.expect(not wrong, f"{what}で、段階が違う要素が {len(wrong)} 個あります（例: {wrong[0] if wrong else ''}）。",
                    hint="「〜数」「〜回数」は活動の量（アウトプット）、「〜が上がる」「〜が減る」は変化（アウトカム）です。"
                         "すぐに起きる変化が短期、最終的に目指す変化が中長期です。")


# ---- 演習 1: ロジックモデル -------------------------------------------------------------------------

def _judge_model(model) -> None:
    feedback.expect_type(model, logicmodel.LogicModel, "voucher_model", hint="logicmodel.LogicModel(...) で作ります。")
    problems = logicmodel.check_logic_model(model)
    feedback.expect(problems == [], "ロジックモデルに問題があります: " + "／".join(problems))
    _expect_placement(model, "voucher_model")
    feedback.expect_equal(model.title, TITLE, "題名（title）", hint="題名は問題文のとおりに書きます。")
    feedback.expect(isinstance(model.problem, str) and len(model.problem.strip()) >= 5,
                    "課題（problem）が書かれていません。", hint="星川町の課題を 1 文で書きます。")


def _swapped(first: str, second: str):
    def test(model) -> bool:
        placement, key = model.placement(), _key()
        wrong = {element for element, stage in key.items() if placement.get(element) != stage}
        return bool(wrong) and all({key[e], placement.get(e)} == {first, second} for e in wrong)
    return test


model = Exercise(
    variable="voucher_model",
    judge=_judge_model,
    hint="stages には、段階の名前をキー、その段階の要素 2 個のリストを値にした辞書を渡します。",
    passed="10 個の要素が正しい段階に入っています。",
    mistakes=(
        Mistake("アウトプットとアウトカムを取り違えています。「〜数」「〜回数」は活動の量（アウトプット）、"
                "「〜が上がる」「〜が減る」は変化（アウトカム）です。",
                test=lambda m: _swapped("アウトプット", "短期アウトカム")(m) or _swapped("アウトプット", "中長期アウトカム")(m)),
        Mistake("短期アウトカムと中長期アウトカムを取り違えています。すぐに起きる変化（気持ちや満足度）が短期、"
                "最終的に目指す変化（転出超過や年少人口）が中長期です。",
                test=_swapped("短期アウトカム", "中長期アウトカム")),
        Mistake("インプットと活動を取り違えています。予算や職員は投入するもの（インプット）、配る・増やすはすること（活動）です。",
                test=_swapped("インプット", "活動")),
    ),
)


# ---- 演習 2: 3 年平均の基準値 ---------------------------------------------------------------------

def _judge_baseline(value) -> None:
    expected = _baseline()
    feedback.expect(feedback.is_number(value), f"baseline_value が 1 つの数ではなく {feedback.type_name(type(value))} です。",
                    hint="平均を求めたあと、round(...) で 1 つの整数にします。")
    feedback.expect(float(value).is_integer(), f"baseline_value が整数に丸められていません（あなたの値 {feedback.show_value(value)}）。",
                    hint="round(...) で整数に丸めます。")
    feedback.expect_close(value, expected, "基準値（2022〜2024 年の平均）")


baseline = Exercise(
    variable="baseline_value",
    computed=True,
    judge=_judge_baseline,
    hint="net_outflow から BASELINE_YEARS の年だけを取り出して平均し、round で丸めます。",
    passed="基準値を 3 年平均で決められました。",
    mistakes=(
        Mistake("2024 年 1 年だけの値になっています。ぶれの大きい指標なので、3 年分の平均を求めます。",
                value=lambda: int(_net_outflow().loc[2024])),
        Mistake("3 年分の合計になっています。平均（mean）を求めます。",
                value=lambda: int(_net_outflow().loc[BASELINE_YEARS].sum())),
        Mistake("符号が逆です（転入 − 転出）。net_outflow（転出 − 転入）をそのまま使います。",
                value=lambda: -_baseline()),
        Mistake("年の範囲がずれています。BASELINE_YEARS（2022〜2024 年）の値を使います。",
                test=lambda v: feedback.is_number(v) and any(
                    round(float(_net_outflow().loc[[y, y + 1, y + 2]].mean())) == v
                    for y in (2021, 2023))),
        Mistake("すべての年の平均になっています。BASELINE_YEARS の年だけを取り出します。",
                value=lambda: round(float(_net_outflow().mean()))),
    ),
)


# ---- 演習 3: アウトカム KPI のシート --------------------------------------------------------------

def _judge_kpi(sheet) -> None:
    feedback.expect_type(sheet, dict, "outcome_kpi", hint="{\"項目名\": 値, ...} の辞書で作ります。")
    problems = logicmodel.check_kpi(sheet)
    feedback.expect(problems == [], "KPI シートに問題があります: " + "／".join(problems))
    feedback.expect_equal(sheet.get("指標名"), OUTCOME_KPI, "指標名")
    feedback.expect_equal(sheet.get("種類"), "アウトカム", "種類", hint="転出超過数は、施策で変えたいこと（アウトカム）です。")
    feedback.expect_equal(sheet.get("単位"), "人", "単位")
    feedback.expect_close(sheet.get("基準値"), _baseline(), "基準値", hint="演習 2 の baseline_value を使います。")
    feedback.expect_equal((sheet.get("基準年"), sheet.get("目標年")), (2024, 2028), "基準年と目標年")
    feedback.expect_equal(sheet.get("目指す方向"), "減らす", "目指す方向")
    feedback.expect(feedback.is_number(sheet.get("目標値")) and sheet["目標値"] < sheet["基準値"],
                    "目標値が基準値より小さくなっていません。", hint="転出超過数は減らしたい指標なので、目標値は基準値より小さくします。")


kpi = Exercise(
    variable="outcome_kpi",
    judge=_judge_kpi,
    hint="上の output_kpi と同じ 12 項目の辞書を、問題文の値で書きます。",
    passed="アウトカム KPI のシートが完成しました。",
    mistakes=(
        Mistake("種類がアウトプットになっています。転出超過数は住民の行動の変化（アウトカム）です。",
                test=lambda sheet: sheet.get("種類") == "アウトプット"),
        Mistake("基準値が 2024 年 1 年だけの値です。演習 2 の 3 年平均（baseline_value）を使います。",
                test=lambda sheet: sheet.get("基準値") == int(_net_outflow().loc[2024])),
    ),
)


# ---- 演習 4: KPI つきのモデルと段階の対応 ----------------------------------------------------------

def _judge_consistency(model, measures) -> None:
    feedback.expect_type(model, logicmodel.LogicModel, "full_model", hint="logicmodel.LogicModel(...) で作ります。")
    feedback.expect_type(measures, dict, "kpi_measures", hint="{\"指標名\": \"段階\", ...} の辞書で作ります。")
    feedback.expect(len(model.kpis) == 2, f"full_model の KPI が {len(model.kpis)} 個です。2 個入れてください。")
    problems = logicmodel.check_consistency(model, measures)
    feedback.expect(problems == [], "モデルと KPI に矛盾があります: " + "／".join(problems))
    _expect_placement(model, "full_model")
    kinds = {kpi.name: kpi.kind for kpi in model.kpis}
    feedback.expect_equal(sorted(kinds), sorted(MEASURES), "full_model の KPI の指標名",
                          hint="output_kpi と outcome_kpi を KPI.from_mapping で変えて入れます。")
    for name, stage in MEASURES.items():
        feedback.expect_equal(measures.get(name), stage, f"「{name}」が測る段階",
                              hint="転出超過数は、施策が最終的に目指す変化（中長期アウトカム）を測ります。")


consistency = Exercise(
    variable=("full_model", "kpi_measures"),
    judge=_judge_consistency,
    hint="voucher_model の title・problem・stages に kpis=[...] を加え、指標名 → 段階 の辞書を作ります。",
    passed="KPI の種類と段階が合っています。",
    mistakes=(
        Mistake("転出超過数を短期アウトカムに対応させています。最終的に目指す変化なので中長期アウトカムです。",
                test=lambda answer: answer[1].get(OUTCOME_KPI) == "短期アウトカム"),
    ),
)


# ---- 演習 5: KPI の表とロジックモデルの図 ----------------------------------------------------------

def _judge_render(table, ax) -> None:
    import matplotlib.axes

    feedback.expect_type(table, pd.DataFrame, "kpi_table", hint="logicmodel.render_table(...) の戻り値を入れます。")
    feedback.expect_columns(table, ["段階", *logicmodel.KPI_FIELDS], "kpi_table", exact=True)
    feedback.expect_rows(table, 2, "kpi_table", hint="full_model の 2 つの KPI が並ぶはずです。")
    feedback.expect_equal(list(table["指標名"]), list(MEASURES), "表の指標名", hint="render_table に full_model を渡します。")
    feedback.expect_equal(list(table["段階"]), list(MEASURES.values()), "表の段階の列",
                          hint="render_table に kpi_measures も渡します。")
    feedback.expect_type(ax, matplotlib.axes.Axes, "diagram_ax", hint="logicmodel.draw_diagram(...) の戻り値を入れます。")
    texts = {t.get_text().replace("\n", "") for t in ax.texts}
    missing = [e for e in _key() if e not in texts]
    feedback.expect(not missing, f"図に要素 {'、'.join(missing[:3])} が見つかりません。", hint="draw_diagram(full_model) で描きます。")
    feedback.expect_equal(ax.get_title(), TITLE, "図のタイトル", hint="draw_diagram(full_model) で描きます。")


render = Exercise(
    variable=("kpi_table", "diagram_ax"),
    judge=_judge_render,
    hint="render_table(full_model, kpi_measures) と draw_diagram(full_model) の戻り値を、それぞれの変数に入れます。",
    passed="KPI の表とロジックモデルの図ができました。",
    mistakes=(
        Mistake("表の段階が「（不明）」になっています。render_table の 2 つ目に kpi_measures を渡します。",
                test=lambda answer: "（不明）" in set(answer[0]["段階"])),
    ),
)
