"""自治体標準オープンデータセット: column schemas, a validator and a compliant CSV writer.

The schemas are data (:data:`SCHEMAS`): for each dataset, the template's Japanese column names in
template order, whether a column is required (it must be present and, unless it is a flag, filled
in), the kind of value it holds, and old or English names seen in published files (aliases).

Sources and decisions (check them against the current 項目定義書 of デジタル庁 before grading on them):
- Column names and order follow the 自治体標準オープンデータセット (デジタル庁; the earlier
  推奨データセット of 内閣官房IT室 is accepted through aliases such as ``都道府県コード又は市区町村コード``
  and ``NO``, reported as ``column_alias``). ``evacuation_space`` and ``population_by_area_age``
  were checked against several municipalities' published files, which share one column order;
  ``public_facility``, ``aed`` and ``public_toilet`` are written from the template definitions.
- Encoding: the standard asks for UTF-8. A UTF-8 BOM is accepted without comment (it is still
  UTF-8 and Excel needs it to open the file correctly); cp932 (Shift_JIS) is reported.
  :func:`write_csv` writes UTF-8 without BOM (``bom=True`` adds one for Excel users) and CRLF line
  ends (RFC 4180, as published files do).
- File names: no check. Published files use several patterns (``122033_103_evacuation_space.csv``,
  ``431001_public_facility.csv``) and no official naming rule could be confirmed.
- Row numbers are those the learner sees in the file: the header is row 1, the first data row 2.
  For a DataFrame they are the row's position + 2, as if it were written with :func:`write_csv`.
"""
from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ebpm import textfile, textnorm, wareki
from ebpm.errors import DataFormatError
from ebpm.lgcode import check_digit

ERROR = "error"
WARNING = "warning"

# ---------------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------------

KINDS = (
    "code", "id", "text", "katakana", "date", "time", "lat", "lon", "flag", "yes_no",
    "integer", "number", "list", "url", "phone", "email", "postal_code",
)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a template: its official name, kind of value, and whether it is required."""

    name: str
    kind: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r} for column {self.name!r}")


@dataclass(frozen=True)
class Schema:
    """A dataset of the 自治体標準オープンデータセット."""

    name: str
    title: str
    columns: tuple[ColumnSpec, ...]
    extra_rules: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, kind: str = "text", required: bool = False, *aliases: str) -> ColumnSpec:
    return ColumnSpec(name, kind, required, tuple(aliases))


_CODE = _c("全国地方公共団体コード", "code", True, "都道府県コード又は市区町村コード", "prefCode", "localGovernmentCode")
_ID = _c("ID", "id", True, "NO", "No.", "identification")
_LG_NAME = _c("地方公共団体名", "text")
_NAME = _c("名称", "text", True, "name")
_KANA = _c("名称_カナ", "katakana", True, "fullNameInKana")
_ADDRESS = (
    _c("所在地_全国地方公共団体コード", "code"),
    _c("町字ID", "text"),
    _c("所在地_連結表記", "text", True, "住所", "所在地_連結標記", "address"),
    _c("所在地_都道府県", "text", False, "pref"),
    _c("所在地_市区町村", "text", False, "city"),
    _c("所在地_町字", "text"),
    _c("所在地_番地以下", "text"),
    _c("建物名等(方書)", "text", False, "方書", "katagaki"),
)
_LAT = _c("緯度", "lat", True, "latitude", "lat")
_LON = _c("経度", "lon", True, "longitude", "lon", "lng")
_CONTACT = (
    _c("電話番号", "phone"),
    _c("内線番号", "text"),
    _c("連絡先メールアドレス", "email"),
    _c("連絡先FormURL", "url"),
    _c("連絡先備考（その他、SNSなど）", "text"),
    _c("郵便番号", "postal_code"),
)
_OPENING = (
    _c("利用可能曜日", "text"),
    _c("開始時間", "time"),
    _c("終了時間", "time"),
    _c("利用可能日時特記事項", "text"),
)
_IMAGE = (_c("画像", "url", False, "image"), _c("画像_ライセンス", "text", False, "iamgeLicense", "imageLicense"))
_NOTE = _c("備考", "text", False, "note")

HAZARDS = ("洪水", "崖崩れ、土石流及び地滑り", "高潮", "地震", "津波", "大規模な火事", "内水氾濫", "火山現象")

_AGE_BANDS = [f"{a}-{a + 4}歳" for a in range(0, 85, 5)] + ["85歳以上"]

SCHEMAS: dict[str, Schema] = {
    s.name: s
    for s in (
        Schema(
            "evacuation_space",
            "指定緊急避難場所一覧",
            (
                _CODE, _ID, _NAME, _KANA, _c("名称_英字", "text"), *_ADDRESS, _LAT, _LON,
                _c("標高", "number"), *_CONTACT,
                _c("市区町村コード", "code"), _LG_NAME,
                *(_c(f"災害種別_{h}", "flag", True, h) for h in HAZARDS),
                _c("指定避難所との重複", "flag", True, "指定避難所との住所同一"),
                _c("想定収容人数", "integer"),
                _c("対象となる町会・自治会", "list"),
                _c("URL", "url"), *_IMAGE, _NOTE,
            ),
        ),
        Schema(
            "public_facility",
            "公共施設一覧",
            (
                _CODE, _ID, _LG_NAME, _NAME, _KANA, _c("名称_英字", "text", False, "名称_英語"),
                _c("名称_通称", "text"), _c("POIコード", "text"), *_ADDRESS, _LAT, _LON, *_CONTACT,
                _c("法人番号", "text"), _c("団体名", "text"), *_OPENING,
                _c("説明", "text"), _c("バリアフリー情報", "text"), _c("URL", "url"), *_IMAGE, _NOTE,
            ),
        ),
        Schema(
            "aed",
            "AED設置箇所一覧",
            (
                _CODE, _ID, _LG_NAME, _NAME, _KANA, _c("名称_英字", "text", False, "名称_英語"),
                *_ADDRESS, _LAT, _LON, _c("設置位置", "text", True, "installationPosition"), *_CONTACT,
                _c("法人番号", "text"), _c("団体名", "text"), *_OPENING,
                _c("小児対応設備の有無", "yes_no"), _c("URL", "url"), *_IMAGE, _NOTE,
            ),
        ),
        Schema(
            "population_by_area_age",
            "地域・年齢別人口",
            (
                _CODE, _c("地域コード", "text"), _c("地方公共団体名", "text", True),
                _c("調査年月日", "date", True), _c("地域名", "text", True),
                _c("総人口", "integer", True), _c("男性", "integer", True), _c("女性", "integer", True),
                *(
                    _c(f"{band}の{sex}", "integer", True)
                    for band in _AGE_BANDS
                    for sex in ("男性", "女性")
                ),
                _c("世帯数", "integer"), _NOTE,
            ),
            extra_rules=("population_total",),
        ),
        Schema(
            "public_toilet",
            "公衆トイレ一覧",
            (
                _CODE, _ID, _LG_NAME, _NAME, _KANA,
                _c("名称_英語", "text", False, "名称_英字", "fullNameInRomaji"),
                *_ADDRESS, _c("設置位置", "text", False, "installationPosition"), _LAT, _LON,
                _c("男性トイレ総数", "integer", False, "totalMensRestroom"),
                _c("男性トイレ数（小便器）", "integer", False, "smallMensRestroom"),
                _c("男性トイレ数（和式）", "integer", False, "japaneseMensRestroom"),
                _c("男性トイレ数（洋式）", "integer", False, "westernMensRestroom"),
                _c("女性トイレ総数", "integer", False, "totalWomanRestroom"),
                _c("女性トイレ数（和式）", "integer", False, "japaneseWomanRestroom"),
                _c("女性トイレ数（洋式）", "integer", False, "westernWomanRestroom"),
                _c("男女共用トイレ総数", "integer", False, "sharedRestroom"),
                _c("男女共用トイレ数（和式）", "integer", False, "japaneseSharedRestroom"),
                _c("男女共用トイレ数（洋式）", "integer", False, "westernSharedRestroom"),
                _c("バリアフリートイレ数", "integer", False, "多機能トイレ数", "multifunctionalRestroom"),
                _c("車椅子使用者用トイレ有無", "yes_no", False, "車椅子使用者", "wheelchairRestroom"),
                _c("乳幼児用設備設置トイレ有無", "yes_no", False, "乳幼児用設備設置", "anInfantRestroom"),
                _c("オストメイト設置トイレ有無", "yes_no", False, "オストメイト設置", "ostomateRestroom"),
                _c("利用開始時間", "time", False, "startTime"),
                _c("利用終了時間", "time", False, "endTime"),
                _c("利用可能時間特記事項", "text", False, "availableDateNote"),
                *_IMAGE, _NOTE,
            ),
        ),
    )
}

# Rules, in the order they are checked. Each Problem carries one of these ids.
RULES: dict[str, str] = {
    "encoding": "文字コードが UTF-8 であること",
    "field_count": "各行の項目数が見出し行と同じであること",
    "duplicate_column": "同じ列名が 2 回以上出てこないこと",
    "required_column": "必須の列があること",
    "column_alias": "列名が様式どおりであること（旧様式・英語の列名でないこと）",
    "unknown_column": "様式にない列がないこと（警告）",
    "column_order": "列の順序が様式どおりであること（警告）",
    "not_blank": "必須の値が空欄でないこと",
    "id_unique": "ID が重複していないこと",
    "lgcode": "全国地方公共団体コードが検査数字つき 6 桁の文字列であること",
    "date": "日付が YYYY-MM-DD 形式であること",
    "time": "時刻が hh:mm 形式であること",
    "coordinate": "緯度・経度が数値であること",
    "coordinate_range": "緯度・経度が日本の範囲内（緯度 20〜46、経度 122〜154）であること",
    "coordinate_swapped": "緯度と経度が入れ替わっていないこと",
    "katakana": "カナの列が全角カタカナであること",
    "halfwidth_kana": "文字の列に半角カタカナを使わないこと（公式の項目定義書では確認できていない規則です）",
    "identity_blank": "団体を示す列（地方公共団体名・所在地の団体コード）が空欄でないこと（警告。項目定義書で必須かどうかは確認できていません）",
    "flag": "フラグの列が 1 か空欄であること",
    "yes_no": "有無の列が「有」か「無」か空欄であること",
    "integer": "人数・件数が半角の整数であること",
    "number": "数値の列が半角の数値であること",
    "list": "複数の値が半角セミコロン「;」で区切られていること",
    "phone": "電話番号が半角数字とハイフンの形式（例: 03-1234-5678）であること",
    "url": "URL が http:// または https:// で始まること",
    "email": "メールアドレスの形式であること",
    "postal_code": "郵便番号が 123-4567 の形式であること",
    "population_total": "総人口 = 男性 + 女性、男性・女性 = 年齢階級の合計であること",
}

_FILE_RULES = ("encoding", "field_count")
# Columns that say which municipality a row belongs to. A blank one hides whose data it is; the
# 項目定義書 could not be consulted on whether each is required, so a blank is a warning under its
# own rule (identity_blank) rather than a not_blank error.
_IDENTITY_COLUMNS = ("全国地方公共団体コード", "地方公共団体名", "所在地_全国地方公共団体コード")
# Old names accepted on the evidence of published files only, not of the 項目定義書.
_UNCONFIRMED_ALIASES = {"lat", "lon", "lng", "no."}
_COLUMN_RULES = ("duplicate_column", "required_column", "column_alias", "unknown_column", "column_order")
_KIND_RULES = {
    "code": ("lgcode",), "id": ("id_unique",), "katakana": ("katakana",), "date": ("date",),
    "time": ("time",), "lat": ("coordinate", "coordinate_range", "coordinate_swapped"),
    "lon": ("coordinate", "coordinate_range"), "flag": ("flag",), "yes_no": ("yes_no",),
    "integer": ("integer",), "number": ("number",), "list": ("list",), "url": ("url",),
    "phone": ("phone",), "email": ("email",), "postal_code": ("postal_code",),
}


def _schema(dataset: str) -> Schema:
    if isinstance(dataset, Schema):
        return dataset
    for s in SCHEMAS.values():
        if dataset in (s.name, s.title):
            return s
    names = "、".join(f"{s.name}（{s.title}）" for s in SCHEMAS.values())
    raise KeyError(f"データセット「{dataset}」は登録されていません。使えるのは {names} です。")


def rules_for(dataset: str) -> list[str]:
    """The ids of the rules that :func:`validate` checks for ``dataset`` (see :data:`RULES`)."""
    schema = _schema(dataset)
    wanted = set(_FILE_RULES) | set(_COLUMN_RULES) | set(schema.extra_rules)
    if any(c.required for c in schema.columns):
        wanted.add("not_blank")
    for c in schema.columns:
        wanted.update(_KIND_RULES.get(c.kind, ()))
        if c.kind in _TEXT_KINDS:
            wanted.add("halfwidth_kana")
        if c.name in _IDENTITY_COLUMNS and not c.required:
            wanted.add("identity_blank")
    return [r for r in RULES if r in wanted]


def template(dataset: str) -> pd.DataFrame:
    """An empty table with the template's columns, in order, all of text type."""
    schema = _schema(dataset)
    return pd.DataFrame({name: pd.Series(dtype="str") for name in schema.column_names})


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One deviation from the template. ``row``: 1 = header, 2 = first data row; None = whole file."""

    row: int | None
    column: str | None
    rule: str
    message: str
    severity: str = ERROR


@dataclass
class ValidationReport:
    """What :func:`validate` found: a list of problems plus a Japanese summary."""

    dataset: str
    source: str
    n_rows: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def to_frame(self) -> pd.DataFrame:
        """The problems as a table with columns 行, 列, ルール, 内容 (warnings marked 【警告】)."""
        return pd.DataFrame(
            {
                "行": pd.array([p.row for p in self.problems], dtype="Int64"),
                "列": [p.column for p in self.problems],
                "ルール": [p.rule for p in self.problems],
                "内容": [("【警告】" if p.severity == WARNING else "") + p.message for p in self.problems],
            }
        )

    def _title(self) -> str:
        return f"{self.source}を「{_schema(self.dataset).title}」（{self.dataset}）の様式で確認しました（データ {self.n_rows} 行）。"

    def _by_rule(self) -> list[tuple[str, list[Problem]]]:
        groups: dict[str, list[Problem]] = {}
        for p in self.problems:
            groups.setdefault(p.rule, []).append(p)
        return [(r, groups[r]) for r in RULES if r in groups]

    def __str__(self) -> str:
        lines = [self._title()]
        if not self.problems:
            lines.append("問題は見つかりませんでした。")
            return "\n".join(lines)
        lines.append(f"エラー {len(self.errors)} 件、警告 {len(self.warnings)} 件が見つかりました。")
        for rule, items in self._by_rule():
            lines.append(f"- {RULES[rule]}［{rule}］: {len(items)} 件")
            for p in items[:3]:
                where = "、".join(x for x in (f"{p.row} 行目" if p.row else "", f"列「{p.column}」" if p.column else "") if x)
                lines.append(f"    {where + ': ' if where else ''}{p.message}")
            if len(items) > 3:
                lines.append(f"    ほか {len(items) - 3} 件（report.to_frame() で全件を見られます）")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        head = f"<p>{html.escape(self._title())}</p>"
        if not self.problems:
            return head + "<p>問題は見つかりませんでした。</p>"
        rows = "".join(
            f"<tr><td>{html.escape(RULES[r])}</td><td>{r}</td><td style='text-align:right'>{len(items)}</td></tr>"
            for r, items in self._by_rule()
        )
        summary = (
            f"<p>エラー {len(self.errors)} 件、警告 {len(self.warnings)} 件</p>"
            f"<table><thead><tr><th>ルール</th><th>id</th><th>件数</th></tr></thead><tbody>{rows}</tbody></table>"
        )
        frame = self.to_frame()
        more = f"<p>最初の 20 件を表示しています（全 {len(frame)} 件）。</p>" if len(frame) > 20 else ""
        return head + summary + frame.head(20).to_html(index=False, na_rep="") + more


# ---------------------------------------------------------------------------------------------
# Value checks: each returns None (fine) or a Japanese message
# ---------------------------------------------------------------------------------------------

_HALF_KANA = re.compile(r"[\uff65-\uff9f]")
# An ASCII "-" typed as the long-vowel mark after half-width katakana (ｾﾝﾀ- for センター);
# before a digit it is a hyphen (ｺｰﾎﾟ-101).
_KANA_DASH = re.compile(r"(?<=[\uff66-\uff9f])-(?!\d)")
_TEXT_KINDS = ("text", "list")
_HIRAGANA = re.compile(r"[\u3041-\u3096]")
_PHONE = re.compile(r"^(0\d{1,4}-\d{1,4}-\d{3,4}|0120-\d{2,3}-\d{3}|0[5789]0-\d{4}-\d{4})$")
_URL = re.compile(r"^https?://[^\s\u3000]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTAL = re.compile(r"^\d{3}-\d{4}$")
_TIME = re.compile(r"^([01]\d|2[0-4]):[0-5]\d$")


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value)


def _check_code(value: str) -> str | None:
    text = _nfkc(value).strip()
    if text != value:
        return f"「{value}」に全角文字か空白が含まれています。半角数字 6 桁「{text}」にしてください。"
    if re.fullmatch(r"\d+\.0", text):
        return f"「{value}」は小数として保存されています。「{text[:-2]}」のように文字列で書いてください。"
    if not text.isascii() or not text.isdigit():
        return f"「{value}」は数字ではありません。団体コードは半角数字 6 桁です。"
    if len(text) == 5:
        fixed = text + check_digit(text)
        zero = "0" + text
        if zero[:2] != "00" and check_digit(zero[:5]) == zero[5]:
            return f"「{value}」は 5 桁です。先頭の 0 が落ちていませんか？（「{zero}」）"
        return f"「{value}」は 5 桁で、検査数字（6 桁目）がありません。6 桁では「{fixed}」です。"
    if len(text) != 6:
        return f"「{value}」は {len(text)} 桁です。団体コードは検査数字つきの 6 桁です。"
    if not 1 <= int(text[:2]) <= 47:
        return f"「{value}」の先頭 2 桁（都道府県コード）が 01〜47 ではありません。"
    expected = check_digit(text[:5])
    if text[5] != expected:
        return f"「{value}」の検査数字（6 桁目）が正しくありません。「{text[:5]}{expected}」ではありませんか？"
    return None


def _check_date(value: str) -> str | None:
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            wareki.parse_date(text)
        except DataFormatError as exc:
            return str(exc)
        return None
    if re.fullmatch(r"\d{4,5}(\.\d+)?", text):
        try:
            converted = wareki.from_excel_serial(text).isoformat()
        except DataFormatError:
            converted = "2024-04-01"
        return (
            f"「{value}」は Excel の日付のシリアル値のようです。"
            f"「{converted}」のように YYYY-MM-DD で書いてください。"
        )
    try:
        parsed = wareki.parse_date(text).isoformat()
    except DataFormatError as exc:
        if "読めません" in str(exc):
            return f"「{value}」を日付として読めません。YYYY-MM-DD（例: 2024-04-01）で書いてください。"
        return str(exc)
    if re.match(r"\d{4}", unicodedata.normalize("NFKC", text)):
        return f"「{value}」は書き方が違います。「{parsed}」のように YYYY-MM-DD で書いてください。"
    return f"「{value}」は和暦です。「{parsed}」のように西暦の YYYY-MM-DD で書いてください。"


def _check_time(value: str) -> str | None:
    if _TIME.fullmatch(value.strip()):
        return None
    hint = _nfkc(value).strip()
    m = re.fullmatch(r"(\d{1,2})[:時](\d{2})分?", hint)
    if m:
        return f"「{value}」は「{int(m[1]):02d}:{m[2]}」のように半角の hh:mm で書いてください。"
    return f"「{value}」を時刻として読めません。hh:mm（例: 09:00）で書いてください。"


def _float(value: str) -> float | None:
    try:
        return float(value.strip())
    except ValueError:
        return None


def _check_number(value: str) -> str | None:
    if _float(value) is not None and value.strip().isascii():
        return None
    return f"「{value}」は半角の数値ではありません。"


def _check_integer(value: str) -> str | None:
    text = value.strip()
    if re.fullmatch(r"\d+", text):
        return None
    plain = _nfkc(text).replace(",", "").strip()
    if re.fullmatch(r"\d+", plain):
        return f"「{value}」は全角数字か桁区切りのカンマを含んでいます。「{plain}」と書いてください。"
    if re.fullmatch(r"\d+\.0+", text):
        return f"「{value}」は小数として保存されています。「{text.split('.')[0]}」と書いてください。"
    return f"「{value}」は 0 以上の整数ではありません。"


def _fullwidth_kana(value: str) -> str:
    """Half-width katakana made full-width, with an ASCII "-" used as the long-vowel mark as ー."""
    return textnorm.to_katakana_fullwidth(_KANA_DASH.sub("\uff70", value))


def _half_kana_message(value: str) -> str:
    fixed = _fullwidth_kana(value)
    dash = "（半角の「-」は長音「ー」にしています）" if _KANA_DASH.search(value) else ""
    return f"「{value}」に半角カタカナが含まれています。全角にすると「{fixed}」です{dash}。"


def _check_half_kana(value: str) -> str | None:
    if not _HALF_KANA.search(value):
        return None
    return _half_kana_message(value) + "（この規則は公式の項目定義書では確認できていません）"


def _check_katakana(value: str) -> str | None:
    if textnorm.is_fullwidth_katakana(value):
        return None
    if _HALF_KANA.search(value):
        return _half_kana_message(value)
    if _HIRAGANA.search(value):
        fixed = textnorm.hiragana_to_katakana(value)
        return f"「{value}」にひらがなが含まれています。カタカナにすると「{fixed}」です。"
    return f"「{value}」は全角カタカナだけで書かれていません（漢字・英数字・記号が含まれています）。"


def _check_flag(value: str) -> str | None:
    if value.strip() == "1":
        return None
    hint = "（「0」は空欄にしてください）" if value.strip() in ("0", "０") else ""
    return f"「{value}」は使えません。該当するときは半角の「1」、しないときは空欄にします{hint}。"


def _check_yes_no(value: str) -> str | None:
    if value.strip() in ("有", "無"):
        return None
    return f"「{value}」は使えません。「有」か「無」（不明なら空欄）で書いてください。"


def _check_list(value: str) -> str | None:
    for sep in ("、", ",", "，", "；"):
        if sep in value:
            fixed = ";".join(part.strip() for part in re.split(r"[、,，；]", value))
            return f"「{value}」は「{sep}」で区切られています。半角セミコロンで「{fixed}」と書いてください。"
    return None


def _check_phone(value: str) -> str | None:
    text = value.strip()
    if _PHONE.fullmatch(text):
        return None
    plain = _nfkc(text).replace("ー", "-").replace("−", "-").replace("‐", "-").strip()
    m = re.fullmatch(r"\((0\d{1,4})\)\s*(\d{1,4})-(\d{3,4})", plain)
    if m:
        plain = "-".join(m.groups())
    if plain != text and _PHONE.fullmatch(plain):
        return f"「{value}」は「{plain}」のように半角数字とハイフンで書いてください。"
    return f"「{value}」は電話番号の形式ではありません。市外局番から半角数字とハイフンで書いてください（例: 03-1234-5678）。"


def _check_url(value: str) -> str | None:
    if _URL.fullmatch(value.strip()):
        return None
    return f"「{value}」は URL ではありません。http:// か https:// から書いてください。"


def _check_email(value: str) -> str | None:
    if _EMAIL.fullmatch(value.strip()) and value.isascii():
        return None
    return f"「{value}」はメールアドレスの形式ではありません（半角で name@example.lg.jp のように書きます）。"


def _check_postal(value: str) -> str | None:
    if _POSTAL.fullmatch(value.strip()):
        return None
    digits = re.sub(r"\D", "", _nfkc(value))
    if len(digits) == 7:
        return f"「{value}」は「{digits[:3]}-{digits[3:]}」のように書いてください。"
    return f"「{value}」は郵便番号の形式（123-4567）ではありません。"


_VALUE_CHECKS = {
    "code": ("lgcode", _check_code), "date": ("date", _check_date), "time": ("time", _check_time),
    "katakana": ("katakana", _check_katakana), "flag": ("flag", _check_flag),
    "yes_no": ("yes_no", _check_yes_no), "integer": ("integer", _check_integer),
    "number": ("number", _check_number), "list": ("list", _check_list), "phone": ("phone", _check_phone),
    "url": ("url", _check_url), "email": ("email", _check_email), "postal_code": ("postal_code", _check_postal),
}

# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def _decode(raw: bytes, path: Path, encoding: str | None) -> tuple[str, list[Problem]]:
    problems: list[Problem] = []
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataFormatError(
            "Excel のファイルのようで、CSV として読めません。", path=path,
            expected="CSV ファイル（Excel なら「CSV UTF-8」で保存し直してください）",
        )
    try:
        detected: str | None = textfile.detect_encoding(raw, path=path)
    except DataFormatError as exc:
        if textfile.TRUNCATED in str(exc) or not encoding:
            raise
        detected = None  # neither UTF-8 nor cp932: the caller's encoding may still fit
    if detected is not None and detected.startswith("utf-8"):
        # Valid UTF-8 wins over a caller's guess: cp932 text almost never decodes as UTF-8.
        return raw.decode("utf-8-sig"), problems
    for candidate in ([encoding] if encoding else []) + ["cp932"]:
        try:
            text = raw.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        problems.append(
            Problem(None, None, "encoding",
                    f"ファイルの文字コードが UTF-8 ではありません（{candidate} で読みました）。"
                    "標準では UTF-8 で保存します。Excel では「CSV UTF-8（コンマ区切り）」で保存し直してください。")
        )
        return text, problems
    raise DataFormatError(
        "文字コードを判別できないため読めません。", path=path,
        expected="UTF-8（または Shift_JIS / cp932）の CSV ファイル",
    )


def _parse(text: str, path: Path) -> tuple[list[str], list[list[str]], list[Problem]]:
    if not text.strip():
        raise DataFormatError("ファイルが空です。", path=path, expected="見出し行とデータ行のある CSV")
    if "\x00" in text:
        raise DataFormatError("CSV ではないデータ（バイナリ）が含まれています。", path=path, expected="CSV ファイル")
    try:
        numbered = list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    except csv.Error as exc:
        raise DataFormatError(f"CSV として読めません（{exc}）。", path=path, expected="カンマ区切りの CSV") from exc
    if numbered:
        textfile.check_last_record(numbered[1:], len(numbered[0][1]), text, path=path)
    records = [r for _line, r in numbered if any(cell.strip() for cell in r)]
    if not records:
        raise DataFormatError("ファイルが空です。", path=path, expected="見出し行とデータ行のある CSV")
    header, body = records[0], records[1:]
    if len(header) < 2:
        raise DataFormatError(
            "見出し行に列が 1 つしかありません。カンマ区切りの CSV ではないようです。", path=path,
            expected="カンマ区切りの CSV（タブ区切りや Excel ではなく）",
        )
    problems = []
    for i, rec in enumerate(body, start=2):
        if len(rec) != len(header):
            problems.append(Problem(i, None, "field_count",
                                    f"項目が {len(rec)} 個あります。見出し行は {len(header)} 個です。カンマの数を確かめてください。"))
    width = len(header)
    body = [(rec + [""] * width)[:width] for rec in body]
    return header, body, problems


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _from_frame(df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    header = [str(c) for c in df.columns]
    body = [[_cell(v) for v in row] for row in df.itertuples(index=False, name=None)]
    return header, body


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def _header_key(name: str) -> str:
    return re.sub(r"\s+", "", _nfkc(name)).casefold()


def _match_columns(header: list[str], schema: Schema) -> tuple[dict[str, int], list[Problem]]:
    """Map template names to header positions; report duplicates, aliases, missing and unknown columns."""
    problems: list[Problem] = []
    found: dict[str, int] = {}
    exact = {c.name: c for c in schema.columns}
    by_key = {_header_key(c.name): c for c in schema.columns}
    by_alias = {_header_key(a): c for c in schema.columns for a in c.aliases}
    seen: Counter[str] = Counter()
    unknown: list[tuple[int, str]] = []
    for pos, name in enumerate(header):
        stripped = name.strip()
        seen[stripped] += 1
        if seen[stripped] == 2:
            problems.append(Problem(1, stripped, "duplicate_column",
                                    f"列「{stripped}」が 2 回以上あります。1 つにまとめてください。"))
        spec = exact.get(stripped)
        if spec is None:
            spec = by_key.get(_header_key(name)) or by_alias.get(_header_key(name))
            if spec is not None and spec.name not in found:
                unconfirmed = "（旧様式の列名とみなしました。公式の項目定義書では確認できていません）" \
                    if _header_key(name) in _UNCONFIRMED_ALIASES else ""
                problems.append(Problem(1, name, "column_alias",
                                        f"列名「{name}」は様式の列名ではありません。「{spec.name}」に直してください{unconfirmed}。"))
        if spec is None:
            unknown.append((pos, name))
        elif spec.name not in found:
            found[spec.name] = pos
    for spec in schema.columns:
        if spec.required and spec.name not in found:
            problems.append(Problem(1, spec.name, "required_column",
                                    f"必須の列「{spec.name}」がありません。"))
    for _, name in unknown:
        hint = "行番号の列のようです。不要なら削除してください。" if name.strip().startswith("#") else \
            "様式にない列です。必要な情報なら「備考」に入れるか、列名を様式に合わせてください。"
        problems.append(Problem(1, name, "unknown_column", f"列「{name}」は{hint}", WARNING))
    order = [spec.name for spec in schema.columns if spec.name in found]
    actual = sorted(found, key=found.get)
    if actual != order:
        first = next(a for a, b in zip(actual, order) if a != b)
        problems.append(Problem(1, header[found[first]], "column_order",
                                f"列の順序が様式と違います（最初に違うのは「{header[found[first]]}」）。"
                                "template() の順に並べ替えてください。", WARNING))
    return found, problems


def _check_values(header: list[str], body: list[list[str]], schema: Schema,
                  found: dict[str, int]) -> list[Problem]:
    problems: list[Problem] = []
    for spec in schema.columns:
        if spec.name not in found:
            continue
        pos = found[spec.name]
        shown = header[pos]
        check = _VALUE_CHECKS.get(spec.kind)
        ids: dict[str, int] = {}
        if spec.name in _IDENTITY_COLUMNS and not spec.required:
            problems += _check_identity(shown, [rec[pos] for rec in body])
        for i, rec in enumerate(body, start=2):
            value = rec[pos]
            if not value.strip():
                if spec.required and spec.kind != "flag":
                    problems.append(Problem(i, shown, "not_blank", f"必須の「{spec.name}」が空欄です。"))
                continue
            if spec.kind in _TEXT_KINDS:
                message = _check_half_kana(value)
                if message:
                    problems.append(Problem(i, shown, "halfwidth_kana", message))
            if check is not None:
                message = check[1](value)
                if message:
                    problems.append(Problem(i, shown, check[0], message))
            if spec.kind == "id":
                key = value.strip()
                if key in ids:
                    problems.append(Problem(i, shown, "id_unique",
                                            f"ID「{value}」は {ids[key]} 行目と重複しています。"))
                else:
                    ids[key] = i
    if "緯度" in found and "経度" in found:
        problems += _check_coordinates(header, body, found["緯度"], found["経度"])
    if "population_total" in schema.extra_rules:
        problems += _check_population(header, body, found)
    return problems


def _check_identity(shown: str, values: list[str]) -> list[Problem]:
    """Blank cells of a column naming the municipality: one problem when the whole column is blank."""
    blank = [i for i, value in enumerate(values, start=2) if not value.strip()]
    note = "どの団体のデータかを示す列なので、すべての行に書いてください（項目定義書で必須かどうかは確認できていません）。"
    if blank and len(blank) == len(values):
        return [Problem(None, shown, "identity_blank",
                        f"列「{shown}」がすべての行（{len(values)} 行）で空欄です。{note}", WARNING)]
    return [Problem(i, shown, "identity_blank", f"「{shown}」が空欄です。{note}", WARNING) for i in blank]


def _check_coordinates(header: list[str], body: list[list[str]], lat_pos: int, lon_pos: int) -> list[Problem]:
    problems = []
    for i, rec in enumerate(body, start=2):
        raw = {"緯度": rec[lat_pos], "経度": rec[lon_pos]}
        values = {}
        for name, text in raw.items():
            if not text.strip():
                continue
            number = _float(text) if text.strip().isascii() else None
            if number is None:
                shown = header[lat_pos if name == "緯度" else lon_pos]
                hint = ""
                if re.search(r"[度°]", text):
                    hint = "度分秒ではなく、10 進数の度（例: 35.6812）で書いてください。"
                elif _float(_nfkc(text)) is not None:
                    hint = f"半角で「{_nfkc(text).strip()}」と書いてください。"
                problems.append(Problem(i, shown, "coordinate", f"{name}「{text}」は数値ではありません。{hint}"))
            else:
                values[name] = number
        lat, lon = values.get("緯度"), values.get("経度")
        if lat is not None and lon is not None and 122 <= lat <= 154 and 20 <= lon <= 46:
            problems.append(Problem(i, header[lat_pos], "coordinate_swapped",
                                    f"緯度「{raw['緯度']}」と経度「{raw['経度']}」が入れ替わっているようです。"))
            continue
        if lat is not None and not 20 <= lat <= 46:
            problems.append(Problem(i, header[lat_pos], "coordinate_range",
                                    f"緯度「{raw['緯度']}」は日本の範囲（20〜46）の外です。"))
        if lon is not None and not 122 <= lon <= 154:
            problems.append(Problem(i, header[lon_pos], "coordinate_range",
                                    f"経度「{raw['経度']}」は日本の範囲（122〜154）の外です。"))
    return problems


def _check_population(header: list[str], body: list[list[str]], found: dict[str, int]) -> list[Problem]:
    def number(rec: list[str], name: str) -> int | None:
        if name not in found:
            return None
        text = rec[found[name]].strip()
        return int(text) if text.isascii() and text.isdigit() else None

    problems = []
    for i, rec in enumerate(body, start=2):
        total, male, female = (number(rec, n) for n in ("総人口", "男性", "女性"))
        if None not in (total, male, female) and total != male + female:
            problems.append(Problem(i, header[found["総人口"]], "population_total",
                                    f"総人口 {total} が 男性 {male} + 女性 {female} = {male + female} と合いません。"))
        for sex, value in (("男性", male), ("女性", female)):
            bands = [number(rec, f"{b}の{sex}") for b in _AGE_BANDS]
            if value is not None and None not in bands and sum(bands) != value:
                problems.append(Problem(i, header[found[sex]], "population_total",
                                        f"{sex} {value} が年齢階級の合計 {sum(bands)} と合いません。"))
    return problems


def validate(data: pd.DataFrame | str | Path, dataset: str, *, encoding: str | None = None) -> ValidationReport:
    """Check a table or CSV file against the template of ``dataset`` and list every deviation.

    Content problems never raise: they are collected in the report. A file that cannot be read
    at all (empty, Excel, binary, unknown encoding) raises :class:`~ebpm.errors.DataFormatError`.
    """
    schema = _schema(dataset)
    problems: list[Problem] = []
    if isinstance(data, pd.DataFrame):
        header, body = _from_frame(data)
        source = "DataFrame"
    else:
        path = Path(data)
        if not path.is_file():
            raise DataFormatError("ファイルが見つかりません。", path=path, expected="存在する CSV ファイルのパス")
        text, problems = _decode(path.read_bytes(), path, encoding)
        header, body, parse_problems = _parse(text, path)
        problems += parse_problems
        source = f"ファイル「{path.name}」"
    found, column_problems = _match_columns(header, schema)
    problems += column_problems
    problems += _check_values(header, body, schema, found)
    return ValidationReport(schema.name, source, len(body), problems)


def write_csv(df: pd.DataFrame, path: str | Path, dataset: str, *, check: bool = True, bom: bool = False) -> Path:
    """Write ``df`` as a file of ``dataset``: template column order, UTF-8, CRLF, all values as text.

    Optional template columns that ``df`` lacks are added empty; columns outside the template
    are kept at the end. With ``check=True`` (the default) the table is validated first and a
    :class:`~ebpm.errors.DataFormatError` lists the errors instead of writing a non-compliant file.
    """
    schema = _schema(dataset)
    path = Path(path)
    if check:
        report = validate(df, schema.name)
        if not report.ok:
            first = "\n".join(
                f"  {p.row or '-'} 行目 列「{p.column or '-'}」: {p.message}" for p in report.errors[:5]
            )
            raise DataFormatError(
                f"様式に合わない値が {len(report.errors)} 件あるため書き出しませんでした。\n{first}",
                path=path, expected="validate() でエラーが 0 件の表",
            )
    header, body = _from_frame(df)
    out = pd.DataFrame({h: [rec[j] for rec in body] for j, h in enumerate(header)}, dtype="str")
    columns = schema.column_names + [c for c in out.columns if c not in schema.column_names]
    out = out.reindex(columns=columns, fill_value="")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(out.itertuples(index=False, name=None))
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + buffer.getvalue().encode("utf-8"))
    return path
