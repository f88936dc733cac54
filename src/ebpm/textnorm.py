"""Normalise the text and numbers found in Japanese public data.

Two jobs, kept together because numbers in these files are text first:

* ``normalize_text``: NFKC (full-width digits and letters to half-width, half-width katakana to
  full-width) plus an explicit map for what NFKC leaves alone: the many dash and minus
  characters, the wave dash, and runs of spaces.
* ``parse_number`` / ``parse_numeric``: read "1,234", "１２３", "△123" (negative), "−12" and the
  statistical markers (``-``, ``…``, ``x``, ``***``, ``・``) that stand for "no number here".
  A marker never becomes 0: the value is missing and the marker is kept next to it.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from numbers import Real
from pathlib import Path

import pandas as pd

from ebpm.errors import DataFormatError

__all__ = [
    "MARKERS",
    "is_fullwidth_katakana",
    "normalize_text",
    "parse_number",
    "parse_numeric",
    "to_katakana_fullwidth",
]

#: Statistical markers (canonical form) and their meaning, worded as in e-Stat legends.
MARKERS: dict[str, str] = {
    "-": "計数のない場合（該当する数値がないもの）",
    "…": "計数不明の場合（不詳）",
    "x": "秘匿（調査対象が特定されるおそれがあるため公表しないもの）",
    "***": "調査又は集計していないもの（調査対象外）",
    "・": "統計項目のありえない場合",
}

# Characters that are a minus sign or a dash in numbers and codes. NFKC maps U+FF0D and
# U+FE63 to "-" already but leaves these alone.
_DASHES = "\u2212\u2010\u2011\u2012\u2013\u2014\u2015\u2043\ufe58"
_DASH_TABLE = str.maketrans({ch: "-" for ch in _DASHES} | {"\u301c": "~", "\u3030": "~"})
# ー (U+30FC) is the katakana prolonged sound mark and belongs in words (データ, センター);
# it is a dash only between digits, where an IME produced it ("1ー2ー3" in addresses).
_CHOON_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])\u30fc(?=[0-9])")
_HSPACE = re.compile(r"[^\S\n]+")

# Spellings (after normalize_text) of each canonical marker.
_MARKER_ALIASES: dict[str, str] = {
    "-": "-",
    "\u30fc": "-",  # ー typed alone in a cell
    "...": "…",  # NFKC turns "…" (U+2026) into "..."
    "…": "…",
    "\u22ef": "…",  # ⋯
    "x": "x",
    "X": "x",
    "χ": "x",
    "Χ": "x",
    "***": "***",
    "・": "・",
}
_SIGNS_NEGATIVE = ("△", "▲", "-")
_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+")
_HALFWIDTH_KANA = re.compile(r"[\uff61-\uff9f]+")
_FULLWIDTH_KATAKANA = re.compile(r"[\u30a1-\u30fe \u3000]*[\u30a1-\u30fa\u30fd\u30fe][\u30a1-\u30fe \u3000]*")


def normalize_text(s: str) -> str:
    """Return ``s`` in NFKC with dashes, wave dashes and spaces unified.

    - full-width digits, letters and symbols become half-width; half-width katakana become
      full-width (ｶﾞ → ガ); the ideographic space (U+3000) becomes a space;
    - − ‐ ‑ ‒ – — ― become "-"; ー becomes "-" only between two digits;
    - 〜 (U+301C) and ～ become "~";
    - runs of spaces and tabs collapse to one space; the ends are stripped; newlines stay;
    - △ and ▲ are kept (they mark negative numbers, see ``parse_number``).
    """
    if not isinstance(s, str):
        raise TypeError(f"normalize_text expects str, got {type(s).__name__}")
    text = unicodedata.normalize("NFKC", s).translate(_DASH_TABLE)
    text = _CHOON_BETWEEN_DIGITS.sub("-", text)
    text = "\n".join(_HSPACE.sub(" ", line).strip() for line in text.split("\n"))
    return text.strip()


def to_katakana_fullwidth(s: str) -> str:
    """Turn half-width katakana (and ｡｢｣､･) into full-width, joining dakuten: ｶﾞ → ガ.

    Everything else is left exactly as it is (unlike ``normalize_text``).
    """
    return _HALFWIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), s)


def hiragana_to_katakana(s: str) -> str:
    """Turn hiragana into katakana (readings given in hiragana, e.g. ちよだく → チヨダク)."""
    return "".join(chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch for ch in s)


def is_fullwidth_katakana(s: str) -> bool:
    """True when ``s`` holds full-width katakana only (ー, ・ and spaces allowed)."""
    return isinstance(s, str) and _FULLWIDTH_KATAKANA.fullmatch(s) is not None


def _accepted_markers_text(extra: Mapping[str, str] | None = None) -> str:
    spellings = ["-", "－", "…", "...", "x", "X", "χ", "***", "・"]
    spellings += [m for m in (extra or {}) if m not in spellings]
    return "数値（例: 1,234 / １２３ / △12 / −3.5）、空欄、または記号 " + " ".join(
        f"「{m}」" for m in spellings
    )


def _parse(value: object, extra: Mapping[str, str] | None) -> tuple[float | None, str | None]:
    """(number, marker) for one cell; raise ValueError when it is neither."""
    if value is None or value is pd.NA:
        return None, None
    if isinstance(value, bool):
        raise ValueError("真偽値は数値として読めません")
    if isinstance(value, Real):
        number = float(value)
        return (None, None) if math.isnan(number) else (number, None)
    if not isinstance(value, str):
        raise ValueError(f"{type(value).__name__} 型の値は数値として読めません")
    text = normalize_text(value)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()  # a quoted number that kept its quotes
    if text == "":
        return None, None
    if text in _MARKER_ALIASES:
        return None, _MARKER_ALIASES[text]
    if extra:
        for marker in extra:
            if text == normalize_text(marker):
                return None, marker
    sign = 1.0
    if text[0] in _SIGNS_NEGATIVE:
        sign, text = -1.0, text[1:].lstrip()
    elif text[0] == "+":
        text = text[1:].lstrip()
    if not _NUMBER.fullmatch(text):
        raise ValueError("数値として読めません")
    return sign * float(text.replace(",", "")), None


def parse_number(
    value: object,
    *,
    column: str | None = None,
    row: int | None = None,
    path: str | Path | None = None,
) -> float | None:
    """Parse one cell into a float; ``None`` for a blank cell or a marker.

    Accepts thousands commas, full-width digits, △/▲ and − as minus signs and decimals.
    Anything else raises ``DataFormatError`` naming the value (and column/row/file if given).
    Use ``parse_numeric`` when you need to know which marker stood in a cell.
    """
    try:
        number, _marker = _parse(value, None)
    except ValueError as exc:
        raise DataFormatError(
            f"値「{value}」は{exc}。", path=path, row=row, column=column,
            expected=_accepted_markers_text(),
        ) from None
    return number


def parse_numeric(
    series: pd.Series,
    *,
    column: str | None = None,
    path: str | Path | None = None,
    markers: Mapping[str, str] | None = None,
    rows: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Parse a column of numbers written as text.

    Returns a DataFrame with the series' index and two columns: ``value`` (Float64, NA for
    a marker or a blank) and ``marker`` (string: the canonical marker from ``MARKERS`` or
    a key of ``markers``, NA where there is a number or a blank).

    ``markers`` adds spellings accepted as markers (for example a file's own legend).
    ``rows`` gives each cell's line number in the file for error messages; by default the
    row is the 1-based position in the series.
    """
    name = column if column is not None else (None if series.name is None else str(series.name))
    cache: dict[object, tuple[float | None, str | None]] = {}
    values: list[float | None] = []
    found: list[str | None] = []
    for position, cell in enumerate(series.array):
        if isinstance(cell, float) and math.isnan(cell):
            cell = None
        key = (type(cell), cell)
        result = cache.get(key)
        if result is None:
            try:
                result = _parse(cell, markers)
            except ValueError as exc:
                row = rows[position] if rows is not None else position + 1
                raise DataFormatError(
                    f"値「{cell}」は{exc}。", path=path, row=row, column=name,
                    expected=_accepted_markers_text(markers),
                ) from None
            cache[key] = result
        values.append(result[0])
        found.append(result[1])
    return pd.DataFrame(
        {
            "value": pd.array(values, dtype="Float64"),
            "marker": pd.array(found, dtype="string"),
        },
        index=series.index,
    )
