"""Tests of ebpm.opendata: one fixture per rule, each asserting the exact (row, column, rule)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ebpm.errors import DataFormatError
from ebpm.opendata import RULES, SCHEMAS, rules_for, template, validate, write_csv

REALDATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "realdata"


def evacuation(rows: int = 2) -> pd.DataFrame:
    """A clean 指定緊急避難場所一覧 with ``rows`` rows (all template columns, text values)."""
    df = template("evacuation_space")
    data = []
    for i in range(1, rows + 1):
        row = {c: "" for c in df.columns}
        row.update({
            "全国地方公共団体コード": "131016", "ID": f"E{i:03d}", "名称": f"第{i}小学校", "地方公共団体名": "千代田区",
            "名称_カナ": "ダイイチショウガッコウ", "所在地_全国地方公共団体コード": "131016",
            "所在地_連結表記": "東京都千代田区一番町1-1", "緯度": "35.6940", "経度": "139.7536",
            "標高": "20.5", "電話番号": "03-1234-5678", "郵便番号": "102-0082",
            "連絡先メールアドレス": "bousai@city.example.lg.jp", "災害種別_地震": "1",
            "災害種別_洪水": "1", "指定避難所との重複": "1", "想定収容人数": "500",
            "対象となる町会・自治会": "一番町町会;二番町町会", "URL": "https://www.city.example.lg.jp/",
        })
        data.append(row)
    return pd.DataFrame(data, columns=df.columns, dtype="str")


def population() -> pd.DataFrame:
    df = template("population_by_area_age")
    row = {c: "10" for c in df.columns}
    row.update({"全国地方公共団体コード": "131016", "地域コード": "001", "地方公共団体名": "千代田区",
                "調査年月日": "2024-04-01", "地域名": "一番町", "総人口": "360", "男性": "180",
                "女性": "180", "世帯数": "200", "備考": ""})
    return pd.DataFrame([row], columns=df.columns, dtype="str")


def found(report) -> list[tuple]:
    return [(p.row, p.column, p.rule) for p in report.problems]


# --- schemas and helpers -------------------------------------------------------------------------

def test_schemas_cover_the_four_datasets_and_rules_are_known():
    assert {"evacuation_space", "public_facility", "aed", "population_by_area_age"} <= set(SCHEMAS)
    for name in SCHEMAS:
        assert rules_for(name) and set(rules_for(name)) <= set(RULES)
    assert "flag" in rules_for("evacuation_space")
    assert "population_total" in rules_for("population_by_area_age")
    assert "flag" not in rules_for("population_by_area_age")


def test_template_has_the_columns_in_order():
    df = template("evacuation_space")
    assert len(df) == 0
    assert list(df.columns[:4]) == ["全国地方公共団体コード", "ID", "名称", "名称_カナ"]
    assert "災害種別_崖崩れ、土石流及び地滑り" in df.columns
    assert list(template("指定緊急避難場所一覧").columns) == list(df.columns)


def test_unknown_dataset_names_the_choices():
    with pytest.raises(KeyError, match="evacuation_space"):
        validate(evacuation(), "hinanjo")


def test_clean_fixture_reports_nothing():
    report = validate(evacuation(), "evacuation_space")
    assert report.problems == [] and report.ok
    assert "問題は見つかりませんでした" in str(report)
    assert validate(population(), "population_by_area_age").problems == []


# --- column rules --------------------------------------------------------------------------------

def test_required_column_one_problem_per_missing_column():
    report = validate(evacuation().drop(columns=["名称", "緯度"]), "evacuation_space")
    assert found(report) == [(1, "名称", "required_column"), (1, "緯度", "required_column")]
    assert not report.ok


def test_unknown_column_is_a_warning():
    df = evacuation()
    df["独自項目"] = "x"
    report = validate(df, "evacuation_space")
    assert found(report) == [(1, "独自項目", "unknown_column")]
    assert report.ok and report.problems[0].severity == "warning"


def test_column_order_is_a_warning():
    df = evacuation()
    cols = list(df.columns)
    cols[2], cols[3] = cols[3], cols[2]
    report = validate(df[cols], "evacuation_space")
    assert found(report) == [(1, "名称_カナ", "column_order")]
    assert report.ok


def test_legacy_and_english_names_are_aliases():
    df = evacuation().rename(columns={"全国地方公共団体コード": "都道府県コード又は市区町村コード", "緯度": "latitude"})
    report = validate(df, "evacuation_space")
    assert found(report) == [(1, "都道府県コード又は市区町村コード", "column_alias"), (1, "latitude", "column_alias")]


def test_duplicate_column():
    df = evacuation()
    df.columns = [*df.columns[:-1], "備考"]
    df = pd.concat([df, df[["備考"]]], axis=1)
    assert (1, "備考", "duplicate_column") in found(validate(df, "evacuation_space"))


# --- value rules ---------------------------------------------------------------------------------

def one(column: str, value: str, dataset: str = "evacuation_space", row: int = 1):
    df = evacuation() if dataset == "evacuation_space" else population()
    df.loc[row, column] = value
    return validate(df, dataset)


@pytest.mark.parametrize(
    ("column", "value", "rule", "hint"),
    [
        ("名称", "", "not_blank", "空欄"),
        ("全国地方公共団体コード", "131017", "lgcode", "131016"),
        ("全国地方公共団体コード", "13101", "lgcode", "131016"),
        ("全国地方公共団体コード", "11002", "lgcode", "011002"),
        ("名称_カナ", "ﾀﾞｲｲﾁｼｮｳｶﾞｯｺｳ", "katakana", "ダイイチショウガッコウ"),
        ("名称_カナ", "だいいち", "katakana", "ダイイチ"),
        ("災害種別_津波", "○", "flag", "1"),
        ("災害種別_津波", "0", "flag", "空欄"),
        ("対象となる町会・自治会", "一番町町会、二番町町会", "list", "一番町町会;二番町町会"),
        ("対象となる町会・自治会", "一番町町会,二番町町会", "list", "一番町町会;二番町町会"),
        ("電話番号", "(03)1234-5678", "phone", "03-1234-5678"),
        ("電話番号", "０３－１２３４－５６７８", "phone", "03-1234-5678"),
        ("URL", "www.city.example.lg.jp", "url", "https://"),
        ("連絡先メールアドレス", "bousai＠example.jp", "email", "name@"),
        ("郵便番号", "1020082", "postal_code", "102-0082"),
        ("想定収容人数", "1,200", "integer", "1200"),
        ("標高", "二十", "number", "数値"),
        ("緯度", "北緯35度", "coordinate", "10 進数"),
        ("緯度", "３５.６９", "coordinate", "35.69"),
        ("緯度", "55.0", "coordinate_range", "20〜46"),
        ("経度", "160.0", "coordinate_range", "122〜154"),
    ],
)
def test_each_value_rule(column, value, rule, hint):
    report = validate_one = one(column, value)
    assert found(validate_one) == [(3, column, rule)]
    assert hint in report.problems[0].message


def test_id_unique():
    df = evacuation(3)
    df.loc[2, "ID"] = "E001"
    assert found(validate(df, "evacuation_space")) == [(4, "ID", "id_unique")]


def test_id_blank():
    assert found(one("ID", " ")) == [(3, "ID", "not_blank")]


def test_coordinates_swapped():
    df = evacuation()
    df.loc[0, ["緯度", "経度"]] = ["139.7536", "35.6940"]
    assert found(validate(df, "evacuation_space")) == [(2, "緯度", "coordinate_swapped")]


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("45016", "2023-03-31"),
        ("令和6年4月1日", "2024-04-01"),
        ("R6.4.1", "2024-04-01"),
        ("平成元年1月8日", "1989-01-08"),
        ("2024/4/1", "2024-04-01"),
        ("2024-02-30", "存在しない"),
        ("きのう", "YYYY-MM-DD"),
    ],
)
def test_dates(value, hint):
    report = one("調査年月日", value, "population_by_area_age", row=0)
    assert found(report) == [(2, "調査年月日", "date")]
    assert hint in report.problems[0].message


def test_time_and_yes_no():
    df = template("aed")
    row = {c: "" for c in df.columns}
    row.update({"全国地方公共団体コード": "131016", "ID": "A1", "名称": "区役所", "名称_カナ": "クヤクショ",
                "地方公共団体名": "千代田区", "所在地_全国地方公共団体コード": "131016",
                "所在地_連結表記": "東京都千代田区九段南1-2-1", "緯度": "35.694", "経度": "139.7536",
                "設置位置": "1階ロビー", "開始時間": "8時30分", "終了時間": "17:15", "小児対応設備の有無": "あり"})
    report = validate(pd.DataFrame([row], columns=df.columns), "aed")
    assert found(report) == [(2, "開始時間", "time"), (2, "小児対応設備の有無", "yes_no")]
    assert "08:30" in report.problems[0].message


def test_population_totals():
    df = population()
    df.loc[0, "総人口"] = "361"
    df.loc[0, "0-4歳の女性"] = "11"
    assert found(validate(df, "population_by_area_age")) == [
        (2, "総人口", "population_total"), (2, "女性", "population_total")]


def test_dataframe_with_numbers_lost_leading_zero():
    df = evacuation()
    df["全国地方公共団体コード"] = [11002, 11002]
    df["緯度"] = [43.06, 43.06]
    df["経度"] = [141.35, 141.35]
    report = validate(df, "evacuation_space")
    assert found(report) == [(2, "全国地方公共団体コード", "lgcode"), (3, "全国地方公共団体コード", "lgcode")]


# --- quirks of real AED and older 推奨データセット files ------------------------------------------

def aed(rows: int = 3) -> pd.DataFrame:
    """A clean AED設置箇所一覧 (made-up places in 千代田区)."""
    columns = list(template("aed").columns)
    data = []
    for i in range(1, rows + 1):
        row = {c: "" for c in columns}
        row.update({"全国地方公共団体コード": "131016", "ID": f"A{i}", "地方公共団体名": "千代田区",
                    "名称": f"第{i}集会所", "名称_カナ": "シュウカイジョ", "所在地_全国地方公共団体コード": "131016",
                    "所在地_連結表記": f"東京都千代田区九段南{i}-2-1", "緯度": "35.694", "経度": "139.7536",
                    "設置位置": "1階ロビー"})
        data.append(row)
    return pd.DataFrame(data, columns=columns, dtype="str")


def test_clean_aed_reports_nothing():
    assert validate(aed(), "aed").problems == []
    assert {"halfwidth_kana", "identity_blank"} <= set(rules_for("aed"))


def test_halfwidth_kana_is_reported_in_every_text_column():
    df = aed()
    df.loc[0, "名称"] = "ｺﾐｭﾆﾃｨｾﾝﾀ-"  # ASCII "-" as the long-vowel mark
    df.loc[1, "設置位置"] = "1階ﾛﾋﾞ-"
    df.loc[2, "備考"] = "ｺｰﾎﾟ-101号室の前"  # "-" before a digit stays a hyphen
    df.loc[2, "名称_カナ"] = "ｾﾝﾀ-"
    report = validate(df, "aed")
    assert found(report) == [(2, "名称", "halfwidth_kana"), (4, "名称_カナ", "katakana"),
                             (3, "設置位置", "halfwidth_kana"), (4, "備考", "halfwidth_kana")]
    messages = [p.message for p in report.problems]
    assert "「コミュニティセンター」" in messages[0] and "長音" in messages[0]
    assert "「センター」" in messages[1]
    assert "「1階ロビー」" in messages[2]
    assert "「コーポ-101号室の前」" in messages[3]
    assert all("項目定義書" in messages[k] for k in (0, 2, 3))
    assert not report.ok


def test_blank_identity_columns_are_reported():
    df = aed()
    df["地方公共団体名"] = ""
    df["所在地_全国地方公共団体コード"] = ""
    report = validate(df, "aed")
    assert found(report) == [(None, "地方公共団体名", "identity_blank"),
                             (None, "所在地_全国地方公共団体コード", "identity_blank")]
    assert "すべての行（3 行）" in report.problems[0].message and "項目定義書" in report.problems[0].message
    df = aed()
    df.loc[1, "地方公共団体名"] = " "
    assert found(validate(df, "aed")) == [(3, "地方公共団体名", "identity_blank")]
    df = aed()
    df.loc[1, "全国地方公共団体コード"] = ""  # required: an error of its own
    assert found(validate(df, "aed")) == [(3, "全国地方公共団体コード", "not_blank")]


@pytest.mark.parametrize(("lat", "lon", "number"), [("lat", "lon", "NO"), ("Lat", "lng", "No.")])
def test_older_recommended_names_are_aliases_and_coordinates_are_checked(lat, lon, number):
    df = aed().rename(columns={"緯度": lat, "経度": lon, "ID": number,
                               "全国地方公共団体コード": "都道府県コード又は市区町村コード"})
    df.loc[1, [lat, lon]] = ["139.7536", "35.694"]
    df.loc[2, lat] = "北緯35度"
    report = validate(df, "aed")
    assert found(report) == [
        (1, "都道府県コード又は市区町村コード", "column_alias"), (1, number, "column_alias"),
        (1, lat, "column_alias"), (1, lon, "column_alias"),
        (3, lat, "coordinate_swapped"), (4, lat, "coordinate"),
    ]
    alias = {p.column: p.message for p in report.problems if p.rule == "column_alias"}
    assert "「緯度」" in alias[lat] and "項目定義書" in alias[lat] and "「経度」" in alias[lon]
    assert "「ID」" in alias[number]


# --- files ---------------------------------------------------------------------------------------

def test_file_in_cp932_is_reported_and_still_checked(tmp_path):
    path = tmp_path / "hinan.csv"
    evacuation().to_csv(path, index=False, encoding="cp932")
    report = validate(path, "evacuation_space")
    assert found(report) == [(None, None, "encoding")]
    assert "hinan.csv" in str(report)


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "hinan.csv"
    evacuation().to_csv(path, index=False, encoding="utf-8-sig")
    assert validate(path, "evacuation_space").problems == []


def test_field_count(tmp_path):
    path = tmp_path / "hinan.csv"
    evacuation().to_csv(path, index=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",余分"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert found(validate(path, "evacuation_space")) == [(3, None, "field_count")]


def test_codes_in_files_stay_text(tmp_path):
    path = tmp_path / "hinan.csv"
    df = evacuation()
    df["全国地方公共団体コード"] = "011002"
    df["所在地_全国地方公共団体コード"] = "011002"
    df[["緯度", "経度"]] = ["43.06", "141.35"]
    df.to_csv(path, index=False)
    assert validate(path, "evacuation_space").problems == []


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "空"), (b"\r\n\r\n", "空"), (b"PK\x03\x04rest", "Excel"), (b"a\tb\tc\n1\t2\t3\n", "1 つ")],
)
def test_unreadable_files_raise(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match=message) as info:
        validate(path, "evacuation_space")
    assert "bad.csv" in str(info.value)


def test_missing_file_raises(tmp_path):
    with pytest.raises(DataFormatError, match="見つかりません"):
        validate(tmp_path / "none.csv", "aed")


def test_report_frame_and_html():
    df = evacuation()
    df["独自項目"] = "x"
    df.loc[0, "名称_カナ"] = "ｶﾅ"
    report = validate(df, "evacuation_space")
    frame = report.to_frame()
    assert list(frame.columns) == ["行", "列", "ルール", "内容"]
    assert frame["内容"].str.startswith("【警告】").sum() == 1
    html = report._repr_html_()
    assert "エラー 1 件、警告 1 件" in html and "<table" in html


# --- writing -------------------------------------------------------------------------------------

def test_write_csv_is_utf8_crlf_in_template_order(tmp_path):
    df = evacuation()[["名称", "全国地方公共団体コード", "ID", "名称_カナ", "所在地_連結表記", "緯度", "経度",
                       *[c for c in template("evacuation_space").columns if c.startswith("災害種別") or c == "指定避難所との重複"]]]
    path = write_csv(df, tmp_path / "131016_evacuation_space.csv", "evacuation_space")
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 3 and b"\n" not in raw.replace(b"\r\n", b"")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(back.columns) == list(template("evacuation_space").columns)
    assert back.loc[0, "全国地方公共団体コード"] == "131016"
    report = validate(path, "evacuation_space")
    assert report.ok  # the identity columns df lacked are written empty, and said so
    assert found(report) == [(None, "所在地_全国地方公共団体コード", "identity_blank"),
                             (None, "地方公共団体名", "identity_blank")]
    assert write_csv(df, tmp_path / "bom.csv", "evacuation_space", bom=True).read_bytes().startswith(b"\xef\xbb\xbf")


def test_write_csv_refuses_errors(tmp_path):
    df = evacuation()
    df.loc[0, "名称_カナ"] = "ｶﾅ"
    with pytest.raises(DataFormatError, match="書き出しませんでした"):
        write_csv(df, tmp_path / "x.csv", "evacuation_space")
    assert not (tmp_path / "x.csv").exists()


# --- real files (reference set outside the project) ----------------------------------------------

def real(name: str) -> Path:
    path = REALDATA / name
    if not path.is_file():
        pytest.skip(f"参照用の実データ {name} がありません（../shared/realdata）")
    return path


def test_real_ichikawa_evacuation_space():
    report = validate(real("municipal_standard/ichikawa_122033_103_evacuation_space.csv"), "evacuation_space")
    rules = {p.rule for p in report.problems}
    assert {"encoding", "katakana", "not_blank", "phone"} <= rules
    assert "required_column" not in rules and "lgcode" not in rules
    kana = next(p for p in report.problems if p.rule == "katakana")
    assert (kana.row, kana.column) == (2, "名称_カナ") and "半角カタカナ" in kana.message
    assert report.n_rows == 121


def test_real_ichikawa_population():
    report = validate(real("municipal_standard/ichikawa_122033_104_population.csv"), "population_by_area_age")
    dates = [p for p in report.problems if p.rule == "date"]
    assert len(dates) == report.n_rows and "2023-03-31" in dates[0].message
    assert any(p.rule == "encoding" for p in report.problems)
    assert not any(p.rule in ("required_column", "unknown_column", "column_order") for p in report.problems)


def test_real_takamatsu_toilet_with_english_headers():
    report = validate(real("municipal_other/takamatsu_public_toilet.csv"), "public_toilet")
    aliases = {p.column for p in report.problems if p.rule == "column_alias"}
    assert {"latitude", "longitude", "name", "fullNameInKana"} <= aliases
    assert not any(p.rule == "encoding" for p in report.problems)
    code = next(p for p in report.problems if p.rule == "lgcode")
    assert (code.row, code.column) == (2, "prefCode") and "372013" in code.message


def test_real_ichikawa_evacuation_space_messages():
    report = validate(real("municipal_standard/ichikawa_122033_103_evacuation_space.csv"), "evacuation_space")
    by_rule: dict[str, list] = {}
    for p in report.problems:
        by_rule.setdefault(p.rule, []).append(p)
    assert {p.column for p in by_rule["not_blank"]} == {"ID"} and len(by_rule["not_blank"]) == 121
    first_kana = by_rule["katakana"][0]
    assert first_kana.row == 2 and "ｹﾝﾘﾂｺｸﾌﾞﾝｺｳｺｳ" in first_kana.message
    assert "「ケンリツコクブンコウコウ」" in first_kana.message
    first_phone = by_rule["phone"][0]
    assert first_phone.row == 2 and "「047-371-6100」" in first_phone.message
    # 地方公共団体名 and 所在地_全国地方公共団体コード are filled; names are in kanji; coordinates in range
    assert not {"identity_blank", "halfwidth_kana", "coordinate", "coordinate_range", "flag"} & set(by_rule)


def test_real_ichikawa_population_totals_and_blanks():
    report = validate(real("municipal_standard/ichikawa_122033_104_population.csv"), "population_by_area_age")
    assert report.n_rows == 237
    totals = [(p.row, p.column) for p in report.problems if p.rule == "population_total"]
    assert totals == [(197, "男性"), (206, "男性"), (206, "女性")]
    message = next(p.message for p in report.problems if p.rule == "population_total")
    assert "2528" in message and "2531" in message
    blanks = [p for p in report.problems if p.rule == "not_blank"]
    assert len(blanks) == 2 * 36 and all(p.column.endswith(("の男性", "の女性")) for p in blanks)


def test_real_files_cut_short_are_refused_by_validate(tmp_path):
    data = real("municipal_standard/ichikawa_122033_103_evacuation_space.csv").read_bytes()
    for cut in (data[:-7], data[: data.rindex("市川市".encode("cp932")) + 1]):
        path = tmp_path / "cut.csv"
        path.write_bytes(cut)
        with pytest.raises(DataFormatError, match="ファイルが途中で切れているようです") as info:
            validate(path, "evacuation_space")
        assert "cut.csv" in str(info.value)
