"""Checks of ワークショップ 4-3: 機械判読できる表とオープンデータの公開
(solutions/ws4_policy_and_data_quality/03_machine_readable_and_open_data).

Exercise names drop the notebook's grade-id prefix (``ws4-3-numbers`` → ``numbers``). The open-data
exercises are judged against the correct files that ship with the course (every value, not only
"the validator is happy"), so a fix that silences the validator with a wrong value is caught.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd

from ebpm import datasets, feedback, juki, opendata, textnorm, wareki
from ebpm.exercises import Exercise, Mistake, text_key

JUMIN = "jumin_export_district_age"
JUKI = "juki_2025"
TOWN_CODE = "438014"
MUNICIPAL = ["市区町村", "政令市"]


@cache
def _raw_cached() -> pd.DataFrame:
    return pd.read_csv(datasets.path(JUMIN), encoding="cp932", dtype=str)


def _raw() -> pd.DataFrame:
    return _raw_cached().copy()


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(datasets.path(name), dtype=str, keep_default_na=False)


# ---- 演習 1: 人口を整数にする ----------------------------------------------------------------------

def _numbers(column: str = "人口") -> pd.Series:
    return _raw()[column].map(textnorm.parse_number).astype(int)


def _judge_numbers(numbers) -> None:
    what = "population_numbers"
    expected = _numbers()
    feedback.expect_type(numbers, pd.Series, what, hint="raw[\"人口\"].map(...) で、1 列の Series になります。")
    feedback.expect_rows(numbers, len(expected), what, hint="行を減らさずに、すべての行を変換します。")
    feedback.expect(pd.api.types.is_integer_dtype(numbers), f"{what} が整数の型になっていません（型: {numbers.dtype}）。",
                    hint="最後に .astype(int) を付けます。")
    mine = numbers.to_numpy()
    differs = mine != expected.to_numpy()
    if differs.any():
        row = int(differs.argmax())
        feedback.expect(False, f"上から {row + 1} 行目の人口が違います（元の値 {feedback.show_value(_raw()['人口'].iloc[row])}、"
                               f"あなたの値 {feedback.show_value(mine[row])}）。",
                        hint="全角の数字やコンマの入った値も、textnorm.parse_number なら正しく読めます。")


numbers = Exercise(
    variable="population_numbers",
    judge=_judge_numbers,
    hint="raw[\"人口\"] に .map(textnorm.parse_number) を使い、.astype(int) で整数にします。",
    passed="人口を整数にできました。",
    mistakes=(
        Mistake("前年比の列を変換しています。人口の列を使います。", value=lambda: _numbers("前年比")),
        Mistake("全角の数字が読めずに 0 になっています。pd.to_numeric ではなく textnorm.parse_number を使います。",
                test=lambda s: isinstance(s, pd.Series) and int((s == 0).sum()) > int((_numbers() == 0).sum())),
    ),
)


# ---- 演習 2: 基準日を日付の型にする ----------------------------------------------------------------

def _judge_dates(dates) -> None:
    what = "reference_dates"
    raw = _raw()
    feedback.expect_type(dates, pd.Series, what)
    feedback.expect_rows(dates, len(raw), what, hint="行を減らさずに、すべての行を変換します。")
    feedback.expect(pd.api.types.is_datetime64_any_dtype(dates), f"{what} が日付の型（datetime64）ではありません。",
                    hint="最後に pd.to_datetime(...) で囲みます。")
    feedback.expect_equal(int(dates.isna().sum()), 0, "読めなかった日付の数")
    expected = pd.to_datetime(raw["基準日"].map(wareki.parse_date))
    differs = (dates.reset_index(drop=True) != expected).to_numpy()
    if differs.any():
        row = int(differs.argmax())
        feedback.expect(False, f"上から {row + 1} 行目の日付が違います（元の値 {feedback.show_value(raw['基準日'].iloc[row])}、"
                               f"あなたの値 {dates.iloc[row].date()}）。",
                        hint="平成31年は 2019 年、令和元年も 2019 年です。wareki.parse_date を使います。")


dates = Exercise(
    variable="reference_dates",
    judge=_judge_dates,
    hint="raw[\"基準日\"] に .map(wareki.parse_date) を使い、pd.to_datetime(...) で囲みます。",
    passed="基準日を日付にできました。",
    mistakes=(
        Mistake("日付の型になっていません。.map(wareki.parse_date) の結果を pd.to_datetime(...) で囲みます。",
                test=lambda s: isinstance(s, pd.Series) and not pd.api.types.is_datetime64_any_dtype(s)),
    ),
)


# ---- 演習 3: 市町村の行だけを残す ------------------------------------------------------------------

@cache
def _juki_cached() -> pd.DataFrame:
    return juki.read_juki_excel(datasets.path(JUKI), keep=None)


def _judge_juki(rows) -> None:
    everything = _juki_cached().copy()
    expected = everything[everything["区分"].isin(MUNICIPAL)]
    total = int(everything.loc[everything["区分"] == "全国", "人口_計"].sum())
    feedback.expect_type(rows, pd.DataFrame, "town_rows")
    feedback.expect_columns(rows, list(everything.columns), "town_rows", hint="列は選ばずに、すべて残します。")
    extra = sorted(set(rows["区分"]) - set(MUNICIPAL))
    feedback.expect(not extra, f"town_rows に区分「{'、'.join(extra)}」の行が残っています。",
                    hint="区分が、市区町村か政令市のどちらかに当てはまる行だけを残します。")
    feedback.expect("政令市" in set(rows["区分"]), "政令市（有明浜市）の行がありません。",
                    hint="区の行を除くかわりに、政令市の行を 1 つの市として残します。")
    feedback.expect_close(int(rows["人口_計"].sum()), total, "市町村の人口の合計",
                          hint="市区町村と政令市の行をすべて残してください。")
    feedback.expect_frame(rows.sort_index(), expected, "town_rows", hint="市区町村と政令市の行を、値を変えずに残します。")


juki_rows = Exercise(
    variable="town_rows",
    judge=_judge_juki,
    hint="区分の列に .isin([...]) を使い、市区町村と政令市の行を選びます。",
    passed="集計行を取り除けました。",
    mistakes=(
        Mistake("政令市の区の行まで残っています。区は政令市の内訳なので、二重に数えないよう除きます。",
                test=lambda rows: "政令市の区" in set(rows["区分"])),
    ),
)


# ---- 演習 4: 公共施設一覧の誤りをすべて直す --------------------------------------------------------

def _odd_start_row(original: pd.DataFrame) -> int:
    return int(original.index[~original["開始時間"].str.fullmatch(r"\d{2}:\d{2}")][0])


def _judge_facility(table) -> None:
    correct = _csv("opendata_public_facility")
    original = _csv("opendata_public_facility_errors")
    feedback.expect_type(table, pd.DataFrame, "fixed_facility", hint="facility.copy() で写しを作ってから直します。")
    feedback.expect_rows(table, len(correct), "fixed_facility", hint="行は削除せず、値を直します。")
    report = opendata.validate(table, "public_facility")
    feedback.expect(report.ok, f"まだエラーが {len(report.errors)} 件あります: " + "／".join(p.message for p in report.errors[:3]),
                    hint="opendata.validate(fixed_facility, \"public_facility\") の報告を 1 件ずつ直してください。")
    odd = _odd_start_row(original)
    hour = int(re.sub(r"\D", "", original.loc[odd, "開始時間"]))
    feedback.expect_equal(table.loc[odd, "開始時間"], f"{hour:02d}:00", f"{odd + 2} 行目の開始時間",
                          hint="時刻は変えずに、hh:mm の形に書き直します。")
    others = [c for c in correct.columns if c != "開始時間"]
    feedback.expect_frame(table[others].reset_index(drop=True), correct[others], "fixed_facility",
                          hint="エラーが消えても、値が元の施設と違っていないか確かめてください（緯度・経度、ID の番号）。")


facility = Exercise(
    variable="fixed_facility",
    judge=_judge_facility,
    hint="報告の「行」から 2 を引いたインデックスで、表.loc[インデックス, \"列名\"] = 新しい値 と直します。",
    passed="公共施設一覧の誤りをすべて直せました。",
    mistakes=(
        Mistake("緯度と経度が入れ替わったままの行があります。2 つの値を入れ替えます。",
                test=lambda t: bool((pd.to_numeric(t["緯度"], errors="coerce") > 90).any())),
    ),
)


# ---- 演習 5: 避難場所一覧の誤りをすべて直す --------------------------------------------------------

FIXED_COLUMNS = ("名称", "想定収容人数", "対象となる町会・自治会", "災害種別_地震")


def _check_evacuation_values(table: pd.DataFrame, what: str) -> None:
    """The four fixes are right and every other value is as in the file handed out."""
    original = _csv("opendata_evacuation_space_errors")
    correct = _csv("opendata_evacuation_space")
    table = table.reset_index(drop=True)
    blank = int(original.index[original["名称"].str.strip() == ""][0])
    feedback.expect_equal(table.loc[blank, "名称"], correct.loc[blank, "名称"], f"{what}の {blank + 2} 行目の名称",
                          hint="名称_カナが同じ施設を、公共施設一覧から探してください。")
    capacity = original["想定収容人数"].str.contains("人")
    feedback.expect_equal(list(table.loc[capacity, "想定収容人数"]),
                          list(original.loc[capacity, "想定収容人数"].str.replace("人", "")),
                          f"{what}の単位を除いた想定収容人数", hint="数字は変えずに、単位だけを取り除きます。")
    listed = original["対象となる町会・自治会"].str.contains("、")
    feedback.expect_equal(list(table.loc[listed, "対象となる町会・自治会"]),
                          list(original.loc[listed, "対象となる町会・自治会"].str.replace("、", ";")),
                          f"{what}の町会・自治会の区切り", hint="区切りの「、」を半角セミコロン ; に置き換えます（名前は変えません）。")
    untouched = [c for c in original.columns if c not in FIXED_COLUMNS]
    feedback.expect_frame(table[untouched], original[untouched], f"{what}（直さなくてよい列）",
                          hint="直す必要のない値は、元のまま残します。")


def _judge_evacuation(table) -> None:
    original = _csv("opendata_evacuation_space_errors")
    feedback.expect_type(table, pd.DataFrame, "fixed_evacuation", hint="evacuation.copy() で写しを作ってから直します。")
    feedback.expect_rows(table, len(original), "fixed_evacuation", hint="行は削除せず、値を直します。")
    report = opendata.validate(table, "evacuation_space")
    feedback.expect(report.ok, f"まだエラーが {len(report.errors)} 件あります: " + "／".join(p.message for p in report.errors[:3]))
    _check_evacuation_values(table, "fixed_evacuation")


evacuation = Exercise(
    variable="fixed_evacuation",
    judge=_judge_evacuation,
    hint="報告の「行」から 2 を引いたインデックスで、1 件ずつ値を直します。",
    passed="避難場所一覧の誤りをすべて直せました。",
)


# ---- 演習 6: 2 つのファイルを書き出す --------------------------------------------------------------

FILES = (("facility_file", "public_facility", "opendata_public_facility"),
         ("evacuation_file", "evacuation_space", "opendata_evacuation_space"))


def _judge_write(facility_file, evacuation_file) -> None:
    for (name, dataset, correct_name), value in zip(FILES, (facility_file, evacuation_file)):
        feedback.expect_type(value, (str, Path), name, hint="write_csv が返すファイルの場所を入れます。")
        file = Path(value)
        wanted = f"{TOWN_CODE}_{dataset}.csv"
        feedback.expect_equal(file.name, wanted, f"{name} のファイル名", hint=f"「団体コード_{dataset}.csv」の形にします。")
        feedback.expect(file.is_file(), f"ファイル {file} がありません。", hint="write_csv を実行しましたか？")
        feedback.expect(file.resolve().parent == Path.cwd().resolve(), f"{file} が作業フォルダにありません。",
                        hint="フォルダを付けずに、ファイル名だけを渡してください。")
        report = opendata.validate(file, dataset)
        feedback.expect(report.ok, f"{file.name} に様式の誤りがあります: " + "／".join(p.message for p in report.errors[:2]),
                        hint="opendata.write_csv で書き出すと、文字コードも列の順序も様式どおりになります。")
        correct = _csv(correct_name)
        back = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
        feedback.expect_rows(back, len(correct), f"{file.name} のデータ")
        if dataset == "public_facility":
            columns = [c for c in correct.columns if c != "開始時間"]
            feedback.expect_frame(back[columns], correct[columns], f"書き出した {file.name}",
                                  hint="演習 4 で直した表（fixed_facility）を書き出していますか？")
        else:
            _check_evacuation_values(back, f"書き出した {file.name}")


write = Exercise(
    variable=("facility_file", "evacuation_file"),
    judge=_judge_write,
    hint="opendata.write_csv(直した表, f\"{TOWN_CODE}_様式名.csv\", \"様式名\") を 2 回使います。",
    passed="2 つのファイルを標準の様式で書き出せました。",
)


# ---- 演習 7: ライセンスの表示文 --------------------------------------------------------------------

RESTRICTIONS = (("-NC", "非営利（NC）"), ("-ND", "改変禁止（ND）"), ("非営利", "非営利"), ("改変禁止", "改変禁止"),
                ("商用不可", "商用不可"), ("営利目的での利用を禁止", "営利目的の禁止"))


def _judge_licence(statement) -> None:
    feedback.expect_type(statement, str, "licence_statement", hint="表示文を \"...\" で囲んだ文字列にします。")
    text = text_key(statement)
    for condition, label in RESTRICTIONS:
        feedback.expect(text_key(condition) not in text, f"{label}の条件が付いています。",
                        hint="NC（非営利）や ND（改変禁止）を付けると、オープンデータとは言えなくなります。CC BY 4.0 にします。")
    feedback.expect("星川町" in text, "団体名「星川町」が書かれていません。")
    feedback.expect(text_key("CC BY 4.0") in text or text_key("表示 4.0") in text, "ライセンスの名前（CC BY 4.0）が書かれていません。",
                    hint="「CC BY 4.0」か「クリエイティブ・コモンズ 表示 4.0 国際」と書きます。")
    feedback.expect("出典" in text, "出典の書き方を示す一文がありません。", hint="「出典」という言葉を使って書きます。")


licence = Exercise(
    variable="licence_statement",
    judge=_judge_licence,
    hint="団体名・ライセンスの名前・出典の書き方の 3 つを、1 つの文字列に書きます。",
    passed="ライセンスの表示文に必要なことが書かれています。",
)
