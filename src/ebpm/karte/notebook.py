"""What the report notebook calls: one context per run that finds the data, saves each table as
CSV (UTF-8 with BOM, for Excel) and writes the short summaries in plain Japanese."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ebpm.karte import tables
from ebpm.karte.sources import Sources, load_sources

SYNTHETIC_CREDIT = "架空データ（本研修が ebpm.synth で生成した、総務省の表と同じ形のファイル）"
JUKI_CREDIT = "出典：総務省「住民基本台帳に基づく人口、人口動態及び世帯数」（CC BY 4.0）"
ZAISEI_CREDIT = "出典：総務省「全市町村の主要財政指標」（CC BY 4.0）"


def default_data() -> tuple[Path, Path]:
    """The course's synthetic 総務省-shaped files and the fictional towns' boundaries."""
    from ebpm import datasets

    return datasets.path("soumu_juki_2014").parent.parent, datasets.path("town_boundaries")


@dataclass
class Karte:
    """One report run: the town, its data and where its tables go."""

    sources: Sources
    code: str
    rule: tables.PeerRule
    output: Path
    synthetic: bool

    @property
    def info(self) -> dict:
        return tables.town_info(self.sources, self.code)

    @property
    def name(self) -> str:
        return str(self.info["団体名"])

    def save(self, table: pd.DataFrame, name: str) -> pd.DataFrame:
        """Write ``table`` as ``<output>/csv/<name>.csv`` in UTF-8 with BOM and return it."""
        folder = self.output / "csv"
        folder.mkdir(parents=True, exist_ok=True)
        table.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")
        return table

    def credit(self, kind: str) -> str:
        if self.synthetic:
            return SYNTHETIC_CREDIT
        return JUKI_CREDIT if kind == "juki" else ZAISEI_CREDIT


def start(code: object, data_folder: str | Path | None = None, boundaries: str | Path | None = None,
          peer_rule: dict | None = None, output_folder: str | Path = "karte_output",
          sources_cache: str | Path | None = None) -> Karte:
    """Read (or take from a batch's cache) the data and check the code; Japanese errors otherwise."""
    synthetic = data_folder is None
    if synthetic:
        data_folder, default_bounds = default_data()
        boundaries = boundaries or default_bounds
    sources = Sources.load(sources_cache) if sources_cache else load_sources(data_folder, boundaries)
    checked = tables.check_code(sources, code)
    return Karte(sources=sources, code=checked, rule=tables.PeerRule.from_dict(peer_rule),
                 output=Path(output_folder), synthetic=synthetic)


def fmt(value: object, digits: int = 0) -> str:
    """A number with thousands separators, or 「—」 when there is none."""
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):,.{digits}f}"


def _number(value: float) -> str:
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def table_html(table: pd.DataFrame) -> str:
    """The table as HTML without the index, numbers with thousands separators, 「—」 for none."""
    return table.to_html(index=False, na_rep="—", float_format=_number, classes="karte-table", border=0)


def show(table: pd.DataFrame) -> None:
    """Display the table as :func:`table_html` writes it."""
    from IPython.display import HTML, display

    display(HTML(table_html(table)))


def say(text: str) -> None:
    """A paragraph of Markdown in the report."""
    from IPython.display import Markdown, display

    display(Markdown(text))
