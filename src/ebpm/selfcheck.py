"""A learner's own progress check: which exercises of an assignment are done, wrong or not yet.

Runs a copy of each of the learner's notebooks (their files are never changed) and reads the
result of every autograded test cell: 正解 (the visible checks pass), 不正解 (a check failed,
with its message) or 未回答. Hidden tests are not in learner notebooks, so a 正解 here is
what the learner can see; the instructor's grading may still find more.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from ebpm.errors import EbpmError

NOT_ANSWERED_MARKERS = ("まだ回答されていません", "NotImplementedError")
COLUMNS = ["ノートブック", "演習", "種類", "状態", "配点", "得点", "メッセージ"]
AUTOGRADED, WRITTEN = "自動採点", "記述（講師が採点）"
_EXERCISE_HEADING = re.compile(r"^#+\s*(演習\s*\d+[^（(\n]*)")


def _find_folder(folder: str | Path | None, assignment: str) -> Path:
    if folder is not None:
        return Path(folder)
    cwd = Path.cwd()
    for candidate in (cwd / assignment, cwd, cwd.parent / assignment):
        if any(candidate.glob("*.ipynb")) and (candidate.name == assignment or candidate == cwd):
            return candidate
    from ebpm import course

    return course.release_dir() / assignment


def _status(cell) -> tuple[str, str]:
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return "正解", ""
    error = errors[0]
    message = f"{error.get('ename', '')}: {error.get('evalue', '')}"
    if any(marker in message for marker in NOT_ANSWERED_MARKERS) or error.get("ename") == "NameError":
        return "未回答", ""
    evalue = str(error.get("evalue", ""))
    return "不正解", " ".join(evalue.splitlines()) if evalue else error.get("ename", "")


def _written_status(cell, stub: str) -> str:
    # the cell holds the question and, until the learner writes, the stub where the answer goes
    text = cell.source.strip()
    return "未記入" if not text or text.endswith(stub.strip()) else "記入済み"


def exercise_titles(notebook) -> dict[str, str]:
    """grade id of every graded cell → 「演習 N: 題名」 from the exercise heading above it."""
    titles, current = {}, ""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = _EXERCISE_HEADING.match(cell.source.strip())
            if match:
                current = match.group(1).strip()
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and current:
            titles[meta["grade_id"]] = current
    return titles


def check_notebook(path: Path, timeout: int = 120) -> list[dict]:
    """Run a copy of one notebook and report each autograded test cell and each written answer."""
    import nbformat
    from nbclient import NotebookClient

    from ebpm import course

    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="ebpm-selfcheck-") as workdir:
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": workdir}})
        client.execute(env={**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
    titles = exercise_titles(notebook)
    stub = str(course.nbgrader_config().ClearSolutions.text_stub)
    rows = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade"):
            continue
        title = titles.get(meta.get("grade_id", ""), meta.get("grade_id", ""))
        points = float(meta.get("points", 0))
        if cell.cell_type == "code" and not meta.get("solution"):
            status, message = _status(cell)
            rows.append({"ノートブック": path.stem, "演習": title, "種類": AUTOGRADED, "状態": status,
                         "配点": points, "得点": points if status == "正解" else 0.0, "メッセージ": message})
        elif cell.cell_type == "markdown" and meta.get("solution"):
            rows.append({"ノートブック": path.stem, "演習": title, "種類": WRITTEN,
                         "状態": _written_status(cell, stub), "配点": points, "得点": float("nan"), "メッセージ": ""})
    return rows


def progress(folder: str | Path | None = None, assignment: str = "prestudy") -> pd.DataFrame:
    """One row per autograded exercise of every notebook in ``folder`` (the learner's copy)."""
    location = _find_folder(folder, assignment)
    notebooks = sorted(p for p in location.glob("*.ipynb") if not p.name.startswith("_"))
    if not notebooks:
        raise EbpmError(f"フォルダ「{location}」にノートブックがありません。課題のフォルダを指定してください。")
    rows = []
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        tqdm = lambda items, **_: items  # noqa: E731
    for path in tqdm(notebooks, desc="確認中", unit="本", disable=None):
        rows.extend(check_notebook(path))
    return pd.DataFrame(rows, columns=COLUMNS)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per notebook: exercises passed, wrong and not answered, points earned, and written answers filled in."""
    auto = table[table["種類"] == AUTOGRADED]
    written = table[table["種類"] == WRITTEN]
    grouped = auto.groupby("ノートブック", sort=True)
    overview = pd.DataFrame({
        "正解": grouped["状態"].apply(lambda s: int((s == "正解").sum())),
        "不正解": grouped["状態"].apply(lambda s: int((s == "不正解").sum())),
        "未回答": grouped["状態"].apply(lambda s: int((s == "未回答").sum())),
        "得点": grouped["得点"].sum(),
        "配点": grouped["配点"].sum(),
    })
    filled = written.groupby("ノートブック")["状態"].apply(lambda s: f"{int((s == '記入済み').sum())} / {len(s)}")
    overview["記述の記入"] = filled.reindex(overview.index).fillna("0 / 0")
    return overview


def show(folder: str | Path | None = None, assignment: str = "prestudy") -> pd.DataFrame:
    """Print the learner's progress in Japanese and return the detailed table."""
    table = progress(folder, assignment)
    overview = summary(table)
    auto = table[table["種類"] == AUTOGRADED]
    done, total = int((auto["状態"] == "正解").sum()), len(auto)
    print(f"自動採点の演習 {total} 問のうち {done} 問が正解です（見えるテストでの確認）。"
          f"自動採点の点数は {auto['配点'].sum():g} 点中 {auto['得点'].sum():g} 点です。")
    print(overview.to_string())
    for label, rows in (("見直しが必要な演習", auto[auto["状態"] == "不正解"]),
                        ("まだ回答していない演習", auto[auto["状態"] == "未回答"]),
                        ("まだ書いていない記述の問題", table[(table["種類"] == WRITTEN) & (table["状態"] == "未記入")])):
        if len(rows):
            print(f"\n{label}:")
            for _, row in rows.iterrows():
                detail = f": {row['メッセージ']}" if row["メッセージ"] else ""
                print(f"  {row['ノートブック']} / {row['演習']}（{row['配点']:g} 点）{detail}")
    written = table[table["種類"] == WRITTEN]
    if len(written):
        print("\n記述の問題は講師が採点します（ここでは、書いたかどうかだけを確かめています）。")
    return table
