"""Readers for the 総務省 yearly files a municipality compares itself with, and for their series.

Two kinds of file, one year per file, ``.xls`` or ``.xlsx`` (read through :mod:`ebpm.juki`):

- 住基: 「住民基本台帳に基づく人口、人口動態及び世帯数」 市区町村別 (:func:`read_juki`);
- 財政指標: 「全市町村の主要財政指標」 (:func:`read_zaisei`).

Each reader returns a long (tidy) table, **one row per (団体コード, 年 or 年度, 項目)**:

住基 columns: ``団体コード`` (6 digits; empty for the 全国 row), ``都道府県名``, ``団体名``, ``区分``
(全国/都道府県/市区町村/政令市/政令市の区/郡/特別区部), ``年`` (the year of the reference date),
``基準日``, ``項目`` (``人口_計``, ``世帯数``, ``住民票記載数_出生者数``, ...), ``期間`` (``時点`` for
人口 and 世帯数; ``年度`` or ``暦年`` for 人口動態), ``期間開始``, ``期間終了``, ``値`` (float, NaN
where the file has no number), ``記号`` (the marker found instead of a number, such as ``-``),
``単位`` and ``出典ファイル``.

財政指標 columns: ``団体コード`` (empty for the 全国市町村平均 row), ``都道府県名``, ``団体名``,
``区分`` (市区町村/政令市/全国平均), ``年度``, ``項目`` (財政力指数, 経常収支比率, 実質公債費比率,
将来負担比率, ラスパイレス指数), ``値``, ``記号``, ``出典ファイル``.

A marker is never turned into a number: ``値`` is NaN and ``記号`` says why. :func:`to_wide` turns
a long table into one row per 団体 and year with one column per 項目.

:func:`read_series` reads a folder of such files into one long table, says which file gave
which year (``出典ファイル`` and ``attrs``), refuses a duplicated year or a file of another kind,
reports missing years (never fills them in), and notes where the series changes meaning: the
住基 reference date moved from 3月31日 (up to 2013) to 1月1日 (from 2014), and its 人口動態 from
年度 to 暦年.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from ebpm import excel, juki, wareki
from ebpm.errors import DataFormatError

JUKI = "住基"
ZAISEI = "財政指標"
AGE = "年齢階級別"
KINDS = {JUKI: "住民基本台帳に基づく人口・世帯数・人口動態（市区町村別）", ZAISEI: "全市町村の主要財政指標",
         AGE: "住民基本台帳に基づく年齢階級別人口（市区町村別）"}
_KIND_ALIASES = {"juki": JUKI, "zaisei": ZAISEI, "age": AGE, JUKI: JUKI, ZAISEI: ZAISEI, AGE: AGE, "年齢": AGE}
SERIES_SUFFIXES = (*excel.EXCEL_SUFFIXES, ".csv")   # 住基 tables also arrive saved as CSV
_BAND_RE = re.compile(r"^(\d{1,3})歳?[~〜\-](\d{1,3})歳?$")
_TOP_BAND_RE = re.compile(r"^(\d{1,3})歳以上$")

STOCK = "時点"
FISCAL_YEAR = "年度"
CALENDAR_YEAR = "暦年"

# The 2013 file (and older) says 増加 where later files say 増減 for the same items.
_ITEM_ALIASES = {
    "増加率": "増減率", "自然増加数": "自然増減数", "自然増加率": "自然増減率",
    "社会増加数": "社会増減数", "社会増加率": "社会増減率",
}
_STOCK_ITEMS = ("人口_男", "人口_女", "人口_計", "世帯数")
_ZAISEI_ITEMS = ("財政力指数", "経常収支比率", "実質公債費比率", "将来負担比率", "ラスパイレス指数")

_ERA = r"(?:明治|大正|昭和|平成|令和)"
_DATE_RE = re.compile(rf"({_ERA}(?:元|\d{{1,2}})年\d{{1,2}}月\d{{1,2}}日|\d{{4}}年\d{{1,2}}月\d{{1,2}}日)")
_DYNAMICS_RE = re.compile(rf"、\s*({_ERA}(?:元|\d{{1,2}})|\d{{4}})年(度)?")
_FISCAL_IN_TITLE_RE = re.compile(rf"({_ERA}(?:元|\d{{1,2}})|\d{{4}})年度")
_SCOPE_RE = re.compile(r"\((総計|日本人住民|外国人住民|日本人|外国人)\)")
_NAME_YEAR_PATTERNS = (
    re.compile(rf"({_ERA}(?:元|\d{{1,2}}))年?度?"),
    re.compile(r"(?<![A-Za-z])([MTSHR](?:元|\d{1,2}))(?!\d)"),
    # 西暦 only when it stands alone (総務省's own names such as 2003ssjin are yymm codes, not years)
    re.compile(r"(?<![0-9A-Za-z])((?:19[89]|20[0-4])\d)(?=年|[^0-9A-Za-z]|$)"),
)


class MissingYearWarning(UserWarning):
    """A yearly series has a gap: a year between the first and the last has no file."""


# --- reading one file ------------------------------------------------------------------------


def read_juki(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """One 住基 file (市区町村別, any layout 2013-2022, .xls or .xlsx) as a long table.

    Every row of the file is kept; choose rows by ``区分`` (e.g. ``区分 == "市区町村"`` or
    ``区分.isin(["市区町村", "政令市"])`` for the basic municipalities without wards and 郡).
    ``attrs``: ``source``, ``sheet``, ``title``, ``年``, ``基準日``, ``人口動態の期間``,
    ``年の出どころ``, ``対象`` (総計/日本人住民/外国人住民).
    """
    wide = juki.read_juki_excel(path, sheet=sheet, keep=None)
    return _juki_long(Path(path), wide)


def read_zaisei(path: str | Path, *, sheet: str | int | None = None, year: int | None = None) -> pd.DataFrame:
    """One 全市町村の主要財政指標 file (平成26年度 .xls to 令和2年度 .xlsx) as a long table.

    The 年度 comes from the title row (「（令和２年度）」) or else from the file name (``_H26``,
    ``令和2年度``, ``2020``); ``year=`` gives it when neither has it. The footer row 全国市町村平均 is
    kept with ``区分 == "全国平均"`` and no 団体コード.
    """
    wide = juki.read_juki_excel(path, sheet=sheet, keep=None)
    return _zaisei_long(Path(path), wide, year)


def read_age(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """One 住民基本台帳 年齢階級別人口（市区町村別）file (2014 to 80歳以上, later to 100歳以上) as a long table.

    One row per (団体, 性別 計/男/女, 年齢階級): ``団体コード``, ``都道府県名``, ``団体名``, ``区分``, ``年``,
    ``基準日``, ``性別``, ``年齢階級`` (「総数」, 「0〜4歳」 ... 「80歳以上」 or 「100歳以上」, one spelling whatever
    the file wrote), ``下限``, ``上限`` (NaN for the open top band and for 総数), ``値``, ``記号``,
    ``内訳の一部非公表`` (the file's 「*」: the bands leave out foreign residents whose ages are withheld,
    so they may not add up to 総数) and ``出典ファイル``.
    """
    wide = juki.read_juki_excel(path, sheet=sheet, keep=None)
    return _age_long(Path(path), wide)


def age_band(label: str) -> tuple[int, int | None] | None:
    """(lower, upper) of a band header: 「0～4歳」「5～9」「0歳～4歳」 → (0, 4); 「80歳以上」 → (80, None)."""
    text = unicodedata.normalize("NFKC", str(label)).replace(" ", "")
    if (m := _BAND_RE.match(text)):
        return int(m.group(1)), int(m.group(2))
    if (m := _TOP_BAND_RE.match(text)):
        return int(m.group(1)), None
    return None


def band_label(lower: int, upper: int | None) -> str:
    return f"{lower}歳以上" if upper is None else f"{lower}〜{upper}歳"


def _age_long(file: Path, wide: pd.DataFrame) -> pd.DataFrame:
    kind = _kind_of(file, wide)
    sheet = wide.attrs.get("sheet")
    if kind != AGE:
        raise DataFormatError(f"{KINDS[kind]}のファイルです。年齢階級別人口のファイルではありません。", path=file,
                              sheet=sheet, expected=KINDS[AGE])
    title = _title(wide)
    m = _DATE_RE.search(title)
    if not m:
        raise DataFormatError(
            "基準日（「令和4年1月1日」など）がタイトル行になく、何年の人口か分かりません。", path=file, sheet=sheet,
            expected="1 行目のタイトル「令和4年1月1日住民基本台帳年齢階級別人口（市区町村別）（総計）」")
    reference = wareki.parse_date(m.group(1))
    _check_name_agrees(file, reference.year, "年", sheet)
    bands = {c: age_band(c) for c in wide.columns}
    bands = {c: b for c, b in bands.items() if b is not None}
    lowers = sorted(b[0] for b in bands.values())
    if lowers != list(range(0, 5 * len(lowers), 5)) or list(bands.values())[-1][1] is not None:
        raise DataFormatError(
            f"年齢階級の列が 0 歳から 5 歳ごとに並んでいません（{'、'.join(bands)}）。", path=file, sheet=sheet,
            expected="「0～4歳」「5～9」…「80歳以上」（または「100歳以上」）の列")
    name = wide["市区町村名"].where(wide["市区町村名"].notna(), wide["都道府県名"])
    national = wide["区分"] == juki.NATIONAL
    ids = pd.DataFrame({
        "団体コード": wide["団体コード"].where(~national, None),
        "都道府県名": wide["都道府県名"].where(~national, None),
        "団体名": name.where(~national, "全国"),
        "区分": wide["区分"],
        "性別": wide["性別"],
        "内訳の一部非公表": wide[juki.STAR_COLUMN] if juki.STAR_COLUMN in wide else False,
    })
    labels = {"総数": "総数", **{c: band_label(*b) for c, b in bands.items()}}
    columns = [c for c in wide.columns if c in labels or c.endswith("_記号") and c[:-3] in labels]
    long = _melt(wide[columns].rename(columns=lambda c: labels.get(c) or labels[c[:-3]] + "_記号"), ids)
    long = long.rename(columns={"項目": "年齢階級"})
    limits = {label: (b[0], b[1]) for label, b in zip(labels.values(), [(None, None)] + list(bands.values()))}
    codes = long["年齢階級"].astype(str)
    long.insert(long.columns.get_loc("年齢階級") + 1, "下限", codes.map(lambda x: limits[x][0]).astype("float64"))
    long.insert(long.columns.get_loc("年齢階級") + 2, "上限", codes.map(lambda x: limits[x][1]).astype("float64"))
    long.insert(4, "年", reference.year)
    long.insert(5, "基準日", pd.Timestamp(reference))
    long["内訳の一部非公表"] = long["内訳の一部非公表"].astype(bool)
    long["出典ファイル"] = _constant(file.name, len(long))
    scope = _SCOPE_RE.search(title)
    long.attrs = {
        "source": file.name, "sheet": sheet, "title": wide.attrs.get("title", ""), "種類": AGE,
        "対象": scope.group(1) if scope else "", "年": reference.year, "基準日": reference,
        "年の出どころ": f"タイトル行「{m.group(1)}」", "最上位の階級": band_label(*list(bands.values())[-1]),
        "注記": list(wide.attrs.get("注記", [])),
    }
    return long


def age_bands(table: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """The bands of :func:`read_age` rows with every band from ``top`` up summed into 「top歳以上」.

    Files differ in their top band (80歳以上 in 2014, 100歳以上 later); ``top`` defaults to the lowest
    top band in ``table``, so that every year has the same bands. 総数 rows are kept as they are.
    """
    table = table.copy(deep=False)
    table.attrs = {}  # pandas deep-copies attrs into every intermediate result: thousands of groups below
    bands = table[table["年齢階級"] != "総数"]
    open_tops = bands.loc[bands["上限"].isna(), "下限"]
    top = int(open_tops.min()) if top is None else int(top)
    keys = [c for c in ("団体コード", "都道府県名", "団体名", "区分", "年", "基準日", "性別") if c in table]
    high = bands[bands["下限"] >= top].assign(_欠け=lambda d: d["値"].isna())
    summed = high.groupby(keys, observed=True, dropna=False, sort=False).agg(
        値=("値", "sum"), 欠け=("_欠け", "any"), 出典ファイル=("出典ファイル", "first")).reset_index()
    summed["値"] = summed["値"].where(~summed["欠け"])  # a band missing from the file leaves the sum unknown
    summed["年齢階級"], summed["下限"], summed["上限"] = band_label(top, None), float(top), np.nan
    low = bands[bands["下限"] < top]
    columns = keys + ["年齢階級", "下限", "上限", "値", "出典ファイル"]
    out = pd.concat([table.loc[table["年齢階級"] == "総数", columns].astype({"年齢階級": str}),
                     low[columns].astype({"年齢階級": str}), summed[columns]], ignore_index=True)
    return out.sort_values(keys + ["下限"], na_position="first", kind="stable").reset_index(drop=True)


def file_kind(path: str | Path, *, sheet: str | int | None = None) -> str:
    """``"住基"``, ``"財政指標"`` or ``"年齢階級別"``; refuses, naming the file, a file of any other kind."""
    file = Path(path)
    return _kind_of(file, _read_wide(file, sheet))


def _read_wide(file: Path, sheet: str | int | None = None) -> pd.DataFrame:
    try:
        return juki.read_juki_excel(file, sheet=sheet, keep=None)
    except DataFormatError as err:
        # The file is named once, by the new error; the sheet, row and column stay in the reason.
        reason = str(err).replace(f"ファイル「{file.name}」、", "", 1).replace(f"ファイル「{file.name}」: ", "", 1)
        if excel.sniff(file) is None and file.suffix.lower() not in excel.EXCEL_SUFFIXES:
            raise DataFormatError(
                f"CSV（テキスト）のファイルですが、総務省の住基・年齢階級別・主要財政指標の表を保存したものとして"
                f"読めませんでした。理由: {reason}",
                path=file,
                expected="総務省のサイトの Excel ファイルをそのまま（例: 住基は 2203ssjin.xlsx、年齢階級別は "
                         "2204ssnen.xlsx、主要財政指標は各年度の .xlsx）。CSV に保存し直さずにフォルダへ入れてください",
            ) from None
        raise DataFormatError(
            f"住基（人口・世帯数・人口動態、年齢階級別）の表としても、主要財政指標の表としても読めませんでした。理由: {reason}",
            path=file,
            expected=None if err.expected else "、".join(KINDS.values()),
        ) from None


def _kind_of(file: Path, wide: pd.DataFrame) -> str:
    columns = set(wide.columns)
    if "性別" in columns and "総数" in columns and sum(age_band(c) is not None for c in columns) >= 10:
        return AGE   # by content: the name (ssnen) may have been changed, and the sheet looks like the 人口・世帯数 one
    if columns & set(_ZAISEI_ITEMS) and "財政力指数" in columns:
        return ZAISEI
    if {"人口_計", "世帯数"} <= columns:
        return JUKI
    shown = "、".join(c for c in list(wide.columns)[:8])
    raise DataFormatError(
        f"住基の人口・世帯数の表でも、年齢階級別人口の表でも、主要財政指標の表でもありません（列: {shown} …）。",
        path=file,
        sheet=wide.attrs.get("sheet"),
        expected="「人口_計」「世帯数」の列（住基）、「性別」「総数」と 5 歳ごとの列（年齢階級別）か"
                 "「財政力指数」の列（主要財政指標）",
    )


def _title(wide: pd.DataFrame) -> str:
    return unicodedata.normalize("NFKC", wide.attrs.get("title", "")).replace(" ", "")


def _year_from_name(file: Path) -> tuple[int, str] | None:
    """(year, the text it came from) of an explicit year in a file name: H26, 令和2年度, 2020."""
    stem = unicodedata.normalize("NFKC", file.stem)
    found: dict[int, str] = {}
    for i, pattern in enumerate(_NAME_YEAR_PATTERNS):
        for m in pattern.finditer(stem):
            text = m.group(1)
            try:
                year = int(text) if i == 2 else wareki.parse_year(text)
            except DataFormatError:
                continue
            found.setdefault(year, text)
    if len(found) != 1:
        return None
    return next(iter(found.items()))


def _check_name_agrees(file: Path, year: int, label: str, sheet: str | None) -> None:
    named = _year_from_name(file)
    if named is not None and named[0] != year:
        raise DataFormatError(
            f"ファイル名の年（「{named[1]}」= {named[0]}）とタイトル行の{label}（{year}）が食い違っています。"
            "ファイル名を付け間違えていないか確かめてください。",
            path=file,
            sheet=sheet,
            expected="ファイル名とタイトル行が同じ年を指すこと",
        )


def _juki_long(file: Path, wide: pd.DataFrame) -> pd.DataFrame:
    kind = _kind_of(file, wide)
    sheet = wide.attrs.get("sheet")
    if kind != JUKI:
        raise DataFormatError(
            f"{KINDS[kind]}のファイルです。read_zaisei で読んでください。", path=file, sheet=sheet,
            expected=KINDS[JUKI],
        )
    title = _title(wide)
    years = wide.attrs.get("年", {})
    notes: list[str] = []
    m = _DATE_RE.search(title)
    if m:
        reference = wareki.parse_date(m.group(1))
        year, origin = reference.year, f"タイトル行「{m.group(1)}」"
    elif years.get("人口_計") is not None:
        reference = None
        year, origin = years["人口_計"], "見出しの年"
        notes.append("タイトル行に基準日がないため、基準日は空のままです（年は見出しから読みました）。")
    else:
        raise DataFormatError(
            "基準日（「令和4年1月1日」など）がタイトル行にも見出しにもなく、何年の人口か分かりません。",
            path=file, sheet=sheet, expected="1 行目のタイトル「令和4年1月1日住民基本台帳人口・世帯数…」",
        )
    _check_name_agrees(file, year, "年", sheet)

    dynamics = _DYNAMICS_RE.search(title)
    flows = [c for c in years if c not in _STOCK_ITEMS]
    if dynamics:
        period_year = wareki.parse_year(dynamics.group(1) + "年")
        period_kind = FISCAL_YEAR if dynamics.group(2) else CALENDAR_YEAR
    elif flows:
        period_year = years[flows[0]]
        period_kind = FISCAL_YEAR if flows[0] in wide.attrs.get("年度", []) else CALENDAR_YEAR
        notes.append("人口動態の期間はタイトル行ではなく見出しの年から読みました。")
    else:
        period_year, period_kind = None, None
    if period_kind == FISCAL_YEAR:
        start, end = dt.date(period_year, 4, 1), dt.date(period_year + 1, 3, 31)
        period_text = f"{period_year}年度（{period_year}年4月1日〜{period_year + 1}年3月31日）"
    elif period_kind == CALENDAR_YEAR:
        start, end = dt.date(period_year, 1, 1), dt.date(period_year, 12, 31)
        period_text = f"{period_year}年（1月1日〜12月31日）"
    else:
        start = end = None
        period_text = ""

    name = wide["市区町村名"].where(wide["市区町村名"].notna(), wide["都道府県名"])
    national = wide["区分"] == juki.NATIONAL
    ids = pd.DataFrame({
        "団体コード": wide["団体コード"].where(~national, None),
        "都道府県名": wide["都道府県名"].where(~national, None),
        "団体名": name.where(~national, "全国"),
        "区分": wide["区分"],
    })
    wide = wide.rename(columns=lambda c: _ITEM_ALIASES.get(c, c)).rename(
        columns=lambda c: _ITEM_ALIASES[c[:-3]] + "_記号" if c.endswith("_記号") and c[:-3] in _ITEM_ALIASES else c
    )
    long = _melt(wide, ids)
    stock = long["項目"].isin(_STOCK_ITEMS).to_numpy()
    units = {_ITEM_ALIASES.get(k, k): v for k, v in wide.attrs.get("単位", {}).items()}
    item_units = [units.get(item) or _default_unit(item) for item in long["項目"].cat.categories]
    unit_names = sorted(set(item_units))
    lookup = np.array([unit_names.index(u) for u in item_units], dtype="int8")
    long["単位"] = pd.Categorical.from_codes(lookup[long["項目"].cat.codes.to_numpy()], categories=unit_names)
    reference_ts = pd.Timestamp(reference) if reference else pd.NaT
    at_reference = pd.Series(reference_ts, index=long.index)
    period = np.where(stock, STOCK, period_kind or "")
    long.insert(4, "年", year)
    long.insert(5, "基準日", reference_ts)
    long.insert(7, "期間", pd.Categorical(period, categories=sorted(set(period))))
    long.insert(8, "期間開始", at_reference.where(stock, pd.Timestamp(start) if start else pd.NaT))
    long.insert(9, "期間終了", at_reference.where(stock, pd.Timestamp(end) if end else pd.NaT))
    long["出典ファイル"] = _constant(file.name, len(long))
    scope = _SCOPE_RE.search(title)
    long.attrs = {
        "source": file.name,
        "sheet": sheet,
        "title": wide.attrs.get("title", ""),
        "種類": JUKI,
        "対象": scope.group(1) if scope else "",
        "年": year,
        "基準日": reference,
        "人口動態の期間": period_text,
        "年の出どころ": origin,
        "注記": notes + list(wide.attrs.get("注記", [])),
    }
    return long


def _default_unit(item: str) -> str:
    if item.endswith("率"):
        return "%"
    return "世帯" if item == "世帯数" else "人"


def _melt(wide: pd.DataFrame, ids: pd.DataFrame) -> pd.DataFrame:
    """One row per (row of ``wide``, item); 値 and 記号 side by side.

    Text columns other than 団体コード are categorical: a series of ten 住基 files has about half
    a million rows, and repeating each name as its own string would cost time and memory.
    """
    skip = {"団体コード", "都道府県名", "市区町村名", "団体名", "区分"}
    items = [c for c in wide.columns if c not in skip and not c.endswith("_記号")]
    n, k = len(wide), len(items)
    out: dict[str, object] = {}
    for column in ids.columns:
        if column == "団体コード":
            out[column] = pd.array(np.tile(ids[column].to_numpy(dtype=object), k), dtype="str")
        else:
            cat = pd.Categorical(ids[column])
            out[column] = pd.Categorical.from_codes(np.tile(cat.codes, k), categories=cat.categories)
    out["項目"] = pd.Categorical.from_codes(np.repeat(np.arange(k), n), categories=items)
    out["値"] = np.concatenate([wide[c].to_numpy(dtype="float64", na_value=np.nan) for c in items]) if k else []
    markers = [
        wide[f"{c}_記号"].to_numpy(dtype=object) if f"{c}_記号" in wide else np.full(n, None, dtype=object)
        for c in items
    ]
    out["記号"] = pd.Categorical(np.concatenate(markers) if k else [], categories=_marker_categories(wide))
    return pd.DataFrame(out)


def _marker_categories(wide: pd.DataFrame) -> pd.Index:
    found = set()
    for column in wide.columns:
        if column.endswith("_記号"):
            found.update(v for v in wide[column].dropna())
    return pd.Index(sorted(found), dtype="str")


def _constant(value: object, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, dtype="int8"), categories=pd.Index([value], dtype="str"))


def _concat(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """pd.concat that keeps categorical columns categorical (union of their categories)."""
    out = {}
    for column in tables[0].columns:
        parts = [t[column] for t in tables]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            try:
                out[column] = union_categoricals([p.array for p in parts], ignore_order=True)
                continue
            except TypeError:  # categories of different dtypes (an all-empty marker column)
                parts = [p.astype(object) for p in parts]
        out[column] = pd.concat(parts, ignore_index=True)
        if isinstance(tables[0][column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype("category")
    return pd.DataFrame(out)


def _zaisei_long(file: Path, wide: pd.DataFrame, year: int | None) -> pd.DataFrame:
    kind = _kind_of(file, wide)
    sheet = wide.attrs.get("sheet")
    if kind != ZAISEI:
        raise DataFormatError(
            f"{KINDS[kind]}のファイルです。read_juki で読んでください。", path=file, sheet=sheet,
            expected=KINDS[ZAISEI],
        )
    title = _title(wide)
    m = _FISCAL_IN_TITLE_RE.search(title)
    named = _year_from_name(file)
    if m:
        fiscal = wareki.parse_fiscal_year(m.group(0))
        origin = f"タイトル行「{m.group(0)}」"
        _check_name_agrees(file, fiscal, "年度", sheet)
    elif named is not None:
        fiscal, origin = named[0], f"ファイル名「{named[1]}」"
    elif year is not None:
        fiscal, origin = year, "引数 year"
    else:
        raise DataFormatError(
            "何年度の指標か分かりません（タイトル行にもファイル名にも年度がありません）。",
            path=file, sheet=sheet,
            expected="ファイル名に年度（例: 「_R2」「令和2年度」「2020」）を入れるか、year=2020 のように指定",
        )
    if year is not None and year != fiscal:
        raise DataFormatError(
            f"year={year} と、{origin}の年度（{fiscal}）が食い違っています。",
            path=file, sheet=sheet, expected="同じ年度",
        )
    ids = pd.DataFrame({
        "団体コード": wide["団体コード"],
        "都道府県名": wide["都道府県名"],
        "団体名": wide["団体名"],
        "区分": wide["区分"],
    })
    long = _melt(wide, ids)
    long.insert(4, "年度", fiscal)
    long["出典ファイル"] = _constant(file.name, len(long))
    long.attrs = {
        "source": file.name,
        "sheet": sheet,
        "title": wide.attrs.get("title", ""),
        "種類": ZAISEI,
        "年度": fiscal,
        "年の出どころ": origin,
        "注記": list(wide.attrs.get("注記", [])),
    }
    return long


# --- a series of files -------------------------------------------------------------------------


def read_series(folder_or_files: str | Path | Iterable[str | Path], *, kind: str | None = None) -> pd.DataFrame:
    """Read yearly files of one kind (住基 or 財政指標) into one long table.

    ``folder_or_files`` is a folder (every ``.xls``/``.xlsx`` in it) or a list of files.
    ``kind`` (``"住基"``/``"juki"`` or ``"財政指標"``/``"zaisei"``) is taken from the files when
    not given. Refuses, naming the files: a file of another kind, two files for the same year.
    A year missing between the first and the last is reported (``attrs["欠けている年"]`` and a
    :class:`MissingYearWarning`), never filled in.

    ``attrs``: ``種類``, ``ファイル`` (year → file), ``年の出どころ`` (file → where its year was
    read), ``欠けている年``, ``注記`` (in Japanese, e.g. the change of 基準日), and for 住基
    ``基準日`` (year → date) and ``人口動態の期間`` (year → period).
    """
    files = _list_files(folder_or_files)
    from_folder = isinstance(folder_or_files, (str, Path)) and Path(folder_or_files).is_dir()
    wanted = None if kind is None else _KIND_ALIASES.get(kind)
    if kind is not None and wanted is None:
        raise DataFormatError(f"kind=「{kind}」が分かりません。",
                              expected="「住基」「財政指標」「年齢階級別」（または juki / zaisei / age）")
    set_aside: dict[str, str] = {}   # a folder's files of another kind (a user keeps every kind side by side)
    wides = {file: _read_wide(file) for file in files}
    kinds = {file: _kind_of(file, wide) for file, wide in wides.items()}
    if wanted is None:
        counts = Counter(k for k in kinds.values() if k != AGE) or Counter(kinds.values())
        wanted = counts.most_common(1)[0][0]
        if len(counts) > 1 and counts[JUKI] == counts[ZAISEI]:
            raise DataFormatError(
                "住基のファイルと主要財政指標のファイルが同じ数だけあり、どちらの系列か決められません: "
                + "、".join(f"{f.name}（{k}）" for f, k in kinds.items()),
                expected="kind=\"住基\" または kind=\"財政指標\" を指定するか、1 種類のファイルだけを渡す",
            )
    others = [f for f, k in kinds.items() if k != wanted]
    if others and from_folder:
        for f in others:
            set_aside[f.name] = f"{KINDS[kinds[f]]}のファイルです（{KINDS[wanted]}の系列には入れません）。"
            del wides[f]
        others = []
    if others:
        raise DataFormatError(
            f"{KINDS[wanted]}の系列に、別の種類のファイルが混ざっています: "
            + "、".join(f"「{f.name}」（{kinds[f]}）" for f in others)
            + "。このファイルを除いてください。",
            path=others[0],
            expected=f"{KINDS[wanted]}のファイルだけ",
        )
    result = combine(wides, wanted)
    result.attrs["読まなかったファイル"] = set_aside
    return result


def read_wide(path: str | Path) -> tuple[str, pd.DataFrame]:
    """(kind, the file as read by :func:`ebpm.juki.read_juki_excel`): a file of a series, read once."""
    file = Path(path)
    wide = _read_wide(file)
    return _kind_of(file, wide), wide


def combine(wides: dict[Path, pd.DataFrame], kind: str) -> pd.DataFrame:
    """Files already read (:func:`read_wide`), all of ``kind``, as one series: see :func:`read_series`."""
    wanted = _KIND_ALIASES[kind]
    kinds = {f: _kind_of(f, w) for f, w in wides.items()}
    others = [f for f, k in kinds.items() if k != wanted]
    if others:
        raise DataFormatError(
            f"{KINDS[wanted]}の系列に、別の種類のファイルが混ざっています: "
            + "、".join(f"「{f.name}」（{kinds[f]}）" for f in others)
            + "。このファイルを除いてください。",
            path=others[0],
            expected=f"{KINDS[wanted]}のファイルだけ",
        )
    readers = {JUKI: _juki_long, AGE: _age_long, ZAISEI: lambda f, w: _zaisei_long(f, w, None)}
    tables = [readers[wanted](f, w) for f, w in wides.items()]
    year_col = "年度" if wanted == ZAISEI else "年"
    by_year: dict[int, pd.DataFrame] = {}
    for table in tables:
        year = table.attrs[year_col]
        if year in by_year:
            first = by_year[year].attrs["source"]
            raise DataFormatError(
                f"{year} {year_col}のファイルが 2 つあります: 「{first}」と「{table.attrs['source']}」"
                f"（{by_year[year].attrs['年の出どころ']}、{table.attrs['年の出どころ']}）。どちらか一方を除いてください。",
                path=table.attrs["source"],
                expected=f"1 {year_col}に 1 ファイル",
            )
        by_year[year] = table
    if wanted in (JUKI, AGE):
        _check_same_scope(by_year)
    years = sorted(by_year)
    # age structure is read from the years one has (every fifth, say): a gap there is no missing file
    missing = [y for y in range(years[0], years[-1] + 1) if y not in by_year] if wanted != AGE else []
    notes = _series_notes(wanted, by_year, missing, year_col)
    if missing:
        warnings.warn(notes[0], MissingYearWarning, stacklevel=2)
    result = _concat([by_year[y] for y in years])
    result.attrs = {
        "種類": wanted,
        "ファイル": {y: by_year[y].attrs["source"] for y in years},
        "年の出どころ": {by_year[y].attrs["source"]: by_year[y].attrs["年の出どころ"] for y in years},
        "欠けている年": missing,
        "注記": notes,
        "読まなかったファイル": {},
    }
    if wanted == AGE:
        result.attrs["基準日"] = {y: by_year[y].attrs["基準日"] for y in years}
        result.attrs["最上位の階級"] = {y: by_year[y].attrs["最上位の階級"] for y in years}
    if wanted == JUKI:
        result.attrs["基準日"] = {y: by_year[y].attrs["基準日"] for y in years}
        result.attrs["人口動態の期間"] = {y: by_year[y].attrs["人口動態の期間"] for y in years}
    return result


def _list_files(folder_or_files: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(folder_or_files, (str, Path)):
        base = Path(folder_or_files)
        if base.is_dir():
            files = sorted(
                p for p in base.iterdir()
                if p.suffix.lower() in SERIES_SUFFIXES and not p.name.startswith(("~$", "."))
            )
            if not files:
                raise DataFormatError(
                    "フォルダに Excel ファイル（.xls / .xlsx）や CSV ファイルがありません。", path=base,
                    expected="年ごとの住基または主要財政指標のファイル",
                )
            return files
        if not base.exists():
            raise DataFormatError("ファイルもフォルダもありません。パスを確認してください。", path=base)
        return [base]
    files = [Path(f) for f in folder_or_files]
    if not files:
        raise DataFormatError("ファイルが 1 つも渡されていません。", expected="ファイルのリストかフォルダ")
    for f in files:
        if not f.is_file():
            raise DataFormatError("ファイルがありません。パスを確認してください。", path=f)
    return files


def _check_same_scope(by_year: dict[int, pd.DataFrame]) -> None:
    scopes = {t.attrs["対象"] for t in by_year.values() if t.attrs["対象"]}
    if len(scopes) > 1:
        count = Counter(t.attrs["対象"] for t in by_year.values() if t.attrs["対象"])
        main = count.most_common(1)[0][0]
        odd = [t.attrs["source"] for t in by_year.values() if t.attrs["対象"] not in ("", main)]
        raise DataFormatError(
            f"集計の対象が違うファイルが混ざっています（{'・'.join(sorted(scopes))}）: "
            + "、".join(f"「{n}」" for n in odd) + "。",
            path=odd[0],
            expected=f"すべて（{main}）のファイル",
        )


def _series_notes(kind: str, by_year: dict[int, pd.DataFrame], missing: list[int], year_col: str) -> list[str]:
    notes: list[str] = []
    if missing:
        listed = "、".join(f"{y}" for y in missing)
        notes.append(
            f"{listed} {year_col}のファイルがありません。この{year_col}の行は表にありません"
            "（補間も前後の値での穴埋めもしていません）。"
        )
    if kind == AGE:
        tops = {t.attrs["最上位の階級"] for t in by_year.values()}
        if len(tops) > 1:
            notes.append(f"いちばん上の年齢階級がファイルによって違います（{'・'.join(sorted(tops))}）。"
                         "年を比べるときは、いちばん低いもの（たとえば 80歳以上）にまとめてください（age_bands）。")
        return notes
    if kind != JUKI:
        return notes
    dates = {y: t.attrs["基準日"] for y, t in by_year.items() if t.attrs["基準日"]}
    march = sorted(y for y, d in dates.items() if (d.month, d.day) == (3, 31))
    january = sorted(y for y, d in dates.items() if (d.month, d.day) == (1, 1))
    if march and january:
        notes.append(
            f"基準日が途中で変わっています: {march[-1]} 年までは 3 月 31 日現在、{january[0]} 年からは 1 月 1 日現在です。"
            f"{march[-1]} 年と {january[0]} 年の間は 1 年ではなく 9 か月です（列「基準日」）。"
        )
    periods = {y: t.attrs["人口動態の期間"] for y, t in by_year.items() if t.attrs["人口動態の期間"]}
    fiscal = sorted(y for y, p in periods.items() if "年度" in p)
    calendar = sorted(y for y, p in periods.items() if "年度" not in p)
    if fiscal and calendar:
        notes.append(
            f"人口動態の期間が途中で変わっています: {fiscal[-1]} 年のファイルまでは年度（4 月〜翌年 3 月）、"
            f"{calendar[0]} 年のファイルからは暦年（1 月〜12 月）です。"
            "境目の前後では同じ月が 2 回数えられるか抜けることがあります（列「期間」「期間開始」「期間終了」）。"
        )
    return notes


# --- reshaping -----------------------------------------------------------------------------------


def to_wide(table: pd.DataFrame) -> pd.DataFrame:
    """One row per 団体 and year (年 or 年度), one column per 項目 with the numbers of ``値``.

    Markers (``記号``) are dropped: look them up in the long table when a value is NaN.
    """
    year_col = "年" if "年" in table.columns else "年度"
    keys = ["団体コード", "都道府県名", "団体名", "区分", year_col] + (["基準日"] if "基準日" in table else [])
    frame = table[keys + ["項目", "値"]].copy()
    texts = ["団体コード", "都道府県名", "団体名", "区分", "項目"]
    for column in texts:  # unstack needs keys without NA (the 全国 rows have no code)
        frame[column] = frame[column].astype("object").where(frame[column].notna(), "")
    wide = frame.set_index(keys + ["項目"])["値"].unstack("項目").reset_index()
    wide.columns.name = None
    for column in texts[:4]:
        wide[column] = wide[column].where(wide[column] != "", None)
    items = list(dict.fromkeys(table["項目"].astype("str")))
    return wide[keys + [i for i in items if i in wide.columns]]
