"""ロジックモデルと KPI を小さな構造で表し、抜けや矛盾を日本語で知らせる。

A logic model lays out, stage by stage, how a policy is expected to work:
インプット (resources) → 活動 → アウトプット (what the activity produces) → 短期アウトカム →
中長期アウトカム (the change in residents' lives or the town that the policy is for).
A KPI (重要業績評価指標) is one indicator with everything needed to track it: the KPI sheet fields
in :data:`KPI_FIELDS`, keyed by their Japanese labels as on a municipal KPI sheet.

Learners write a KPI as a plain ``dict`` with Japanese keys, or build a :class:`KPI`;
:func:`check_kpi` and :func:`check_logic_model` return a list of Japanese messages (empty when
nothing is wrong) rather than raising, so that a notebook can show every problem at once.

The ``example_*`` functions at the end hold the 星川町 examples and the answer keys of
事前学習 4 (solutions/prestudy/04_ebpm_and_logic_models.ipynb); its tests read them from here.
"""
from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: The stages of a logic model, left to right.
STAGES: tuple[str, ...] = ("インプット", "活動", "アウトプット", "短期アウトカム", "中長期アウトカム")

#: The kind of indicator that measures each stage (None: inputs and activities are not KPIs' usual target).
STAGE_KIND: dict[str, str | None] = {
    "インプット": None,
    "活動": None,
    "アウトプット": "アウトプット",
    "短期アウトカム": "アウトカム",
    "中長期アウトカム": "アウトカム",
}

#: The values allowed in the KPI field 種類.
KINDS: tuple[str, ...] = ("アウトプット", "アウトカム")

#: The values allowed in the optional KPI field 目指す方向.
DIRECTIONS: tuple[str, ...] = ("増やす", "減らす")

#: KPI sheet fields: Japanese label → attribute of :class:`KPI`, in sheet order. All are required.
KPI_FIELDS: dict[str, str] = {
    "指標名": "name",
    "定義": "definition",
    "単位": "unit",
    "種類": "kind",
    "基準値": "baseline",
    "基準年": "baseline_year",
    "目標値": "target",
    "目標年": "target_year",
    "データソース": "source",
    "更新頻度": "frequency",
    "担当": "owner",
}

#: Optional KPI sheet fields (label → attribute): checked when filled in, never reported missing.
OPTIONAL_KPI_FIELDS: dict[str, str] = {"目指す方向": "direction"}

_ALL_FIELDS = KPI_FIELDS | OPTIONAL_KPI_FIELDS
_YEAR_RANGE = (1950, 2100)


class LogicModelError(ValueError):
    """A logic model or KPI that cannot be built (the message is Japanese)."""


@dataclass
class KPI:
    """One indicator with its KPI sheet; attributes are the English names in :data:`KPI_FIELDS`."""

    name: str | None = None
    definition: str | None = None
    unit: str | None = None
    kind: str | None = None
    baseline: float | None = None
    baseline_year: int | None = None
    target: float | None = None
    target_year: int | None = None
    source: str | None = None
    frequency: str | None = None
    owner: str | None = None
    direction: str | None = None

    @classmethod
    def from_mapping(cls, sheet: Mapping[str, Any]) -> KPI:
        """Build a KPI from a dict keyed by the Japanese labels (「指標名」, 「単位」, ...)."""
        unknown = [key for key in sheet if key not in _ALL_FIELDS]
        if unknown:
            raise LogicModelError(" ".join(_unknown_field_message(key) for key in unknown))
        return cls(**{_ALL_FIELDS[label]: value for label, value in sheet.items()})

    def to_dict(self) -> dict[str, Any]:
        """The KPI sheet as a dict keyed by the Japanese labels (optional fields only when set)."""
        sheet = {label: getattr(self, attr) for label, attr in KPI_FIELDS.items()}
        for label, attr in OPTIONAL_KPI_FIELDS.items():
            if not _is_blank(getattr(self, attr)):
                sheet[label] = getattr(self, attr)
        return sheet


@dataclass
class LogicModel:
    """A logic model: the problem it answers, the elements of each stage, and its KPIs."""

    title: str
    stages: dict[str, list[str]]
    problem: str = ""
    kpis: list[KPI] = field(default_factory=list)

    def placement(self) -> dict[str, str]:
        """Each element → the stage it belongs to."""
        return {element: stage for stage, elements in self.stages.items() for element in elements}

    def stage_of(self, element: str) -> str:
        """The stage of ``element`` (a Japanese error when it is not in the model)."""
        placement = self.placement()
        if element not in placement:
            raise LogicModelError(f"「{element}」はロジックモデル「{self.title}」の要素にありません。")
        return placement[element]

    def to_frame(self) -> pd.DataFrame:
        """A table with one column per stage, left to right, for display in a notebook."""
        columns = [stage for stage in STAGES if stage in self.stages]
        columns += [stage for stage in self.stages if stage not in STAGES]
        depth = max((len(self.stages[stage]) for stage in columns), default=0)
        data = {stage: list(self.stages[stage]) + [""] * (depth - len(self.stages[stage])) for stage in columns}
        return pd.DataFrame(data, index=range(1, depth + 1))

    def kpi_table(self) -> pd.DataFrame:
        """The KPIs as a table, one row per KPI, columns in KPI sheet order."""
        return pd.DataFrame([kpi.to_dict() for kpi in self.kpis], columns=list(KPI_FIELDS))


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, float):
        return math.isnan(value)
    return False


def _unknown_field_message(key: Any) -> str:
    close = difflib.get_close_matches(str(key), list(_ALL_FIELDS), n=1, cutoff=0.4)
    hint = f"「{close[0]}」のことですか？" if close else f"使える項目: {'、'.join(_ALL_FIELDS)}。"
    return f"「{key}」という項目は KPI シートにありません。{hint}"


def _as_sheet(kpi: KPI | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(kpi, KPI):
        return kpi.to_dict()
    if isinstance(kpi, Mapping):
        return kpi
    raise LogicModelError(
        f"KPI は辞書（「指標名」などをキーにした dict）か KPI で渡してください。{type(kpi).__name__} が渡されました。"
    )


def missing_fields(kpi: KPI | Mapping[str, Any]) -> list[str]:
    """The required KPI sheet fields (Japanese labels, in sheet order) that are absent or blank.

    Blank means ``None``, an empty or whitespace-only string, or NaN.
    """
    sheet = _as_sheet(kpi)
    return [label for label in KPI_FIELDS if _is_blank(sheet.get(label))]


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(float(value))


def _year_problem(label: str, value: Any) -> str | None:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        low, high = _YEAR_RANGE
        if low <= int(value) <= high:
            return None
        return f"「{label}」が {value} です。西暦の年（{low}〜{high}）で書いてください。"
    if isinstance(value, str):
        return (f"「{label}」が文字列「{value}」です。西暦の整数で書いてください"
                f"（例: 令和6年度 → 2024）。和暦は ebpm.wareki で変換できます。")
    return f"「{label}」が {value!r} です。西暦の整数（例: 2024）で書いてください。"


def check_kpi(kpi: KPI | Mapping[str, Any]) -> list[str]:
    """Japanese messages for every problem of one KPI sheet; an empty list when it is complete.

    Reports: unknown fields (with the closest label), missing or blank required fields, a 種類
    other than アウトプット/アウトカム, 基準値/目標値 that are not numbers, years that are not
    Western calendar integers, a 目標年 not after the 基準年, a 目標値 equal to the 基準値, and a
    目標値 that goes the wrong way when 目指す方向 is given.
    """
    sheet = _as_sheet(kpi)
    name = sheet.get("指標名")
    prefix = f"KPI「{name}」: " if not _is_blank(name) else "KPI: "
    problems = [_unknown_field_message(key) for key in sheet if key not in _ALL_FIELDS]
    missing = missing_fields(sheet)
    if missing:
        problems.append(f"次の項目が空です: {'、'.join(missing)}。")

    def filled(label: str) -> bool:
        return not _is_blank(sheet.get(label))

    if filled("種類") and sheet["種類"] not in KINDS:
        problems.append(f"「種類」が「{sheet['種類']}」です。「アウトプット」か「アウトカム」のどちらかを書いてください。")
    for label in ("基準値", "目標値"):
        if filled(label) and not _is_number(sheet[label]):
            problems.append(f"「{label}」が {sheet[label]!r} です。単位を除いた数値で書いてください（単位は「単位」の欄へ）。")
    years_ok = True
    for label in ("基準年", "目標年"):
        if filled(label):
            problem = _year_problem(label, sheet[label])
            if problem:
                problems.append(problem)
                years_ok = False
    if years_ok and filled("基準年") and filled("目標年") and sheet["目標年"] <= sheet["基準年"]:
        problems.append(f"「目標年」（{sheet['目標年']}）が「基準年」（{sheet['基準年']}）より後になっていません。")
    values_ok = all(filled(label) and _is_number(sheet[label]) for label in ("基準値", "目標値"))
    if values_ok and sheet["目標値"] == sheet["基準値"]:
        problems.append("「目標値」が「基準値」と同じです。何をどれだけ変えたいのかが分かりません。")
    if filled("目指す方向"):
        direction = sheet["目指す方向"]
        if direction not in DIRECTIONS:
            problems.append(f"「目指す方向」が「{direction}」です。「増やす」か「減らす」を書いてください。")
        elif values_ok:
            wrong_way = (sheet["目標値"] < sheet["基準値"]) if direction == "増やす" else (sheet["目標値"] > sheet["基準値"])
            if wrong_way:
                problems.append(f"目指す方向が「{direction}」なのに、目標値（{sheet['目標値']}）が基準値（{sheet['基準値']}）と逆の向きです。")
    return [prefix + problem for problem in problems]


def _as_model(model: LogicModel | Mapping[str, Sequence[str]]) -> LogicModel:
    if isinstance(model, LogicModel):
        return model
    if isinstance(model, Mapping):
        return LogicModel(title="（無題）", stages={str(k): list(v) for k, v in model.items()})
    raise LogicModelError(
        f"ロジックモデルは LogicModel か、段階名をキーにした dict で渡してください。{type(model).__name__} が渡されました。"
    )


def check_logic_model(model: LogicModel | Mapping[str, Sequence[str]]) -> list[str]:
    """Japanese messages for every problem of a logic model; an empty list when nothing is wrong.

    Accepts a :class:`LogicModel` or a dict stage → list of elements. Reports: unknown stage
    names (with the closest stage), stages that are missing or empty, an element placed in more
    than one stage, KPIs whose sheet has problems (:func:`check_kpi`), and a model whose KPIs
    measure only outputs (no アウトカム KPI).
    """
    model = _as_model(model)
    problems: list[str] = []
    for stage in model.stages:
        if stage not in STAGES:
            close = difflib.get_close_matches(stage, STAGES, n=1, cutoff=0.4)
            hint = f"「{close[0]}」のことですか？" if close else f"使える段階: {'、'.join(STAGES)}。"
            problems.append(f"「{stage}」という段階はありません。{hint}")
    for stage in STAGES:
        if not model.stages.get(stage):
            problems.append(f"段階「{stage}」に要素がありません。")
    seen: dict[str, str] = {}
    for stage, elements in model.stages.items():
        for element in elements:
            if element in seen and seen[element] != stage:
                problems.append(f"「{element}」が「{seen[element]}」と「{stage}」の両方にあります。1 つの段階に置いてください。")
            seen.setdefault(element, stage)
    for kpi in model.kpis:
        problems.extend(check_kpi(kpi))
    if model.kpis and not any(kpi.kind == "アウトカム" for kpi in model.kpis):
        problems.append("KPI がアウトプット（活動の量）だけです。施策で変えたいこと（アウトカム）を測る KPI を加えてください。")
    return problems


def as_kpi_sheet(kpi: KPI | Mapping[str, Any]) -> pd.Series:
    """One KPI as a Series in sheet order (blank fields shown as 「（空欄）」), for display."""
    sheet = _as_sheet(kpi)
    labels = list(KPI_FIELDS) + [label for label in sheet if label not in KPI_FIELDS]
    values = ["（空欄）" if _is_blank(sheet.get(label)) else sheet.get(label) for label in labels]
    return pd.Series(values, index=labels, name=str(sheet.get("指標名") or "KPI"), dtype=object)


# --- Examples and answer keys of 事前学習 4 ---------------------------------------------------


def example_childcare_model() -> LogicModel:
    """星川町（架空）の子育て支援策のロジックモデル: the worked example of 事前学習 4."""
    return LogicModel(
        title="星川町 子育て世帯の定住促進",
        problem="子育て世帯（中学生以下の子どもがいる世帯）の転出が転入を上回っている（転出超過）。",
        stages={
            "インプット": ["子育て支援の予算（年 3,000 万円）", "子育て支援課の職員 2 人", "町営住宅の空き部屋"],
            "活動": ["子育て世帯向け住宅の家賃補助", "一時預かり保育の拡充", "転入を考える世帯への相談会"],
            "アウトプット": ["家賃補助の利用世帯数", "一時預かりの受け入れ枠", "相談会の参加世帯数"],
            "短期アウトカム": ["子育て環境に満足している保護者の割合が上がる", "子育て世帯の住居費の負担が軽くなる"],
            "中長期アウトカム": ["子育て世帯の転出超過が減る", "年少人口（0〜14 歳）の減少がゆるやかになる"],
        },
        kpis=[
            KPI(name="家賃補助の利用世帯数", definition="その年度に家賃補助を受けた子育て世帯の数", unit="世帯",
                kind="アウトプット", baseline=0, baseline_year=2024, target=40, target_year=2028,
                source="子育て支援課の補助金台帳", frequency="毎年度", owner="子育て支援課", direction="増やす"),
            KPI(name="子育て世帯の転出超過数", definition="中学生以下の子どもがいる世帯の転出世帯数 − 転入世帯数（年度）",
                unit="世帯", kind="アウトカム", baseline=35, baseline_year=2024, target=15, target_year=2028,
                source="住民基本台帳（住民課）", frequency="毎年度", owner="企画課", direction="減らす"),
        ],
    )


def example_tourism_model() -> LogicModel:
    """星川町（架空）と近隣 3 町の広域観光キャンペーンのロジックモデル: the key of the placement exercise."""
    return LogicModel(
        title="広域観光キャンペーン（星川町ほか 3 町）",
        problem="観光客が少なく、町内の宿泊・飲食の売上が伸びない。",
        stages={
            "インプット": ["観光振興の補助金", "観光協会の職員"],
            "活動": ["SNS での観光情報の発信", "周遊スタンプラリーの実施"],
            "アウトプット": ["SNS 投稿の数", "スタンプラリーの参加者数"],
            "短期アウトカム": ["町の観光地を知っている人が増える"],
            "中長期アウトカム": ["観光客数が増える", "町内の宿泊・飲食の売上が増える"],
        },
    )


def example_indicators() -> dict[str, str]:
    """Indicators → their kind (アウトプット/アウトカム): the key of the classification exercise."""
    return {
        "特定健診の受診勧奨はがきの送付数": "アウトプット",
        "特定健診の受診率": "アウトカム",
        "子育て相談会の開催回数": "アウトプット",
        "子育て環境に満足している保護者の割合": "アウトカム",
        "空き家バンクへの登録件数": "アウトプット",
        "空き家バンクを通じた移住世帯数": "アウトカム",
        "高齢者向け運動教室の参加者数": "アウトプット",
        "要介護認定を受けていない 75 歳以上の割合": "アウトカム",
    }


def example_kpi_draft() -> dict[str, Any]:
    """A KPI sheet drafted with gaps: the data of the missing-fields exercise."""
    return {
        "指標名": "子育て世帯の転出超過数",
        "定義": "中学生以下の子どもがいる世帯の転出世帯数 − 転入世帯数（年度）",
        "単位": "",
        "種類": "アウトカム",
        "基準値": 35,
        "目標値": 15,
        "目標年": 2028,
        "データソース": None,
        "更新頻度": "毎年度",
        "担当": "",
    }


__all__ = [
    "DIRECTIONS", "KINDS", "KPI", "KPI_FIELDS", "OPTIONAL_KPI_FIELDS", "STAGES", "STAGE_KIND",
    "LogicModel", "LogicModelError", "as_kpi_sheet", "check_kpi", "check_logic_model",
    "example_childcare_model", "example_indicators", "example_kpi_draft", "example_tourism_model",
    "missing_fields",
]


# --- Workshop 4: consistency of KPIs with the stages, a readable table and a diagram -----------


def kpi_stages(model: LogicModel, measures: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """Each KPI's name → the stage it measures (None when it cannot be told).

    ``measures`` maps a KPI's 指標名 to a stage; a KPI not in it is placed by an element of the
    model with exactly the same name, or left as None.
    """
    placement = model.placement()
    given = dict(measures or {})
    return {str(k.name): given.get(str(k.name), placement.get(str(k.name))) for k in model.kpis}


def check_consistency(model: LogicModel, measures: Mapping[str, str] | None = None) -> list[str]:
    """:func:`check_logic_model` plus the checks that tie each KPI to the stage it measures.

    ``measures`` maps each KPI's 指標名 to the stage it measures (see :func:`kpi_stages`).
    Reports, in Japanese: a KPI whose stage is unknown, a stage name that does not exist, a KPI
    that measures インプット or 活動 (count what they produce instead), a 種類 that does not match
    its stage (an output indicator called an outcome, or the reverse), a stage named in
    ``measures`` for a KPI that is not in the model, and a model with no KPI for 中長期アウトカム.
    Returns an empty list when nothing is wrong.
    """
    model = _as_model(model)
    problems = check_logic_model(model)
    names = {str(k.name) for k in model.kpis}
    for name in (measures or {}):
        if name not in names:
            problems.append(f"「{name}」という KPI はモデルにありません（指標名の書き間違いではありませんか）。")
    stages = kpi_stages(model, measures)
    for kpi in model.kpis:
        name = str(kpi.name)
        stage = stages[name]
        if stage is None:
            problems.append(f"KPI「{name}」がどの段階を測るのか分かりません。段階を指定してください。")
            continue
        if stage not in STAGES:
            close = difflib.get_close_matches(stage, STAGES, n=1, cutoff=0.4)
            hint = f"「{close[0]}」のことですか？" if close else f"使える段階: {'、'.join(STAGES)}。"
            problems.append(f"KPI「{name}」の段階「{stage}」はありません。{hint}")
            continue
        wanted = STAGE_KIND[stage]
        if wanted is None:
            problems.append(f"KPI「{name}」は「{stage}」を測っています。KPI には活動の結果（アウトプット）か、"
                            "変えたいこと（アウトカム）を選んでください。")
        elif kpi.kind in KINDS and kpi.kind != wanted:
            problems.append(f"KPI「{name}」は「{stage}」を測るので種類は「{wanted}」です。"
                            f"「{kpi.kind}」になっています。")
    if model.kpis and "中長期アウトカム" not in stages.values():
        problems.append("中長期アウトカム（施策が最終的に目指すこと）を測る KPI がありません。")
    return problems


def render_table(model: LogicModel, measures: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The KPI sheet of ``model`` as one readable table: 段階 first, then the KPI sheet fields.

    Rows follow the stages left to right; blank fields show 「（空欄）」 and an unknown stage
    「（不明）」, so that a gap is visible in a printed table.
    """
    stages = kpi_stages(model, measures)
    rows = []
    for kpi in model.kpis:
        sheet = kpi.to_dict()
        row = {"段階": stages[str(kpi.name)] or "（不明）"}
        row.update({label: "（空欄）" if _is_blank(sheet.get(label)) else sheet.get(label) for label in KPI_FIELDS})
        rows.append(row)
    order = {stage: i for i, stage in enumerate(STAGES)}
    table = pd.DataFrame(rows, columns=["段階", *KPI_FIELDS])
    if len(table):
        table = table.sort_values("段階", key=lambda s: s.map(lambda v: order.get(v, len(STAGES))), kind="stable")
    return table.reset_index(drop=True)


def draw_diagram(model: LogicModel, ax: Any = None, *, width: float = 14.0, wrap: int = 12) -> Any:
    """Draw the logic model as boxes and arrows (one column per stage, left to right).

    Each element is a box with its text (wrapped every ``wrap`` characters); an arrow joins each
    stage to the next; the title is the model's title. Returns the matplotlib Axes. Call
    ``ebpm.plotting.setup()`` first so that Japanese text has a font.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    model = _as_model(model)
    columns = [stage for stage in STAGES if stage in model.stages]
    depth = max((len(model.stages[s]) for s in columns), default=1) or 1
    if ax is None:
        _, ax = plt.subplots(figsize=(width, 1.3 * depth + 1.2))
    ax.set_xlim(0, len(columns))
    ax.set_ylim(-depth - 0.2, 0.8)
    ax.axis("off")
    colours = ["#d6e4f0", "#d6e4f0", "#fbe3d2", "#dcefe1", "#c7e6cf"]
    for i, stage in enumerate(columns):
        ax.text(i + 0.5, 0.45, stage, ha="center", va="center", fontsize=12)
        for j, element in enumerate(model.stages[stage]):
            y = -j - 0.5
            ax.add_patch(FancyBboxPatch((i + 0.06, y - 0.4), 0.88, 0.8, boxstyle="round,pad=0.02",
                                        facecolor=colours[i % len(colours)], edgecolor="#5f6b73"))
            text = "\n".join(element[k:k + wrap] for k in range(0, len(element), wrap))
            ax.text(i + 0.5, y, text, ha="center", va="center", fontsize=9)
        if i + 1 < len(columns):
            ax.annotate("", xy=(i + 1.04, -depth / 2), xytext=(i + 0.96, -depth / 2),
                        arrowprops={"arrowstyle": "-|>", "color": "#5f6b73", "lw": 2})
    ax.set_title(model.title)
    return ax


def example_voucher_model() -> LogicModel:
    """星川町（架空）の一時預かり保育利用券パイロット: the key of Workshop 4-1's model exercise."""
    return LogicModel(
        title="星川町 一時預かり保育利用券パイロット",
        problem="子育て世帯（中学生以下の子どもがいる世帯）の転出が転入を上回っている（転出超過）。",
        stages={
            "インプット": ["利用券の予算（年 600 万円）", "子育て支援課の担当職員"],
            "活動": ["申込世帯に利用券を抽選で配る", "保育所の一時預かり枠を増やす"],
            "アウトプット": ["利用券を受け取った世帯数", "一時預かりの利用回数"],
            "短期アウトカム": ["保護者が自分の時間を持てる", "子育て環境の満足度が上がる"],
            "中長期アウトカム": ["子育て世帯の転出超過が減る", "年少人口の減少がゆるやかになる"],
        },
        kpis=[
            KPI(name="利用券を受け取った世帯数", definition="その年度に一時預かり保育の利用券を受け取った子育て世帯の数",
                unit="世帯", kind="アウトプット", baseline=0, baseline_year=2024, target=150, target_year=2026,
                source="子育て支援課の利用券交付台帳", frequency="毎年度", owner="子育て支援課", direction="増やす"),
            KPI(name="子育て世代の転出超過数",
                definition="0〜14 歳と 25〜44 歳の転出者数 − 転入者数（1〜12 月）。基準値は 2022〜2024 年の平均",
                unit="人", kind="アウトカム", baseline=38, baseline_year=2024, target=25, target_year=2028,
                source="住民基本台帳（住民課）の異動記録", frequency="毎年", owner="企画課", direction="減らす"),
        ],
    )


#: The stage each KPI of :func:`example_voucher_model` measures.
VOUCHER_MEASURES: dict[str, str] = {"利用券を受け取った世帯数": "アウトプット", "子育て世代の転出超過数": "中長期アウトカム"}


__all__ += ["VOUCHER_MEASURES", "check_consistency", "draw_diagram", "example_voucher_model", "kpi_stages", "render_table"]
