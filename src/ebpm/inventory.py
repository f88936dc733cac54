"""Logic trees (問い → 仮説 → 必要なデータ) and data inventories (データの棚卸し).

Workshop 1 has learners write down a question, the hypotheses that could answer it and the data
that would test each one, then list where that data lives: which section holds it, in what form
and how often it is updated. Both are plain Python structures (a dict, a list of dicts or a
DataFrame) so that a learner can write them without new syntax; the functions here check their
shape and return the problems as Japanese sentences (an empty list when all is well).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from ebpm.errors import DataFormatError

__all__ = [
    "ALLOWED_VALUES",
    "FORMATS",
    "FREQUENCIES",
    "MACHINE_READABLE",
    "PERSONAL_INFO",
    "REQUIRED_COLUMNS",
    "check_inventory",
    "check_logic_tree",
    "example_sources",
    "example_statements",
    "inventory_frame",
    "logic_tree_frame",
]

#: Columns every inventory has, in this order.
REQUIRED_COLUMNS: tuple[str, ...] = ("データ名", "担当課", "形式", "更新頻度")

#: How the data is kept. 「業務システム」: only inside a system (an export may be possible).
FORMATS: tuple[str, ...] = ("CSV", "Excel", "API", "業務システム", "PDF", "Webページ", "紙")
#: Formats a program can read as they are.
MACHINE_READABLE: tuple[str, ...] = ("CSV", "Excel", "API")
FREQUENCIES: tuple[str, ...] = ("随時", "毎月", "四半期", "毎年", "数年ごと", "不定期", "更新なし")
PERSONAL_INFO: tuple[str, ...] = ("あり", "なし")

#: Columns whose values must come from a fixed list.
ALLOWED_VALUES: dict[str, tuple[str, ...]] = {
    "形式": FORMATS,
    "更新頻度": FREQUENCIES,
    "個人情報": PERSONAL_INFO,
}

# Words people write instead of an allowed value: used only to suggest the right one.
_SUGGESTIONS: dict[str, str] = {
    "csv": "CSV", "エクセル": "Excel", "excel": "Excel", "xlsx": "Excel", "xls": "Excel",
    "システム": "業務システム", "基幹システム": "業務システム", "データベース": "業務システム",
    "db": "業務システム", "pdf": "PDF", "ホームページ": "Webページ", "web": "Webページ",
    "hp": "Webページ", "紙媒体": "紙", "紙台帳": "紙", "台帳": "紙", "手書き": "紙",
    "毎日": "随時", "日次": "随時", "リアルタイム": "随時", "月次": "毎月", "月1回": "毎月",
    "月1": "毎月", "毎年度": "毎年", "年次": "毎年", "年1回": "毎年", "年度": "毎年",
    "3か月ごと": "四半期", "3ヶ月ごと": "四半期", "5年ごと": "数年ごと", "5年に1回": "数年ごと",
    "3年ごと": "数年ごと", "2年ごと": "数年ごと", "随時更新": "随時", "なし": "更新なし",
    "有": "あり", "無": "なし", "有り": "あり", "無し": "なし", "含む": "あり", "含まない": "なし",
}


def _clean(value: Any) -> str:
    """NFKC text without surrounding spaces; '' for None / NaN."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    return unicodedata.normalize("NFKC", str(value)).replace("\u3000", " ").strip()


def _is_blank(value: Any) -> bool:
    return _clean(value) == ""


# ------------------------------------------------------------------ inventories


def inventory_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A tidy inventory table from a list of dicts (one dict per data source).

    Text is NFKC-normalised and stripped; the required columns come first (missing ones are
    added empty, so that :func:`check_inventory` can name them), other keys follow in the
    order they first appear. Rows are numbered from 1.
    """
    rows = list(records)
    if not rows:
        raise DataFormatError("データが 1 件もありません。", expected="1 件以上の辞書のリスト")
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise DataFormatError(
                f"{number} 件目が辞書（{{\"データ名\": ..., ...}}）ではなく {type(row).__name__} です。",
                expected="1 件ごとに 1 つの辞書",
            )
    extra: list[str] = []
    for row in rows:
        extra += [str(k) for k in row if str(k) not in REQUIRED_COLUMNS and str(k) not in extra]
    columns = [*REQUIRED_COLUMNS, *extra]
    data = {c: [_clean(row.get(c)) for row in rows] for c in columns}
    frame = pd.DataFrame(data, index=pd.RangeIndex(1, len(rows) + 1, name="番号"))
    return frame.astype("string")


def check_inventory(table: Any, required: Sequence[str] = REQUIRED_COLUMNS) -> list[str]:
    """Problems of an inventory table, as Japanese sentences ([] when it is fine).

    Checks: it is a DataFrame with at least one row; every column of ``required`` is there;
    no required cell is blank; 形式, 更新頻度 and 個人情報 (where present) hold allowed values;
    no データ名 appears twice.
    """
    if not isinstance(table, pd.DataFrame):
        return [f"棚卸し表が DataFrame（表）ではなく {type(table).__name__} です。"
                "pd.DataFrame(...) か inventory.inventory_frame(...) で表にしてください。"]
    if table.empty:
        return ["棚卸し表にデータが 1 行もありません。"]
    problems: list[str] = []
    present = [str(c) for c in table.columns]
    missing = [c for c in required if c not in present]
    if missing:
        problems.append(f"列 {'、'.join(missing)} がありません（今ある列: {'、'.join(present)}）。")
    for column in [c for c in required if c in present]:
        blank = [i + 1 for i, v in enumerate(table[column].tolist()) if _is_blank(v)]
        if blank:
            problems.append(f"列「{column}」が空欄の行があります（上から {_numbers(blank)} 行目）。")
    for column, allowed in ALLOWED_VALUES.items():
        if column not in present:
            continue
        for i, value in enumerate(table[column].tolist(), start=1):
            text = _clean(value)
            if text and text not in allowed:
                problems.append(_not_allowed(column, i, text, allowed))
    if "データ名" in present:
        names = [_clean(v) for v in table["データ名"].tolist()]
        twice = sorted({n for n in names if n and names.count(n) > 1})
        if twice:
            problems.append(f"同じデータ名が 2 回以上あります: {'、'.join(twice)}。1 つのデータは 1 行にまとめます。")
    return problems


def _numbers(rows: list[int]) -> str:
    return "、".join(str(r) for r in rows[:10]) + (" ほか" if len(rows) > 10 else "")


def _not_allowed(column: str, row: int, text: str, allowed: tuple[str, ...]) -> str:
    message = f"上から {row} 行目の「{column}」の「{text}」は決められた値ではありません。"
    suggestion = _SUGGESTIONS.get(text.lower().replace(" ", ""))
    if suggestion:
        message += f"「{suggestion}」のことでしょうか。"
    return message + f"使える値: {'、'.join(allowed)}"


# ------------------------------------------------------------------ logic trees


def check_logic_tree(tree: Any, min_hypotheses: int = 3) -> list[str]:
    """Problems of a logic tree, as Japanese sentences ([] when it is fine).

    The expected shape::

        {"問い": "…",
         "仮説": [{"仮説": "…", "必要なデータ": ["…", "…"]}, ...]}

    Checks: 問い is non-blank text; there are at least ``min_hypotheses`` hypotheses, all
    different; each is non-blank text with a non-empty list of non-blank data names.
    """
    if not isinstance(tree, Mapping):
        return [f"ロジックツリーが辞書（dict）ではなく {type(tree).__name__} です。"
                "{\"問い\": ..., \"仮説\": [...]} の形で書いてください。"]
    problems: list[str] = []
    unknown = [str(k) for k in tree if k not in ("問い", "仮説")]
    if unknown:
        problems.append(f"キー {'、'.join(unknown)} は使いません。キーは「問い」と「仮説」の 2 つです。")
    question = tree.get("問い")
    if not isinstance(question, str) or _is_blank(question):
        problems.append("「問い」に、データで確かめたい疑問を文字列で書いてください。")
    hypotheses = tree.get("仮説")
    if not isinstance(hypotheses, (list, tuple)):
        problems.append("「仮説」は、仮説ごとの辞書を [ ] で囲んだリストにしてください。")
        return problems
    if len(hypotheses) < min_hypotheses:
        problems.append(f"仮説が {len(hypotheses)} 個です。少なくとも {min_hypotheses} 個の仮説を挙げてください。")
    texts: list[str] = []
    for number, item in enumerate(hypotheses, start=1):
        where = f"{number} 番目の仮説"
        if not isinstance(item, Mapping):
            problems.append(f"{where}が辞書ではありません。{{\"仮説\": ..., \"必要なデータ\": [...]}} の形にしてください。")
            continue
        text = item.get("仮説")
        if not isinstance(text, str) or _is_blank(text):
            problems.append(f"{where}の「仮説」が空です。文字列で書いてください。")
        else:
            texts.append(_clean(text))
        data = item.get("必要なデータ")
        if isinstance(data, str):
            problems.append(f"{where}の「必要なデータ」が文字列です。1 つだけでも [\"…\"] のようにリストにしてください。")
        elif not isinstance(data, (list, tuple)) or not data:
            problems.append(f"{where}に「必要なデータ」がありません。確かめるのに使うデータを 1 つ以上挙げてください。")
        elif any(not isinstance(d, str) or _is_blank(d) for d in data):
            problems.append(f"{where}の「必要なデータ」に空の項目があります。")
    repeated = sorted({t for t in texts if texts.count(t) > 1})
    if repeated:
        problems.append(f"同じ仮説が 2 回以上あります: {'、'.join(repeated)}")
    return problems


def logic_tree_frame(tree: Mapping[str, Any]) -> pd.DataFrame:
    """The tree as a table: one row per (hypothesis, data), for display and for inventories."""
    problems = check_logic_tree(tree, min_hypotheses=1)
    if problems:
        raise DataFormatError("ロジックツリーの形が正しくありません: " + " ".join(problems))
    rows = [
        {"問い": _clean(tree["問い"]), "仮説番号": f"H{number}", "仮説": _clean(item["仮説"]),
         "必要なデータ": _clean(data)}
        for number, item in enumerate(tree["仮説"], start=1)
        for data in item["必要なデータ"]
    ]
    return pd.DataFrame(rows).astype("string")


# ------------------------------------------------------------------ examples for the workshop


def example_statements() -> list[str]:
    """Sentences about 星川町 for learners to sort into テーマ, 問い and 仮説 (the kinds are not given)."""
    return list(_STATEMENT_KINDS)


def example_sources() -> list[dict[str, str]]:
    """Data sources of the workshop example: each one's データ名 and the 説明 shown to learners.

    The inventory rows learners should write from them are the exercise's to know
    (``ebpm.exercises.ws1_01``), not returned here.
    """
    return [{"データ名": row["データ名"], "説明": row["説明"]} for row in _EXAMPLE_SOURCES]


# The answer keys of workshop 1-1: only the exercise checks (ebpm.exercises.ws1_01) read them; the
# functions above give learners the sentences and descriptions without the answers.
_STATEMENT_KINDS = {
    "子育て世帯の定住促進": "テーマ",
    "星川町では、なぜ 25〜44 歳と 14 歳以下の転出が転入を上回り続けているのか": "問い",
    "町内に子育て世帯が借りられる広さの賃貸住宅が少ないため、子どもが生まれると町外へ転出している": "仮説",
    "人口減少への対応": "テーマ",
    "町から転出した子育て世帯は、主にどの市町村へ移っているのか": "問い",
    "保育所に入りにくいため、共働きの子育て世帯が、入りやすい近隣の市へ転出している": "仮説",
    "転出した子育て世帯のうち、転出先で住宅を購入した世帯はどのくらいあるか": "問い",
}

_EXAMPLE_SOURCES = [
    {"説明": "住民が転入・転出するときに出す届け出の記録。転出先の市町村と、世帯の人数・年齢が分かる。"
             "住民課が住民記録システムで管理し、届け出のたびに更新される。",
     "仮説": "H3", "データ名": "住民異動届の記録", "担当課": "住民課",
     "形式": "業務システム", "更新頻度": "随時"},
    {"説明": "町営住宅の空き室と入居を待っている世帯の数。建設課が毎月 Excel にまとめている。",
     "仮説": "H1", "データ名": "町営住宅の入居待ち世帯数", "担当課": "建設課",
     "形式": "Excel", "更新頻度": "毎月"},
    {"説明": "国の住宅・土地統計調査の結果（借家の数と広さなど）。5 年ごとに e-Stat から CSV で入手できる。"
             "庁内では企画課が受け取っている。",
     "仮説": "H1", "データ名": "住宅・土地統計調査", "担当課": "企画課",
     "形式": "CSV", "更新頻度": "数年ごと"},
    {"説明": "保育所ごとの定員と、入所を申し込んで待っている子どもの数。子育て支援課が毎月 Excel で集計している。",
     "仮説": "H2", "データ名": "保育所の入所待ち児童数", "担当課": "子育て支援課",
     "形式": "Excel", "更新頻度": "毎月"},
    {"説明": "住民意識調査の回答（子育て環境の満足度、住み続けたいか）。企画課が 3 年に 1 回実施し、結果は CSV にしている。",
     "仮説": "H2", "データ名": "住民意識調査", "担当課": "企画課",
     "形式": "CSV", "更新頻度": "数年ごと"},
]
