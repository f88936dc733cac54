"""Small made-up boundary files: the same five areas written as N03 GeoJSON and as TopoJSON.

Layout (degrees east of 130.0 and north of 32.0; every shape is a lon/lat rectangle, so its area
on the sphere is known exactly: R² · Δλ · (sin φ2 − sin φ1)):

    0.2 +-----------+-----------+
        |  西区      |  東区      |        有明浜市 (fictional designated city), 43192 and 43191
    0.1 +-----------+-----------+
        |  星川町    |  月見町    |   [] 月見町's island (0.25..0.30 × 0..0.05)
        |   [未定]  |           |        星川町 43801 has a hole 0.04..0.06 filled by 所属未定地 (no N03_007)
    0.0 +-----------+-----------+
        0.0        0.1         0.2

The GeoJSON writes the island as a feature of its own (as the official N03 does), 西区 clockwise,
and 5-digit codes as text; the TopoJSON is hand-encoded: quantized, delta-encoded arcs, shared
arcs referenced backwards (~i), the island in a MultiPolygon. Both were written by hand, not by the
project's encoder, so that reading them is an independent check.
"""
from __future__ import annotations

import json
from pathlib import Path

# (west, south, east, north) in degrees, for the expected values of the tests
RECTANGLES = {
    "星川町": [(130.0, 32.0, 130.1, 32.1)],
    "星川町の穴": [(130.04, 32.04, 130.06, 32.06)],
    "月見町": [(130.1, 32.0, 130.2, 32.1), (130.25, 32.0, 130.3, 32.05)],
    "有明浜市西区": [(130.0, 32.1, 130.1, 32.2)],
    "有明浜市東区": [(130.1, 32.1, 130.2, 32.2)],
}


def _props(group: str | None, name: str, code: str | None) -> dict:
    return {"N03_001": "熊本県", "N03_002": None, "N03_003": group, "N03_004": name, "N03_007": code}


def geojson_data(*, moon_code: str = "43802", moon_name: str = "月見町") -> dict:
    def feature(props: dict, rings: list) -> dict:
        return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": rings}}

    return {
        "type": "FeatureCollection",
        "name": "N03-99_43_990101",
        "features": [
            feature(_props("有明浜市", "東区", "43191"),
                    [[[130.1, 32.1], [130.2, 32.1], [130.2, 32.2], [130.1, 32.2], [130.1, 32.1]]]),
            feature(_props("有明浜市", "西区", "43192"),  # clockwise on purpose
                    [[[130.0, 32.1], [130.0, 32.2], [130.1, 32.2], [130.1, 32.1], [130.0, 32.1]]]),
            feature(_props("星野郡", "星川町", "43801"),
                    [[[130.0, 32.1], [130.0, 32.0], [130.1, 32.0], [130.1, 32.1], [130.0, 32.1]],
                     [[130.04, 32.04], [130.04, 32.06], [130.06, 32.06], [130.06, 32.04], [130.04, 32.04]]]),
            feature(_props("星野郡", moon_name, moon_code),
                    [[[130.1, 32.0], [130.2, 32.0], [130.2, 32.1], [130.1, 32.1], [130.1, 32.0]]]),
            feature(_props("星野郡", moon_name, moon_code),  # the island: a second feature, same properties
                    [[[130.25, 32.0], [130.3, 32.0], [130.3, 32.05], [130.25, 32.05], [130.25, 32.0]]]),
            feature(_props(None, "所属未定地", None),
                    [[[130.04, 32.04], [130.06, 32.04], [130.06, 32.06], [130.04, 32.06], [130.04, 32.04]]]),
        ],
    }


def topojson_data() -> dict:
    arcs = [
        [[0, 100], [0, -100], [100, 0]],            # 0: 星川町 | outside
        [[100, 0], [0, 100]],                       # 1: 星川町 | 月見町
        [[100, 100], [-100, 0]],                    # 2: 星川町 | 西区
        [[40, 40], [0, 20], [20, 0], [0, -20], [-20, 0]],  # 3: 星川町's hole | 所属未定地 (clockwise)
        [[100, 100], [0, 100]],                     # 4: 西区 | 東区
        [[100, 200], [-100, 0], [0, -100]],         # 5: 西区 | outside
        [[100, 100], [100, 0]],                     # 6: 東区 | 月見町
        [[200, 100], [0, 100], [-100, 0]],          # 7: 東区 | outside
        [[100, 0], [100, 0], [0, 100]],             # 8: 月見町 | outside
        [[250, 0], [50, 0], [0, 50], [-50, 0], [0, -50]],  # 9: 月見町's island
    ]
    geometries = [
        {"type": "Polygon", "arcs": [[0, 1, 2], [3]], "properties": _props("星野郡", "星川町", "43801")},
        {"type": "Polygon", "arcs": [[-3, 4, 5]], "properties": _props("有明浜市", "西区", "43192")},
        {"type": "Polygon", "arcs": [[6, 7, -5]], "properties": _props("有明浜市", "東区", "43191")},
        {"type": "MultiPolygon", "arcs": [[[8, -7, -2]], [[9]]], "properties": _props("星野郡", "月見町", "43802")},
        {"type": "Polygon", "arcs": [[-4]], "properties": _props(None, "所属未定地", None)},
    ]
    return {
        "type": "Topology",
        "transform": {"scale": [0.001, 0.001], "translate": [130.0, 32.0]},
        "arcs": arcs,
        "objects": {"N03-99_43_990101": {"type": "GeometryCollection", "geometries": geometries}},
    }


def write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def write_geojson(folder: Path, **options) -> Path:
    return write(folder / "N03-99_43_990101.geojson", geojson_data(**options))


def write_topojson(folder: Path) -> Path:
    return write(folder / "N03-99_43_990101.topojson.json", topojson_data())
