"""Find the user's downloaded files in one folder and read each yearly series once.

The folder may hold the files flat or in sub-folders, under any names: a file is taken for a
住基 or 主要財政指標 file by its name when the name says so (総務省's ``ssjin``, ``zaisei``,
``財政``), and otherwise by its content. Boundaries are the 国土数値情報 N03 files (GeoJSON or
TopoJSON) found in the folder, or the file given. A file that cannot be read is set aside with the
reader's Japanese message (``Sources.refused``), so one bad download does not stop the report.
"""
from __future__ import annotations

import pickle
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ebpm import boundaries as bnd
from ebpm import excel, soumu
from ebpm.errors import DataFormatError

BOUNDARY_SUFFIXES = (".geojson", ".topojson", ".json")
_JUKI_NAME = re.compile(r"ssjin|juki|jyuki|住基|住民基本台帳", re.IGNORECASE)
_ZAISEI_NAME = re.compile(r"zaisei|shihyo|財政", re.IGNORECASE)

JUKI_DOWNLOAD = (
    "総務省「住民基本台帳に基づく人口、人口動態及び世帯数」の各年の「市区町村別」（総計）の表"
    "（ファイル名の例: 2203ssjin.xlsx）"
)
ZAISEI_DOWNLOAD = "総務省「全市町村の主要財政指標」の各年度のファイル（例: 令和2年度の表）"
N03_DOWNLOAD = "国土数値情報「行政区域データ（N03）」の都道府県のファイル（GeoJSON）"


@dataclass
class Sources:
    """Everything the report reads, read once: long tables, boundaries and what was set aside."""

    folder: Path
    juki: pd.DataFrame
    zaisei: pd.DataFrame | None = None
    boundaries: pd.DataFrame | None = None
    boundary_files: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)   # (file name, Japanese reason)
    notes: list[str] = field(default_factory=list)
    _juki_wide: pd.DataFrame | None = field(default=None, repr=False)
    _zaisei_wide: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def juki_wide(self) -> pd.DataFrame:
        """One row per 団体 and 年, one column per item (cached)."""
        if self._juki_wide is None:
            self._juki_wide = soumu.to_wide(self.juki)
        return self._juki_wide

    @property
    def zaisei_wide(self) -> pd.DataFrame | None:
        if self.zaisei is None:
            return None
        if self._zaisei_wide is None:
            self._zaisei_wide = soumu.to_wide(self.zaisei)
        return self._zaisei_wide

    def save(self, path: str | Path) -> Path:
        """Keep the series for the other towns of a batch (a pickle: trusted, local use only)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.juki_wide, self.zaisei_wide  # noqa: B018 - computed once, before the copies
        with path.open("wb") as handle:
            pickle.dump(self, handle, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    @staticmethod
    def load(path: str | Path) -> Sources:
        with Path(path).open("rb") as handle:
            return pickle.load(handle)


def _kind_by_name(file: Path) -> str | None:
    name = unicodedata.normalize("NFKC", file.name)
    if _ZAISEI_NAME.search(name):
        return soumu.ZAISEI
    if _JUKI_NAME.search(name):
        return soumu.JUKI
    return None


def _excel_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in excel.EXCEL_SUFFIXES
                  and not p.name.startswith(("~$", ".")))


def classify(files: list[Path], refused: list[tuple[str, str]]) -> dict[str, list[Path]]:
    """Files by kind (住基, 財政指標); a file of neither kind goes to ``refused`` with the reason."""
    kinds: dict[str, list[Path]] = {soumu.JUKI: [], soumu.ZAISEI: []}
    for file in files:
        kind = _kind_by_name(file)
        if kind is None:
            try:
                kind = soumu.file_kind(file)
            except DataFormatError as error:
                refused.append((file.name, str(error)))
                continue
        kinds[kind].append(file)
    return kinds


def _read_series(files: list[Path], kind: str, refused: list[tuple[str, str]]) -> pd.DataFrame | None:
    """read_series, setting aside each file it refuses and trying again without it."""
    files = list(files)
    while files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", soumu.MissingYearWarning)  # kept in attrs and shown in the notes
                return soumu.read_series(files, kind=kind)
        except DataFormatError as error:
            bad = error.path
            match = [f for f in files if bad is not None and f.name == Path(bad).name]
            if not match:
                raise
            refused.append((match[0].name, str(error)))
            files.remove(match[0])
    return None


def _boundary_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in BOUNDARY_SUFFIXES
                  and not p.name.startswith("."))


def read_boundary_files(files: list[Path], refused: list[tuple[str, str]]) -> tuple[pd.DataFrame | None, list[str]]:
    """N03 files read with wards dissolved into their city; one table for all prefectures found."""
    frames, used = [], []
    for file in files:
        try:
            frame = bnd.read_boundaries(file, dissolve_wards=True)
        except (DataFormatError, ValueError, KeyError) as error:
            refused.append((file.name, str(error)))
            continue
        if frame.empty:
            continue
        frames.append(frame)
        used.append(file.name)
    if not frames:
        return None, used
    table = pd.concat(frames, ignore_index=True)
    table = table.drop_duplicates(subset=[bnd.CODE, bnd.NAME], keep="first").reset_index(drop=True)
    table.attrs[bnd.NOTES_ATTR] = [n for f in frames for n in f.attrs.get(bnd.NOTES_ATTR, [])]
    return table, used


def load_sources(folder: str | Path, boundaries: str | Path | None = None) -> Sources:
    """Read every file the report needs from ``folder`` (and ``boundaries``, a file or folder).

    Refuses, in Japanese, a folder that does not exist or holds no 住基 file; everything else that
    is missing (財政指標, boundaries) only leaves its part of the report out, with a note.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataFormatError(
            "データのフォルダがありません。パスを確かめてください。", path=folder,
            expected=f"ダウンロードしたファイルを入れたフォルダ（{JUKI_DOWNLOAD} など）",
        )
    refused: list[tuple[str, str]] = []
    kinds = classify(_excel_files(folder), refused)
    if not kinds[soumu.JUKI]:
        found = "、".join(f"「{name}」" for name, _ in refused[:3])
        raise DataFormatError(
            "住民基本台帳の人口・世帯数のファイルが見つかりません。"
            + (f"読めなかったファイル: {found}。" if found else ""),
            path=folder, expected=f"{JUKI_DOWNLOAD} を 1 年分以上",
        )
    juki = _read_series(kinds[soumu.JUKI], soumu.JUKI, refused)
    if juki is None:
        reasons = " / ".join(reason for _, reason in refused)
        raise DataFormatError(f"住基のファイルを 1 つも読めませんでした。{reasons}", path=folder,
                              expected=JUKI_DOWNLOAD)
    zaisei = _read_series(kinds[soumu.ZAISEI], soumu.ZAISEI, refused) if kinds[soumu.ZAISEI] else None
    notes = []
    if zaisei is None:
        notes.append(f"主要財政指標のファイルがないため、財政の部分は省きました。加えるには {ZAISEI_DOWNLOAD} を同じフォルダに入れてください。")
    if boundaries is None:
        boundary_files = _boundary_files(folder)
    else:
        given = Path(boundaries)
        if not given.exists():
            raise DataFormatError("境界のファイルがありません。パスを確かめてください。", path=given,
                                  expected=N03_DOWNLOAD)
        boundary_files = _boundary_files(given) if given.is_dir() else [given]
    shapes, used = read_boundary_files(boundary_files, refused)
    return Sources(folder=folder, juki=juki, zaisei=zaisei, boundaries=shapes, boundary_files=used,
                   refused=refused, notes=notes)
