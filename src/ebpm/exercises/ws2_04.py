"""Checks of ワークショップ 2（宿題）: 自分の表を整理する
(solutions/ws2_cleaning_and_visualisation/04_homework_clean_your_table).

The exercises are graded on the bundled e-Stat style file (the notebook's default settings), whatever
table the learner later adapts the notebook to.
"""
from __future__ import annotations

from functools import cache

import pandas as pd

from ebpm import datasets, feedback, textnorm
from ebpm.exercises import Exercise, Mistake, load
from ebpm.exercises.ws2_01 import call

DATASET = "estat_population_download"
ENCODING = "cp932"
SKIP_ROWS = 16
ID_COLUMNS = ["時間軸（年次）", "男女", "地域 コード", "地域"]
AGGREGATES = ["総数"]
TIDY_COLUMNS = ["団体コード", "市区町村名", "年", "性別", "年齢階級", "人口", "記号"]
MEMO_COLUMNS = ["問題", "対応", "残る不確かさ"]


def _read(skiprows: int = SKIP_ROWS, dtype=str) -> pd.DataFrame:
    return pd.read_csv(datasets.path(DATASET), encoding=ENCODING, skiprows=skiprows, dtype=dtype)


@cache
def _raw_cached() -> pd.DataFrame:
    return _read()


def _raw() -> pd.DataFrame:
    return _raw_cached().copy()


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """Values as plain objects with None for missing (NaN or pd.NA), so the string dtypes compare alike."""
    plain = table.astype(object)
    return plain.where(table.notna(), None)


def _age_columns() -> list[str]:
    raw = _raw()
    return [c for c in raw.columns[raw.columns.get_loc("/年齢") + 1:] if c not in AGGREGATES]


# ---- 演習 1: 説明の行を飛ばして読む ----------------------------------------------------------------

def _judge_read(table) -> None:
    reference = _raw()
    feedback.expect_type(table, pd.DataFrame, "raw")
    feedback.expect("地域 コード" in [str(c) for c in table.columns], "見出しの行が正しく読まれていません。",
                    hint="skiprows には、見出しの行より上にある行の数（SKIP_ROWS）を指定します。")
    feedback.expect_columns(table, list(reference.columns), "raw", exact=True)
    feedback.expect_rows(table, len(reference), "raw", hint="見出しの下の行を、すべて読みます。")
    for column in ("地域 コード", "総数"):
        values = table[column].dropna().astype(object)
        feedback.expect(all(isinstance(v, str) for v in values),
                        f"列「{column}」が文字列ではなく数として読まれています。",
                        hint="dtype=str ですべての列を文字列のまま読みます（カンマや記号は後で直します）。")
    feedback.expect_frame(_plain(table), _plain(reference), "raw")


read = Exercise(
    variable="raw",
    judge=_judge_read,
    hint="pd.read_csv(path, encoding=..., skiprows=..., dtype=...) と、設定のセルの値を使って読みます。",
    passed="読み込みは正解です。",
    mistakes=(
        Mistake("読み飛ばす行が 1 行少なく、凡例の行を見出しにしています。skiprows=SKIP_ROWS を使います。",
                test=lambda table: "地域 コード" not in [str(c) for c in table.columns]
                and list(table.columns) == list(_read(SKIP_ROWS - 1).columns)),
        Mistake("読み飛ばす行が多すぎて、最初のデータの行を見出しにしています。skiprows=SKIP_ROWS を使います。",
                test=lambda table: "地域 コード" not in [str(c) for c in table.columns]
                and list(table.columns) == list(_read(SKIP_ROWS + 1).columns)),
    ),
)


# ---- 演習 2: 縦長の表にする ----------------------------------------------------------------------

LONG_COLUMNS = [*ID_COLUMNS, "年齢階級", "人口_元"]


def _expected_long() -> pd.DataFrame:
    raw = _raw()
    return raw[~raw["男女"].isin(AGGREGATES)].melt(id_vars=ID_COLUMNS, value_vars=_age_columns(),
                                                  var_name="年齢階級", value_name="人口_元")


def _judge_melt(table) -> None:
    expected = _expected_long()
    feedback.expect_type(table, pd.DataFrame, "long_table")
    feedback.expect_columns(table, LONG_COLUMNS, "long_table",
                            hint="id_vars=ID_COLUMNS、var_name=\"年齢階級\"、value_name=\"人口_元\" を指定します。")
    feedback.expect("総数" not in set(table["年齢階級"].astype(str)), "年齢階級に「総数」が残っています。",
                    hint="value_vars には AGE_COLUMNS（総数を除いた列）を使います。")
    feedback.expect("総数" not in set(table["男女"].astype(str)), "男女が「総数」の行が残っています。",
                    hint="melt の前に、男女が AGGREGATES に入る行を除きます。")
    feedback.expect_rows(table, len(expected), "long_table")
    feedback.expect_frame(_plain(table[LONG_COLUMNS]), _plain(expected), "long_table", check_order=False)


melt = Exercise(
    variable="long_table",
    judge=_judge_melt,
    hint="raw[~raw[\"男女\"].isin(AGGREGATES)] で合計の行を除いてから melt します。",
    passed="縦長の表になりました。",
    mistakes=(
        Mistake("男女が「総数」の行まで縦長にしています（合計を二重に数えます）。melt の前に除きます。",
                test=lambda table: "総数" in set(table["男女"].astype(str))),
    ),
)


# ---- 演習 3: 記号を欠損値と印に分ける関数 ---------------------------------------------------------

SAMPLES = (
    ("キー", "元", ["a", "b", "c", "d", "e"], ["1,234", "x", "***", "１２", "…"]),
    ("地区", "値", ["北", "南", "東"], ["7", "x", "2,000"]),
)


def _judge_markers(function) -> None:
    feedback.expect(callable(function), "markers_to_missing が関数になっていません。",
                    hint="def markers_to_missing(table, column): で作り、return で新しい表を返します。")
    for key, column, keys, values in SAMPLES:
        sample = pd.DataFrame({key: keys, column: values})
        given = sample.copy()
        result = call(function, given, column, name="markers_to_missing")
        what = f"markers_to_missing(表, {feedback.show_value(column)}) の結果"
        feedback.expect_type(result, pd.DataFrame, what, hint="最後に return で新しい表を返します。")
        feedback.expect_columns(result, [key, "人口", "記号"], what)
        feedback.expect(column not in result.columns, f"{what}に、元の列「{column}」が残っています。",
                        hint="table.drop(columns=[column]) で消します。")
        feedback.expect_rows(result, len(sample), what)
        parsed = textnorm.parse_numeric(sample[column])
        for row, (text, value, marker) in enumerate(zip(values, parsed["value"], parsed["marker"])):
            mine = result["人口"].iloc[row]
            if pd.isna(value):
                feedback.expect(pd.isna(mine), f"記号「{text}」の人口が欠損値になっていません（あなたの値 {feedback.show_value(mine)}）。",
                                hint="記号を 0 にすると「人がいない」という間違った数になります。欠損値のままにします。")
            else:
                feedback.expect(feedback.is_number(mine) and float(mine) == float(value),
                                f"「{text}」の人口が {feedback.show_value(float(value))} になっていません（あなたの値 {feedback.show_value(mine)}）。",
                                hint="カンマ付きの数や全角数字も、textnorm.parse_numeric の value で読めます。")
            mark = result["記号"].iloc[row]
            wanted = None if pd.isna(marker) else str(marker)
            feedback.expect((pd.isna(mark) and wanted is None) or (not pd.isna(mark) and str(mark) == wanted),
                            f"「{text}」の記号の列が違います（あなたの値 {feedback.show_value(None if pd.isna(mark) else mark)}）。",
                            hint="記号の列には parse_numeric の marker を入れます。")
        feedback.expect(given.equals(sample), "関数に渡した表が書き換えられています。",
                        hint="table.drop(...) は新しい表を作ります。渡された表そのものには列を足しません。")


markers = Exercise(
    variable="markers_to_missing",
    judge=_judge_markers,
    hint="textnorm.parse_numeric(table[column]) の value を 人口 に、marker を 記号 に入れ、元の列は drop します。",
    passed="記号の扱いは正解です。",
    mistakes=(
        Mistake("記号のセルを 0 にしています。0 は「その年齢の人がいない」という意味になるので、欠損値のままにします。",
                test=lambda f: f(pd.DataFrame({"k": ["a"], "v": ["x"]}), "v")["人口"].iloc[0] == 0),
        Mistake("記号の列に何も入っていません。parse_numeric の marker を 記号 の列に入れます（pd.to_numeric だけでは記号が消えます）。",
                test=lambda f: "記号" not in f(pd.DataFrame({"k": ["a"], "v": ["x"]}), "v").columns
                or f(pd.DataFrame({"k": ["a"], "v": ["x"]}), "v")["記号"].isna().all()),
    ),
)


# ---- 演習 4: 整然データ --------------------------------------------------------------------------

@cache
def _marker_cells() -> int:
    raw = _raw()
    cells = raw.loc[~raw["男女"].isin(AGGREGATES), _age_columns()].stack()
    return int(textnorm.parse_numeric(cells)["marker"].notna().sum())


def _judge_tidy(table) -> None:
    truth = load("region_population")
    what = "tidy"
    feedback.expect_type(table, pd.DataFrame, what)
    feedback.expect_columns(table, TIDY_COLUMNS, what, exact=True,
                            hint="男女 → 性別、地域 → 市区町村名 と名前を変え、最後に列のリストで並べます。")
    feedback.expect_rows(table, len(truth), what)
    codes = table["団体コード"].astype(str)
    feedback.expect(codes.str.len().eq(6).all(), "団体コードが 6 桁になっていません。",
                    hint="lgcode.to_6digit で 5 桁のコードに検査数字を付けます。")
    feedback.expect_equal(sorted(set(codes)), sorted(set(truth["団体コード"])), "団体コードの一覧",
                          hint="lgcode.to_6digit で 5 桁のコードに検査数字を付けます。")
    feedback.expect(pd.api.types.is_integer_dtype(table["年"]), "年が整数の列になっていません。",
                    hint="「2025年」から「年」を除いて、astype(int) で整数にします。")
    ages = set(table["年齢階級"].astype(str))
    feedback.expect(ages <= set(truth["年齢階級"]), "年齢階級の書き方が region_population と違います。",
                    hint="textnorm.normalize_text の後で、~ を波ダッシュ 〜 に置き換えます。")
    feedback.expect_equal(int(table["記号"].notna().sum()), _marker_cells(), "記号のあるセルの数",
                          hint="演習 3 の markers_to_missing を \"人口_元\" の列に使います。")
    keys = ["団体コード", "年", "性別", "年齢階級"]
    left = table.astype({"団体コード": str, "性別": str, "年齢階級": str})
    merged = left.merge(truth, on=keys, how="left", suffixes=("", "_正"), indicator=True)
    feedback.expect(merged["_merge"].eq("both").all(), "region_population と突き合わせられない行があります。",
                    hint="性別・年齢階級・年の書き方を確かめてください。")
    feedback.expect((merged["市区町村名"].astype(str) == merged["市区町村名_正"]).all(),
                    "市区町村名の列に、団体の名前ではない値があります。", hint="地域 の列を 市区町村名 に名前を変えます。")
    known = merged[merged["記号"].isna()]
    feedback.expect((pd.to_numeric(known["人口"]) == known["人口_正"]).all(), "人口の値が整理済みの表と合いません。")
    feedback.expect(merged.loc[merged["記号"].notna(), "人口"].isna().all(), "記号のセルの人口は欠損値にします。")


tidy = Exercise(
    variable="tidy",
    judge=_judge_tidy,
    hint="finish_columns の中で、団体コード・年・年齢階級の 3 つの列を作り直し、列の名前を変えて並べます。",
    passed="整然データは整理済みの表と一致しました。",
    mistakes=(
        Mistake("団体コードが 5 桁のままです。lgcode.to_6digit で検査数字を付けて 6 桁にします。",
                test=lambda table: table["団体コード"].astype(str).str.len().eq(5).all()),
        Mistake("年齢階級が「0～4歳」のままです。normalize_text で ~ にしてから、波ダッシュ 〜 に置き換えます。",
                test=lambda table: any("～" in str(a) or "~" in str(a) for a in set(table["年齢階級"]))),
        Mistake("年が「2025年」のような文字列のままです。「年」を除いて整数にします。",
                test=lambda table: any(str(y).endswith("年") for y in table["年"].head())),
    ),
)


# ---- 演習 5: データ品質メモ ----------------------------------------------------------------------

PRESENT = {
    "記号（x・***・…）": ["x", "秘匿", "記号", "***", "…"],
    "5 桁の地域コード": ["5 桁", "5桁", "検査数字", "団体コード", "地域コード"],
    "合計（総数）": ["総数", "合計"],
    "文字コード・説明の行・カンマ": ["cp932", "文字コード", "Shift", "説明", "凡例", "カンマ", "skiprows"],
}


def _absent_words() -> list[str]:
    text = datasets.path(DATASET).read_bytes().decode(ENCODING)
    words = {"△": ["△", "▲"], "和暦": ["令和", "平成", "昭和"]}
    return [word for word, marks in words.items() if not any(mark in text for mark in marks)]


def _judge_memo(memo) -> None:
    feedback.expect_type(memo, pd.DataFrame, "quality_memo", hint="pd.DataFrame([{...}, {...}, ...]) で表にします。")
    feedback.expect_columns(memo, MEMO_COLUMNS, "quality_memo")
    feedback.expect(len(memo) >= 3, f"問題が {len(memo)} 行しかありません。3 行以上書いてください。")
    filled = memo[MEMO_COLUMNS].map(lambda v: isinstance(v, str) and len(v.strip()) >= 4)
    feedback.expect(bool(filled.all().all()), "空のセルか短すぎるセルがあります。3 つの列をすべて文で埋めてください。")
    whole = " ".join(memo[MEMO_COLUMNS].astype(str).to_numpy().ravel())
    for word in _absent_words():
        feedback.expect(word not in whole, f"このファイルにない問題（{word}）が書かれています。",
                        hint="ファイルを実際に見て、あった問題だけを書きます。")
    text = " ".join(memo["問題"].astype(str)) + " " + " ".join(memo["対応"].astype(str))
    found = [name for name, words in PRESENT.items() if any(w in text for w in words)]
    feedback.expect(len(found) >= 3, f"このファイルにある問題のうち、書かれているのは {'、'.join(found) or 'なし'} です。",
                    hint="記号、地域コード、総数、文字コードと説明の行のうち 3 つ以上を書きましょう。")
    feedback.expect(any(w in " ".join(memo["対応"].astype(str)) for w in ["欠損", "NaN", "NA"]),
                    "記号のセルをどう扱ったか（欠損値にした）が、対応の列に書かれていません。")


memo = Exercise(
    variable="quality_memo",
    judge=_judge_memo,
    hint="1 行に 1 つの問題を、問題・対応・残る不確かさの 3 列で書きます。",
    passed="データ品質メモの形は整っています。",
)
