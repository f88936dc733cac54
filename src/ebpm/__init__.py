"""EBPM course library."""
from __future__ import annotations

__version__ = "0.1.0"


def _record_cell_runs() -> None:
    # Inside a kernel, remember each cell's outcome so that test cells can tell an untouched stub
    # from an answer cell that stopped with an error (see ebpm.cellrecord).
    from ebpm import cellrecord

    cellrecord.install()


def _quiet_future_excel_engine_notice() -> None:
    # pandas 3.1 announces that pandas 4 will read .xlsx with calamine by default; the course pins
    # pandas below 4, so the notice changes nothing for learners, yet on stderr it fails a cell.
    import warnings

    warnings.filterwarnings("ignore", message="The default engine for reading 'xlsx' files will change")


_record_cell_runs()
_quiet_future_excel_engine_notice()
