"""Prefecture maps drawn with plain matplotlib patches from the shipped GeoJSON.

The shapes (dataset ``prefecture_shapes``) are simplified outlines, one polygon per prefecture,
meant for colouring prefectures by a value or highlighting a few of them; never for areas or
distances. Each prefecture is one ``matplotlib.patches.Polygon`` whose label is the prefecture
name, so a test can read back what was coloured from ``ax.patches``.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib import colors as mcolors
from matplotlib.patches import Polygon

from ebpm.errors import DataFormatError

__all__ = ["load_prefecture_shapes", "prefecture_map", "patch_colors"]

DEFAULT_COLOR = "#e6e6e6"
HIGHLIGHT_COLOR = "#e07b39"
EDGE_COLOR = "#ffffff"


@lru_cache(maxsize=2)
def _read_shapes(path: str) -> tuple[dict, ...]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        features = tuple(data["features"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFormatError(
            f"地図の形のファイルを読めません（{exc}）。", path=path,
            expected="features を持つ GeoJSON（FeatureCollection）",
        ) from None
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        if "都道府県名" not in props or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise DataFormatError(
                f"{number} 番目の地物に都道府県名か多角形がありません。", path=path,
                expected="properties に「都道府県名」、geometry が Polygon か MultiPolygon",
            )
    return features


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
