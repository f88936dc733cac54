"""Find the user's downloaded files in one folder and read each yearly series once.

The folder may hold the files flat or in sub-folders, under any names and extensions: each file
is taken for a 住基 (人口・世帯数), 年齢階級別 or 主要財政指標 table by its content (an ``.xls`` renamed
``.xlsx`` and a 住基 table saved as CSV are read too). Boundaries are the 国土数値情報 N03 files (GeoJSON
or TopoJSON) found in the folder, or the file given. Every file of the folder is accounted for in
``Sources.files``: read (what and which year) or not read, with the reader's Japanese reason, so one
bad download does not stop the report and none is skipped without a word.
"""
from __future__ import annotations

import pickle
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ebpm import boundaries as bnd
from ebpm import excel, soumu
from ebpm.errors import DataFormatError

BOUNDARY_SUFFIXES = (".geojson", ".topojson", ".json")

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
    age: pd.DataFrame | None = None                                 # 年齢階級別人口, one row per area, sex and band
    files: list[dict[str, str]] = field(default_factory=list)     # every file of the folder: read or not, and why
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


AGE_DOWNLOAD = (
    "総務省「住民基本台帳に基づく人口、人口動態及び世帯数」の各年の「市区町村別」（総計）の年齢階級別人口の表"
    "（ファイル名の例: 2204ssnen.xlsx）"
)
READ = "読みました"
NOT_READ = "読みませんでした"


def _all_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _skip_reason(file: Path) -> str | None:
    if file.name.startswith("~$"):
        return "Excel でファイルを開いている間にできる一時ファイルです（Excel を閉じると消えます）。"
    if file.name.startswith("."):
        return "隠しファイル（OS が作るファイル）です。"
    return None


def read_tables(files: list[Path], refused: list[tuple[str, str]]) -> dict[str, dict[Path, pd.DataFrame]]:
    """Each file read once and sorted by its content's kind; a file of no known kind goes to ``refused``."""
    kinds: dict[str, dict[Path, pd.DataFrame]] = {soumu.JUKI: {}, soumu.AGE: {}, soumu.ZAISEI: {}}
    for file in files:
        try:
            kind, wide = soumu.read_wide(file)
        except DataFormatError as error:
            refused.append((file.name, str(error)))
            continue
        kinds[kind][file] = wide
    return kinds


def _read_series(wides: dict[Path, pd.DataFrame], kind: str, refused: list[tuple[str, str]]) -> pd.DataFrame | None:
    """soumu.combine, setting aside each file it refuses (a year twice, another scope) and trying again without it."""
    wides = dict(wides)
    while wides:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", soumu.MissingYearWarning)  # kept in attrs and shown in the notes
                return soumu.combine(wides, kind)
        except DataFormatError as error:
            bad = error.path
            match = [f for f in wides if bad is not None and f.name == Path(bad).name]
            if not match:
                raise
            refused.append((match[0].name, str(error)))
            del wides[match[0]]
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
    is missing (年齢階級別, 財政指標, boundaries) only leaves its part of the report out, with a note.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataFormatError(
            "データのフォルダがありません。パスを確かめてください。", path=folder,
            expected=f"ダウンロードしたファイルを入れたフォルダ（{JUKI_DOWNLOAD} など）",
        )
    refused: list[tuple[str, str]] = []
    everything = _all_files(folder)
    tables, boundary_candidates = [], []
    for file in everything:
        reason = _skip_reason(file)
        if reason:
            refused.append((file.name, reason))
        elif file.suffix.lower() in BOUNDARY_SUFFIXES:
            boundary_candidates.append(file)
        else:
            tables.append(file)
    kinds = read_tables(tables, refused)
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
    age = _read_series(kinds[soumu.AGE], soumu.AGE, refused) if kinds[soumu.AGE] else None
    zaisei = _read_series(kinds[soumu.ZAISEI], soumu.ZAISEI, refused) if kinds[soumu.ZAISEI] else None
    notes = []
    if age is None:
        notes.append(f"年齢階級別人口のファイルがないため、年齢構成の部分は省きました。加えるには {AGE_DOWNLOAD} を"
                     "同じフォルダに入れてください。")
    if zaisei is None:
        notes.append(f"主要財政指標のファイルがないため、財政の部分は省きました。加えるには {ZAISEI_DOWNLOAD} を同じフォルダに入れてください。")
    if boundaries is None:
        boundary_files = boundary_candidates
    else:
        given = Path(boundaries)
        if not given.exists():
            raise DataFormatError("境界のファイルがありません。パスを確かめてください。", path=given,
                                  expected=N03_DOWNLOAD)
        boundary_files = _boundary_files(given) if given.is_dir() else [given]
        for file in boundary_candidates:
            if file not in boundary_files:
                refused.append((file.name, "--boundaries で別の境界のファイルが指定されたため、使いませんでした。"))
    shapes, used = read_boundary_files(boundary_files, refused)
    sources = Sources(folder=folder, juki=juki, zaisei=zaisei, boundaries=shapes, boundary_files=used,
                      refused=refused, notes=notes, age=age)
    sources.files = file_accounts(sources, everything)
    return sources


def file_accounts(sources: Sources, files: list[Path]) -> list[dict[str, str]]:
    """One line per file of the folder: what it was read as (kind and year), or why it was not read."""
    used: dict[str, str] = {}
    for kind, table in ((soumu.JUKI, sources.juki), (soumu.AGE, sources.age), (soumu.ZAISEI, sources.zaisei)):
        if table is None:
            continue
        for year, name in table.attrs["ファイル"].items():
            label = f"{year_label(kind, year)}の{soumu.KINDS[kind]}"
            used[name] = label
    for name in sources.boundary_files:
        used[name] = "国土数値情報 行政区域（N03）の境界"
    reasons = dict(sources.refused)
    rows = []
    for file in files:
        shown = file.relative_to(sources.folder).as_posix() if file.is_relative_to(sources.folder) else file.name
        if file.name in used and file.name not in reasons:
            how = "（CSV から）" if excel.sniff(file) is None and file.suffix.lower() not in BOUNDARY_SUFFIXES else ""
            rows.append({"ファイル": shown, "状態": READ, "内容・理由": used[file.name] + how})
        else:
            rows.append({"ファイル": shown, "状態": NOT_READ,
                         "内容・理由": reasons.get(file.name, "どの表の種類にも当たりませんでした。")})
    for name in sources.boundary_files:   # a boundary file given outside the folder
        if not any(r["ファイル"].endswith(name) for r in rows):
            rows.append({"ファイル": name, "状態": READ, "内容・理由": used[name] + "（--boundaries で指定）"})
    return rows


def year_label(kind: str, year: int) -> str:
    if kind == soumu.ZAISEI:
        from ebpm import wareki

        return f"{wareki.to_wareki(year, fiscal=True)}（{year} 年度）"
    return f"{year} 年"
