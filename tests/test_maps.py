"""Tests of ebpm.maps: prefecture maps drawn from the shipped shapes."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ebpm import datasets, maps  # noqa: E402
from ebpm.errors import DataFormatError  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_shapes_have_47_prefectures_with_names_and_regions():
    shapes = maps.load_prefecture_shapes()
    names = {f["properties"]["都道府県名"] for f in shapes}
    assert len(names) == 47
    assert {"北海道", "熊本県", "沖縄県"} <= names
    assert {f["properties"]["地方"] for f in shapes} >= {"九州", "関東"}


def test_highlight_colours_only_the_named_prefectures():
    ax = maps.prefecture_map(highlight=["熊本県", "44"])
    colors = maps.patch_colors(ax)
    assert len(colors) == 47
    assert colors["熊本県"] == maps.HIGHLIGHT_COLOR
    assert colors["大分県"] == maps.HIGHLIGHT_COLOR  # by 2-digit code
    assert colors["福岡県"] == maps.DEFAULT_COLOR
    assert ax.get_title() == "都道府県の地図"


def test_region_draws_only_that_region():
    ax = maps.prefecture_map(region="九州", title="九州")
    prefectures = datasets.load("prefectures")
    expected = set(prefectures.loc[prefectures["地方"] == "九州", "都道府県名"])
    assert set(maps.patch_colors(ax)) == expected
    assert ax.get_title() == "九州"


def test_values_colour_by_number_and_leave_missing_grey():
    values = pd.Series({"熊本県": 5, "福岡県": 1, "大分県": 3})
    ax = maps.prefecture_map(values, label="件数")
    colors = maps.patch_colors(ax)
    assert colors["佐賀県"] == maps.DEFAULT_COLOR
    assert len({colors["熊本県"], colors["福岡県"], colors["大分県"]}) == 3
    assert len(ax.figure.axes) == 2  # the map and its colour bar


def test_unknown_prefecture_is_a_clear_error():
    with pytest.raises(DataFormatError, match="熊本"):
        maps.prefecture_map(highlight=["熊本"])
    with pytest.raises(DataFormatError, match="地方"):
        maps.prefecture_map(region="九週")


def test_values_and_highlight_together_are_refused():
    with pytest.raises(ValueError):
        maps.prefecture_map({"熊本県": 1}, highlight=["熊本県"])


def test_broken_geojson_names_the_file(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection"}', encoding="utf-8")
    with pytest.raises(DataFormatError, match="bad.geojson"):
        maps.load_prefecture_shapes(bad)


def test_japanese_map_emits_no_warning():
    from ebpm import plotting

    plotting.setup()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = maps.prefecture_map({"熊本県": 2.5, "宮崎県": 1.0}, region="九州", title="九州の値", label="値（件）")
        ax.figure.canvas.draw()
