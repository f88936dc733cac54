"""Generated documentation: docs/curriculum.md (from the catalogue and the notebooks) and
docs/data_sources.md (from data/datapackage.json). Generated, so they cannot drift."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from ebpm import catalog, course, datapackage

GENERATED_NOTE = "<!-- このファイルは `ebpm docs` で生成しています。直接編集しないでください。 -->\n"


@dataclass(frozen=True)
class NotebookStats:
    autograded: int
    written: int
    points: float


def notebook_stats(path: Path) -> NotebookStats:
    """Count exercises and points from the nbgrader metadata of a solution notebook."""
    autograded = written = 0
    points = 0.0
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade"):
            continue
        points += float(meta.get("points", 0))
        if cell.cell_type == "code":
            autograded += 1
        else:
            written += 1
    return NotebookStats(autograded, written, points)


def curriculum_markdown() -> str:
    lines = [GENERATED_NOTE, "# カリキュラム（教材の一覧）", ""]
    total_minutes = sum(a.minutes for a in catalog.assignments())
    lines.append(f"全体の所要時間の目安: 約 {total_minutes} 分（{total_minutes / 60:.1f} 時間）。時間は、はじめて"
                 "プログラミングをする方が、説明を読み、演習を解き、間違いを直すまでの目安です。")
    lines.append("")
    for assignment in catalog.assignments():
        lines += [f"## {assignment.title}（`{assignment.id}`、約 {assignment.minutes} 分）", "", assignment.summary, ""]
        if assignment.session_minutes:
            lines += [f"当日にノートブックで使う時間は約 {assignment.session_minutes} 分です（3.5 時間の研修のうち、"
                      f"残りは講師の説明・話し合い・休憩）。「{catalog.HOMEWORK}」のノートブックは研修のあとに自分のペースで"
                      "進めます（当日に時間が余れば始めてかまいません）。", ""]
        lines += ["| ノートブック | いつ | 時間 | 自動採点 | 記述 | 配点 | データ |", "|---|---|---|---|---|---|---|"]
        details = []
        for entry in assignment.notebooks:
            path = course.solutions_dir() / assignment.id / f"{entry.file}.ipynb"
            stats = notebook_stats(path)
            data = "、".join(f"`{d}`" for d in entry.datasets)
            when = {"ワークショップ": entry.when, "事前学習": "事前"}.get(assignment.kind, assignment.kind)
            lines.append(f"| {entry.title}<br>`{entry.file}.ipynb` | {when} | {entry.minutes} 分 | {stats.autograded} 問 | "
                         f"{stats.written} 問 | {stats.points:g} 点 | {data} |")
            details += [f"### {entry.title}", "", "学習目標:", ""]
            details += [f"{i}. {objective}" for i, objective in enumerate(entry.objectives, 1)]
            details.append("")
        lines += ["", *details]
    return "\n".join(lines).rstrip() + "\n"


def data_sources_markdown() -> str:
    descriptor = datapackage.read_descriptor(course.repo_root() / "data")
    lines = [GENERATED_NOTE, "# データの出典とライセンス", "",
             "教材のデータはすべて `data/` にあり、`data/datapackage.json` に出典・ライセンス・sha256 を記録しています。",
             "架空データは `ebpm data build` で、公開データは `ebpm data vendor` で作り直せます。", ""]
    groups = (("公開データ（配布パッケージから取り出したもの）", False), ("架空データ（本研修が生成）", True))
    for heading, synthetic in groups:
        lines += [f"## {heading}", "", "| 名前 | ファイル | 内容 | ライセンス | 出典 |", "|---|---|---|---|---|"]
        for entry in descriptor.get("resources", []):
            if ("synthetic" in entry) != synthetic:
                continue
            licences = "、".join(lic.get("name", "") for lic in entry.get("licenses", []))
            if synthetic:
                origin = f"`{entry['synthetic'].get('command', 'ebpm data build')}`"
            else:
                origin = "<br>".join(
                    " ".join(filter(None, [s.get("title"), f"({s['package']} {s.get('version', '')})" if s.get("package") else ""]))
                    for s in entry.get("sources", [])
                )
            lines.append(f"| `{entry['name']}` | `{entry['path']}` | {entry['title']} | {licences} | {origin} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


GENERATED = {
    "docs/curriculum.md": curriculum_markdown,
    "docs/data_sources.md": data_sources_markdown,
}


def write() -> list[Path]:
    written = []
    for relative, make in GENERATED.items():
        target = course.repo_root() / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(make(), encoding="utf-8")
        written.append(target)
    return written


def stale() -> list[str]:
    return [
        relative for relative, make in GENERATED.items()
        if not (course.repo_root() / relative).is_file()
        or (course.repo_root() / relative).read_text(encoding="utf-8") != make()
    ]
