"""Find the course's data, wherever a notebook happens to run.

Autograde runs notebooks in ``_grading/autograded/<learner>/<assignment>/`` and papermill in a
temporary folder, so notebooks never use relative paths such as ``../../data``. They ask for a
dataset by its name in ``data/datapackage.json`` (or by its path inside data/) instead.

Where the data is looked up, in order:
1. the folder named by the environment variable ``EBPM_DATA_DIR``;
2. the repository's ``data/`` (an editable install, the normal case for this course);
3. the copy packaged inside the wheel (``ebpm/_data``).
"""
from __future__ import annotations

import difflib
import json
import os
from functools import lru_cache
from pathlib import Path

from ebpm.errors import DatasetNotFoundError

DATA_DIR_ENV = "EBPM_DATA_DIR"
_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DATA_DIR = _PACKAGE_DIR.parent.parent / "data"
_WHEEL_DATA_DIR = _PACKAGE_DIR / "_data"


def data_dir() -> Path:
    """The folder that holds the course data (see the module docstring for the order)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        folder = Path(override).expanduser()
        if not folder.is_dir():
            raise DatasetNotFoundError(
                f"環境変数 {DATA_DIR_ENV} が指すフォルダ「{folder}」がありません。"
                "正しいフォルダを指定するか、この環境変数を消してください。"
            )
        return folder
    for folder in (_REPO_DATA_DIR, _WHEEL_DATA_DIR):
        if (folder / "datapackage.json").is_file():
            return folder
    raise DatasetNotFoundError(
        "研修用データのフォルダが見つかりません。`make lab` で環境を作り直すか、"
        f"環境変数 {DATA_DIR_ENV} でデータのフォルダを指定してください。"
    )


@lru_cache(maxsize=8)
def _resources_by_name(folder: str) -> dict[str, dict]:
    descriptor = json.loads((Path(folder) / "datapackage.json").read_text(encoding="utf-8"))
    return {res["name"]: res for res in descriptor.get("resources", [])}


def clear_cache() -> None:
    """Forget the catalogue read so far (after data/ or EBPM_DATA_DIR changed)."""
    _resources_by_name.cache_clear()


def resources() -> dict[str, dict]:
    """Every resource of data/datapackage.json, keyed by its name."""
    return dict(_resources_by_name(str(data_dir())))


def path(name: str) -> Path:
    """The path of a dataset, given its resource name or its path inside data/.

    >>> path("facilities")            # doctest: +SKIP
    PosixPath('.../data/synthetic/facilities.csv')
    """
    folder = data_dir()
    known = _resources_by_name(str(folder))
    if name in known:
        return folder / known[name]["path"]
    candidate = folder / name
    if candidate.is_file():
        return candidate
    suggestions = difflib.get_close_matches(name, list(known), n=5, cutoff=0.6)
    hint = f" 似た名前: {', '.join(suggestions[:5])}" if suggestions else ""
    raise DatasetNotFoundError(
        f"データセット「{name}」は研修データにありません。"
        f"`ebpm data list` で名前の一覧を確認してください。{hint}"
    )


def load(name: str, **read_options):
    """Read a tidy dataset into a DataFrame with the types recorded in datapackage.json.

    Code columns (団体コード, IDs) stay text so that leading zeros survive.
    Raw files that need a special reader (e-Stat downloads, Excel) are read with the readers
    in ``ebpm.estat`` and ``ebpm.juki`` instead; this function refuses them with a hint.
    """
    import pandas as pd

    file = path(name)
    resource = _resources_by_name(str(data_dir())).get(name, {})
    fmt = resource.get("format", file.suffix.lstrip(".")).lower()
    if fmt in ("geojson", "topojson"):
        raise DatasetNotFoundError(
            f"「{name}」は地図の境界データ（{fmt}）です。load() ではなく、"
            "ebpm.maps.read_boundaries（市区町村の境界）か maps.load_prefecture_shapes で読み込んでください。"
        )
    if resource.get("tidy") is False:
        raise DatasetNotFoundError(
            f"「{name}」は加工前の生データ（{fmt}）です。load() ではなく、"
            "ebpm.estat や ebpm.juki の読み込み関数か pandas で読み込んでください。"
        )
    if fmt == "csv":
        dtypes = {
            field["name"]: "string"
            for field in resource.get("schema", {}).get("fields", [])
            if field.get("type") == "string"
        }
        options = {"encoding": resource.get("encoding", "utf-8"), "dtype": dtypes or None}
        options.update(read_options)
        return pd.read_csv(file, **options)
    if fmt == "parquet":
        return pd.read_parquet(file, **read_options)
    if fmt == "json":
        return pd.read_json(file, **read_options)
    raise DatasetNotFoundError(f"「{name}」の形式 {fmt} は load() では読めません。")
