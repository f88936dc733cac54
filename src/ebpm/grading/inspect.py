"""Checks on a submission: before grading (can it be graded? was it tampered with?) and after.

Every finding is a :class:`Finding` with a Japanese message for the instructor. A *blocking*
finding means the submission cannot be graded at all (stock nbgrader would fail on it); a
*tamper* finding means the score may not reflect the learner's own work and a human should
look. Findings never change a score: the scores stay exactly what stock nbgrader gives.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat

from ebpm.grading import codecheck
from ebpm.grading.submissions import TIMESTAMP_FILE, Submission


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    blocking: bool = False
    tamper: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ReferenceCell:
    name: str
    cell_type: str
    locked: bool
    source: str
    graded: bool


@dataclass(frozen=True)
class ReferenceNotebook:
    name: str
    cells: dict[str, ReferenceCell]
    released_code: tuple[str, ...] = ()     # the code cells of the released (learner) version
    writes_expected: frozenset[str] = frozenset()  # answer cells whose solution writes a file


def reference_notebooks(db_url: str, course_id: str, assignment: str, release: Path | None = None,
                        source: Path | None = None) -> dict[str, ReferenceNotebook]:
    """The assignment's notebooks and cells as ``generate_assignment`` recorded them, with the code of
    the released version (``release``/<assignment>/) and of the solutions (``source``/<assignment>/)."""
    from nbgrader.api import Gradebook, MissingEntry

    from ebpm.errors import EbpmError

    with Gradebook(db_url, course_id) as gradebook:
        try:
            assignment_row = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise EbpmError(
                f"課題 {assignment} が成績簿にありません。先に `nbgrader generate_assignment {assignment}` "
                "を実行してください。") from None
        result = {}
        for notebook in assignment_row.notebooks:
            graded = {c.name for c in notebook.grade_cells} | {c.name for c in notebook.task_cells}
            cells = {c.name: ReferenceCell(c.name, c.cell_type, bool(c.locked), c.source or "", c.name in graded)
                     for c in notebook.source_cells}
            result[notebook.name] = ReferenceNotebook(
                notebook.name, cells, _code_cells(release, assignment, notebook.name),
                _answers_that_write(source, assignment, notebook.name))
    return result


def _read_notebook(folder: Path | None, assignment: str, name: str):
    path = folder / assignment / f"{name}.ipynb" if folder else None
    if path is None or not path.is_file():
        return None
    return nbformat.read(path, as_version=4)


def _code_cells(release: Path | None, assignment: str, name: str) -> tuple[str, ...]:
    notebook = _read_notebook(release, assignment, name)
    return tuple(c.source for c in notebook.cells if c.cell_type == "code") if notebook else ()


def _answers_that_write(source: Path | None, assignment: str, name: str) -> frozenset[str]:
    notebook = _read_notebook(source, assignment, name)
    if notebook is None:
        return frozenset()
    return frozenset(c.metadata["nbgrader"]["grade_id"] for c in notebook.cells
                     if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution")
                     and codecheck.writes_files(c.source))


# What each kind of finding in the learner's own code means (ebpm.grading.codecheck reads it).
_CODE_MESSAGES = {
    "monkeypatch": "テストや確認用の関数・モジュール（ebpm、math、numpy、pandas、組み込み関数など）を書き換えるコードがあります"
                   "（テストを素通りさせられる）",
    "grader_hooks": "IPython や Python の内部に手を入れるコードがあります（後のセル・テストを無効にできる）",
    "process_exit": "プロセスを止める・シグナルを変えるコードがあります",
    "file_writes": "ファイルを書き換える・消すコードがあります",
}


_HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)


def _normal(source: str) -> str:
    """A cell's source without hidden tests (the learner never sees them) and trailing spaces."""
    source = _HIDDEN_BLOCK.sub("", source)
    return "\n".join(line.rstrip() for line in source.strip().splitlines() if line.strip())


def precheck(submission: Submission, reference: dict[str, ReferenceNotebook]) -> list[Finding]:
    """What can be seen in the submitted files before anything runs."""
    findings: list[Finding] = []
    folder = submission.folder
    files = [p for p in folder.rglob("*") if p.is_file()]
    submitted = {p.stem: p for p in files if p.suffix == ".ipynb" and p.parent == folder}
    expected = set(reference)
    others = sorted(p.relative_to(folder).as_posix() for p in files
                    if p.suffix != ".ipynb" and p.name != TIMESTAMP_FILE
                    and ".ipynb_checkpoints" not in p.parts)
    if others:
        findings.append(Finding("extra_files",
                                f"ノートブック以外のファイルがあります（採点には使いません）: {', '.join(others)}",
                                tamper=any(Path(o).suffix in (".py", ".pth", ".so") for o in others)))
    unknown = sorted(set(submitted) - expected)
    present = sorted(set(submitted) & expected)
    missing = sorted(expected - set(submitted))
    if unknown:
        findings.append(Finding("unknown_notebook",
                                f"課題にない名前のノートブックがあります（採点されません）: "
                                f"{', '.join(n + '.ipynb' for n in unknown)}"))
    if not present:
        hint = f"。名前を {', '.join(n + '.ipynb' for n in sorted(expected))} に直して再採点してください" if unknown else ""
        findings.append(Finding("no_notebooks", f"採点するノートブックがありません{hint}。", blocking=True))
        return findings
    if missing:
        findings.append(Finding("missing_notebook",
                                f"提出されていないノートブックがあります（0 点になります）: "
                                f"{', '.join(n + '.ipynb' for n in missing)}"))
    for name in present:
        findings.extend(_check_notebook(submitted[name], reference[name]))
    return findings


def _check_notebook(path: Path, reference: ReferenceNotebook) -> list[Finding]:
    label = path.name
    try:
        text = path.read_text(encoding="utf-8")
        json.loads(text)
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return [Finding("invalid_json", f"{label}: ノートブックのファイルが壊れていて読めません（{type(error).__name__}）。"
                        "学習者に保存し直して再提出してもらってください。", blocking=True)]
    except Exception as error:  # nbformat.ValidationError and friends
        return [Finding("invalid_json", f"{label}: ノートブックの形式が正しくありません（{type(error).__name__}）。",
                        blocking=True)]
    findings: list[Finding] = []
    by_id: dict[str, list] = {}
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            by_id.setdefault(grade_id, []).append(cell)
    deleted, edited = [], []
    for name, ref in reference.cells.items():
        if not (ref.locked and ref.graded):
            continue  # test cells: what the learner must not touch
        cells = by_id.get(name, [])
        if not cells:
            deleted.append(name)
        elif any(_normal(c.source) != _normal(ref.source) or c.cell_type != ref.cell_type for c in cells):
            edited.append(name)
    if deleted:
        findings.append(Finding("test_deleted", f"{label}: テストセルが削除されています: {', '.join(deleted)}"
                                "（採点では元のテストを戻して実行します）", tamper=True))
    if edited:
        findings.append(Finding("test_edited", f"{label}: テストセルが書き換えられています: {', '.join(edited)}"
                                "（採点では元のテストに戻して実行します）", tamper=True))
    duplicated = sorted(name for name, cells in by_id.items() if len(cells) > 1)
    if duplicated:
        findings.append(Finding("duplicated_cells", f"{label}: 同じ ID のセルが複数あります: {', '.join(duplicated)}",
                                tamper=True))
    findings.extend(_check_code(notebook, reference, label))
    return findings


def _check_code(notebook, reference: ReferenceNotebook, label: str) -> list[Finding]:
    """Flags for the code the learner wrote: the cells they could edit (test cells and other locked cells
    are put back by nbgrader), statement by statement, leaving out what the released version already has."""
    editable, answers_that_write = [], []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id in reference.cells and reference.cells[grade_id].locked:
            continue
        (answers_that_write if grade_id in reference.writes_expected else editable).append(cell.source)
    context = [*reference.released_code, *(c.source for c in notebook.cells if c.cell_type == "code")]
    tests = [c.source for c in reference.cells.values() if c.locked and c.graded and c.cell_type == "code"]
    released = list(reference.released_code)
    found = codecheck.read_code(editable, released, context, test_cells=tests)
    found += codecheck.read_code(answers_that_write, released, context, writes_expected=True, test_cells=tests)
    findings = []
    for kind, message in _CODE_MESSAGES.items():
        statements = [f.statement for f in found if f.kind == kind]
        if statements:
            findings.append(Finding(kind, f"{label}: {message}（{' / '.join(statements[:3])}）", tamper=True))
    return findings


def postcheck(autograded: Path, reference: dict[str, ReferenceNotebook]) -> list[Finding]:
    """What the executed (autograded) notebooks show."""
    findings: list[Finding] = []
    for name, ref in sorted(reference.items()):
        path = autograded / f"{name}.ipynb"
        if not path.is_file():
            continue
        notebook = nbformat.read(path, as_version=4)
        stderr_cells, timeouts, memory, silent = [], [], [], []
        for cell in notebook.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            grade_id = meta.get("grade_id", "")
            outputs = cell.get("outputs", [])
            errors = [o for o in outputs if o.get("output_type") == "error"]
            if any(e.get("ename") == "CellTimeoutError" for e in errors):
                timeouts.append(grade_id or f"セル{notebook.cells.index(cell) + 1}")
            # numpy raises its own subclass (_ArrayMemoryError): any failed allocation is reported, so the
            # memory limit (RLIMIT_AS) can never change a score without a flag
            if any(str(e.get("ename", "")).endswith("MemoryError") for e in errors):
                memory.append(grade_id or f"セル{notebook.cells.index(cell) + 1}")
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            if any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in outputs):
                stderr_cells.append(grade_id)
            if not outputs:
                silent.append(grade_id)
        if stderr_cells:
            findings.append(Finding("stderr_in_test", f"{name}: テストセルが標準エラー出力（警告など）を出したため"
                                    f" 0 点になっています: {', '.join(stderr_cells)}。内容を確かめてください。"))
        if timeouts:
            findings.append(Finding("cell_timeout", f"{name}: 時間切れになったセルがあります（無限ループなど）: "
                                    f"{', '.join(timeouts)}"))
        if memory:
            findings.append(Finding("memory", f"{name}: メモリ不足（MemoryError）になったセルがあります: "
                                    f"{', '.join(memory)}"))
        if silent:
            findings.append(Finding("silent_test", f"{name}: 何も出力しなかったテストセルがあります: {', '.join(silent)}。"
                                    "後のセルを無効にするコードで採点を逃れた可能性があります。", tamper=True))
    return findings
