"""Deterministic writers: the same rows give the same bytes on every machine and every run."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd

FIXED_TIME = datetime(2025, 4, 1, 9, 0, 0)
_ZIP_TIME = (2025, 4, 1, 9, 0, 0)


def write_tidy_csv(df: pd.DataFrame, file: Path) -> None:
    """A tidy UTF-8 CSV with LF line endings and no index."""
    file.parent.mkdir(parents=True, exist_ok=True)
    text = df.to_csv(index=False, lineterminator="\n", float_format="%.6g")
    file.write_bytes(text.encode("utf-8"))


def write_rows(
    rows: list[list[str]],
    file: Path,
    *,
    encoding: str = "utf-8",
    newline: str = "\n",
    quote_all: bool = False,
    final_newline: bool = True,
) -> None:
    """Write rows of already formatted text cells, with explicit encoding and line endings."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, lineterminator=newline, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    writer.writerows(rows)
    text = buffer.getvalue()
    if not final_newline and text.endswith(newline):
        text = text[: -len(newline)]
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(text.encode(encoding))


def save_workbook(workbook, file: Path) -> None:
    """Save an openpyxl workbook with fixed timestamps so the .xlsx is byte-identical each time."""
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "ebpm.synth"
    workbook.properties.lastModifiedBy = "ebpm.synth"
    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    # Workbook.save() stamps properties.modified with the clock; ExcelWriter does not.
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    raw.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, data, compresslevel=6)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(out.getvalue())


def thousands(value: int) -> str:
    return f"{value:,}"
