"""What the report notebook calls: one context per run that finds the data, saves each table as
CSV (UTF-8 with BOM, for Excel) and writes the short summaries in plain Japanese."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ebpm.errors import DataFormatError
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
    from ebpm.karte.report import absolute

    synthetic = data_folder is None
    data_folder, boundaries, output_folder, sources_cache = (
        None if p is None else absolute(p) for p in (data_folder, boundaries, output_folder, sources_cache))
    if synthetic:
        data_folder, default_bounds = default_data()
        boundaries = boundaries or default_bounds
    sources = Sources.load(sources_cache) if sources_cache else load_sources(data_folder, boundaries)
    checked, refused = check_codes(sources, [code], synthetic=synthetic)
    if refused:
        raise DataFormatError(refused[0][1])
    return Karte(sources=sources, code=checked[0], rule=tables.PeerRule.from_dict(peer_rule),
                 output=output_folder, synthetic=synthetic)


def check_codes(sources: Sources, codes: list[object], *, synthetic: bool) -> tuple[list[str], list[tuple[str, str]]]:
    """(6-digit codes found in the files, [(code as given, Japanese reason)] for the others).

    One wrong code among several does not stop the others. With the course's synthetic files
    (no ``--data``), a real town's code is not "missing from the files": the folder was forgotten.
    """
    from ebpm import lgcode

    checked: list[str] = []
    refused: list[tuple[str, str]] = []
    for code in codes:
        text = str(code).strip()
        if Path(text).is_dir():
            refused.append((text, f"「{text}」はフォルダです。団体コードではありません。"
                                  f"ファイルのフォルダは --data {text} のように --data を付けて指定してください。"))
            continue
        try:
            found = tables.check_code(sources, text)
        except DataFormatError as error:
            reason = str(error)
            if synthetic and lgcode.is_valid(_six_digits(text)):
                reason = (f"団体コード {text} は本研修の架空データ（星川町など）にありません。--data（ダウンロードしたファイルの"
                          f"フォルダ）を指定しなかったため、架空データで探しました。自分のまちのカルテは "
                          f"ebpm karte {text} --data まちのデータ のようにフォルダを指定して作ります。")
            refused.append((text, reason))
            continue
        if found not in checked:
            checked.append(found)
    return checked, refused


def _six_digits(text: str) -> str:
    from ebpm import lgcode

    plain = unicodedata.normalize("NFKC", text).strip()
    if len(plain) == 5 and plain.isascii() and plain.isdigit():
        try:
            return lgcode.to_6digit(plain)
        except DataFormatError:
            return plain
    return plain


def html_report(code: object, data_folder: str | Path | None = None, output_folder: str | Path = "karte_output",
              boundaries: str | Path | None = None, peer_rule: dict | None = None) -> Path:
    """Build one town's HTML report (as ``ebpm karte`` does) and return its path; a Japanese error if it failed."""
    from ebpm.karte import report

    results = report.build([str(code)], data_folder, output_folder, boundaries=boundaries, peer_rule=peer_rule,
                           progress=False)
    failed = [r for r in results if not r.ok]
    if failed:
        raise DataFormatError(f"{failed[0].code} のカルテを作成できませんでした: {failed[0].error or 'HTML がありません'}")
    return results[0].html


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
