"""Checks of ワークショップ 2-2: 表をつなぎ、正しい分母で率を計算する
(solutions/ws2_cleaning_and_visualisation/02_joining_and_rates).

A rate is right when it is the exact value or that value rounded (四捨五入) to one or more decimal
places, as the notebook says; a rate off by a little more (``* 999``) is wrong. Counts and the
denominators are judged exactly, which is what tells a wrong denominator from a rounding.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from ebpm import feedback
from ebpm.exercises import Exercise, Mistake, load

RATE_TOLERANCE = 0.051  # how far a rounded rate may be from the exact one (for matching mistakes)
YOUNG_AGES = ["25〜29歳", "30〜34歳", "35〜39歳", "40〜44歳"]
OLD_AGES = ["65〜69歳", "70〜74歳", "75〜79歳", "80〜84歳", "85歳以上"]
PEER_ROLES = ["本町", "類似団体"]
BIRTH_RATE = "出生率_千人あたり"
NET_RATE = "転入超過率_千人あたり"
AGEING = "高齢化率"


# ---- shared pieces -----------------------------------------------------------------------------

def _latest_year() -> int:
    return int(load("town_households")["年"].max())


def _by_year(table: pd.DataFrame, column: str, what: str) -> pd.Series:
    """The learner's ``column`` indexed by 年 (one value per year, or a clear message)."""
    feedback.expect_columns(table, ["年", column], what)
    years = pd.to_numeric(table["年"], errors="coerce")
    feedback.expect(years.notna().all() and not years.duplicated().any(),
                    f"{what}の「年」の列に、重複した年か数値でない年があります。1 年 1 行にします。")
    return pd.Series(table[column].to_numpy(), index=years.astype(int).to_numpy())


def is_rate(actual, expected: float) -> bool:
    """``actual`` is ``expected`` itself or ``expected`` rounded to 1-8 decimal places."""
    if not feedback.is_number(actual) or math.isnan(float(actual)):
        return False
    value = float(actual)
    if math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-9):
        return True
    # either side of a rounding boundary: the learner's float may differ from ours in the last bit
    return any(abs(value - round(expected + nudge, places)) < 1e-9
               for places in range(1, 9) for nudge in (-1e-9, 0.0, 1e-9))


def expect_rate(actual, expected: float, what: str, hint: str | None = None) -> None:
    """A rate: the exact value, or that value rounded to one or more decimal places."""
    if not feedback.is_number(actual):
        feedback.expect(False, f"{what}は 1 つの数値であるはずですが、{feedback.type_name(type(actual))} が入っています。",
                        hint)
    feedback.expect(is_rate(actual, float(expected)), f"{what}が違います。あなたの答え: {feedback.show_value(actual)}",
                    hint)


def _expect_per_year(actual: pd.Series, expected: pd.Series, what: str, *, rate: bool,
                     hint: str | None = None) -> None:
    """Every year of ``expected`` is in ``actual`` with the same value (a rate may be rounded)."""
    feedback.expect_equal(sorted(int(y) for y in actual.index), sorted(int(y) for y in expected.index),
                          f"{what}の年の一覧", hint="年ごとに 1 行ずつ、すべての年を残します。")
    for year, value in expected.items():
        mine = actual.loc[year]
        if rate:
            expect_rate(mine, value, f"{year} 年の{what}", hint=hint)
        else:
            feedback.expect_close(mine, value, f"{year} 年の{what}", hint=hint)


def _ratio_test(column: str, expected: Callable[[], pd.Series], factor: float) -> Callable[[pd.DataFrame], bool]:
    """A mistake test: the learner's ``column`` (by year) equals ``expected`` × ``factor`` everywhere."""
    def test(table: pd.DataFrame) -> bool:
        mine = pd.Series(pd.to_numeric(table[column]).to_numpy(), index=table["年"].astype(int).to_numpy())
        wanted = expected() * factor
        mine = mine.reindex(wanted.index)
        return bool(((mine - wanted).abs() <= RATE_TOLERANCE).all())
    return test


def _series_test(column: str, expected: Callable[[], pd.Series]) -> Callable[[pd.DataFrame], bool]:
    """A mistake test: the learner's ``column`` (by year) equals ``expected`` exactly."""
    def test(table: pd.DataFrame) -> bool:
        mine = pd.Series(pd.to_numeric(table[column]).to_numpy(), index=table["年"].astype(int).to_numpy())
        wanted = expected()
        return bool((mine.reindex(wanted.index) - wanted).abs().max() < 1e-6)
    return test


# ---- 演習 1: 施設に地区の人口を付ける ------------------------------------------------------------

def _district_year(year: int) -> pd.DataFrame:
    households = load("town_households")
    return households.loc[households["年"] == year, ["地区", "人口", "世帯数"]]


def _expected_join() -> pd.DataFrame:
    return load("facilities").merge(_district_year(_latest_year()), on="地区", how="left")


def _joined_values(table: pd.DataFrame) -> pd.DataFrame:
    return table[["施設ID", "人口", "世帯数"]].astype({"施設ID": str}).sort_values("施設ID").reset_index(drop=True)


def _joined_year(year: int) -> Callable[[pd.DataFrame], bool]:
    def test(table: pd.DataFrame) -> bool:
        wanted = load("facilities").merge(_district_year(year), on="地区", how="left")
        mine, other = _joined_values(table), _joined_values(wanted)
        return bool((mine[["人口", "世帯数"]].to_numpy() == other[["人口", "世帯数"]].to_numpy()).all())
    return test


def _joined_some_other_year(table: pd.DataFrame) -> bool:
    years = sorted(set(load("town_households")["年"]) - {_latest_year()})
    return any(_joined_year(year)(table) for year in years)


def _judge_join(table) -> None:
    facilities = load("facilities")
    expected = _expected_join()
    what = "facilities_with_pop"
    feedback.expect_type(table, pd.DataFrame, what)
    suffixed = [str(c) for c in table.columns if str(c).endswith(("_x", "_y"))]
    feedback.expect(not suffixed, f"{what}に列 {', '.join(suffixed)} があります。",
                    hint="両方の表に同じ名前の列があると、_x・_y が付いた列ができます。結合するのは district_latest"
                         "（地区・人口・世帯数の 3 列）です。")
    feedback.expect_columns(table, list(facilities.columns) + ["人口", "世帯数"], what)
    feedback.expect_rows(table, len(facilities), what,
                         hint="行が増えたなら、地区の表に同じ地区が何行もあります（年を 1 つに絞りましたか？）。"
                         if len(table) > len(facilities) else "施設を 1 件も減らさないように how=\"left\" で結合します。")
    mine, wanted = _joined_values(table), _joined_values(expected)
    feedback.expect_equal(list(mine["施設ID"]), list(wanted["施設ID"]), "施設の一覧",
                          hint="facilities のすべての施設を、1 件ずつ残します。")
    for column in ("人口", "世帯数"):
        differs = (pd.to_numeric(mine[column], errors="coerce") != wanted[column]).to_numpy()
        if differs.any():
            first = int(differs.argmax())
            feedback.expect(False, f"施設 {mine['施設ID'][first]} の地区の{column}が違います"
                                   f"（あなたの値 {feedback.show_value(mine[column][first])}）。",
                            hint="施設がある地区の、最新の年の値を付けます。")


join = Exercise(
    variable="facilities_with_pop",
    judge=_judge_join,
    hint="施設の表.merge(地区の表, on=\"キーの列\", how=\"left\", validate=\"many_to_one\") の形で結合します。",
    passed="結合は正解です（行数も値も合っています）。",
    mistakes=(
        Mistake("最初の年（2000 年）の人口と世帯数が付いています。最新の年に絞った district_latest を結合します。"
                "（drop_duplicates で地区ごとに 1 行にすると、最初の年の行が残ります。）",
                test=lambda table: _joined_year(int(load("town_households")["年"].min()))(table)),
        Mistake("最新ではない年の人口と世帯数が付いています。最新の年に絞った district_latest を結合します。",
                test=_joined_some_other_year),
    ),
)


# ---- 演習 2: 人口の表にない自治体 ----------------------------------------------------------------

def _expected_unmatched() -> list[str]:
    present = set(load("region_population")["団体コード"])
    return sorted(str(code) for code in load("fictional_municipalities")["団体コード"] if code not in present)


def _unmatched_names() -> list[str]:
    municipalities = load("fictional_municipalities")
    return list(municipalities.loc[municipalities["団体コード"].isin(_expected_unmatched()), "市区町村名"])


def _judge_unmatched(codes) -> None:
    expected = _expected_unmatched()
    what = "unmatched_codes"
    feedback.expect_type(codes, (list, tuple), what,
                         hint="sorted(...) で囲むと、小さい順に並んだリストになります。")
    feedback.expect(len(codes) > 0, f"{what} が空です。",
                    hint="左の表（自治体一覧）にだけある行の `_merge` は \"left_only\" です。つづりと、結合の左右を確かめてください。")
    texts = [str(code) for code in codes]
    feedback.expect(all(isinstance(code, str) for code in codes),
                    "団体コードが文字列ではなく数値になっています。",
                    hint="団体コードは 0 で始まることもある「記号」なので、文字列のまま扱います。")
    feedback.expect_equal(sorted(texts), expected, "見つけた団体コード（並びは問わずに比べたもの）",
                          hint="結合結果の `_merge` 列が \"left_only\" の行の、団体コードの列を取り出します。")
    feedback.expect(texts == expected, "団体コードが小さい順に並んでいません。",
                    hint="sorted(...) を使うと、小さい順に並びます。")


unmatched = Exercise(
    variable="unmatched_codes",
    judge=_judge_unmatched,
    hint="indicator=True の結合で `_merge` が \"left_only\" の行を選び、団体コードの列を sorted(...) でリストにします。",
    passed="人口の表にない団体を、団体コードの小さい順に見つけられました。",
    mistakes=(
        Mistake("団体コードではなく市区町村名が入っています。`団体コード` の列を取り出します。",
                test=lambda codes: sorted(map(str, codes)) == sorted(_unmatched_names())),
        Mistake("団体コードを市区町村名の順に並べています。団体コードそのものを小さい順に並べます。",
                test=lambda codes: [str(c) for c in codes] != _expected_unmatched()
                and sorted(map(str, codes)) == _expected_unmatched()
                and [str(c) for c in codes] == [
                    c for _, c in sorted(zip(_unmatched_names(), _expected_unmatched()))]),
        Mistake("大きい順に並んでいます。sorted(...) をそのまま（reverse を付けずに）使うと小さい順になります。",
                test=lambda codes: [str(c) for c in codes] == _expected_unmatched()[::-1]),
        Mistake("左右を逆にしています。municipalities を左にして結合します。",
                test=lambda codes: len(codes) == 0),
    ),
)


# ---- 演習 3: 粗出生率 --------------------------------------------------------------------------

def _town_population(column: str = "人口", how: str = "sum") -> pd.Series:
    return load("town_population").groupby("年")[column].agg(how)


def _births() -> pd.Series:
    vital = load("town_vital_monthly")
    return vital[vital["区分"] == "出生"].groupby("年")["人数"].sum()


def _birth_rate() -> pd.Series:
    births = _births()
    return births / _town_population().loc[births.index] * 1000


def _judge_birthrate(table) -> None:
    what = "birth_rate"
    births = _births()
    feedback.expect_type(table, pd.DataFrame, what)
    feedback.expect_columns(table, ["年", "出生数", "人口", BIRTH_RATE], what)
    feedback.expect_rows(table, len(births), what, hint="1 年 1 行になるはずです。")
    _expect_per_year(_by_year(table, "出生数", what), births, "出生数", rate=False,
                     hint="births_by_year の出生数をそのまま使います。")
    _expect_per_year(_by_year(table, "人口", what), _town_population().loc[births.index], "人口（分母）",
                     rate=False, hint="分母は町全体の人口（地区・性別・年齢階級をすべて合計）です。")
    _expect_per_year(_by_year(table, BIRTH_RATE, what), _birth_rate(), "出生率", rate=True,
                     hint="出生率は、出生数を人口で割って 1,000 を掛けたものです。")


birthrate = Exercise(
    variable="birth_rate",
    computed=True,
    judge=_judge_birthrate,
    hint="年別人口を作って births_by_year と「年」で結合し、新しい列に「人口 1,000 人あたり」の率を入れます。",
    passed="粗出生率は正解です（分母も率も合っています）。",
    mistakes=(
        Mistake("率が 1,000 分の 1 の大きさです。「人口 1,000 人あたり」にするには 1,000 を掛けます。",
                test=_ratio_test(BIRTH_RATE, _birth_rate, 1 / 1000)),
        Mistake("率が 10 分の 1 の大きさです。100 ではなく 1,000 を掛けます（1,000 人あたり）。",
                test=_ratio_test(BIRTH_RATE, _birth_rate, 1 / 10)),
        Mistake("割る順番が逆です（人口 ÷ 出生数）。数える出来事（出生数）を、分母の人口で割ります。",
                test=lambda table: _ratio_test(BIRTH_RATE, lambda: _town_population().loc[_births().index]
                                               / _births() * 1000, 1)(table)
                or _ratio_test(BIRTH_RATE, lambda: _town_population().loc[_births().index] / _births(), 1)(table)),
        Mistake("分母が世帯数になっています。出生率の分母は人口です。",
                test=_series_test("人口", lambda: load("town_households").groupby("年")["世帯数"].sum()
                                  .loc[_births().index])),
        Mistake("分母が人口の平均（mean）になっています。町全体の人口は、年ごとに人口を合計（sum）して求めます。",
                test=_series_test("人口", lambda: _town_population(how="mean").loc[_births().index])),
    ),
)


# ---- 演習 4: 25〜44歳の転入超過率 -----------------------------------------------------------------

def _young_population(ages: list[str] = YOUNG_AGES) -> pd.Series:
    population = load("town_population")
    return population[population["年齢階級"].isin(ages)].groupby("年")["人口"].sum()


def _young_moves() -> pd.DataFrame:
    vital = load("town_vital_monthly")
    return vital[vital["年齢区分"] == "25〜44歳"].pivot_table(index="年", columns="区分", values="人数", aggfunc="sum")


def _net_rate(sign: int = 1, denominator: Callable[[], pd.Series] = _young_population) -> pd.Series:
    moves = _young_moves()
    return sign * (moves["転入"] - moves["転出"]) / denominator().loc[moves.index] * 1000


def _judge_netrate(table) -> None:
    what = "young_net_rate"
    moves = _young_moves()
    feedback.expect_type(table, pd.DataFrame, what)
    feedback.expect_columns(table, ["年", "人口", NET_RATE], what)
    feedback.expect_rows(table, len(moves), what, hint="1 年 1 行になるはずです。")
    _expect_per_year(_by_year(table, "人口", what), _young_population().loc[moves.index], "人口（分母）",
                     rate=False, hint="分母は、YOUNG_AGES の 4 つの年齢階級の人口を、年ごとに合計したものです。")
    _expect_per_year(_by_year(table, NET_RATE, what), _net_rate(), "転入超過率", rate=True,
                     hint="転入超過率は、（転入 − 転出）を人口で割って 1,000 を掛けたものです。")


netrate = Exercise(
    variable="young_net_rate",
    computed=True,
    judge=_judge_netrate,
    hint="25〜44歳の年別人口を作って young_moves と「年」で結合し、新しい列に 1,000 人あたりの率を入れます。",
    passed="転入超過率は正解です（分母も率も合っています）。",
    mistakes=(
        Mistake("率が 1,000 分の 1 の大きさです。「人口 1,000 人あたり」にするには 1,000 を掛けます。",
                test=_ratio_test(NET_RATE, _net_rate, 1 / 1000)),
        Mistake("率が 10 分の 1 の大きさです。100 ではなく 1,000 を掛けます（1,000 人あたり）。",
                test=_ratio_test(NET_RATE, _net_rate, 1 / 10)),
        Mistake("符号が逆です。転入超過は（転入 − 転出）で、転出の方が多い年はマイナスになります。",
                test=_ratio_test(NET_RATE, _net_rate, -1)),
        Mistake("分母が町全体の人口になっています。25〜44歳の動きは、25〜44歳の人口で割ります。",
                test=_series_test("人口", lambda: _town_population().loc[_young_moves().index])),
    ),
)


# ---- 演習 5: 団体ごとの高齢化率 -------------------------------------------------------------------

def _region_year(year: int | None = None) -> pd.DataFrame:
    region = load("region_population")
    return region[region["年"] == (int(region["年"].max()) if year is None else year)]


def _ageing_rates(region: pd.DataFrame | None = None, ages: list[str] = OLD_AGES, factor: float = 100,
                  invert: bool = False) -> pd.Series:
    region = _region_year() if region is None else region
    total = region.groupby("団体コード")["人口"].sum()
    old = region[region["年齢階級"].isin(ages)].groupby("団体コード")["人口"].sum()
    rates = (total / old if invert else old / total) * factor
    rates.index = rates.index.astype(str)
    return rates


def _as_rates(answer) -> pd.Series:
    """The learner's rates by 団体コード, from a table (団体コード, 高齢化率) or a Series by 団体コード."""
    if isinstance(answer, pd.Series):
        series = pd.Series(pd.to_numeric(answer, errors="coerce").to_numpy(), index=answer.index.astype(str))
    else:
        feedback.expect_columns(answer, ["団体コード", AGEING], "ageing_rates")
        series = pd.Series(pd.to_numeric(answer[AGEING], errors="coerce").to_numpy(),
                           index=answer["団体コード"].astype(str).to_numpy())
    return series


def _rates_match(expected: Callable[[], pd.Series]) -> Callable[[object], bool]:
    def test(answer) -> bool:
        mine, wanted = _as_rates(answer), expected()
        if sorted(mine.index) != sorted(wanted.index):
            return False
        return bool(((mine.loc[wanted.index] - wanted).abs() <= RATE_TOLERANCE).all())
    return test


def _judge_ageing_rate(answer) -> None:
    what = "ageing_rates"
    expected = _ageing_rates()
    feedback.expect_type(answer, (pd.DataFrame, pd.Series), what,
                         hint="割り算の結果（Series）に .rename(\"高齢化率\").reset_index() を付けると表になります。")
    mine = _as_rates(answer)
    feedback.expect(not mine.index.duplicated().any(), f"{what}に同じ団体コードが何回も出てきます。",
                    hint="団体コードごとに 1 行になるよう、団体コードで groupby します。")
    feedback.expect_equal(sorted(mine.index), sorted(expected.index), "団体コードの一覧",
                          hint="region_latest にあるすべての団体について求めます（ここではまだ絞り込みません）。")
    for code, value in expected.items():
        expect_rate(mine.loc[code], value, f"団体コード {code} の高齢化率",
                    hint="65 歳以上の人口を総人口で割って 100 を掛けます。")


ageing_rate = Exercise(
    variable="ageing_rates",
    computed=True,
    judge=_judge_ageing_rate,
    hint="総人口（total）と 65 歳以上人口（old）を団体コードごとに求め、old / total * 100 を計算します。",
    passed="団体ごとの高齢化率は正解です。",
    mistakes=(
        Mistake("割合のままです。%（パーセント）にするには 100 を掛けます。",
                test=_rates_match(lambda: _ageing_rates(factor=1))),
        Mistake("割る順番が逆です（総人口 ÷ 65 歳以上人口）。65 歳以上の人口を、総人口で割ります。",
                test=lambda a: _rates_match(lambda: _ageing_rates(invert=True))(a)
                or _rates_match(lambda: _ageing_rates(invert=True, factor=1))(a)),
        Mistake("すべての年を合わせて計算しています。最新の年だけの region_latest を使います。",
                test=_rates_match(lambda: _ageing_rates(load("region_population")))),
        Mistake("高齢化率がどの団体も 100 になっています。65 歳以上の人口は、年齢階級が OLD_AGES に入る行だけで合計します。",
                test=_rates_match(lambda: _ageing_rates(ages=sorted(set(load("region_population")["年齢階級"]))))),
        Mistake("最初の年の人口で計算しています。最新の年だけの region_latest を使います。",
                test=_rates_match(lambda: _ageing_rates(_region_year(int(load("region_population")["年"].min()))))),
    ),
)


# ---- 演習 6: 本町と類似団体の高齢化率 -------------------------------------------------------------

def _peer_codes(roles: list[str] = PEER_ROLES) -> list[str]:
    municipalities = load("fictional_municipalities")
    return sorted(municipalities.loc[municipalities["役割"].isin(roles), "団体コード"].astype(str))


def _judge_ageing(table) -> None:
    what = "ageing_compare"
    expected = _ageing_rates()
    feedback.expect_type(table, pd.DataFrame, what)
    feedback.expect_columns(table, ["団体コード", "市区町村名", "役割", AGEING], what)
    peers = _peer_codes()
    feedback.expect_rows(table, len(peers), what,
                         hint="peers（本町と類似団体）を左にして結合します。近隣の団体は入れません。")
    codes = list(table["団体コード"].astype(str))
    feedback.expect_equal(sorted(codes), peers, "団体コードの一覧", hint="本町と類似団体だけを残します（近隣は入れません）。")
    rates = pd.to_numeric(table[AGEING], errors="coerce")
    feedback.expect(rates.notna().all(), f"{what}の高齢化率に、値のない行（NaN）があります。",
                    hint="結合のキーの団体コードが、両方の表で文字列になっているか確かめます。")
    for code, value in zip(codes, rates):
        expect_rate(value, expected[code], f"団体コード {code} の高齢化率",
                    hint="演習 5 の ageing_rates が正解になってから結合します。")
    feedback.expect(list(rates) == sorted(rates, reverse=True), "高齢化率の高い順に並んでいません。",
                    hint="sort_values で並べ替えます。高い順にするには ascending=False を付けます。")


ageing = Exercise(
    variable="ageing_compare",
    judge=_judge_ageing,
    hint="peers に ageing_rates を団体コードで結合し、高齢化率の高い順に並べ替えます。",
    passed="類似団体との比較表は正解です。",
    mistakes=(
        Mistake("高齢化率の低い順に並んでいます。高い順にするには ascending=False を付けます。",
                test=lambda table: list(pd.to_numeric(table[AGEING])) == sorted(pd.to_numeric(table[AGEING]))
                and len(table) > 1),
        Mistake("近隣の団体まで入っています。peers（本町と類似団体）を左にして how=\"left\" で結合します。",
                test=lambda table: sorted(table["団体コード"].astype(str)) == sorted(load("region_population")["団体コード"].unique())),
        Mistake("自治体一覧のすべての団体が入っています。peers（本町と類似団体）を左にして結合します。",
                test=lambda table: len(table) == len(load("fictional_municipalities"))),
    ),
)
