"""Time the Excel readers on a folder of 総務省 住基 files (median of 3 runs per file).

    python scripts/bench_excel.py ../shared/realdata/finance_population

Readers missing from the environment (xlrd is not a dependency of the course) are skipped.
The figures behind the choice of calamine are in docs/real_files.md.
"""
from __future__ import annotations

import importlib.util
import statistics
import sys
import time
import warnings
from pathlib import Path

import pandas as pd


def calamine_grid(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=False)
    _ = sheet.merged_cell_ranges
    return len(rows)


def openpyxl_grid(path: Path) -> int:
    import openpyxl

    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    _ = ws.merged_cells.ranges
    return len(rows)


def xlrd_grid(path: Path) -> int:
    import xlrd

    sheet = xlrd.open_workbook(str(path), formatting_info=True).sheet_by_index(0)
    rows = [sheet.row_values(i) for i in range(sheet.nrows)]
    _ = sheet.merged_cells
    return len(rows)


def pandas_engine(engine: str):
    return lambda path: len(pd.read_excel(path, header=None, engine=engine))


READERS = {  # name → (function, module it needs, suffixes it reads)
    "calamine (grid + merged cells)": (calamine_grid, "python_calamine", (".xls", ".xlsx")),
    "pandas engine=calamine": (pandas_engine("calamine"), "python_calamine", (".xls", ".xlsx")),
    "openpyxl (grid + merged cells)": (openpyxl_grid, "openpyxl", (".xlsx",)),
    "pandas engine=openpyxl": (pandas_engine("openpyxl"), "openpyxl", (".xlsx",)),
    "xlrd (grid + merged cells)": (xlrd_grid, "xlrd", (".xls",)),
    "pandas engine=xlrd": (pandas_engine("xlrd"), "xlrd", (".xls",)),
}


def main(folder: str) -> None:
    warnings.simplefilter("ignore")  # pandas 3.1 warns that its xlrd engine is deprecated (in favour of calamine)
    files = sorted(Path(folder).glob("soumu_juki_*"))
    for name, (read, module, suffixes) in READERS.items():
        if importlib.util.find_spec(module) is None:
            print(f"{name:34s} skipped ({module} is not installed)")
            continue
        for suffix in suffixes:
            chosen = [f for f in files if f.suffix == suffix]
            medians = []
            for f in chosen:
                runs = []
                for _ in range(3):
                    start = time.perf_counter()
                    read(f)
                    runs.append(time.perf_counter() - start)
                medians.append(statistics.median(runs))
            if medians:
                print(f"{name:34s} {suffix:5s} {len(chosen)} files: median {statistics.median(medians):.3f} s a file,"
                      f" {sum(medians):.2f} s in all")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/realdata/finance_population")
