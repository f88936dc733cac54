"""Maps drawn with plain matplotlib patches: prefectures of Japan, and municipalities of a prefecture.

- :func:`prefecture_map`: the shipped prefecture outlines (dataset ``prefecture_shapes``),
  simplified, one polygon per prefecture, for colouring or highlighting prefectures; never for
  areas or distances.
- :func:`municipality_map`: the municipalities of 国土数値情報 N03 boundaries (GeoJSON or TopoJSON,
  read by :mod:`ebpm.boundaries`), with one town highlighted or a value per municipality, and the
  credit line the data's terms require.

Each area is one patch whose label is its name, so a test can read back what was coloured with
:func:`patch_colors`.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.collections import LineCollection
from matplotlib.patches import PathPatch, Polygon
from matplotlib.path import Path as MplPath

from ebpm import boundaries as bnd
from ebpm.errors import DataFormatError

__all__ = [
    "load_prefecture_shapes", "prefecture_map", "patch_colors", "read_boundaries", "municipality_map",
    "town_boundaries", "N03_CREDIT", "SYNTHETIC_CREDIT",
]

N03_CREDIT = bnd.N03_CREDIT
SYNTHETIC_CREDIT = "架空の境界データ（本研修が生成したもので、実在の地形とは関係ありません）"
NO_CODE_COLOR = "#f4f4f4"
NO_CODE_HATCH = "////"
read_boundaries = bnd.read_boundaries

DEFAULT_COLOR = "#e6e6e6"
HIGHLIGHT_COLOR = "#e07b39"
EDGE_COLOR = "#ffffff"


@lru_cache(maxsize=2)
def _read_shapes(path: str) -> tuple[dict, ...]:
    """The prefecture features as GeoJSON-like dicts (a TopoJSON file is decoded to the same)."""
    features = []
    for number, (props, shape) in enumerate(bnd.read_geometries(path), start=1):
        if "N03_007" in props and "都道府県名" not in props:
            raise DataFormatError(
                "市区町村の境界（国土数値情報 N03）のファイルです。都道府県の地図には使えません。"
                "maps.municipality_map(ファイル) で市区町村の地図を描いてください。", path=path,
                expected="properties に「都道府県名」を持つ都道府県の形",
            )
        if "都道府県名" not in props or shape is None:
            raise DataFormatError(
                f"{number} 番目の地物に都道府県名か多角形がありません。", path=path,
                expected="properties に「都道府県名」、geometry が Polygon か MultiPolygon",
            )
        coordinates = [[[list(p) for p in ring] for ring in polygon] for polygon in shape.polygons]
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "MultiPolygon", "coordinates": coordinates}})
    return tuple(features)


def load_prefecture_shapes(path: str | Path | None = None) -> list[dict]:
    """The GeoJSON features of the prefectures (the course's ``prefecture_shapes`` by default)."""
    if path is None:
        from ebpm import datasets

        path = datasets.path("prefecture_shapes")
    return list(_read_shapes(str(path)))


def _rings(geometry: dict) -> list[list[list[float]]]:
    """The outer ring of every polygon of a Polygon or MultiPolygon geometry."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [polygon[0] for polygon in geometry["coordinates"]]


def _lookup(values: Mapping, props: dict) -> object | None:
    for key in (props.get("都道府県名"), props.get("都道府県コード")):
        if key is not None and key in values:
            return values[key]
    return None


def _check_keys(keys: Iterable[object], features: list[dict], what: str) -> None:
    known = {f["properties"].get("都道府県名") for f in features}
    known |= {f["properties"].get("都道府県コード") for f in features}
    unknown = [str(k) for k in keys if k not in known]
    if unknown:
        raise DataFormatError(
            f"{what}に地図にない都道府県があります: {', '.join(unknown[:5])}",
            expected="「熊本県」のような都道府県名（県・府・都・道まで）か 2 桁の都道府県コード「43」",
        )


def prefecture_map(
    values: Mapping[str, float] | None = None,
    *,
    highlight: Iterable[str] | None = None,
    region: str | None = None,
    title: str = "都道府県の地図",
    label: str = "",
    cmap: str = "Blues",
    ax=None,
    shapes: list[dict] | None = None,
):
    """Draw the prefectures and return the matplotlib Axes.

    - ``values``: a number per prefecture (a pandas Series or dict keyed by 都道府県名 or the
      2-digit 都道府県コード) colours each prefecture by its value, with a colour bar named
      ``label``; prefectures without a value stay grey.
    - ``highlight``: prefecture names (or codes) coloured in the house accent colour; the others
      stay grey. Use either ``values`` or ``highlight``.
    - ``region``: draw only one 地方 (for example ``"九州"``).
    """
    if values is not None and highlight is not None:
        raise ValueError("values と highlight は同時には指定できません。どちらか一方を使ってください。")
    features = shapes if shapes is not None else load_prefecture_shapes()
    if region is not None:
        regions = sorted({str(f["properties"].get("地方")) for f in features})
        features = [f for f in features if f["properties"].get("地方") == region]
        if not features:
            raise DataFormatError(f"地方「{region}」の都道府県がありません。", expected="、".join(regions))
    values = dict(values.items()) if values is not None else None
    marked = set(highlight) if highlight is not None else set()
    if values is not None:
        _check_keys(values, load_prefecture_shapes() if shapes is None else shapes, "values")
    if marked:
        _check_keys(marked, load_prefecture_shapes() if shapes is None else shapes, "highlight")
    numbers = [float(v) for v in (values or {}).values() if v is not None and not math.isnan(float(v))]
    norm = mcolors.Normalize(min(numbers), max(numbers)) if numbers else None
    colormap = plt.get_cmap(cmap)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7))
    lats: list[float] = []
    for feature in features:
        props = feature["properties"]
        name = props["都道府県名"]
        color = DEFAULT_COLOR
        if values is not None:
            value = _lookup(values, props)
            if value is not None and norm is not None and not math.isnan(float(value)):
                color = colormap(norm(float(value)))
        elif name in marked or props.get("都道府県コード") in marked:
            color = HIGHLIGHT_COLOR
        for number, ring in enumerate(_rings(feature["geometry"])):
            patch = Polygon(ring, closed=True, facecolor=color, edgecolor=EDGE_COLOR, linewidth=0.6,
                            label=name if number == 0 else "_" + name)
            ax.add_patch(patch)
            lats.extend(point[1] for point in ring)
    ax.autoscale_view()
    mid = (min(lats) + max(lats)) / 2 if lats else 35.0
    ax.set_aspect(1 / math.cos(math.radians(mid)))  # degrees of longitude are shorter in the north
    ax.set_axis_off()
    ax.set_title(title)
    if values is not None and norm is not None:
        mappable = plt.cm.ScalarMappable(norm=norm, cmap=colormap)
        ax.figure.colorbar(mappable, ax=ax, shrink=0.6, label=label)
    return ax


def patch_colors(ax) -> dict[str, str]:
    """Prefecture name → fill colour (``"#rrggbb"``) of a map drawn by :func:`prefecture_map`."""
    return {
        patch.get_label(): mcolors.to_hex(patch.get_facecolor())
        for patch in ax.patches
        if not patch.get_label().startswith("_")
    }


# --- municipalities (国土数値情報 N03) ------------------------------------------------------


def town_boundaries(*, dissolve_wards: bool = False) -> pd.DataFrame:
    """The boundaries of the course's fictional towns (dataset ``town_boundaries``, 架空データ)."""
    from ebpm import datasets

    return bnd.read_boundaries(datasets.path("town_boundaries"), dissolve_wards=dissolve_wards)


def _as_frame(boundaries: pd.DataFrame | str | Path, dissolve_wards: bool) -> pd.DataFrame:
    if isinstance(boundaries, pd.DataFrame):
        missing = [c for c in (bnd.CODE, bnd.NAME, bnd.SHAPE) if c not in boundaries.columns]
        if missing:
            raise DataFormatError(
                f"境界の表に列 {'、'.join(missing)} がありません。",
                expected="maps.read_boundaries(ファイル) で読み込んだ表",
            )
        return boundaries
    return bnd.read_boundaries(boundaries, dissolve_wards=dissolve_wards)


def _row_keys(frame: pd.DataFrame) -> dict[str, int]:
    """Every way a row may be named: 6-digit code, 5-digit code, name (ward names with and without city)."""
    keys: dict[str, int] = {}
    for position, (code, name, group) in enumerate(zip(frame[bnd.CODE], frame[bnd.NAME], frame[bnd.GROUP])):
        if not pd.isna(code):
            keys[str(code)] = position
            keys[str(code)[:5]] = position
        keys.setdefault(str(name), position)
        if group and str(name).startswith(str(group)) and str(name) != str(group):
            keys.setdefault(str(name)[len(str(group)):], position)
        if group and str(group).endswith("郡"):  # 「葦北郡芦北町」 as the 住基 tables write it
            keys.setdefault(f"{group}{name}", position)
    return keys


def _find(keys: Iterable[object], frame: pd.DataFrame, what: str) -> dict[object, int]:
    known = _row_keys(frame)
    found, unknown = {}, []
    for key in keys:
        text = str(key).strip()
        if text in known:
            found[key] = known[text]
        else:
            unknown.append(text)
    if unknown:
        hint = ""
        if (frame[bnd.KIND] == bnd.KIND_DESIGNATED_CITY).any():
            hint = "（政令指定都市の区は市にまとめてあります。区ごとに描くには dissolve_wards=False で読み込みます）"
        names = "、".join(frame[bnd.NAME].astype(str).head(6))
        raise DataFormatError(
            f"{what}に地図にない市区町村があります: {'、'.join(unknown[:5])}{hint}",
            expected=f"6 桁か 5 桁の団体コード、または地図の市区町村名（例: {names}…）",
        )
    return found


def _patch(shape: bnd.Shape, **style) -> PathPatch:
    vertices, codes = [], []
    for polygon in shape.polygons:
        for ring in bnd.oriented_rings(polygon):
            points = list(ring)
            if points[0] == points[-1]:
                points = points[:-1]
            vertices.extend(points + [points[0]])
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(points) - 1) + [MplPath.CLOSEPOLY])
    return PathPatch(MplPath(vertices, codes), **style)


def _credit(frame: pd.DataFrame) -> str:
    from ebpm import lgcode

    table = lgcode.municipalities()
    fictional = set(table.loc[table[lgcode.FICTIONAL_COLUMN], lgcode.CODE_COLUMN])
    codes = {str(c) for c in frame[bnd.CODE].dropna()}
    return SYNTHETIC_CREDIT if codes and codes <= fictional else N03_CREDIT


def municipality_map(
    boundaries: pd.DataFrame | str | Path,
    values: Mapping[str, float] | None = None,
    *,
    highlight: str | Iterable[str] | None = None,
    title: str | None = None,
    label: str = "",
    cmap: str = "Blues",
    dissolve_wards: bool = False,
    names: bool = True,
    credit: str | None = None,
    foot: bool = True,
    ax=None,
):
    """Draw the municipalities of a boundary file (or of a table from :func:`read_boundaries`).

    - ``highlight``: a town (or several) by 6-digit or 5-digit 団体コード or by name, coloured in the
      house accent colour and named on the map; the others stay grey.
    - ``values``: a number per municipality (keyed the same ways) colours each by its value with a
      colour bar named ``label``; municipalities without a value stay grey.
    - ``dissolve_wards``: when a path is given, draw each 政令指定都市 as one city instead of its wards.
    - ``credit``: the source line at the foot of the figure; by default the 国土数値情報 credit
      (the fictional towns' map says it is made up); ``foot=False`` writes no foot at all (a second
      map or an inset in a figure that already has one).
    Areas without a 団体コード (所属未定地 and the like) are hatched and named in a note under the map.
    Returns the matplotlib Axes.
    """
    from ebpm import plotting

    if values is not None and highlight is not None:
        raise ValueError("values と highlight は同時には指定できません。どちらか一方を使ってください。")
    frame = _as_frame(boundaries, dissolve_wards)
    if frame.empty:
        raise DataFormatError("境界の表に市区町村が 1 つもありません。", expected="read_boundaries で読み込んだ表")
    plotting.use_japanese_font()
    if isinstance(highlight, str):
        highlight = [highlight]
    marked = set(_find(highlight, frame, "highlight").values()) if highlight is not None else set()
    by_row: dict[int, float] = {}
    if values is not None:
        for key, position in _find(list(dict(values.items())), frame, "values").items():
            value = values[key]
            if value is not None and not pd.isna(value):
                by_row[position] = float(value)
    norm = mcolors.Normalize(min(by_row.values()), max(by_row.values())) if by_row else None
    colormap = plt.get_cmap(cmap)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7))
    outlines = []
    for position, row in enumerate(frame.itertuples(index=False)):
        shape, name = getattr(row, bnd.SHAPE), str(getattr(row, bnd.NAME))
        no_code = pd.isna(getattr(row, bnd.CODE))
        color = DEFAULT_COLOR
        if no_code:
            color = NO_CODE_COLOR
        elif position in by_row and norm is not None:
            color = colormap(norm(by_row[position]))
        elif position in marked:
            color = HIGHLIGHT_COLOR
        dissolved = getattr(row, bnd.KIND) == bnd.KIND_DESIGNATED_CITY and len(shape.polygons) > 1
        style = {"facecolor": color, "linewidth": 0.6, "label": name,
                 "edgecolor": "none" if dissolved else EDGE_COLOR}
        if no_code:
            style.update(hatch=NO_CODE_HATCH, edgecolor="#b0b0b0", linewidth=0.3)
        patch = _patch(shape, **style)
        patch.set_gid("" if no_code else str(getattr(row, bnd.CODE)))
        # add_artist, not add_patch: the limits are set below from the bounds, and add_patch walks
        # every vertex through Bézier code (10 s for a 130,000-point prefecture).
        ax.add_artist(patch)
        if dissolved:
            outlines.extend(shape.outline())
    if outlines:
        ax.add_collection(LineCollection(outlines, colors=EDGE_COLOR, linewidths=0.6))
    if names:
        for position in sorted(marked):
            x, y = frame.iloc[position]["重心_経度"], frame.iloc[position]["重心_緯度"]
            ax.annotate(str(frame.iloc[position][bnd.NAME]), (x, y), ha="center", va="center", fontsize=10,
                        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8, "linewidth": 0})
    xmin, ymin, xmax, ymax = _bounds(frame[bnd.SHAPE])
    pad_x, pad_y = (xmax - xmin) * 0.03, (ymax - ymin) * 0.03
    ax.set_xlim(xmin - pad_x, xmax + pad_x)
    ax.set_ylim(ymin - pad_y, ymax + pad_y)
    ax.set_aspect(1 / math.cos(math.radians((ymin + ymax) / 2)))  # degrees of longitude are shorter
    ax.set_axis_off()
    if title is None:
        prefectures = sorted(set(frame[bnd.PREFECTURE].astype(str)))
        title = f"{'・'.join(prefectures)}の市区町村" if len(prefectures) <= 2 else "市区町村の地図"
    ax.set_title(title)
    if by_row and norm is not None:
        mappable = plt.cm.ScalarMappable(norm=norm, cmap=colormap)
        ax.figure.colorbar(mappable, ax=ax, shrink=0.6, label=label)
    if not foot:
        return ax
    lines = [credit if credit is not None else _credit(frame)]
    uncoded = frame.loc[frame[bnd.CODE].isna(), bnd.NAME].astype(str).tolist()
    if uncoded:
        lines.append(f"斜線の区域は団体コードのない区域です（{'、'.join(uncoded)}）。どの市区町村にも含めていません。")
    ax.figure.text(0.01, 0.01, "\n".join(lines), fontsize=7, ha="left", va="bottom", color="#555555")
    return ax


def zoom_window(town: bnd.Shape, area: Iterable[bnd.Shape], *, smaller_than: float = 0.08,
                times: float = 5.0, least_km: float = 20.0) -> tuple[float, float, float, float] | None:
    """(最小経度, 最小緯度, 最大経度, 最大緯度) of the town's surroundings when the town spans less than
    ``smaller_than`` of the area's extent (it would be a few pixels on a map of the whole area);
    None when it shows well enough. The window is ``times`` the town's extent, at least ``least_km``."""
    x0, y0, x1, y1 = town.bounds()
    ax0, ay0, ax1, ay1 = _bounds(area)
    shrink = math.cos(math.radians((ay0 + ay1) / 2))   # km per degree of longitude ÷ km per degree of latitude
    extent = max((x1 - x0) * shrink, y1 - y0)
    if extent >= smaller_than * max((ax1 - ax0) * shrink, ay1 - ay0):
        return None
    half = max(extent * times, least_km / 111.0) / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - half / shrink, cy - half, cx + half / shrink, cy + half


def _bounds(shapes: Iterable[bnd.Shape]) -> tuple[float, float, float, float]:
    boxes = [s.bounds() for s in shapes]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))
