"""A learner's own progress check: which exercises of an assignment are done, wrong or not yet.

Runs a copy of each of the learner's notebooks (their files are never changed) and reads the
result of every autograded test cell: 正解 (the visible checks pass), 不正解 (a check failed,
with its message) or 未回答. Hidden tests are not in learner notebooks, so a 正解 here is
what the learner can see; the instructor's grading may still find more.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from ebpm.errors import EbpmError

NOT_ANSWERED_MARKERS = ("まだ回答されていません", "NotImplementedError")
COLUMNS = ["ノートブック", "演習", "状態", "配点", "メッセージ"]


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
    return "不正解", str(error.get("evalue", "")).splitlines()[0] if error.get("evalue") else error.get("ename", "")


def check_notebook(path: Path, timeout: int = 120) -> list[dict]:
    """Run a copy of one notebook and report each autograded test cell."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="ebpm-selfcheck-") as workdir:
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": workdir}})
        client.execute(env={**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
    rows = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            status, message = _status(cell)
            rows.append({"ノートブック": path.stem, "演習": meta.get("grade_id", ""), "状態": status,
                         "配点": float(meta.get("points", 0)), "メッセージ": message})
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
    """Per notebook: exercises done, points of the exercises passed, and points in all."""
    done = table.assign(正解の配点=table["配点"].where(table["状態"] == "正解", 0.0))
    grouped = done.groupby("ノートブック", sort=True)
    return pd.DataFrame({
        "正解": grouped["状態"].apply(lambda s: int((s == "正解").sum())),
        "不正解": grouped["状態"].apply(lambda s: int((s == "不正解").sum())),
        "未回答": grouped["状態"].apply(lambda s: int((s == "未回答").sum())),
        "正解の配点": grouped["正解の配点"].sum(),
        "配点": grouped["配点"].sum(),
    })


def show(folder: str | Path | None = None, assignment: str = "prestudy") -> pd.DataFrame:
    """Print the learner's progress in Japanese and return the detailed table."""
    table = progress(folder, assignment)
    overview = summary(table)
    done, total = int((table["状態"] == "正解").sum()), len(table)
    print(f"自動採点の演習 {total} 問のうち {done} 問が正解です（見えるテストでの確認）。")
    print(overview.to_string())
    wrong = table[table["状態"] == "不正解"]
    if len(wrong):
        print("\n見直しが必要な演習:")
        for _, row in wrong.iterrows():
            print(f"  {row['ノートブック']} / {row['演習']}: {row['メッセージ']}")
    return table
