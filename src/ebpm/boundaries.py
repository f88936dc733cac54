"""Municipal boundaries (国土数値情報 N03 行政区域) from GeoJSON or TopoJSON, without GIS libraries.

Reading is a short list of steps, each small enough to test on its own:

1. :func:`load_json`: the file's text as JSON, or a Japanese error that names the file and says
   what kind of file was expected (a Shapefile, a zip, a cut-short or non-JSON file).
2. :func:`read_geometries`: ``(properties, Shape)`` per feature, from a GeoJSON FeatureCollection
   or a TopoJSON Topology (arcs decoded with the quantization transform).
3. :func:`read_boundaries`: N03 properties to one row per municipality: the 5-digit ``N03_007``
   becomes the 6-digit 団体コード (check digit from :mod:`ebpm.lgcode`), the pieces of one
   municipality (islands) are merged, a piece without a code (所属未定地 and the like) is kept with
   a note instead of failing, and on request the wards (区) of a 政令指定都市 are dissolved into
   their city.

A :class:`Shape` is plain tuples of (経度, 緯度); areas use an equal-area projection of the sphere
(good to a few tenths of a percent, enough for a course, not for surveying).
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ebpm import lgcode
from ebpm.errors import DataFormatError

__all__ = [
    "Shape", "load_json", "read_geometries", "read_boundaries", "oriented_rings", "N03_CREDIT", "NOTES_ATTR",
    "CODE", "PREFECTURE", "GROUP", "NAME", "KIND", "SHAPE",
]

N03_CREDIT = "出典：国土交通省国土数値情報（行政区域データ）を加工して作成"
NOTES_ATTR = "注記"

CODE = "団体コード"
PREFECTURE = "都道府県名"
GROUP = "郡・政令市名"
NAME = "市区町村名"
KIND = "区分"
SHAPE = "形"

KIND_MUNICIPALITY = "市区町村"
KIND_WARD = "政令市の区"
KIND_DESIGNATED_CITY = "政令市"
KIND_NO_CODE = "団体コードなし"

EARTH_RADIUS_KM = 6371.0072  # authalic radius: a sphere with the WGS84 ellipsoid's area
_EXPECTED_FILE = (
    "国土数値情報 N03（行政区域）の GeoJSON（FeatureCollection）か TopoJSON（Topology）。"
    "ダウンロードした zip は展開して、中の .geojson を指定してください"
)

Point = tuple[float, float]
Ring = tuple[Point, ...]


@dataclass(frozen=True)
class Shape:
    """The geometry of one feature: polygons, each an outer ring followed by its holes (経度, 緯度)."""

    polygons: tuple[tuple[Ring, ...], ...]

    def area_km2(self) -> float:
        """Area in km² (holes subtracted)."""
        return sum(_polygon_moments(polygon)[0] for polygon in self.polygons)

    def centroid(self) -> Point:
        """The centre of mass (経度, 緯度) of the area, islands included."""
        total = sx = sy = 0.0
        for polygon in self.polygons:
            area, x, y = _polygon_moments(polygon)
            total += area
            sx += x * area
            sy += y * area
        if total <= 0:
            raise ValueError("面積が 0 の形には重心がありません。")
        x, y = sx / total, sy / total
        return math.degrees(x / EARTH_RADIUS_KM), math.degrees(math.asin(y / EARTH_RADIUS_KM))

    def bounds(self) -> tuple[float, float, float, float]:
        """(最小経度, 最小緯度, 最大経度, 最大緯度)."""
        xs = [p[0] for polygon in self.polygons for ring in polygon for p in ring]
        ys = [p[1] for polygon in self.polygons for ring in polygon for p in ring]
        return min(xs), min(ys), max(xs), max(ys)

    def merged(self, *others: Shape) -> Shape:
        """One shape holding the polygons of this one and the others (they must not overlap)."""
        polygons = list(self.polygons)
        for other in others:
            polygons.extend(other.polygons)
        return Shape(tuple(polygons))

    def outline(self) -> list[tuple[Point, Point]]:
        """Segments of the rings that no two polygons of this shape share: the border a dissolved
        city shows (the lines between its wards drop out)."""
        count: dict[frozenset, int] = {}
        segments: dict[frozenset, tuple[Point, Point]] = {}
        for polygon in self.polygons:
            for ring in polygon:
                for a, b in zip(ring, ring[1:]):
                    key = frozenset((_snap(a), _snap(b)))
                    if len(key) == 1:
                        continue
                    count[key] = count.get(key, 0) + 1
                    segments.setdefault(key, (a, b))
        return [segments[key] for key, n in count.items() if n == 1]


def _snap(point: Point) -> Point:
    # The same vertex written by two encodings (or two features) may differ in the last bits.
    return round(point[0], 7), round(point[1], 7)


def _project(point: Point) -> Point:
    """Lambert cylindrical equal-area projection (km): areas on the plane equal areas on the sphere."""
    return EARTH_RADIUS_KM * math.radians(point[0]), EARTH_RADIUS_KM * math.sin(math.radians(point[1]))


def _ring_moments(ring: Ring) -> tuple[float, float, float]:
    """Signed area and the first moments (area·x, area·y) of a ring in the projected plane."""
    pts = [_project(p) for p in ring]
    if pts and pts[0] != pts[-1]:
        pts.append(pts[0])
    # Relative to the first point: products of coordinates near 14,000 km would lose digits.
    ox, oy = pts[0]
    a = mx = my = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        x0, y0, x1, y1 = x0 - ox, y0 - oy, x1 - ox, y1 - oy
        cross = x0 * y1 - x1 * y0
        a += cross
        mx += (x0 + x1) * cross
        my += (y0 + y1) * cross
    a /= 2
    return a, mx / 6 + ox * a, my / 6 + oy * a


def _polygon_moments(polygon: tuple[Ring, ...]) -> tuple[float, float, float]:
    """(area, centroid x, centroid y) of an outer ring minus its holes, whatever their orientation."""
    area = mx = my = 0.0
    for number, ring in enumerate(polygon):
        a, x, y = _ring_moments(ring)
        sign = (1.0 if a >= 0 else -1.0) * (1.0 if number == 0 else -1.0)  # outer ring +, holes −
        area += sign * a
        mx += sign * x
        my += sign * y
    if area == 0:
        return 0.0, 0.0, 0.0
    return area, mx / area, my / area


def oriented_rings(polygon: tuple[Ring, ...]) -> list[Ring]:
    """The rings with the outer one counter-clockwise and holes clockwise, so that any fill rule
    draws the holes as holes."""
    rings = []
    for number, ring in enumerate(polygon):
        signed = _ring_moments(ring)[0]
        want_positive = number == 0
        rings.append(ring if (signed >= 0) == want_positive else tuple(reversed(ring)))
    return rings


# --- step 1: the file as JSON -------------------------------------------------------------


def load_json(path: str | Path) -> object:
    """The parsed JSON of a boundary file, or a DataFormatError that says what the file is instead."""
    path = Path(path)
    if not path.is_file():
        raise DataFormatError("ファイルが見つかりません。パスを確認してください。", path=path,
                              expected=_EXPECTED_FILE)
    raw = path.read_bytes()
    if raw[:4] == b"PK\x03\x04":
        raise DataFormatError("zip ファイルです。このままでは地図の形として読めません。", path=path,
                              expected=_EXPECTED_FILE)
    if path.suffix.lower() in (".shp", ".shx", ".dbf", ".prj") or raw[:4] == b"\x00\x00\x27\x0a":
        raise DataFormatError(
            "Shapefile（.shp など）は読めません。国土数値情報のダウンロードには同じ内容の GeoJSON が"
            "入っているので、そちらを指定してください。", path=path, expected=_EXPECTED_FILE)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if len(raw) - exc.start <= 3 and exc.reason == "unexpected end of data":
            raise DataFormatError("ファイルが途中で切れているようです（最後の文字が欠けています）。"
                                  "もう一度ダウンロードしてください。", path=path, expected=_EXPECTED_FILE) from None
        raise DataFormatError(
            f"UTF-8 の文字として読めないバイトがあります（{exc.start + 1} バイト目）。"
            "JSON ではないファイルか、文字コードが違います。", path=path, expected=_EXPECTED_FILE) from None
    if not text.strip():
        raise DataFormatError("ファイルが空です。", path=path, expected=_EXPECTED_FILE)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        stripped = text.strip()
        if stripped[:1] in "{[" and stripped[-1:] not in "}]":  # began as JSON, stops mid-way
            raise DataFormatError("JSON が途中で終わっています（ファイルが途中で切れているようです）。"
                                  "もう一度ダウンロードしてください。", path=path, expected=_EXPECTED_FILE) from None
        raise DataFormatError(
            f"JSON として読めません（{exc.lineno} 行目 {exc.colno} 文字目: {exc.msg}）。",
            path=path, expected=_EXPECTED_FILE) from None


# --- step 2: features and their geometry --------------------------------------------------


def read_geometries(path: str | Path, *, object_name: str | None = None) -> list[tuple[dict, Shape | None]]:
    """``(properties, Shape)`` for each feature of a GeoJSON or TopoJSON file.

    A feature without geometry (``null``) gives ``None`` as its shape. For a TopoJSON with
    several objects, ``object_name`` chooses one.
    """
    data = load_json(path)
    kind = data.get("type") if isinstance(data, dict) else None
    if kind in ("Topology", "FeatureCollection", "Feature"):
        features = (_topojson_features(data, path, object_name) if kind == "Topology"
                    else _geojson_features(data, path))
        _check_degrees(features, path)
        return features
    if isinstance(data, dict) and "features" not in data and kind is None and "arcs" in data:
        kind = "（type がありません。arcs があるので TopoJSON のようです）"
    found = f"type が「{kind}」" if kind else f"先頭が {type(data).__name__} で type がありません"
    raise DataFormatError(f"地図の形のファイルではありません（{found}）。", path=path, expected=_EXPECTED_FILE)


def _check_degrees(features: list[tuple[dict, Shape | None]], path: str | Path) -> None:
    """Refuse coordinates that are not 経度・緯度 (a projected file in metres, or swapped axes)."""
    for number, (_, shape) in enumerate(features, start=1):
        if shape is None:
            continue
        west, south, east, north = shape.bounds()
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise DataFormatError(
                f"{number} 番目の地物の座標が経度・緯度ではありません（経度 {west:.6g}〜{east:.6g}、"
                f"緯度 {south:.6g}〜{north:.6g}）。平面直角座標系などに変換したファイルかもしれません。",
                path=path, expected="経度・緯度（JGD2011 または WGS84）の座標。経度が先、緯度が後")
        return  # one feature shows the file's coordinate system


def _geojson_features(data: dict, path: str | Path) -> list[tuple[dict, Shape | None]]:
    if data["type"] == "Feature":
        features = [data]
    else:
        features = data.get("features")
        if not isinstance(features, list):
            raise DataFormatError(
                "GeoJSON に features（地物のリスト）がありません。", path=path,
                expected="features を持つ GeoJSON（FeatureCollection）")
    out = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise DataFormatError(f"{number} 番目の地物が JSON のオブジェクトではありません。", path=path,
                                  expected="{\"type\": \"Feature\", \"properties\": …, \"geometry\": …}")
        geometry = feature.get("geometry")
        out.append((dict(feature.get("properties") or {}), _geojson_shape(geometry, path, number)))
    return out


def _ring(points: object, path: str | Path, number: int) -> Ring:
    try:
        ring = tuple((float(p[0]), float(p[1])) for p in points)  # a third value (height) is dropped
    except (TypeError, ValueError, IndexError):
        raise DataFormatError(f"{number} 番目の地物の座標が数の組になっていません。", path=path,
                              expected="[経度, 緯度] の並び") from None
    if len(ring) < 3:
        raise DataFormatError(f"{number} 番目の地物に、点が {len(ring)} 個しかない輪があります。", path=path,
                              expected="3 点以上で閉じた輪")
    return ring


def _geojson_shape(geometry: object, path: str | Path, number: int) -> Shape | None:
    if geometry is None:
        return None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    try:
        if kind == "Polygon":
            return Shape((tuple(_ring(r, path, number) for r in coords),))
        if kind == "MultiPolygon":
            return Shape(tuple(tuple(_ring(r, path, number) for r in polygon) for polygon in coords))
        if kind == "GeometryCollection":
            parts = [_geojson_shape(g, path, number) for g in geometry.get("geometries") or []]
            parts = [p for p in parts if p is not None]
            return parts[0].merged(*parts[1:]) if parts else None
    except TypeError:
        raise DataFormatError(f"{number} 番目の地物の coordinates が多角形の形になっていません。", path=path,
                              expected="Polygon か MultiPolygon の座標") from None
    raise DataFormatError(f"{number} 番目の地物の形が「{kind}」です。境界（面）ではありません。", path=path,
                          expected="geometry が Polygon か MultiPolygon")


def _topojson_features(data: dict, path: str | Path, object_name: str | None) -> list[tuple[dict, Shape | None]]:
    objects = data.get("objects")
    if not isinstance(objects, dict) or not objects:
        raise DataFormatError("TopoJSON に objects（形の集まり）がありません。", path=path,
                              expected="objects と arcs を持つ TopoJSON（Topology）")
    if object_name is None:
        if len(objects) > 1:
            raise DataFormatError(
                f"TopoJSON に形の集まりが {len(objects)} つあります（{'、'.join(objects)}）。"
                "object_name= でどれを使うか指定してください。", path=path,
                expected="objects が 1 つの TopoJSON、または object_name の指定")
        object_name = next(iter(objects))
    if object_name not in objects:
        raise DataFormatError(f"TopoJSON に「{object_name}」という形の集まりがありません。", path=path,
                              expected="、".join(objects))
    arcs = _decode_arcs(data, path)
    top = objects[object_name]
    members = top.get("geometries") if top.get("type") == "GeometryCollection" else [top]
    out = []
    for number, geometry in enumerate(members or [], start=1):
        if not isinstance(geometry, dict) or not isinstance(geometry.get("properties") or {}, dict):
            raise DataFormatError(f"{number} 番目の形が JSON のオブジェクトではないか、properties が表になっていません。",
                                  path=path, expected="{\"type\": \"Polygon\", \"arcs\": …, \"properties\": {…}}")
        out.append((dict(geometry.get("properties") or {}), _topojson_shape(geometry, arcs, path, number)))
    return out


def _decode_arcs(data: dict, path: str | Path) -> list[list[Point]]:
    """Absolute coordinates of every arc; quantized arcs are delta-encoded integers (TopoJSON spec)."""
    transform = data.get("transform")
    arcs_in = data.get("arcs")
    if not isinstance(arcs_in, list):
        raise DataFormatError("TopoJSON に arcs（境界線のリスト）がありません。", path=path,
                              expected="arcs を持つ TopoJSON（Topology）")
    decoded: list[list[Point]] = []
    try:
        if transform:
            (kx, ky), (dx, dy) = transform["scale"], transform["translate"]
            for arc in arcs_in:
                x = y = 0
                points = []
                for position in arc:
                    x += position[0]
                    y += position[1]
                    points.append((x * kx + dx, y * ky + dy))
                decoded.append(points)
        else:
            decoded = [[(float(p[0]), float(p[1])) for p in arc] for arc in arcs_in]
    except (KeyError, TypeError, ValueError, IndexError):
        raise DataFormatError("TopoJSON の arcs か transform が読めません（数の組になっていません）。", path=path,
                              expected="transform に scale と translate、arcs は [x, y] の並び") from None
    return decoded


def _stitch(indexes: Iterable[int], arcs: list[list[Point]], path: str | Path, number: int) -> Ring:
    points: list[Point] = []
    for index in indexes:
        if not isinstance(index, int) or not -len(arcs) <= index < len(arcs):
            raise DataFormatError(
                f"{number} 番目の形が、存在しない境界線（arcs の {index} 番）を指しています。", path=path,
                expected=f"0〜{len(arcs) - 1} の番号（負の数は逆向き）")
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])  # consecutive arcs share their end point
    if len(points) < 3:
        raise DataFormatError(f"{number} 番目の形に、点が {len(points)} 個しかない輪があります。", path=path,
                              expected="3 点以上で閉じた輪")
    return tuple(points)


def _topojson_shape(geometry: dict, arcs: list[list[Point]], path: str | Path, number: int) -> Shape | None:
    kind = geometry.get("type")
    try:
        if kind is None:
            return None
        if kind == "Polygon":
            return Shape((tuple(_stitch(r, arcs, path, number) for r in geometry["arcs"]),))
        if kind == "MultiPolygon":
            return Shape(tuple(tuple(_stitch(r, arcs, path, number) for r in polygon)
                               for polygon in geometry["arcs"]))
        if kind == "GeometryCollection":
            parts = [_topojson_shape(g, arcs, path, number) for g in geometry.get("geometries") or []]
            parts = [p for p in parts if p is not None]
            return parts[0].merged(*parts[1:]) if parts else None
    except (KeyError, TypeError):
        raise DataFormatError(f"{number} 番目の形の arcs が多角形の形になっていません。", path=path,
                              expected="Polygon は輪ごとの arcs 番号のリスト") from None
    raise DataFormatError(f"{number} 番目の形が「{kind}」です。境界（面）ではありません。", path=path,
                          expected="Polygon か MultiPolygon")


# --- step 3: N03 properties to one row per municipality -----------------------------------

_N03_REQUIRED = ("N03_001", "N03_004", "N03_007")


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _code6(value: object, path: str | Path, number: int) -> str | None:
    """The 6-digit code of an N03_007 value, None when blank; an error when it is not a code."""
    if value is None or _text(value) == "":
        return None
    if lgcode.is_valid(value) and len(_text(value)) == 6:  # already 6 digits in some re-exports
        return _text(value)
    try:
        code5 = lgcode.repair_leading_zero(value, digits=5)  # "1101" or 1101 when a leading 0 was lost
        return lgcode.to_6digit(code5)
    except DataFormatError as exc:
        raise DataFormatError(f"{number} 番目の地物の N03_007「{value}」が団体コードとして読めません（{exc}）。",
                              path=path, column="N03_007",
                              expected="5 桁の全国地方公共団体コード（検査数字なし、例: 43482）") from None


def _pieces(path: str | Path, object_name: str | None) -> tuple[list[dict], list[str]]:
    """One record per feature with the N03 names, the 6-digit code and the shape; and the features
    that carry their prefecture's code instead of a municipality's."""
    features = read_geometries(path, object_name=object_name)
    if not features:
        raise DataFormatError("地物が 1 つもありません。", path=path, expected=_EXPECTED_FILE)
    keys = set().union(*(props for props, _ in features))
    missing = [k for k in _N03_REQUIRED if k not in keys]
    if missing:
        found = "、".join(sorted(keys)[:8]) or "なし"
        raise DataFormatError(
            f"国土数値情報 N03 の属性 {'、'.join(missing)} がありません（あった属性: {found}）。",
            path=path, expected="N03_001（都道府県名）、N03_003（郡・政令市名）、N03_004（市区町村名）、"
                                "N03_007（団体コード 5 桁）を持つ行政区域データ")
    records = []
    prefecture_level = []
    for number, (props, shape) in enumerate(features, start=1):
        group = _text(props.get("N03_003"))
        name = _text(props.get("N03_004"))
        ward = _text(props.get("N03_005"))  # N03 from 2024 on: the ward in its own field
        if ward:
            group, name = name or group, ward
        code = _code6(props.get("N03_007"), path, number)
        if code is not None and code[2:5] == "000":  # the prefecture's own code: no municipality
            prefecture_level.append(f"{name or '（名称なし）'}（{code}）")
            code = None
        records.append({
            "number": number,
            "code": code,
            PREFECTURE: _text(props.get("N03_001")),
            GROUP: group,
            "local": name,
            "shape": shape,
        })
    return records, prefecture_level


def _is_ward(group: str, name: str) -> bool:
    """A ward of a 政令指定都市: the group field holds the city (「熊本市」), the name ends with 区."""
    return group.endswith("市") and name.endswith("区")


def read_boundaries(
    path: str | Path,
    *,
    dissolve_wards: bool = False,
    object_name: str | None = None,
) -> pd.DataFrame:
    """One row per municipality of an N03 boundary file (GeoJSON or TopoJSON).

    Columns: 団体コード (6 digits, ``<NA>`` for an area without one), 都道府県名, 郡・政令市名,
    市区町村名 (wards as 「熊本市中央区」, as in the code list), 区分 (市区町村 / 政令市の区 /
    政令市 / 団体コードなし), 面積_km2, 重心_経度, 重心_緯度 and 形 (a :class:`Shape`).
    With ``dissolve_wards=True`` the wards of each 政令指定都市 become one row for the city.
    What needed a decision (areas without a code, names that differ from the code list) is listed
    in Japanese in ``frame.attrs["注記"]``.
    """
    records, prefecture_level = _pieces(path, object_name)
    notes: list[str] = []
    if prefecture_level:
        notes.append("都道府県の団体コードがついた区域があります: " + "、".join(sorted(set(prefecture_level)))
                     + "。市区町村ではないので、団体コードのない区域として扱います。")
    rows: dict[tuple, dict] = {}
    empty = 0
    for record in records:
        if record["shape"] is None:
            empty += 1
            continue
        group, local = record[GROUP], record["local"]
        ward = _is_ward(group, local)
        name = f"{group}{local}" if ward else local
        key = (record["code"], name) if record["code"] else (None, name or "（名称なし）")
        row = rows.get(key)
        if row is None:
            rows[key] = {
                CODE: record["code"], PREFECTURE: record[PREFECTURE], GROUP: group,
                NAME: name or "（名称なし）",
                KIND: KIND_NO_CODE if record["code"] is None else (KIND_WARD if ward else KIND_MUNICIPALITY),
                SHAPE: record["shape"], "pieces": 1,
            }
        else:
            row[SHAPE] = row[SHAPE].merged(record["shape"])
            row["pieces"] += 1
    if empty:
        notes.append(f"形（geometry）のない地物が {empty} 件あったので、除きました。")
    uncoded = [r for r in rows.values() if r[CODE] is None]
    if uncoded:
        listing = "、".join(f"{r[NAME]}（{r['pieces']} か所）" for r in uncoded)
        notes.append(f"団体コード（N03_007）のない区域があります: {listing}。"
                     "所属未定地などで、どの市区町村にも数えていません。")
    codes = [r[CODE] for r in rows.values() if r[CODE] is not None]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise DataFormatError(
            f"同じ団体コードに違う名前の区域があります: {'、'.join(duplicated)}。", path=path, column="N03_007",
            expected="団体コードごとに 1 つの市区町村名")
    notes.extend(_name_checks(rows.values()))
    table = list(rows.values())
    if dissolve_wards:
        table = _dissolve(table, notes)
    frame = pd.DataFrame(table, columns=[CODE, PREFECTURE, GROUP, NAME, KIND, SHAPE])
    frame[CODE] = frame[CODE].astype("string")
    frame.insert(5, "面積_km2", [s.area_km2() for s in frame[SHAPE]])
    centres = [s.centroid() for s in frame[SHAPE]]
    frame.insert(6, "重心_経度", [c[0] for c in centres])
    frame.insert(7, "重心_緯度", [c[1] for c in centres])
    frame = frame.sort_values(CODE, na_position="last", kind="stable").reset_index(drop=True)
    frame.attrs[NOTES_ATTR] = notes
    frame.attrs["ファイル"] = Path(path).name
    return frame


def _name_checks(rows: Iterable[dict]) -> list[str]:
    """Codes whose name in the file differs from the bundled code list (an older or newer N03)."""
    listed = lgcode.municipalities().set_index(lgcode.CODE_COLUMN)[lgcode.CITY_COLUMN].to_dict()
    unknown, renamed = [], []
    for row in rows:
        code = row[CODE]
        if code is None:
            continue
        if code not in listed:
            unknown.append(f"{row[NAME]}（{code}）")
        elif listed[code] != row[NAME]:
            renamed.append(f"{code}: ファイルでは「{row[NAME]}」、一覧では「{listed[code]}」")
    notes = []
    if unknown:
        notes.append("団体コード一覧にない団体コードがあります（合併などで今はない団体かもしれません）: "
                     + "、".join(unknown) + "。")
    if renamed:
        notes.append("団体コード一覧と名前が違います: " + "；".join(renamed) + "。")
    return notes


def _dissolve(rows: list[dict], notes: list[str]) -> list[dict]:
    """Replace the wards of each 政令指定都市 by one row for the city."""
    out: list[dict] = []
    cities: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        if row[KIND] == KIND_WARD:
            cities.setdefault((row[PREFECTURE], row[GROUP]), []).append(row)
        else:
            out.append(row)
    for (prefecture, city), wards in cities.items():
        try:
            code = lgcode.code_of(city, prefecture=prefecture)
        except DataFormatError:
            # Every designated city so far has the code just below its first ward's (01100 → 01101…).
            first = min(w[CODE] for w in wards)[:5]
            code = lgcode.to_6digit(first[:4] + "0")
            notes.append(f"{prefecture}{city}は団体コード一覧にないため、区のコードから {code} としました。")
        shape = wards[0][SHAPE].merged(*(w[SHAPE] for w in wards[1:]))
        out.append({CODE: code, PREFECTURE: prefecture, GROUP: city, NAME: city, KIND: KIND_DESIGNATED_CITY,
                    SHAPE: shape, "pieces": sum(w["pieces"] for w in wards)})
        notes.append(f"{city}の区 {len(wards)} つ（{'、'.join(w[NAME].removeprefix(city) for w in wards)}）を"
                     "1 つの市にまとめました。")
    return out
