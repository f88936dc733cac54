"""The list for HR (人事): one row per learner, a column per assignment, total, 修了 有/無.

``ebpm report`` writes ``_grading/exports/completion.csv`` (UTF-8 with BOM, so Excel opens it
without garbling) and ``completion.xlsx``, and, with ``--certificates``, one printable 修了証
(HTML) per learner who passed. A learner passes when the total score (late penalties taken off)
reaches the pass mark, a percentage of the full marks of every assignment counted (default 60).
Assignments not handed in count 0 points. Everyone in the gradebook is listed, so learners
registered from the roster who handed in nothing are there too. Each row also states the rule it
was judged by (the pass mark, the date of the judgement, the assignments counted), and the workbook
has a sheet 「判定の条件」 with the same and the hours a certificate states: the catalogue's minutes of
the notebooks counted (docs/curriculum.md, homework included), to the half hour.

The assignments of the evaluation (catalogue kind 効果測定: the skills check and the questionnaires)
are never counted, by default or when named: they measure the course, not the learner.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from ebpm.errors import EbpmError
from ebpm.evaluation import is_evaluation
from ebpm.grading import learners as learner_table
from ebpm.grading.layout import CourseLayout

DEFAULT_PASS_MARK = 60.0
COURSE_NAME = "自治体職員のデータ活用研修（EBPM）"
CSV_ENCODING = "utf-8-sig"
TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass
class Completion:
    table: pd.DataFrame          # what HR gets
    assignments: list[str]
    pass_mark: float
    hours: float                 # the catalogue's hours of the assignments counted
    judged: date | None = None   # the day of the judgement (Japan time)

    def conditions(self) -> list[tuple[str, str]]:
        """What the judgement rests on, in HR's words."""
        return [("修了の基準", f"数えた課題すべての満点の合計に対する得点率が {self.pass_mark:g}% 以上"),
                ("判定日", (self.judged or today()).isoformat()),
                ("数えた課題", "、".join(_title(a) for a in self.assignments)),
                ("研修時間（修了証に記載）", f"{self.hours:g} 時間（数えた課題の所要時間の合計。docs/curriculum.md）"),
                ("未提出の課題", "0 点として数えます")]


def today() -> date:
    return datetime.now(TOKYO).date()


def _title(assignment: str) -> str:
    from ebpm import catalog

    try:
        return catalog.assignment(assignment).title
    except KeyError:
        return assignment


def _hours(assignments: list[str]) -> float:
    from ebpm import catalog

    minutes = 0
    for assignment in assignments:
        try:
            minutes += catalog.assignment(assignment).minutes
        except KeyError:
            continue
    return round(minutes / 60 * 2) / 2  # to the half hour


def completion(layout: CourseLayout, assignments: list[str] | None = None,
               pass_mark: float = DEFAULT_PASS_MARK) -> Completion:
    """The HR table from the gradebook (manual scores included)."""
    from nbgrader.api import Gradebook

    if not 0 < pass_mark <= 100:
        raise EbpmError(f"修了の基準 {pass_mark} は 0 より大きく 100 以下の百分率で指定してください（例: 60）。")
    known = learner_table.read_table(layout)
    rows = []
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        registered = [a.name for a in gradebook.assignments]
        evaluation = [a for a in (assignments or []) if is_evaluation(a)]
        if evaluation:
            raise EbpmError(f"課題 {', '.join(evaluation)} は効果測定（スキルチェック・アンケート）の課題なので、修了判定には数えません。"
                            "数える課題から外してください（効果測定の結果は `.venv/bin/ebpm evaluate` で見ます）。")
        chosen = assignments or [a for a in registered if not is_evaluation(a)]
        missing = [a for a in chosen if a not in registered]
        if missing:
            raise EbpmError(f"課題 {', '.join(missing)} は成績簿に登録されていません。登録済み: {', '.join(registered)}")
        maxima = {a: float(gradebook.find_assignment(a).max_score) for a in chosen}
        handed_in = {a: {s.student.id: s for s in gradebook.assignment_submissions(a)} for a in chosen}
        for student in sorted(gradebook.students, key=lambda s: s.id):
            entry = known.get(student.id)
            name = entry.name if entry else (" ".join(n for n in (student.last_name, student.first_name) if n)
                                             or student.id)
            row = {"氏名": name, "所属": entry.affiliation if entry else ""}
            total, not_in, waiting = 0.0, [], 0
            for assignment in chosen:
                submission = handed_in[assignment].get(student.id)
                if submission is None:
                    score = 0.0
                    not_in.append(_title(assignment))
                else:
                    score = max(0.0, float(submission.score) - float(submission.late_submission_penalty or 0))
                    waiting += sum(1 for n in submission.notebooks for g in n.grades if g.needs_manual_grade)
                row[f"{_title(assignment)}（{maxima[assignment]:g} 点満点）"] = score
                total += score
            full = sum(maxima.values())
            percent = round(total / full * 100, 1) if full else 0.0
            row.update({"合計": total, "満点": full, "得点率（%）": percent,
                        "修了": "有" if percent >= pass_mark else "無",
                        "未提出の課題": "、".join(not_in), "記述の採点残り": waiting, "受講者ID": student.id})
            rows.append(row)
    judged = today()
    for row in rows:  # each row carries the rule it was judged by, so no copy of the table loses it
        row.update({"修了の基準（得点率 %）": pass_mark, "判定日": judged.isoformat(),
                    "数えた課題": "、".join(_title(a) for a in chosen)})
    table = pd.DataFrame(rows)
    if not table.empty:
        table = table.sort_values(["所属", "氏名"], kind="stable").reset_index(drop=True)
    return Completion(table, list(chosen), pass_mark, _hours(list(chosen)), judged)


def write(layout: CourseLayout, result: Completion) -> list[Path]:
    """completion.csv (UTF-8 with BOM) and completion.xlsx in _grading/exports/."""
    layout.exports.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = layout.exports / "completion.csv", layout.exports / "completion.xlsx"
    result.table.to_csv(csv_path, index=False, encoding=CSV_ENCODING)
    with pd.ExcelWriter(xlsx_path, engine="openpyxl") as writer:
        result.table.to_excel(writer, index=False, sheet_name="修了判定")
        sheet = writer.sheets["修了判定"]
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(40, 4 + 2 * width)
        sheet.freeze_panes = "B2"
        pd.DataFrame(result.conditions(), columns=["項目", "内容"]).to_excel(writer, index=False, sheet_name="判定の条件")
        writer.sheets["判定の条件"].column_dimensions["A"].width = 28
        writer.sheets["判定の条件"].column_dimensions["B"].width = 90
    return [csv_path, xlsx_path]


def certificate_html(name: str, affiliation: str, hours: float, issued: date, assignments: list[str]) -> str:
    """A 修了証 ready to print on A4."""
    what = "・".join(_title(a) for a in assignments)
    return f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>修了証 {html.escape(name)}</title>
<style>@page{{size:A4;margin:25mm}}body{{font-family:'Hiragino Mincho ProN','Yu Mincho','Noto Serif CJK JP',serif;
text-align:center;padding-top:30mm}}h1{{font-size:36pt;letter-spacing:.5em}}.name{{font-size:24pt;margin:20mm 0 4mm}}
.affiliation{{font-size:14pt}}.body{{font-size:14pt;line-height:2;margin:15mm 10mm;text-align:left}}
.date{{font-size:13pt;margin-top:20mm}}</style></head><body>
<h1>修了証</h1>
<p class="affiliation">{html.escape(affiliation)}</p>
<p class="name">{html.escape(name)} 様</p>
<p class="body">あなたは{html.escape(COURSE_NAME)}（{html.escape(what)}、{hours:g} 時間）の課程を修了したことを証します。</p>
<p class="date">{issued.year} 年 {issued.month} 月 {issued.day} 日</p>
</body></html>
"""


def write_certificates(layout: CourseLayout, result: Completion, issued: date | None = None) -> list[Path]:
    """One HTML certificate per learner who passed, named by the learner's name."""
    from ebpm.grading.bundles import file_name

    issued = issued or datetime.now(TOKYO).date()
    folder = layout.exports / "certificates"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for learner in result.table[result.table["修了"] == "有"].to_dict("records"):
        path = folder / f"{file_name(learner['氏名'], learner['受講者ID'])}.html"
        path.write_text(certificate_html(learner["氏名"], learner["所属"], result.hours, issued, result.assignments),
                        encoding="utf-8")
        written.append(path)
    return written
