"""Boundaries of the fictional towns of 熊本県, shaped like 国土数値情報 N03 (resources
``town_boundaries`` as GeoJSON and ``town_boundaries_topojson`` as TopoJSON).

The land is a jittered lattice of cells, each cell given to the nearest town seed (a weighted
Voronoi diagram whose weights are tuned so that every town gets about its ``area_km2``). A
town's rings are the lattice edges its cells do not share with each other. Both encodings carry
exactly the same coordinates: the GeoJSON writes the TopoJSON's decoded quantized positions.

Quirks of the real files that are reproduced: N03 property names (N03_002 null, N03_003 郡 or
政令市, N03_004 town or ward, N03_007 5 digits without check digit); the designated city split
into its wards; an island, written in the GeoJSON as a feature of its own with the same
properties (as the official N03 does) and in the TopoJSON as a MultiPolygon (as simplified
re-distributions do); and a 所属未定地 islet without N03_007.
"""
from __future__ import annotations

import json
import math
import random
from pathlib import Path

from ebpm.datapackage import ResourceSpec
from ebpm.synth.world import MUNICIPALITIES, SYNTHETIC_NOTE

GEOJSON_PATH = "synthetic/town_boundaries.geojson"
TOPOJSON_PATH = "synthetic/town_boundaries.topojson"
OBJECT_NAME = "town_boundaries"
SEED = 43815

LON0, LAT0 = 130.30, 32.20  # south-west corner of the lattice (fictional placement)
DLON, DLAT = 0.01, 0.009    # one cell is about 0.94 km × 1.0 km
COLS, ROWS = 44, 38
QUANTIZATION = 100_000
CELL_KM2 = DLON * 111.32 * 0.8434 * DLAT * 110.95  # cos(32.4°) as a literal: no libm in the bytes
UNASSIGNED = "所属未定地"

# Seed cell (col, row) of each area, and its share of the designated city's area for wards.
_SEEDS: dict[str, tuple[int, int]] = {
    "43801": (13, 15), "43802": (24, 14), "43803": (34, 18), "43821": (35, 8), "43822": (24, 5),
    "43823": (12, 5), "43191": (33, 28), "43192": (13, 28), "43193": (24, 23), "43194": (23, 33),
}
_WARD_SHARE = {"43191": 0.26, "43192": 0.22, "43193": 0.22, "43194": 0.30}
_ISLAND = {"43801": ((1, 14), (1, 15), (2, 15), (2, 16), (1, 16), (3, 16))}  # 星川町's island off the west coast
_UNASSIGNED_CELLS = ((2, 22), (3, 22))


def _targets() -> dict[str, float]:
    towns = {m.code5: m for m in MUNICIPALITIES}
    city = towns["43190"]
    out = {}
    for code in _SEEDS:
        area = city.area_km2 * _WARD_SHARE[code] if code in _WARD_SHARE else towns[code].area_km2
        out[code] = area / CELL_KM2
    return out


def _land(rng: random.Random) -> list[tuple[int, int]]:
    """Mainland cells: a rounded block whose coasts wander (a random walk on each side)."""
    cells = []
    west = east = 0
    for row in range(ROWS):
        west = max(-2, min(3, west + rng.choice((-1, 0, 0, 1))))
        east = max(-2, min(2, east + rng.choice((-1, 0, 0, 1))))
        t = (row + 0.5 - ROWS / 2) / (ROWS / 2)
        half = (COLS / 2 - 4) * math.sqrt(1.0 - 0.55 * t * t)  # sqrt is exact to the last bit everywhere
        centre = COLS / 2 + 1
        first, last = round(centre - half) + west, round(centre + half) - east
        cells.extend((col, row) for col in range(max(first, 6), min(last, COLS - 1) + 1))
    return cells


def assign_cells(rng: random.Random) -> dict[tuple[int, int], str | None]:
    """Cell → 5-digit code (None for the 所属未定地 islet); sea cells are absent.

    A power diagram (nearest seed by squared distance minus the seed's weight) keeps every town in
    one piece; the weights are nudged until each town has about its share of the land.
    """
    land = _land(rng)
    targets = _targets()
    scale = len(land) / sum(targets.values())
    weight = {code: 0.0 for code in _SEEDS}
    owner: dict[tuple[int, int], str] = {}
    for _ in range(80):
        owner = {}
        for cell in land:
            owner[cell] = min(
                _SEEDS,
                key=lambda c: (cell[0] - _SEEDS[c][0]) ** 2 + (cell[1] - _SEEDS[c][1]) ** 2 - weight[c],
            )
        counts = {code: 0 for code in _SEEDS}
        for code in owner.values():
            counts[code] += 1
        for code in _SEEDS:
            weight[code] += 0.5 * (targets[code] * scale - counts[code])
    cells: dict[tuple[int, int], str | None] = dict(owner)
    for code, island in _ISLAND.items():
        cells.update({cell: code for cell in island})
    cells.update({cell: None for cell in _UNASSIGNED_CELLS})
    return cells


# --- rings from cells ---------------------------------------------------------------------

Vertex = tuple[int, int]


def _rings(cells: set[tuple[int, int]]) -> list[list[Vertex]]:
    """Closed rings (first vertex repeated last) of a set of cells, counter-clockwise outside."""
    edges: set[tuple[Vertex, Vertex]] = set()
    for (c, r) in cells:
        corners = [(c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1)]
        for a, b in zip(corners, corners[1:] + corners[:1]):
            if (b, a) in edges:
                edges.discard((b, a))  # shared with a neighbouring cell of the same area
            else:
                edges.add((a, b))
    outgoing: dict[Vertex, list[Vertex]] = {}
    for a, b in sorted(edges):
        outgoing.setdefault(a, []).append(b)
    rings = []
    while outgoing:
        start = min(outgoing)
        ring = [start]
        previous, current = None, start
        while True:
            choices = outgoing[current]
            if previous is not None and len(choices) > 1:
                # a pinch (two cells touching at a corner): turn left, so each ring stays simple
                dx, dy = current[0] - previous[0], current[1] - previous[1]
                choices.sort(key=lambda v: -(dx * (v[1] - current[1]) - dy * (v[0] - current[0])))
            nxt = choices.pop(0)
            if not choices:
                del outgoing[current]
            ring.append(nxt)
            previous, current = current, nxt
            if current == start:
                break
        rings.append(ring)
    return rings


def _signed_area(ring: list[Vertex]) -> int:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:]))


def _inside(point: Vertex, ring: list[Vertex]) -> bool:
    x, y = point[0] + 0.5, point[1] + 0.25  # off the lattice, so never on an edge
    hit = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            hit = not hit
    return hit


def polygons(cells: set[tuple[int, int]]) -> list[list[list[Vertex]]]:
    """Polygons (outer ring, then holes) of a set of cells, largest first."""
    rings = _rings(cells)
    outers = [r for r in rings if _signed_area(r) > 0]
    holes = [r for r in rings if _signed_area(r) < 0]
    result = [[outer] for outer in sorted(outers, key=lambda r: (-_signed_area(r), r[0]))]
    for hole in holes:
        for polygon in result:
            if _inside(hole[0], polygon[0]):
                polygon.append(hole)
                break
    return result


# --- coordinates and the two encodings ------------------------------------------------------


def _positions(rng: random.Random) -> dict[Vertex, tuple[int, int]]:
    """Quantized position of every lattice vertex, jittered so that borders look drawn, not ruled."""
    positions = {}
    for col in range(COLS + 1):
        for row in range(ROWS + 1):
            jx, jy = rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)
            lon = LON0 + (col + jx) * DLON
            lat = LAT0 + (row + jy) * DLAT
            positions[(col, row)] = (round((lon - _X0) / _KX), round((lat - _Y0) / _KY))
    return positions


# The quantization grid starts one cell south-west of the lattice, so every position is positive.
_X0, _Y0 = LON0 - DLON, LAT0 - DLAT
_KX = (COLS + 2) * DLON / (QUANTIZATION - 1)
_KY = (ROWS + 2) * DLAT / (QUANTIZATION - 1)
_TRANSFORM = {"scale": [_KX, _KY], "translate": [_X0, _Y0]}


def _lonlat(q: tuple[int, int]) -> list[float]:
    # the TopoJSON decoding (q · scale + translate), written out so both files hold the same points
    return [round(q[0] * _KX + _X0, 7), round(q[1] * _KY + _Y0, 7)]


def _properties(code: str | None) -> dict:
    if code is None:
        return {"N03_001": "熊本県", "N03_002": None, "N03_003": None, "N03_004": UNASSIGNED, "N03_007": None}
    town = next(m for m in MUNICIPALITIES if m.code5 == code)
    if town.parent:
        city = next(m for m in MUNICIPALITIES if m.code5 == town.parent)
        return {"N03_001": "熊本県", "N03_002": None, "N03_003": city.name,
                "N03_004": town.name.removeprefix(city.name), "N03_007": code}
    return {"N03_001": "熊本県", "N03_002": None, "N03_003": town.gun or None, "N03_004": town.name, "N03_007": code}


def _areas(cells: dict[tuple[int, int], str | None]) -> list[tuple[str | None, list[list[list[Vertex]]]]]:
    codes = sorted({c for c in cells.values() if c is not None}) + [None]
    return [(code, polygons({cell for cell, owner in cells.items() if owner == code})) for code in codes]


def make_files() -> tuple[str, str]:
    """The GeoJSON and TopoJSON texts of the fictional boundaries."""
    rng = random.Random(SEED)
    cells = assign_cells(rng)
    at = _positions(rng)
    areas = _areas(cells)

    features = []
    for code, polys in areas:
        for polygon in polys:  # one feature per piece, as the official N03 GeoJSON
            coordinates = [[_lonlat(at[v]) for v in ring] for ring in polygon]
            features.append({"type": "Feature", "properties": _properties(code),
                             "geometry": {"type": "Polygon", "coordinates": coordinates}})
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    geojson = (
        '{"type":"FeatureCollection","name":"town_boundaries",'
        '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::6668"}},\n"features":[\n'
        + ",\n".join(lines) + "\n]}\n"
    )

    junctions = _junctions(cells)
    arcs: list[list[Vertex]] = []
    index: dict[tuple[Vertex, ...], int] = {}
    geometries = []
    for code, polys in areas:
        arc_polys = [[_ring_arcs(ring, junctions, arcs, index) for ring in polygon] for polygon in polys]
        geometry: dict = ({"type": "Polygon", "arcs": arc_polys[0]} if len(arc_polys) == 1
                          else {"type": "MultiPolygon", "arcs": arc_polys})
        geometry["properties"] = _properties(code)
        geometries.append(geometry)
    encoded = []
    for arc in arcs:
        points = [at[v] for v in arc]
        deltas = [list(points[0])] + [[b[0] - a[0], b[1] - a[1]] for a, b in zip(points, points[1:])]
        encoded.append(deltas)
    topology = {"type": "Topology", "arcs": encoded, "transform": _TRANSFORM,
                "objects": {OBJECT_NAME: {"type": "GeometryCollection", "geometries": geometries}}}
    topojson = json.dumps(topology, ensure_ascii=False, separators=(",", ":")) + "\n"
    return geojson, topojson


def _junctions(cells: dict[tuple[int, int], str | None]) -> set[Vertex]:
    """Vertices where three areas (sea included) meet, or two touch only at a corner: arcs end there."""
    owner = {cell: ("x" if code is None else code) for cell, code in cells.items()}
    out = set()
    for col in range(COLS + 1):
        for row in range(ROWS + 1):
            around = [owner.get((col - 1, row - 1)), owner.get((col, row - 1)),
                      owner.get((col, row)), owner.get((col - 1, row))]
            distinct = set(around)
            if len(distinct) >= 3 or (len(distinct) == 2 and around[0] == around[2] and around[1] == around[3]):
                out.add((col, row))
    return out


def _ring_arcs(ring: list[Vertex], junctions: set[Vertex], arcs: list, index: dict) -> list[int]:
    """The ring as arc indexes, each arc stored once (a negative index ~i is arc i reversed)."""
    body = ring[:-1]
    cuts = [i for i, v in enumerate(body) if v in junctions]
    if not cuts:
        start = body.index(min(body))
        body = body[start:] + body[:start]
        pieces = [body + [body[0]]]
    else:
        body = body[cuts[0]:] + body[:cuts[0]]
        cuts = [i for i, v in enumerate(body) if v in junctions] + [len(body)]
        closed = body + [body[0]]
        pieces = [closed[a:b + 1] for a, b in zip(cuts, cuts[1:])]
    out = []
    for piece in pieces:
        key = tuple(piece)
        if key in index:
            out.append(index[key])
        elif key[::-1] in index:  # closed arcs start at their least vertex, so reversing keeps the key
            out.append(~index[key[::-1]])
        else:
            index[key] = len(arcs)
            arcs.append(list(piece))
            out.append(index[key])
    return out


def build(data_root: Path) -> list[ResourceSpec]:
    geojson, topojson = make_files()
    for rel, text in ((GEOJSON_PATH, geojson), (TOPOJSON_PATH, topojson)):
        file = data_root / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(text.encode("utf-8"))
    description = (
        f"{SYNTHETIC_NOTE} 熊本県の架空の町（星川町と近隣・類似団体、政令指定都市の有明浜市とその 4 区）の"
        "境界を、国土数値情報 N03（行政区域）と同じ属性名（N03_001 都道府県名、N03_003 郡・政令市名、"
        "N03_004 市区町村名、N03_007 団体コード 5 桁）で収めています。位置と形は架空で、面積は架空の自治体一覧の"
        "面積におおよそ合わせてあります。島は別の地物（GeoJSON）または MultiPolygon（TopoJSON）、"
        "団体コードのない「所属未定地」を 1 か所含みます。"
    )
    generator = {"command": "ebpm data build", "generator": "ebpm.synth.boundaries:make_files", "seed": SEED}
    return [
        ResourceSpec(
            name="town_boundaries", path=GEOJSON_PATH, title="架空の町の境界（N03 形式の GeoJSON）",
            description=description + " ebpm.maps.read_boundaries で読み込みます。",
            format="geojson", synthetic=generator, tidy=False,
        ),
        ResourceSpec(
            name="town_boundaries_topojson", path=TOPOJSON_PATH, title="架空の町の境界（N03 形式の TopoJSON）",
            description=description + " town_boundaries と同じ形を TopoJSON（量子化した arcs）で表したものです。",
            format="topojson", synthetic=generator, tidy=False,
        ),
    ]


# --- a prefecture that runs to remote islands (for the maps' tests; not shipped in data/) -------------

ISLAND_PREFECTURE = "鹿児島県"
# 桜ヶ丘町: a mainland block with a notch on its west coast where 椿浜町 lies (about 4 km across),
# and four remote islands 350–550 km to the south-west, as 鹿児島県's 奄美 and 吐噶喇 are.
_MAINLAND = ((130.20, 31.20), (130.90, 31.20), (130.90, 31.90), (130.20, 31.90), (130.20, 31.56),
             (130.24, 31.56), (130.24, 31.52), (130.20, 31.52), (130.20, 31.20))
_SMALL_TOWN = ((130.20, 31.52), (130.24, 31.52), (130.24, 31.56), (130.20, 31.56), (130.20, 31.52))
_REMOTE_ISLANDS = ((129.60, 29.80), (129.30, 28.30), (128.90, 27.60), (128.55, 27.05))


def island_prefecture_geojson() -> str:
    """GeoJSON (N03 properties, one feature per piece) of the fictional 鹿児島県: 桜ヶ丘町 (46801) on
    the mainland and on remote islands, and 椿浜町 (46802), a small coastal town that is a few pixels
    wide on a map of the whole prefecture."""
    def feature(code: str, ring) -> dict:
        town = next(m for m in MUNICIPALITIES if m.code5 == code)
        props = {"N03_001": ISLAND_PREFECTURE, "N03_002": None, "N03_003": town.gun, "N03_004": town.name,
                 "N03_007": code}
        return {"type": "Feature", "properties": props,
                "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}}

    islands = [((x, y), (x + 0.12, y), (x + 0.12, y + 0.08), (x, y + 0.08), (x, y)) for x, y in _REMOTE_ISLANDS]
    features = [feature("46801", _MAINLAND)] + [feature("46801", ring) for ring in islands]
    features.append(feature("46802", _SMALL_TOWN))
    return json.dumps({"type": "FeatureCollection", "name": "island_prefecture", "features": features},
                      ensure_ascii=False) + "\n"
