"""Checks of 事前学習 4: EBPM とロジックモデル (solutions/prestudy/04_ebpm_and_logic_models)."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from ebpm import feedback, logicmodel
from ebpm.exercises import Exercise, Mistake, load, text_key
from ebpm.exercises import when as _when

DATASET = "tourism_did"
START = 202204  # the campaign began in April 2022 (年 × 100 + 月)
BASE_FISCAL_YEAR = 2021
TOWN = "星川町"
DID_TOLERANCE = 0.0005  # 「小数第 3 位まで合っていれば正解」
INPUT, ACTIVITY, OUTPUT, SHORT, LONG = logicmodel.STAGES
KIND_OUTPUT, KIND_OUTCOME = logicmodel.KINDS




def _key(text: Any) -> str:
    """A label compared without regard to spaces, width, tildes or letter case."""
    return text_key(text)


def _as_dict(answer: Any, name: str, hint: str) -> dict:
    feedback.expect(isinstance(answer, (Mapping, pd.Series)),
                    f"{name} の型が {feedback.type_name(type(answer))} です。辞書 (dict) にします。", hint=hint)
    return dict(answer.items())


def _classified(answer: Any, expected: Mapping[str, str]) -> dict[str, str]:
    """The learner's label for each expected key (keys and labels compared by ``_key``)."""
    given = {_key(key): _key(value) for key, value in dict(answer.items()).items()}
    return {key: given.get(_key(key), "") for key in expected}


def _judge_labels(answer: Any, name: str, expected: Mapping[str, str], labels: tuple[str, ...],
                  what: str, kind: str) -> None:
    result = _as_dict(answer, name, f"{{{what}: {kind}, ...}} の形の辞書にします。")
    given = {_key(key) for key in result}
    missing = [key for key in expected if _key(key) not in given]
    feedback.expect(not missing, f"辞書のキーに、{what} {'、'.join(f'「{m}」' for m in missing)} がありません。",
                    hint=f"上のリストの {len(expected)} 個の{what}を、文字を変えずにすべてキーにします。")
    feedback.expect(len(given) == len(expected),
                    f"辞書のキーが {len(given)} 個あります。上のリストの {len(expected)} 個の{what}だけにします。")
    values = _classified(result, expected)
    unknown = sorted({value for value in values.values() if value not in {_key(label) for label in labels}})
    feedback.expect(not unknown, f"{kind}の名前 {'、'.join(f'「{u}」' for u in unknown)} は使えません。",
                    hint=f"{'、'.join(labels)} のどれかを、そのまま書きます。")
    wrong = [key for key, label in expected.items() if values[key] != _key(label)]
    feedback.expect(not wrong, f"{len(expected)} 個のうち {len(wrong)} 個の{what}の{kind}が違います。")


def _moved(expected: Mapping[str, str], source: set[str], target: set[str]) -> Callable[[Any], bool]:
    """Some item that belongs to a label in ``source`` was given a label in ``target``."""
    def test(answer) -> bool:
        values = _classified(answer, expected)
        return any(_key(label) in {_key(s) for s in source} and values[key] in {_key(t) for t in target}
                   for key, label in expected.items())
    return test


# 演習 1: ロジックモデルの段階 ---------------------------------------------------------------

def _placement() -> dict[str, str]:
    return logicmodel.example_tourism_model().placement()


def _judge_stages(answer) -> None:
    _judge_labels(answer, "placement", _placement(), logicmodel.STAGES, "要素", "段階")


stages = Exercise(
    variable="placement",
    judge=_judge_stages,
    hint="資源はインプット、行政が行うことは活動、その量はアウトプット、人の意識の変化は短期アウトカム、"
         "行動や町の経済の変化は中長期アウトカムです。",
    passed="すべての要素を正しい段階に置けました。",
    mistakes=(
        Mistake("アウトカムに置いた要素の中に、活動がどれだけ行われたか（「〜の数」「参加者数」）を表すものがあります。"
                "それはアウトプットです。", test=lambda answer: _moved(_placement(), {OUTPUT}, {SHORT, LONG})(answer)),
        Mistake("短期と中長期のアウトカムが入れ替わっているものがあります。人の意識の変化（知る・関心を持つ）は短期、"
                "行動や町の経済の変化は中長期です。",
                test=lambda answer: _moved(_placement(), {SHORT}, {LONG})(answer)
                or _moved(_placement(), {LONG}, {SHORT})(answer)),
        Mistake("活動とアウトプットが入れ替わっているものがあります。行政が行うこと（〜の実施、〜の発信）は活動、"
                "その量（〜の数、参加者数）はアウトプットです。",
                test=lambda answer: _moved(_placement(), {ACTIVITY}, {OUTPUT})(answer)
                or _moved(_placement(), {OUTPUT}, {ACTIVITY})(answer)),
        Mistake("インプットの置き方が違うものがあります。予算（補助金）や人（職員）など、投入する資源がインプットです。",
                test=lambda answer: _moved(_placement(), {INPUT}, set(logicmodel.STAGES) - {INPUT})(answer)
                or _moved(_placement(), set(logicmodel.STAGES) - {INPUT}, {INPUT})(answer)),
        Mistake("活動を、その結果のアウトカムに置いているものがあります。行政が行うことは活動です。",
                test=lambda answer: _moved(_placement(), {ACTIVITY}, {SHORT, LONG})(answer)),
    ),
)


# 演習 2: アウトプット指標とアウトカム指標 ---------------------------------------------------

def _indicators() -> dict[str, str]:
    return logicmodel.example_indicators()


def _judge_indicators(answer) -> None:
    _judge_labels(answer, "indicator_kinds", _indicators(), logicmodel.KINDS, "指標", "種類")


def _all_swapped(answer) -> bool:
    values = _classified(answer, _indicators())
    return all(values[key] != _key(kind) and values[key] in {_key(k) for k in logicmodel.KINDS}
               for key, kind in _indicators().items())


indicators = Exercise(
    variable="indicator_kinds",
    judge=_judge_indicators,
    hint="「行政が何をどれだけやったか」ならアウトプット、「住民や地域がどう変わったか」ならアウトカムです。",
    passed="指標の種類はすべて正解です。",
    mistakes=(
        Mistake("アウトプットとアウトカムが、すべて逆になっています。", test=_all_swapped),
        Mistake("アウトカムに分けた指標の中に、行政が何をどれだけやったか（回数・送付数・参加者数・登録件数）を表すものが"
                "あります。それはアウトプットです。",
                test=lambda answer: _moved(_indicators(), {KIND_OUTPUT}, {KIND_OUTCOME})(answer)),
        Mistake("アウトプットに分けた指標の中に、住民や地域がどう変わったか（受診率や満足している人の割合、移住した世帯の数など）を"
                "表すものがあります。「〜数」でも、住民の行動の変化を数えるものはアウトカムです。",
                test=lambda answer: _moved(_indicators(), {KIND_OUTCOME}, {KIND_OUTPUT})(answer)),
    ),
)


# 演習 3: 足りない項目 -----------------------------------------------------------------------

def _expected_missing() -> list[str]:
    return logicmodel.missing_fields(logicmodel.example_kpi_draft())


def _names(answer: Any) -> list[str] | None:
    if isinstance(answer, (str, bytes, Mapping, pd.DataFrame)) or not hasattr(answer, "__iter__"):
        return None
    return [str(name).strip() for name in answer]


def _judge_missing(answer) -> None:
    expected = _expected_missing()
    names = _names(answer)
    feedback.expect(names is not None,
                    f"missing の型が {feedback.type_name(type(answer))} です。項目名の文字列のリストにします。",
                    hint="[\"定義\", \"単位\"] のように、項目名を [ ] の中に並べます。")
    fields = {_key(field): field for field in logicmodel.KPI_FIELDS}
    unknown = [name for name in names if _key(name) not in fields]
    feedback.expect(not unknown, f"{'、'.join(f'「{u}」' for u in unknown)} は、11 項目の項目名ではありません。",
                    hint="項目名は、表の左の列（指標名、定義、単位、……）の書き方のまま書きます。")
    chosen = [fields[_key(name)] for name in names]
    feedback.expect(len(chosen) == len(set(chosen)), "同じ項目が 2 回以上入っています。", hint="1 つの項目は 1 回だけ書きます。")
    extra = [name for name in chosen if name not in expected]
    feedback.expect(not extra, f"{'、'.join(f'「{e}」' for e in extra)} には値が書かれています。",
                    hint="値が入っている項目は含めません。")
    feedback.expect(set(chosen) == set(expected), f"足りない項目が、あと {len(set(expected) - set(chosen))} つあります。",
                    hint="空の文字列 '' や None だけでなく、表示された一覧にそもそも出てこない項目がないか、表と見比べてください。")


def _only_blank_values(answer) -> bool:
    draft = logicmodel.example_kpi_draft()
    blank_present = {label for label in _expected_missing() if label in draft}
    names = _names(answer)
    return names is not None and {_key(n) for n in names} == {_key(label) for label in blank_present}


missing = Exercise(
    variable="missing",
    judge=_judge_missing,
    hint="上の表の 11 項目を 1 つずつ、draft に値が書かれているかを確かめます。",
    passed="足りない項目をすべて見つけられました。",
    mistakes=(
        Mistake("空の値（'' や None）の項目は見つけられています。draft の一覧に、項目そのものが出てこないものもあります。"
                "11 項目の表と見比べてください。", test=_only_blank_values),
        Mistake("項目名ではなく、1 つの文字列になっています。[\"単位\", ...] のようにリストにします。",
                test=lambda answer: isinstance(answer, str)),
    ),
)


# 演習 4: 前後比較と補正 ---------------------------------------------------------------------

def _tourism() -> pd.DataFrame:
    data = load(DATASET)
    data["後"] = data["年"] * 100 + data["月"] >= START
    data["年度"] = data["年"].where(data["月"] >= 4, data["年"] - 1)
    return data


def _growth(rows: pd.DataFrame, how: str = "mean") -> float:
    values = rows.groupby("後")["観光客数"].agg(how)
    return float(values[True] / values[False] - 1)


def _expected_did() -> tuple[float, float, float]:
    data = _tourism()
    naive = _growth(data[data["施策町"] == 1])
    comparison = _growth(data[data["施策町"] == 0])
    return naive, comparison, (1 + naive) / (1 + comparison) - 1


def _near(value: Any, target: float, tolerance: float = DID_TOLERANCE) -> bool:
    return (feedback.is_number(value) and not math.isnan(float(value))
            and abs(float(value) - target) <= tolerance + 1e-12)


def _judge_did(naive, comparison, adjusted) -> None:
    expected = _expected_did()
    names = ("naive_change（施策町の伸び）", "comparison_change（比較町の伸び）", "adjusted_effect（補正した効果）")
    hints = ("施策町 4 町すべての月の観光客数の平均（mean）を、期間ごとに求めて比べます。",
             "施策町 が 0 の町だけで、同じ計算をします。",
             "(1 + naive_change) ÷ (1 + comparison_change) − 1 で計算します。")
    for value, target, name, hint in zip((naive, comparison, adjusted), expected, names, hints):
        feedback.expect_close(value, target, name, rel=0, abs_tol=DID_TOLERANCE + 1e-12, hint=hint)


def _naive_ok(answer) -> bool:
    return _near(answer[0], _expected_did()[0])


def _both_ok(answer) -> bool:
    return _naive_ok(answer) and _near(answer[1], _expected_did()[1])


def _part_is(position: int, make: Callable[[], float]) -> Callable[[Any], bool]:
    def test(answer) -> bool:
        wrong = float(make())
        return not _near(wrong, _expected_did()[position]) and _near(answer[position], wrong)
    return test


def _policy() -> pd.DataFrame:
    data = _tourism()
    return data[data["施策町"] == 1]


did = Exercise(
    variable=("naive_change", "comparison_change", "adjusted_effect"),
    computed=True,
    judge=_judge_did,
    hint="上の星川町の例と同じ計算を、施策町 4 町の表と比較町 9 町の表で行います。",
    passed="前後比較と補正した効果の計算は正解です。",
    mistakes=(
        Mistake("100 を掛けています。0.34 のような割合のまま入れます。",
                test=lambda answer: any(_near(value, 100 * target, 0.05) and abs(target) > 1e-3
                                        for value, target in zip(answer, _expected_did()))),
        Mistake("星川町 1 町だけの伸びです。施策町 4 町すべての月の平均を使います。",
                test=_part_is(0, lambda: _growth(_policy()[_policy()["市区町村名"] == TOWN]))),
        Mistake("合計（sum）で比べています。施策前は 24 か月、施策後は 36 か月と長さが違うので、月平均（mean）で比べます。",
                test=_part_is(0, lambda: _growth(_policy(), "sum"))),
        Mistake("平均（mean）ではなく中央値で比べています。月平均（mean）を使います。",
                test=_part_is(0, lambda: _growth(_policy(), "median"))),
        Mistake("施策前 ÷ 施策後 になっています。伸びは 施策後 ÷ 施策前 − 1 です。",
                test=_part_is(0, lambda: 1 / (1 + _expected_did()[0]) - 1)),
        Mistake("− 1 をしていません。伸びは 施策後 ÷ 施策前 − 1 です（1.34 倍なら 0.34）。",
                test=_part_is(0, lambda: 1 + _expected_did()[0])),
        Mistake("比較町の伸びに、施策町の伸びが入っています。施策町 が 0 の町で計算します。",
                test=_when(_naive_ok, lambda answer: _near(answer[1], _expected_did()[0]))),
        Mistake("比較町の伸びが、施策町も含めた 13 町すべての伸びになっています。施策町 が 0 の町だけで計算します。",
                test=_when(_naive_ok, _part_is(1, lambda: _growth(_tourism())))),
        Mistake("比較町の伸びで − 1 をしていません。伸びは 施策後 ÷ 施策前 − 1 です。",
                test=_when(_naive_ok, _part_is(1, lambda: 1 + _expected_did()[1]))),
        Mistake("補正した効果を引き算（naive_change − comparison_change）で求めています。"
                "(1 + naive_change) ÷ (1 + comparison_change) − 1 で計算します。",
                test=_when(_both_ok, _part_is(2, lambda: _expected_did()[0] - _expected_did()[1]))),
        Mistake("補正した効果で − 1 をしていません。", test=_when(_both_ok, _part_is(2, lambda: 1 + _expected_did()[2]))),
        Mistake("割り算の向きが逆です。施策町の (1 + 伸び) を、比較町の (1 + 伸び) で割ります。",
                test=_when(_both_ok, _part_is(2, lambda: (1 + _expected_did()[1]) / (1 + _expected_did()[0]) - 1))),
    ),
)


# 演習 6: KPI シート -------------------------------------------------------------------------

def _baseline(fiscal: bool = True, year: int = BASE_FISCAL_YEAR, town: str | None = TOWN, how: str = "sum") -> float:
    data = _tourism()
    rows = data[(data["年度"] if fiscal else data["年"]) == year]
    if town is not None:
        rows = rows[rows["市区町村名"] == town]
    return float(rows["観光客数"].agg(how))


def _judge_kpi(kpi) -> None:
    feedback.expect_type(kpi, dict, "tourism_kpi", hint="{\"指標名\": ..., \"定義\": ..., ...} の形の辞書にします。")
    problems = logicmodel.check_kpi(kpi)
    feedback.expect(not problems, "KPI シートに問題があります:\n" + "\n".join(problems),
                    hint="logicmodel.check_kpi(tourism_kpi) が空のリスト [] を返すまで直します。")
    feedback.expect(kpi["種類"] == KIND_OUTCOME, f"種類が「{kpi['種類']}」です。",
                    hint="観光客数は、行政の活動の量ではなく、地域がどう変わったか（成果）を測る指標です。")
    feedback.expect(kpi["基準年"] == BASE_FISCAL_YEAR, f"基準年が {feedback.show_value(kpi['基準年'])} です。",
                    hint="基準年は、施策を始める前の最後の年度です（問題文を見てください）。")
    feedback.expect_close(kpi["基準値"], _baseline(), "基準値", rel=0, abs_tol=0.5,
                          hint="星川町の 2021 年度（2021 年 4 月〜2022 年 3 月）の観光客数を合計します。")
    feedback.expect(kpi["目標値"] > kpi["基準値"], "目標値が基準値より大きくありません。",
                    hint="観光客数を増やす施策なので、目標値は基準値より大きくします。")


def _baseline_is(make: Callable[[], float]) -> Callable[[Any], bool]:
    def test(kpi) -> bool:
        wrong = float(make())
        value = kpi.get("基準値")
        return (abs(wrong - _baseline()) > 0.5 and feedback.is_number(value)
                and abs(float(value) - wrong) <= max(0.5, abs(wrong) * 1e-6))
    return test


kpi = Exercise(
    variable="tourism_kpi",
    judge=_judge_kpi,
    hint="問題文の形をまねして、11 項目を 1 つずつ書きます。基準値は表 tourism から計算します。",
    passed="KPI シートは完成です。",
    mistakes=(
        Mistake("基準値が、暦年（2021 年 1〜12 月）の合計です。年度の列（年度 == 2021）で絞り込みます。",
                test=_baseline_is(lambda: _baseline(fiscal=False))),
        Mistake("基準値が、13 町すべての合計です。星川町の行だけを合計します。",
                test=_baseline_is(lambda: _baseline(town=None))),
        Mistake("基準値が、月平均です。年度の観光客数は、12 か月分の合計（sum）です。",
                test=_baseline_is(lambda: _baseline(how="mean"))),
        Mistake("基準値が、2021 年度ではない年度の合計です。施策を始める前の最後の年度（2021 年度）を使います。",
                test=lambda kpi: any(_baseline_is(lambda y=y: _baseline(year=y))(kpi)
                                     for y in sorted(set(_tourism()["年度"])) if y != BASE_FISCAL_YEAR)),
        Mistake("基準値が、星川町のすべての月の合計です。2021 年度の行だけを合計します。",
                test=_baseline_is(lambda: float(_tourism().loc[_tourism()["市区町村名"] == TOWN, "観光客数"].sum()))),
    ),
)
