"""全国地方公共団体コード: check digit, 5 ↔ 6 digits, repair of lost leading zeros, names.

A code has 5 digits (2 for the prefecture, 3 for the municipality) plus a check digit:
weights 6, 5, 4, 3, 2 on the five digits, ``cd = (11 - s % 11) % 10``. Prefecture rows
use municipality part ``000`` (北海道 = ``010006``).

Names come from the bundled official list (dataset ``municipality_codes``) plus the
course's fictional towns (dataset ``fictional_municipalities``) when they are present.
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

import pandas as pd

from ebpm.errors import DataFormatError

_WEIGHTS = (6, 5, 4, 3, 2)
CODE_COLUMN = "団体コード"
PREF_COLUMN = "都道府県名"
CITY_COLUMN = "市区町村名"
FICTIONAL_COLUMN = "架空"


def _where(where: str | None) -> str:
    return f"{where}の" if where else ""


def check_digit(code5: str) -> str:
    """The check digit (6th digit) of a 5-digit code, e.g. ``"13101"`` → ``"6"``."""
    text = unicodedata.normalize("NFKC", str(code5)).strip()
    if len(text) != 5 or not text.isascii() or not text.isdigit():
        raise DataFormatError(
            f"検査数字を計算する団体コード「{code5}」が 5 桁の数字ではありません。",
            expected="5 桁の数字（例: 13101）",
        )
    s = sum(int(d) * w for d, w in zip(text, _WEIGHTS))
    return str((11 - s % 11) % 10)


def _problem(text: str) -> str | None:
    """Why a normalised 6-digit candidate is not a valid code, or None when it is."""
    if len(text) != 6:
        return f"{len(text)} 桁です。団体コードは 6 桁（検査数字つき）です。"
    if not (text.isascii() and text.isdigit()):
        return "数字以外の文字を含んでいます。"
    if not 1 <= int(text[:2]) <= 47:
        return f"先頭 2 桁（都道府県コード）が {text[:2]} です。01〜47 のはずです。"
    expected = check_digit(text[:5])
    if text[5] != expected:
        return (
            f"検査数字（6 桁目）が {text[5]} ですが、正しくは {expected} です"
            f"（{text[:5]}{expected} ではありませんか？）。"
        )
    return None


def _normalise(code: object) -> str:
    return unicodedata.normalize("NFKC", str(code)).strip()


def is_valid(code: object) -> bool:
    """True when ``code`` is a 6-digit code with a correct check digit and prefecture 01-47."""
    if code is None:
        return False
    return _problem(_normalise(code)) is None


def validate(code: object, *, where: str | None = None) -> str:
    """The canonical 6-digit code, or a DataFormatError that says what is wrong.

    ``where`` names the place in the caller's data (e.g. ``"3 行目"``) for the message.
    """
    text = _normalise(code) if code is not None else ""
    problem = _problem(text)
    if problem is not None:
        raise DataFormatError(
            f"{_where(where)}団体コード「{code}」は正しくありません: {problem}",
            expected="6 桁の全国地方公共団体コード（例: 131016 千代田区）",
        )
    return text


def to_6digit(code5: object) -> str:
    """Add the check digit: ``"13101"`` → ``"131016"``."""
    text = _normalise(code5)
    if len(text) != 5:
        raise DataFormatError(
            f"団体コード「{code5}」は {len(text)} 桁です。6 桁にするには 5 桁のコードが必要です。",
            expected="5 桁の数字（例: 13101）",
        )
    return validate(text + check_digit(text))


def to_5digit(code6: object) -> str:
    """Drop the check digit after checking it: ``"131016"`` → ``"13101"``."""
    return validate(code6)[:5]


def repair_leading_zero(code: str | int | float, digits: int = 6) -> str:
    """Restore a leading zero that Excel or pandas dropped, e.g. ``11002`` → ``"011002"``.

    Accepts ints, integral floats (``11002.0``), and text with full-width digits. With
    ``digits=6`` the result must pass :func:`validate`; with ``digits=5`` the prefecture
    must be 01-47.
    """
    if digits not in (5, 6):
        raise ValueError("digits は 5 か 6 を指定してください。")
    original = code
    if isinstance(code, bool) or code is None:
        raise DataFormatError(f"団体コード「{original}」を読み取れません。", expected="数字の団体コード")
    if isinstance(code, float):
        if math.isnan(code) or not code.is_integer():
            raise DataFormatError(
                f"団体コード「{original}」は整数ではないため、コードとして直せません。",
                expected=f"{digits} 桁の団体コード",
            )
        code = int(code)
    text = _normalise(code)
    if re.fullmatch(r"\d+\.0+", text):  # "11002.0": a float that went through text
        text = text.split(".")[0]
    if not (text.isascii() and text.isdigit()):
        raise DataFormatError(
            f"団体コード「{original}」に数字以外の文字があるため、直せません。",
            expected=f"{digits} 桁の団体コード",
        )
    if len(text) == digits - 1:
        text = "0" + text
    if len(text) != digits:
        raise DataFormatError(
            f"団体コード「{original}」は {len(text)} 桁で、先頭の 0 を補っても {digits} 桁になりません。",
            expected=f"{digits} 桁の団体コード（先頭の 0 が落ちた {digits - 1} 桁も可）",
        )
    if digits == 6:
        return validate(text)
    if not 1 <= int(text[:2]) <= 47:
        raise DataFormatError(
            f"団体コード「{original}」の都道府県コード {text[:2]} が 01〜47 の範囲外です。",
            expected="5 桁の団体コード",
        )
    return text


# --- names ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _municipalities() -> pd.DataFrame:
    from ebpm import datasets

    frames = []
    for name in ("municipality_codes", "fictional_municipalities"):
        try:
            file = datasets.path(name)
        except FileNotFoundError:
            if name == "municipality_codes":
                raise
            continue
        encoding = datasets.resources().get(name, {}).get("encoding", "utf-8")
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding=encoding)
        missing = {CODE_COLUMN, PREF_COLUMN, CITY_COLUMN} - set(frame.columns)
        if missing:
            raise DataFormatError(
                f"団体コード一覧に列 {sorted(missing)} がありません。",
                path=file,
                expected=f"列 {CODE_COLUMN}, {PREF_COLUMN}, {CITY_COLUMN}",
            )
        frame[FICTIONAL_COLUMN] = name == "fictional_municipalities"
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table[CODE_COLUMN] = table[CODE_COLUMN].str.strip()
    return table


def municipalities() -> pd.DataFrame:
    """The official code list (plus fictional towns, marked in column ``架空``). Cached."""
    return _municipalities().copy()


def clear_cache() -> None:
    """Forget the cached code list (after the data folder changed)."""
    _municipalities.cache_clear()


def name_of(code: object) -> str:
    """``"熊本県 熊本市"``-style name of a code (5 or 6 digits); the prefecture alone for its row."""
    text = _normalise(code)
    six = to_6digit(text) if len(text) == 5 else validate(code)
    table = _municipalities()
    hit = table[table[CODE_COLUMN] == six]
    if hit.empty:
        raise DataFormatError(
            f"団体コード「{six}」は団体コード一覧にありません（廃止・合併された団体かもしれません）。",
            expected="現存する団体の 6 桁コード",
        )
    row = hit.iloc[0]
    city = row[CITY_COLUMN]
    return f"{row[PREF_COLUMN]} {city}" if city else row[PREF_COLUMN]


def code_of(name: str, prefecture: str | None = None) -> str:
    """The 6-digit code of a municipality (or prefecture) name.

    ``name`` may also be ``"東京都 府中市"``. Raises when the name is unknown or ambiguous
    (府中市 is in 東京都 and 広島県), listing the candidates.
    """
    text = unicodedata.normalize("NFKC", name).replace("\u3000", " ").strip()
    if prefecture is None and " " in text:
        prefecture, text = text.split(None, 1)
        text = text.strip()
    table = _municipalities()
    if prefecture is not None:
        pref = unicodedata.normalize("NFKC", prefecture).strip()
        table = table[table[PREF_COLUMN] == pref]
        if table.empty:
            raise DataFormatError(
                f"都道府県名「{prefecture}」が団体コード一覧にありません。",
                expected="「熊本県」「東京都」のような都道府県名",
            )
    hit = table[table[CITY_COLUMN] == text]
    if hit.empty and re.match(r".+郡.+", text):  # "阿蘇郡小国町": the list omits the 郡
        hit = table[table[CITY_COLUMN] == text.split("郡", 1)[1]]
    if hit.empty and prefecture is None:
        hit = table[(table[PREF_COLUMN] == text) & (table[CITY_COLUMN] == "")]
    if hit.empty and prefecture is not None and text == prefecture:
        hit = table[table[CITY_COLUMN] == ""]
    if hit.empty:
        similar = table[table[CITY_COLUMN].str.contains(text[:2], regex=False)] if text else table[:0]
        hint = ""
        if not similar.empty:
            hint = " 似た名前: " + "、".join(
                (similar[PREF_COLUMN] + " " + similar[CITY_COLUMN]).head(5)
            )
        raise DataFormatError(
            f"「{name}」という団体は団体コード一覧にありません。{hint}",
            expected="「熊本市」「府中市」のような市区町村名（正式名称）",
        )
    if len(hit) > 1:
        candidates = "、".join(
            f"{r[PREF_COLUMN]} {r[CITY_COLUMN]}（{r[CODE_COLUMN]}）" for _, r in hit.iterrows()
        )
        raise DataFormatError(
            f"「{name}」という団体は {len(hit)} つあります: {candidates}。"
            "prefecture= で都道府県名を指定してください。",
            expected="都道府県名つきの指定（例: code_of('府中市', prefecture='東京都')）",
        )
    return hit.iloc[0][CODE_COLUMN]


def add_name_column(df: pd.DataFrame, code_column: str, name_column: str = "団体名") -> pd.DataFrame:
    """A copy of ``df`` with a column of names looked up from ``code_column``."""
    if code_column not in df.columns:
        raise DataFormatError(
            f"列「{code_column}」がありません。あるのは {list(df.columns)} です。",
            column=code_column,
            expected="団体コードの列",
        )
    out = df.copy()
    out[name_column] = [name_of(code) for code in out[code_column]]
    return out
