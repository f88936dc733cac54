"""Tests of ebpm.boundaries and maps.municipality_map on small made-up N03 files (GeoJSON and TopoJSON)."""
from __future__ import annotations

import json
import time
import math
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402

from ebpm import boundaries, lgcode, maps  # noqa: E402
from ebpm.errors import DataFormatError  # noqa: E402
from ebpm.synth import world  # noqa: E402
from tests import fixtures_boundaries as fx  # noqa: E402

R = boundaries.EARTH_RADIUS_KM


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _rect_km2(west: float, south: float, east: float, north: float) -> float:
    """Exact area of a lon/lat rectangle on the sphere."""
    return R * R * math.radians(east - west) * (math.sin(math.radians(north)) - math.sin(math.radians(south)))


@pytest.fixture
def files(tmp_path):
    return {"geojson": fx.write_geojson(tmp_path), "topojson": fx.write_topojson(tmp_path)}


def _by_name(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index(boundaries.NAME)


# --- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["geojson", "topojson"])
def test_rows_codes_and_kinds(files, kind):
    frame = boundaries.read_boundaries(files[kind])
    table = _by_name(frame)
    assert list(frame[boundaries.NAME]) == ["有明浜市東区", "有明浜市西区", "星川町", "月見町", "所属未定地"]
    assert table.loc["星川町", boundaries.CODE] == world.MAIN_TOWN.code == lgcode.to_6digit("43801")
    assert table.loc["有明浜市東区", boundaries.KIND] == boundaries.KIND_WARD
    assert table.loc["月見町", boundaries.KIND] == boundaries.KIND_MUNICIPALITY
    assert pd.isna(table.loc["所属未定地", boundaries.CODE])
    assert table.loc["所属未定地", boundaries.KIND] == boundaries.KIND_NO_CODE
    assert all(lgcode.is_valid(c) for c in frame[boundaries.CODE].dropna())


@pytest.mark.parametrize("kind", ["geojson", "topojson"])
def test_areas_match_the_sphere(files, kind):
    table = _by_name(boundaries.read_boundaries(files[kind]))
    for name in ("有明浜市東区", "有明浜市西区", "月見町"):
        expected = sum(_rect_km2(*r) for r in fx.RECTANGLES[name])
        assert table.loc[name, "面積_km2"] == pytest.approx(expected, rel=1e-9), name
    hole = _rect_km2(*fx.RECTANGLES["星川町の穴"][0])
    assert table.loc["星川町", "面積_km2"] == pytest.approx(_rect_km2(*fx.RECTANGLES["星川町"][0]) - hole, rel=1e-9)
    assert table.loc["所属未定地", "面積_km2"] == pytest.approx(hole, rel=1e-9)


def test_geojson_and_topojson_agree(files):
    geo = boundaries.read_boundaries(files["geojson"])
    topo = boundaries.read_boundaries(files["topojson"])
    columns = [boundaries.CODE, boundaries.PREFECTURE, boundaries.GROUP, boundaries.NAME, boundaries.KIND]
    pd.testing.assert_frame_equal(geo[columns], topo[columns])
    for column in ("面積_km2", "重心_経度", "重心_緯度"):
        assert geo[column].to_numpy() == pytest.approx(topo[column].to_numpy(), rel=1e-9), column
    assert [len(s.polygons) for s in geo[boundaries.SHAPE]] == [len(s.polygons) for s in topo[boundaries.SHAPE]]


def test_topojson_without_quantization(tmp_path, files):
    data = fx.topojson_data()
    (kx, ky), (dx, dy) = data.pop("transform").values()
    absolute = []
    for arc in data["arcs"]:
        x = y = 0
        points = []
        for step in arc:
            x, y = x + step[0], y + step[1]
            points.append([x * kx + dx, y * ky + dy])
        absolute.append(points)
    data["arcs"] = absolute
    plain = boundaries.read_boundaries(fx.write(tmp_path / "plain.topojson", data))
    quantized = boundaries.read_boundaries(files["topojson"])
    assert plain["面積_km2"].to_numpy() == pytest.approx(quantized["面積_km2"].to_numpy(), rel=1e-12)


def test_centroids(files):
    table = _by_name(boundaries.read_boundaries(files["topojson"]))
    lon, lat = table.loc["星川町", ["重心_経度", "重心_緯度"]]
    assert lon == pytest.approx(130.05, abs=1e-9)  # the hole is in the middle: it moves nothing east-west
    assert lat == pytest.approx(32.05, abs=1e-4)
    # 月見町 with its island: the area-weighted mean of the two rectangles' centres
    main, island = fx.RECTANGLES["月見町"]
    weights = [_rect_km2(*main), _rect_km2(*island)]
    expected = (130.15 * weights[0] + 130.275 * weights[1]) / sum(weights)
    assert table.loc["月見町", "重心_経度"] == pytest.approx(expected, abs=1e-9)


def test_island_written_as_two_features_is_one_municipality(files):
    table = _by_name(boundaries.read_boundaries(files["geojson"]))
    assert len(table.loc["月見町", boundaries.SHAPE].polygons) == 2


def test_missing_code_is_a_note_not_a_crash(files):
    frame = boundaries.read_boundaries(files["geojson"])
    notes = frame.attrs[boundaries.NOTES_ATTR]
    assert any("所属未定地" in note and "N03_007" in note for note in notes)


@pytest.mark.parametrize("kind", ["geojson", "topojson"])
def test_dissolve_wards_into_their_city(files, kind):
    wards = _by_name(boundaries.read_boundaries(files[kind]))
    frame = boundaries.read_boundaries(files[kind], dissolve_wards=True)
    table = _by_name(frame)
    assert "有明浜市東区" not in table.index
    city = table.loc["有明浜市"]
    assert city[boundaries.CODE] == lgcode.code_of("有明浜市", prefecture="熊本県") == "431907"
    assert city[boundaries.KIND] == boundaries.KIND_DESIGNATED_CITY
    assert city["面積_km2"] == pytest.approx(wards.loc[["有明浜市東区", "有明浜市西区"], "面積_km2"].sum(), rel=1e-12)
    # the line between the wards drops out: the outline is the 0.2° × 0.1° rectangle's perimeter
    length = sum(math.dist(a, b) for a, b in city[boundaries.SHAPE].outline())
    assert length == pytest.approx(0.6, abs=1e-9)
    assert any("有明浜市" in note for note in frame.attrs[boundaries.NOTES_ATTR])
    assert len(frame) == len(wards) - 1


def test_ward_in_its_own_field_as_in_newer_n03(tmp_path):
    data = fx.geojson_data()
    for feature in data["features"]:
        props = feature["properties"]
        if props["N03_003"] == "有明浜市":  # N03 from 2024: N03_004 the city, N03_005 the ward
            props["N03_004"], props["N03_005"] = "有明浜市", props["N03_004"]
            props["N03_003"] = None
    frame = boundaries.read_boundaries(fx.write(tmp_path / "n03_2024.geojson", data))
    assert {"有明浜市東区", "有明浜市西区"} <= set(frame[boundaries.NAME])
    dissolved = boundaries.read_boundaries(tmp_path / "n03_2024.geojson", dissolve_wards=True)
    assert "有明浜市" in set(dissolved[boundaries.NAME])


def test_code_that_lost_its_leading_zero(tmp_path):
    data = fx.geojson_data()
    data["features"][0]["properties"].update({"N03_001": "北海道", "N03_003": "札幌市", "N03_004": "中央区",
                                              "N03_007": 1101})
    frame = boundaries.read_boundaries(fx.write(tmp_path / "lost_zero.geojson", data))
    assert "011011" in set(frame[boundaries.CODE])


def test_prefecture_code_on_an_area_is_not_a_municipality(tmp_path):
    data = fx.geojson_data()
    data["features"][5]["properties"]["N03_007"] = "43000"
    frame = boundaries.read_boundaries(fx.write(tmp_path / "prefecture_code.geojson", data))
    row = frame.set_index(boundaries.NAME).loc["所属未定地"]
    assert pd.isna(row[boundaries.CODE]) and row[boundaries.KIND] == boundaries.KIND_NO_CODE
    assert any("430005" in note for note in frame.attrs[boundaries.NOTES_ATTR])


def test_highlight_by_gun_and_town_name(files):
    ax = maps.municipality_map(files["geojson"], highlight="星野郡星川町")
    assert maps.patch_colors(ax)["星川町"] == maps.HIGHLIGHT_COLOR


def test_name_differing_from_code_list_is_noted(tmp_path):
    frame = boundaries.read_boundaries(fx.write_geojson(tmp_path, moon_name="月見村"))
    assert any("月見村" in note and "月見町" in note for note in frame.attrs[boundaries.NOTES_ATTR])


# --- refusals -------------------------------------------------------------------------------


def _refusal(path, **options) -> str:
    with pytest.raises(DataFormatError) as info:
        boundaries.read_boundaries(path, **options)
    message = str(info.value)
    assert f"ファイル「{path.name}」" in message and "期待される内容" in message
    assert "'features'" not in message
    return message


def test_zip_shapefile_not_json_and_truncated_files_are_refused_clearly(tmp_path, files):
    archive = tmp_path / "N03-20250101_43_GML.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("N03-20250101_43.geojson", "{}")
    assert "zip" in _refusal(archive)
    shp = tmp_path / "N03-20250101_43.shp"
    shp.write_bytes(b"\x00\x00\x27\x0a" + b"\x00" * 96)
    assert "Shapefile" in _refusal(shp)
    csv = tmp_path / "towns.csv"
    csv.write_text("団体コード,名前\n438014,星川町\n", encoding="utf-8")
    assert "JSON として読めません" in _refusal(csv)
    cut = tmp_path / "cut.geojson"
    for size in (500, 95, 1200):  # inside a number, a property name, a string
        cut.write_bytes(files["geojson"].read_bytes()[:size])
        assert "途中" in _refusal(cut), size
    cut_mid_char = tmp_path / "cut_mid_char.geojson"
    text = files["geojson"].read_bytes()
    cut_mid_char.write_bytes(text[: text.index("熊本県".encode()) + 1])
    assert "途中" in _refusal(cut_mid_char)
    assert "見つかりません" in _refusal(tmp_path / "nothing_here.geojson")


def test_other_json_and_broken_topojson_are_refused_clearly(tmp_path):
    point = fx.write(tmp_path / "point.json", {"type": "Point", "coordinates": [130, 32]})
    assert "Point" in _refusal(point)
    topo = fx.topojson_data()
    topo["objects"]["other"] = {"type": "GeometryCollection", "geometries": []}
    two = fx.write(tmp_path / "two_objects.topojson", topo)
    message = _refusal(two)
    assert "N03-99_43_990101" in message and "object_name" in message
    assert len(boundaries.read_boundaries(two, object_name="N03-99_43_990101")) == 5
    broken = fx.topojson_data()
    broken["objects"]["N03-99_43_990101"]["geometries"][0]["arcs"] = [[0, 1, 42]]
    assert "42" in _refusal(fx.write(tmp_path / "bad_arc.topojson", broken))
    del broken["arcs"]
    assert "arcs" in _refusal(fx.write(tmp_path / "no_arcs.topojson", broken))
    metres = fx.geojson_data()
    metres["features"][0]["geometry"]["coordinates"] = [[[-27000.0, 2000.0], [-26000.0, 2000.0], [-26000.0, 3000.0],
                                                          [-27000.0, 2000.0]]]
    assert "経度・緯度ではありません" in _refusal(fx.write(tmp_path / "plane_rectangular.geojson", metres))
    line = fx.geojson_data()
    line["features"][0]["geometry"] = {"type": "LineString", "coordinates": [[130, 32], [131, 33]]}
    assert "LineString" in _refusal(fx.write(tmp_path / "line.geojson", line))


def test_files_without_n03_properties_or_with_a_bad_code(tmp_path):
    from ebpm import datasets

    prefectures = datasets.path("prefecture_shapes")
    message = _refusal(prefectures)
    assert "N03_007" in message and "都道府県名" in message  # says what it found instead
    data = fx.geojson_data()
    data["features"][2]["properties"]["N03_007"] = "43A01"
    message = _refusal(fx.write(tmp_path / "bad_code.geojson", data))
    assert "3 番目" in message and "43A01" in message and "N03_007" in message


def test_topojson_prefecture_shapes_read_or_refused_without_features_message(tmp_path, files):
    with pytest.raises(DataFormatError) as info:
        maps.load_prefecture_shapes(files["topojson"])
    message = str(info.value)
    assert "'features'" not in message and "都道府県名" in message and files["topojson"].name in message
    assert "municipality_map" in message  # an N03 file: says where it belongs
    topo = fx.topojson_data()
    for number, geometry in enumerate(topo["objects"]["N03-99_43_990101"]["geometries"]):
        geometry["properties"] = {"都道府県名": f"架空{number}県", "都道府県コード": f"9{number}"}
    shapes = maps.load_prefecture_shapes(fx.write(tmp_path / "prefs.topojson", topo))
    assert len(shapes) == 5
    ax = maps.prefecture_map(highlight=["架空1県"], shapes=shapes)
    assert maps.patch_colors(ax)["架空1県"] == maps.HIGHLIGHT_COLOR


# --- drawing --------------------------------------------------------------------------------


def _texts(ax) -> str:
    return "\n".join(t.get_text() for t in ax.figure.texts)


@pytest.mark.parametrize("key", ["星川町", "43801", "438014"])
def test_highlight_one_town(files, key):
    ax = maps.municipality_map(files["topojson"], highlight=key)
    colors = maps.patch_colors(ax)
    assert len(colors) == 5
    assert colors["星川町"] == maps.HIGHLIGHT_COLOR
    assert colors["月見町"] == colors["有明浜市東区"] == maps.DEFAULT_COLOR
    assert colors["所属未定地"] == mcolors.to_hex(maps.NO_CODE_COLOR)
    assert "星川町" in [t.get_text() for t in ax.texts]  # the highlighted town is named on the map
    assert "所属未定地" in _texts(ax)
    assert ax.get_title() == "熊本県の市区町村"


def test_values_as_a_choropleth(files):
    frame = boundaries.read_boundaries(files["geojson"], dissolve_wards=True)
    values = pd.Series({"438014": 10.0, "43802": 30.0, "有明浜市": 20.0})
    ax = maps.municipality_map(frame, values, label="高齢化率（%）")
    colors = maps.patch_colors(ax)
    lightness = {name: sum(mcolors.to_rgb(colors[name])) for name in ("星川町", "月見町", "有明浜市")}
    assert lightness["星川町"] > lightness["有明浜市"] > lightness["月見町"]  # Blues: more is darker
    assert len(ax.figure.axes) == 2 and ax.figure.axes[1].get_ylabel() == "高齢化率（%）"
    assert len(ax.collections) == 1  # the dissolved city's outline, drawn without the ward line


def test_credit_line(files, tmp_path):
    ax = maps.municipality_map(files["geojson"], highlight="星川町")
    assert maps.SYNTHETIC_CREDIT in _texts(ax)  # all codes fictional: no 国土数値情報 credit claimed
    real = fx.write_geojson(tmp_path, moon_code="43482", moon_name="芦北町")
    ax = maps.municipality_map(real, highlight="434825")
    assert boundaries.N03_CREDIT in _texts(ax)
    assert "国土数値情報（行政区域データ）を加工して作成" in _texts(ax)


def test_unknown_town_and_dissolved_ward_are_clear_errors(files):
    with pytest.raises(DataFormatError, match="星山町"):
        maps.municipality_map(files["geojson"], highlight="星山町")
    with pytest.raises(DataFormatError, match="区は市にまとめて"):
        maps.municipality_map(files["geojson"], highlight="有明浜市東区", dissolve_wards=True)
    with pytest.raises(ValueError):
        maps.municipality_map(files["geojson"], {"星川町": 1}, highlight="星川町")


def test_drawing_writes_nothing_to_stderr(files, capfd):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for path in files.values():
            ax = maps.municipality_map(path, highlight="星川町", dissolve_wards=True)
            ax.figure.canvas.draw()
            ax = maps.municipality_map(path, {"星川町": 1.5, "月見町": -2.0}, label="増減率（%）")
            ax.figure.canvas.draw()
    captured = capfd.readouterr()
    assert captured.err == ""


# --- the fictional towns' boundaries shipped in data/ ------------------------------------------


def test_shipped_town_boundaries_geojson_and_topojson_agree():
    from ebpm import datasets

    geo = maps.town_boundaries()
    topo = boundaries.read_boundaries(datasets.path("town_boundaries_topojson"))
    assert list(geo[boundaries.CODE]) == list(topo[boundaries.CODE])
    assert geo["面積_km2"].to_numpy() == pytest.approx(topo["面積_km2"].to_numpy(), rel=1e-5)
    assert geo["重心_経度"].to_numpy() == pytest.approx(topo["重心_経度"].to_numpy(), abs=1e-6)
    kumamoto = [m for m in world.MUNICIPALITIES if m.pref_code2 == "43" and m.code5 != "43190"]
    assert set(geo[boundaries.CODE].dropna()) == {m.code for m in kumamoto}
    areas = geo.set_index(boundaries.CODE)["面積_km2"]
    for town in kumamoto:
        if town.area_km2:
            assert areas[town.code] == pytest.approx(town.area_km2, rel=0.2), town.name
    assert geo[boundaries.CODE].isna().sum() == 1  # the 所属未定地 islet
    main = geo.set_index(boundaries.NAME).loc[world.MAIN_TOWN.name, boundaries.SHAPE]
    assert len(main.polygons) == 2  # the mainland and its island
    assert sum(datasets.path(n).stat().st_size for n in ("town_boundaries", "town_boundaries_topojson")) < 60_000


def test_shipped_town_map_draws_cleanly(capfd):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = maps.town_boundaries(dissolve_wards=True)
        ax = maps.municipality_map(frame, highlight=world.MAIN_TOWN.code)
        ax.figure.canvas.draw()
    assert maps.patch_colors(ax)[world.MAIN_TOWN.name] == maps.HIGHLIGHT_COLOR
    assert len(maps.patch_colors(ax)) == len(frame) == 8
    assert maps.SYNTHETIC_CREDIT in _texts(ax)
    assert capfd.readouterr().err == ""


def test_fresh_kernel_draws_the_town_map_without_a_word_on_stderr():
    """No plotting.setup() first, as in a report's first cell: the font must still be Japanese."""
    code = (
        "import matplotlib; matplotlib.use('Agg')\n"
        "from ebpm import maps\n"
        "ax = maps.municipality_map(maps.town_boundaries(), highlight='星川町', title='星川町の位置')\n"
        "ax.figure.canvas.draw()\n"
        "print(matplotlib.rcParams['font.family'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "IPAexGothic" in result.stdout


def test_geojson_file_is_feature_per_piece_like_official_n03():
    from ebpm import datasets

    data = json.loads(datasets.path("town_boundaries").read_text(encoding="utf-8"))
    codes = [f["properties"]["N03_007"] for f in data["features"]]
    assert codes.count(world.MAIN_TOWN.code5) == 2 and None in codes
    assert all(f["geometry"]["type"] == "Polygon" for f in data["features"])


# --- the real 熊本県 boundaries in ../shared/realdata (skipped when absent) ------------------------

REAL_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "realdata" / "boundaries"
REAL_FILES = [
    REAL_DIR / "smartnews_N03-21_43_210101_s0010.geojson",
    REAL_DIR / "smartnews_N03-21_43_210101_s0010.topojson.json",
]
ASHIKITA = "434825"
# Counted by hand in the file's N03_004 list: 熊本市 (5 wards) + 13 other cities + 23 towns + 8 villages.
KUMAMOTO_MUNICIPALITIES = 45
KUMAMOTO_FEATURES = 49  # the 5 wards drawn apart


@pytest.mark.parametrize("path", REAL_FILES, ids=["geojson", "topojson"])
def test_real_kumamoto_map_with_ashikita(path, capfd):
    if not path.is_file():
        pytest.skip(f"参照用の実データ {path.name} がありません（../shared/realdata はこの環境にない）")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        started = time.perf_counter()
        wards = boundaries.read_boundaries(path)
        frame = boundaries.read_boundaries(path, dissolve_wards=True)
        read = time.perf_counter() - started
        started = time.perf_counter()
        ax = maps.municipality_map(frame, highlight=ASHIKITA)
        ax.figure.canvas.draw()
        drawn = time.perf_counter() - started
    assert len(wards) == KUMAMOTO_FEATURES
    assert len(frame) == KUMAMOTO_MUNICIPALITIES
    listed = lgcode.municipalities()
    listed = listed[(listed[lgcode.PREF_COLUMN] == "熊本県") & ~listed["区分"].isin(["都道府県", "区"])
                    & ~listed[lgcode.FICTIONAL_COLUMN].astype(bool)]
    assert set(frame[boundaries.CODE]) == set(listed[lgcode.CODE_COLUMN])
    assert frame[boundaries.CODE].notna().all() and frame.attrs[boundaries.NOTES_ATTR] == ["熊本市の区 5 つ（中央区、東区、西区、南区、北区）を1 つの市にまとめました。"]
    colors = maps.patch_colors(ax)
    assert len(colors) == KUMAMOTO_MUNICIPALITIES
    assert colors["芦北町"] == maps.HIGHLIGHT_COLOR
    assert sum(c == maps.HIGHLIGHT_COLOR for c in colors.values()) == 1
    ashikita = frame.set_index(boundaries.CODE).loc[ASHIKITA]
    assert ashikita[boundaries.NAME] == "芦北町" and ashikita[boundaries.GROUP] == "葦北郡"
    assert 200 < ashikita["面積_km2"] < 270  # 233.97 km² officially; the file is simplified to 1 %
    assert 7_000 < frame["面積_km2"].sum() < 7_800  # 熊本県: 7,409 km²
    assert boundaries.N03_CREDIT in _texts(ax)
    assert capfd.readouterr().err == ""
    assert read + drawn < 10, f"読み込み {read:.2f} 秒、描画 {drawn:.2f} 秒"
