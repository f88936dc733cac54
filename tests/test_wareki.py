"""Tests of ebpm.wareki: 和暦 ↔ 西暦, 年度, dates and Excel serials."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ebpm import wareki
from ebpm.errors import DataFormatError

FIRST = dt.date(1868, 10, 23)
LAST = dt.date(2100, 12, 31)


@pytest.mark.parametrize(
    "era, year, expected",
    [
        ("令和", "元", 2019),
        ("令和", 2, 2020),
        ("令和", "２", 2020),
        ("令和", "02", 2020),
        ("R", 2, 2020),
        ("ｈ", 31, 2019),
        ("平成", 1, 1989),
        ("昭和", 64, 1989),
        ("大正", 15, 1926),
        ("明治", 45, 1912),
        ("Ｍ", 1, 1868),
    ],
)
def test_to_seireki(era, year, expected):
    assert wareki.to_seireki(era, year) == expected


def test_to_seireki_refuses_nonsense():
    with pytest.raises(DataFormatError, match="平成32年はありません"):
        wareki.to_seireki("平成", 32)
    assert wareki.to_seireki("平成", 32, allow_beyond_era=True) == 2020
    with pytest.raises(DataFormatError, match="元号"):
        wareki.to_seireki("慶応", 3)
    with pytest.raises(DataFormatError):
        wareki.to_seireki("令和", 0)
    with pytest.raises(DataFormatError):
        wareki.to_seireki("令和", "二")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("令和2年", 2020),
        ("令和元年", 2019),
        ("R2", 2020),
        ("R02", 2020),
        ("H31", 2019),
        ("平成３１年", 2019),
        ("2020年", 2020),
        ("2020", 2020),
        ("令和 2 年", 2020),
        ("2020年（令和2年）", 2020),
        (2020, 2020),
    ],
)
def test_parse_year(text, expected):
    assert wareki.parse_year(text) == expected


@pytest.mark.parametrize("text", ["令和", "2020年度", "20", "2020年（令和3年）", "平成32年"])
def test_parse_year_refuses(text):
    with pytest.raises(DataFormatError):
        wareki.parse_year(text)


@pytest.mark.parametrize(
    "text, expected",
    [("令和2年度", 2020), ("2020年度", 2020), ("R2年度", 2020), ("令和元年度", 2019), ("FY2020", 2020),
     ("Ｈ３０年度", 2018), ("R2", 2020)],
)
def test_parse_fiscal_year(text, expected):
    assert wareki.parse_fiscal_year(text) == expected


def test_parse_fiscal_year_refuses_a_calendar_year():
    with pytest.raises(DataFormatError, match="年度"):
        wareki.parse_fiscal_year("令和2年")


@pytest.mark.parametrize(
    "date, expected",
    [(dt.date(2021, 3, 31), 2020), (dt.date(2020, 4, 1), 2020), (dt.date(2021, 1, 1), 2020),
     (dt.datetime(2020, 12, 31, 23, 0), 2020), ("令和3年3月31日", 2020)],
)
def test_fiscal_year(date, expected):
    assert wareki.fiscal_year(date) == expected


def test_to_wareki():
    assert wareki.to_wareki(2020) == "令和2年"
    assert wareki.to_wareki(2019) == "令和元年"
    assert wareki.to_wareki(2020, fiscal=True) == "令和2年度"
    assert wareki.to_wareki(2019, fiscal=True) == "令和元年度"
    assert wareki.to_wareki(1988, fiscal=True) == "昭和63年度"
    assert wareki.to_wareki(1989) == "平成元年"
    assert wareki.to_wareki(2019, date=dt.date(2019, 4, 30)) == "平成31年"
    assert wareki.to_wareki(2019, date=dt.date(2019, 5, 1)) == "令和元年"
    assert wareki.to_wareki(2018, fiscal=True, date=dt.date(2019, 3, 1)) == "平成30年度"
    assert wareki.to_wareki(2019, fiscal=True, date=dt.date(2019, 4, 15)) == "平成31年度"
    assert wareki.to_wareki(2019, fiscal=True, date=dt.date(2019, 5, 1)) == "令和元年度"
    assert wareki.to_wareki(1988, fiscal=True, date=dt.date(1989, 2, 1)) == "昭和63年度"
    with pytest.raises(DataFormatError):
        wareki.to_wareki(2020, date=dt.date(2019, 5, 1))
    with pytest.raises(DataFormatError):
        wareki.to_wareki(1800)
    with pytest.raises(DataFormatError, match="整数"):
        wareki.to_wareki("2020")


@pytest.mark.parametrize(
    "text",
    ["令和 02年05月01日", "令和2年5月1日", "R2.5.1", "R02/05/01", "2020/05/01", "2020-05-01",
     "２０２０年５月１日", "r2-5-1", "2020.5.1", "20200501", "2020-05-01 00:00:00"],
)
def test_parse_date_spellings(text):
    assert wareki.parse_date(text) == dt.date(2020, 5, 1)


def test_parse_date_first_year_and_boundaries():
    assert wareki.parse_date("令和元年5月1日") == dt.date(2019, 5, 1)
    assert wareki.parse_date("H31.4.30") == dt.date(2019, 4, 30)
    assert wareki.parse_date("昭和64年1月7日") == dt.date(1989, 1, 7)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("平成32年1月1日", "令和2年1月1日"),
        ("平成31年5月1日", "令和元年5月1日"),
        ("令和元年4月30日", "平成31年4月30日"),
        ("昭和64年1月8日", "平成元年1月8日"),
        ("令和2年2月30日", "存在しない"),
        ("2020年13月1日", "存在しない"),
        ("5月1日", "読めません"),
        ("明治元年1月1日", "期間"),
    ],
)
def test_parse_date_refuses(text, fragment):
    with pytest.raises(DataFormatError, match=fragment):
        wareki.parse_date(text)


def test_format_wareki_date():
    assert wareki.format_wareki_date(dt.date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki.format_wareki_date(dt.date(2019, 4, 30)) == "平成31年4月30日"
    assert wareki.format_wareki_date(dt.date(2020, 5, 1), abbreviated=True) == "R2.5.1"
    with pytest.raises(DataFormatError, match="1868-10-23"):
        wareki.format_wareki_date(dt.date(1868, 1, 1))


@pytest.mark.parametrize(
    "serial, expected",
    [(45016, dt.date(2023, 3, 31)), (45016.75, dt.date(2023, 3, 31)), ("45016", dt.date(2023, 3, 31)),
     (61, dt.date(1900, 3, 1)), (43952, dt.date(2020, 5, 1))],
)
def test_from_excel_serial(serial, expected):
    assert wareki.from_excel_serial(serial) == expected


@pytest.mark.parametrize("serial", [60, 0, -1, 20200501, float("nan"), "abc", True, 10**7])
def test_from_excel_serial_refuses(serial):
    with pytest.raises(DataFormatError):
        wareki.from_excel_serial(serial)


# --- properties ----------------------------------------------------------------------


@given(st.dates(min_value=FIRST, max_value=LAST))
def test_date_round_trip(d):
    assert wareki.parse_date(wareki.format_wareki_date(d)) == d
    assert wareki.parse_date(wareki.format_wareki_date(d, abbreviated=True)) == d


@given(st.dates(min_value=FIRST, max_value=LAST))
def test_era_of_matches_format(d):
    text = wareki.format_wareki_date(d)
    assert text.startswith(wareki.era_of(d).name)


@given(st.integers(min_value=1868, max_value=2100))
def test_year_round_trip(year):
    assert wareki.parse_year(wareki.to_wareki(year)) == year
    assert wareki.parse_fiscal_year(wareki.to_wareki(year, fiscal=True)) == year


@given(st.dates(min_value=dt.date(1869, 1, 1), max_value=LAST))
def test_fiscal_year_consistency(d):
    fy = wareki.fiscal_year(d)
    assert dt.date(fy, 4, 1) <= d <= dt.date(fy + 1, 3, 31)
    assert wareki.parse_fiscal_year(wareki.to_wareki(fy, fiscal=True)) == fy
    # With the date, the era is the one in effect that day, or the one the 年度 started in.
    exact = wareki.to_wareki(fy, fiscal=True, date=d)
    assert wareki.parse_fiscal_year(exact) == fy
    assert exact[:2] in (wareki.era_of(d).name, wareki.era_of(max(dt.date(fy, 4, 1), FIRST)).name)


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=LAST))
def test_excel_serial_round_trip(d):
    serial = (d - dt.date(1899, 12, 30)).days
    assert wareki.from_excel_serial(serial) == d
