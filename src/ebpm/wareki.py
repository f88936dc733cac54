"""和暦 ↔ 西暦, 年度, and the date spellings found in Japanese public data.

Era start dates (Gregorian):
明治 1868-10-23 (the day of the 改元 decree; 明治元年 was applied back to the start of the
lunar year, but dates before 1873 were written in the lunar calendar, which this module does
not convert, so earlier dates are refused), 大正 1912-07-30, 昭和 1926-12-25,
平成 1989-01-08, 令和 2019-05-01. Month and day are always Gregorian.

When a bare year spans two eras, :func:`to_wareki` uses the era that covers most of that
(fiscal) year: 2019 → 令和元年, 2019年度 → 令和元年度, 1988年度 → 昭和63年度, 1926 → 大正15年.
Pass ``date=`` for an exact answer.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

from ebpm.errors import DataFormatError


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: dt.date

    @property
    def offset(self) -> int:
        """西暦 = offset + 和暦の年."""
        return self.start.year - 1


ERAS: tuple[Era, ...] = (
    Era("明治", "M", dt.date(1868, 10, 23)),
    Era("大正", "T", dt.date(1912, 7, 30)),
    Era("昭和", "S", dt.date(1926, 12, 25)),
    Era("平成", "H", dt.date(1989, 1, 8)),
    Era("令和", "R", dt.date(2019, 5, 1)),
)
_BY_KEY = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS}
_ERA_RE = "|".join([e.name for e in ERAS] + [e.letter for e in ERAS])
_FIRST_YEAR = ERAS[0].start.year
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX = dt.date(2100, 12, 31)


def _norm(text: object) -> str:
    """NFKC (full-width digits and letters to ASCII), no spaces, upper-case era letters."""
    out = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", out).upper()


def _era(key: str) -> Era:
    era = _BY_KEY.get(_norm(key))
    if era is None:
        raise DataFormatError(
            f"元号「{key}」が分かりません。",
            expected="明治・大正・昭和・平成・令和、または M・T・S・H・R",
        )
    return era


def _next_start(era: Era) -> dt.date | None:
    i = ERAS.index(era)
    return ERAS[i + 1].start if i + 1 < len(ERAS) else None


def _last_year(era: Era) -> int | None:
    """The last 和暦 year number of a closed era (平成 → 31)."""
    nxt = _next_start(era)
    return None if nxt is None else (nxt - dt.timedelta(days=1)).year - era.offset


def _year_number(year: int | str) -> int:
    if isinstance(year, bool):
        raise DataFormatError(f"年「{year}」は数ではありません。", expected="1 以上の整数か「元」")
    if isinstance(year, int):
        return year
    text = _norm(year)
    if text == "元":
        return 1
    if text.isdigit():
        return int(text)
    raise DataFormatError(f"年「{year}」を数として読めません。", expected="1 以上の整数か「元」")


def to_seireki(era: str, year: int | str, *, allow_beyond_era: bool = False) -> int:
    """西暦 of an era year: ``to_seireki("令和", "元")`` → 2019, ``("H", 31)`` → 2019.

    A year after the era ended (平成32年) is refused unless ``allow_beyond_era`` is true,
    because it is usually a typo; plans written before 2019 do use 平成32年度 for 2020年度.
    """
    e = _era(era)
    n = _year_number(year)
    if n < 1:
        raise DataFormatError(f"{e.name}{year}年: 年は 1（元年）以上です。", expected="1 以上の年")
    last = _last_year(e)
    if last is not None and n > last and not allow_beyond_era:
        raise DataFormatError(
            f"{e.name}{n}年はありません（{e.name}は {last} 年まで）。"
            f"西暦では {e.offset + n} 年にあたります。改元前に作られた資料の表記なら "
            "allow_beyond_era=True を指定してください。",
            expected=f"{e.name}1〜{last}年",
        )
    return e.offset + n


_YEAR_RE = re.compile(rf"^(?P<era>{_ERA_RE})(?P<year>元|\d{{1,2}})(?:年)?$")
_SEIREKI_RE = re.compile(r"^(?P<year>\d{4})(?:年)?$")


def _parse_year_core(text: str, original: object, *, allow_beyond_era: bool) -> int | None:
    m = _YEAR_RE.match(text)
    if m:
        return to_seireki(m["era"], m["year"], allow_beyond_era=allow_beyond_era)
    m = _SEIREKI_RE.match(text)
    if m:
        return int(m["year"])
    return None


def _parse_year_text(text: object, norm: str, *, suffix: str, allow_beyond_era: bool) -> int:
    if suffix and norm.endswith(suffix):
        norm = norm[: -len(suffix)]
    # "2020年(令和2年)" or "令和2年(2020年)": both halves must agree.
    both = re.fullmatch(r"(.+?)\((.+?)\)", norm)
    parts = [both[1], both[2]] if both else [norm]
    if suffix:
        parts = [p[: -len(suffix)] if p.endswith(suffix) else p for p in parts]
    years = [_parse_year_core(p, text, allow_beyond_era=allow_beyond_era) for p in parts]
    if any(y is None for y in years):
        example = "「令和2年度」「R2年度」「2020年度」" if suffix == "年度" else "「令和2年」「R2」「平成31年」「2020年」"
        raise DataFormatError(f"「{text}」を年として読めません。", expected=example)
    if len(set(years)) > 1:
        raise DataFormatError(
            f"「{text}」の和暦と西暦が食い違っています（{years[0]} 年と {years[1]} 年）。",
            expected="同じ年を指す和暦と西暦",
        )
    return years[0]  # type: ignore[return-value]


def parse_year(text: object, *, allow_beyond_era: bool = False) -> int:
    """西暦 of a year written as ``"令和2年"``, ``"令和元年"``, ``"R2"``, ``"H31"``, ``"2020年"``."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if _norm(text).endswith("年度"):
        raise DataFormatError(
            f"「{text}」は年度です。年度は parse_fiscal_year() で読み込んでください。",
            expected="「令和2年」のような暦年",
        )
    return _parse_year_text(text, _norm(text), suffix="", allow_beyond_era=allow_beyond_era)


def parse_fiscal_year(text: object, *, allow_beyond_era: bool = False) -> int:
    """The calendar year in which a 年度 starts: ``"令和2年度"`` → 2020 (2020-04 to 2021-03).

    Accepts ``"令和2年度"``, ``"R2年度"``, ``"2020年度"``, ``"FY2020"``, and a bare ``"R2"`` or
    ``2020``. ``"令和2年"`` (a calendar year) is refused, because 年 and 年度 are different
    periods; say which one you mean.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    norm = _norm(text)
    if norm.startswith("FY"):
        norm = norm[2:]
    if norm.endswith("年") and not norm.endswith("年度"):
        raise DataFormatError(
            f"「{text}」は暦年（1〜12 月）の書き方です。年度（4 月〜翌 3 月）なら「…年度」と書きます。",
            expected="「令和2年度」「2020年度」のような年度",
        )
    return _parse_year_text(text, norm, suffix="年度", allow_beyond_era=allow_beyond_era)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    to_py = getattr(value, "to_pydatetime", None)  # pandas.Timestamp
    if to_py is not None:
        return to_py().date()
    raise DataFormatError(f"「{value!r}」は日付ではありません。", expected="datetime.date か日付の文字列")


def fiscal_year(date: object) -> int:
    """The 年度 of a date: January to March belong to the previous 年度."""
    d = _as_date(date)
    return d.year if d.month >= 4 else d.year - 1


def era_of(date: object) -> Era:
    """The era in effect on a date."""
    d = _as_date(date)
    if d < ERAS[0].start:
        raise DataFormatError(
            f"{d.isoformat()} は明治改元（1868-10-23）より前のため、和暦に変換できません。",
            expected="1868-10-23 以降の日付",
        )
    return [e for e in ERAS if e.start <= d][-1]


def _era_name(era: Era, year: int) -> str:
    n = year - era.offset
    return f"{era.name}{'元' if n == 1 else n}"


def to_wareki(year: int, *, fiscal: bool = False, date: object | None = None) -> str:
    """和暦 of a year: 2020 → ``"令和2年"``, 2019 → ``"令和元年"``, fiscal → ``"令和2年度"``.

    With ``date``, the era in effect on that day is used (2019-04-30 → 平成31年, and 2019年度
    is 平成31年度 in April 2019, 令和元年度 from May); a 年度 never takes an era that began
    after it started (1989-02-01 is in 昭和63年度). Without ``date``,
    the era that covers most of the (fiscal) year (see the module docstring).
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise DataFormatError(
            f"to_wareki() の年「{year!r}」は整数ではありません。文字列なら parse_year() で西暦にしてください。",
            expected="2020 のような整数の西暦年",
        )
    suffix = "年度" if fiscal else "年"
    if date is not None:
        d = _as_date(date)
        if fiscal and fiscal_year(d) != year:
            raise DataFormatError(
                f"{d.isoformat()} は {fiscal_year(d)} 年度の日付で、{year} 年度ではありません。",
                expected=f"{year}-04-01〜{year + 1}-03-31 の日付",
            )
        if not fiscal and d.year != year:
            raise DataFormatError(f"{d.isoformat()} は {year} 年の日付ではありません。")
        era = era_of(d)
        if year - era.offset < 1:
            # 1989-02-01 lies in 昭和63年度: a 年度 keeps the era it started in.
            era = era_of(dt.date(year, 4, 1))
        return _era_name(era, year) + suffix
    start = dt.date(year, 4, 1) if fiscal else dt.date(year, 1, 1)
    end = dt.date(year + 1, 3, 31) if fiscal else dt.date(year, 12, 31)
    if end < ERAS[0].start:
        raise DataFormatError(f"{year} 年は明治より前のため、和暦に変換できません。", expected="1868 年以降")
    best, best_days = ERAS[0], -1
    for era in ERAS:
        nxt = _next_start(era) or dt.date.max
        days = (min(end, nxt - dt.timedelta(days=1)) - max(start, era.start)).days + 1
        if days > best_days:
            best, best_days = era, days
    # A fiscal year is numbered by the calendar year it starts in (令和2年度 starts in 令和2年).
    return _era_name(best, year) + suffix


_DATE_ERA_RE = re.compile(
    rf"^(?P<era>{_ERA_RE})(?P<y>元|\d{{1,2}})(?:年|[./\-])(?P<m>\d{{1,2}})(?:月|[./\-])(?P<d>\d{{1,2}})日?$"
)
_DATE_AD_RE = re.compile(
    r"^(?P<y>\d{4})(?:年|[./\-])(?P<m>\d{1,2})(?:月|[./\-])(?P<d>\d{1,2})日?"
    r"(?:T?00:00(?::00(?:\.0+)?)?)?$"
)
_DATE_COMPACT_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")


def _make_date(y: int, m: int, d: int, text: object) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise DataFormatError(
            f"「{text}」は存在しない日付です（{y} 年 {m} 月 {d} 日）。", expected="実在する日付"
        ) from None


def parse_date(text: object) -> dt.date:
    """A date written in 和暦 or 西暦: ``"令和2年5月1日"``, ``"R02/05/01"``, ``"2020-05-01"``…

    A 和暦 date outside its era (平成32年1月1日, 平成31年5月1日) is refused.
    """
    if isinstance(text, (dt.date, dt.datetime)) or hasattr(text, "to_pydatetime"):
        return _as_date(text)
    norm = _norm(text)
    m = _DATE_ERA_RE.match(norm)
    if m:
        era = _era(m["era"])
        n = _year_number(m["y"])
        if n < 1:
            raise DataFormatError(f"「{text}」: 年は 1（元年）以上です。", expected="1 以上の年")
        d = _make_date(era.offset + n, int(m["m"]), int(m["d"]), text)
        nxt = _next_start(era)
        if d < era.start or (nxt is not None and d >= nxt):
            true_era = era_of(d) if d >= ERAS[0].start else None
            hint = f"正しくは「{format_wareki_date(d)}」（{d.isoformat()}）です。" if true_era else ""
            last = (nxt - dt.timedelta(days=1)) if nxt else None
            span = f"{era.start.isoformat()}〜{last.isoformat() if last else ''}"
            raise DataFormatError(
                f"「{text}」は{era.name}の期間（{span}）の外の日付です。{hint}",
                expected=f"{era.name}の期間内の日付",
            )
        return d
    m = _DATE_AD_RE.match(norm) or _DATE_COMPACT_RE.match(norm)
    if m:
        return _make_date(int(m["y"]), int(m["m"]), int(m["d"]), text)
    raise DataFormatError(
        f"「{text}」を日付として読めません。",
        expected="「令和2年5月1日」「R2.5.1」「2020/05/01」「2020-05-01」のような日付",
    )


def format_wareki_date(date: object, *, abbreviated: bool = False) -> str:
    """``"令和2年5月1日"`` (or ``"R2.5.1"`` with ``abbreviated=True``); 元年 for the first year."""
    d = _as_date(date)
    era = era_of(d)
    n = d.year - era.offset
    if abbreviated:
        return f"{era.letter}{n}.{d.month}.{d.day}"
    return f"{_era_name(era, d.year)}年{d.month}月{d.day}日"


def from_excel_serial(n: int | float | str) -> dt.date:
    """The date of an Excel serial number (1900 date system): 45016 → 2023-03-31.

    Excel counts 1900-02-29, which never existed (serial 60), so that serial is refused.
    Serials before 1900-03-01 or after 2100-12-31 are refused as implausible.
    """
    original = n
    if isinstance(n, str):
        try:
            n = float(unicodedata.normalize("NFKC", n).strip().replace(",", ""))
        except ValueError:
            raise DataFormatError(
                f"「{original}」は Excel のシリアル値（数）ではありません。", expected="45016 のような数"
            ) from None
    if isinstance(n, bool) or not isinstance(n, (int, float)) or math.isnan(n):
        raise DataFormatError(f"「{original}」は Excel のシリアル値ではありません。", expected="数")
    days = math.floor(n)  # a fraction is the time of day
    if days == 60:
        raise DataFormatError(
            "シリアル値 60 は Excel だけにある 1900 年 2 月 29 日（実在しない日）です。",
            expected="実在する日付のシリアル値",
        )
    if days < 61:
        hint = "1900 年 3 月より前のシリアル値は日付ではない数のことが多いです。"
        raise DataFormatError(f"シリアル値 {original} は日付として不自然です。{hint}", expected="61 以上")
    if days > (_EXCEL_MAX - _EXCEL_EPOCH).days:
        hint = " 20200501 のような YYYYMMDD 形式なら parse_date() を使ってください。" if days >= 10_000_000 else ""
        raise DataFormatError(
            f"シリアル値 {original} は 2100 年より後の日付になり、不自然です。{hint}",
            expected="2100 年までの日付のシリアル値",
        )
    return _EXCEL_EPOCH + dt.timedelta(days=days)
