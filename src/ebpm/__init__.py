"""EBPM course library."""
from __future__ import annotations

__version__ = "0.1.0"


def _record_cell_runs() -> None:
    # Inside a kernel, remember each cell's outcome so that test cells can tell an untouched stub
    # from an answer cell that stopped with an error (see ebpm.cellrecord).
    from ebpm import cellrecord

    cellrecord.install()


_record_cell_runs()
