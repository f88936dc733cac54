"""Exports for the instructor: grades as CSV (Excel-ready) and an HTML summary with plots."""
from __future__ import annotations

import base64
import html
import io
from datetime import timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from ebpm.evaluation import is_evaluation
from ebpm.grading import journal
from ebpm.grading.layout import CourseLayout
from ebpm.grading.submissions import read_learner_table

TOKYO = ZoneInfo("Asia/Tokyo")
EVALUATION_NOT_IN = "効果測定（修了に数えません）"
EVALUATION_NOTE = ("効果測定の課題です。修了判定には数えず、受ける時期が受講者ごとに違うため未提出の一覧は示しません。"
                   "提出の状況と結果は `.venv/bin/ebpm evaluate` の報告で見ます。")
CSV_ENCODING = "utf-8-sig"  # the BOM makes Excel in Japan read UTF-8 instead of cp932


def _tokyo(value) -> str:
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(timezone.utc)  # nbgrader stores naive UTC
    return stamp.tz_convert(TOKYO).strftime("%Y-%m-%d %H:%M")


def grade_rows(layout: CourseLayout, assignments: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(long table: one row per learner × cell, submissions table: one row per learner × assignment)."""
    from nbgrader.api import Gradebook, MissingEntry

    names = read_learner_table(layout)
    cells, subs = [], []
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        students = {s.id: (names.get(s.id) or " ".join(n for n in (s.last_name, s.first_name) if n) or s.id)
                    for s in gradebook.students}
        for assignment_id in assignments:
            try:
                assignment = gradebook.find_assignment(assignment_id)
            except MissingEntry:
                continue
            submitted = {s.student.id: s for s in gradebook.assignment_submissions(assignment_id)}
            for student, name in sorted(students.items()):
                submission = submitted.get(student)
                if submission is None:
                    subs.append({"受講者ID": student, "氏名": name, "課題": assignment_id, "提出": False,
                                 "提出日時": "", "期限": _tokyo(assignment.duedate), "遅延秒": 0.0,
                                 "得点": None, "満点": assignment.max_score, "遅延減点": 0.0,
                                 "手動採点待ち": False, "記述の採点残り": 0})
                    continue
                subs.append({
                    "受講者ID": student, "氏名": name, "課題": assignment_id, "提出": True,
                    "提出日時": _tokyo(submission.timestamp), "期限": _tokyo(assignment.duedate),
                    "遅延秒": float(submission.total_seconds_late or 0), "得点": float(submission.score),
                    "満点": float(submission.max_score), "遅延減点": float(submission.late_submission_penalty or 0),
                    "手動採点待ち": bool(submission.needs_manual_grade),
                    "記述の採点残り": sum(1 for n in submission.notebooks for g in n.grades if g.needs_manual_grade),
                })
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        cells.append({
                            "受講者ID": student, "氏名": name, "課題": assignment_id, "ノートブック": notebook.name,
                            "設問ID": grade.cell.name,
                            "種類": "記述（手動採点）" if grade.cell.cell_type == "markdown" else "自動採点",
                            "得点": None if grade.score is None else float(grade.score),
                            "自動採点": grade.auto_score, "手動採点": grade.manual_score,
                            "満点": float(grade.max_score), "手動採点待ち": bool(grade.needs_manual_grade),
                        })
    return pd.DataFrame(cells), pd.DataFrame(subs)


def write_csv(layout: CourseLayout, cells: pd.DataFrame, subs: pd.DataFrame,
              entries: dict[str, journal.Entry]) -> list[Path]:
    """grades_long.csv (learner × exercise) and grades.csv (one row per learner and assignment)."""
    layout.exports.mkdir(parents=True, exist_ok=True)
    long_path, wide_path = layout.exports / "grades_long.csv", layout.exports / "grades.csv"
    _japanese_yes_no(cells).to_csv(long_path, index=False, encoding=CSV_ENCODING)
    wide = subs.copy()
    wide["状態"] = [EVALUATION_NOT_IN if is_evaluation(r.課題) and not r.提出 else _status(entries.get(f"{r.課題}/{r.受講者ID}"), r.提出)
                  for r in subs.itertuples()]
    wide["要確認の理由"] = [_reasons(entries.get(f"{r.課題}/{r.受講者ID}")) for r in subs.itertuples()]
    if not cells.empty:
        scores = cells.assign(設問=cells["ノートブック"] + "/" + cells["設問ID"]).pivot_table(
            index=["受講者ID", "課題"], columns="設問", values="得点", aggfunc="first", sort=False)
        wide = wide.merge(scores.reset_index(), on=["受講者ID", "課題"], how="left")
    _japanese_yes_no(wide.drop(columns=["遅延秒"])).to_csv(wide_path, index=False, encoding=CSV_ENCODING)
    return [wide_path, long_path]


def _japanese_yes_no(frame: pd.DataFrame) -> pd.DataFrame:
    """Yes/no columns as はい/いいえ (Excel users in Japan read these, not True/False)."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == bool:
            frame[column] = frame[column].map({True: "はい", False: "いいえ"})
    return frame


def _status(entry: journal.Entry | None, submitted: bool) -> str:
    if not submitted and entry is None:
        return "未提出"
    if entry is None:
        return "採点済み（ebpm grade 以外）"
    return "採点済み" if entry.status == "graded" else "採点できず"


def _reasons(entry: journal.Entry | None) -> str:
    if entry is None:
        return ""
    parts = [entry.reason] if entry.reason else []
    parts += [f["message"] for f in entry.findings if f.get("tamper") or f.get("blocking") or f["kind"] in NOTABLE]
    return " / ".join(parts)


NOTABLE = {"stderr_in_test", "cell_timeout", "memory", "missing_notebook", "unknown_notebook", "extra_files",
           "data_changed", "manual_answer_changed"}


def _figure_png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=100)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _plots(cells: pd.DataFrame, subs: pd.DataFrame, assignment: str) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ebpm import plotting

    plotting.setup()
    images = []
    done = subs[(subs["課題"] == assignment) & subs["得点"].notna()]
    if not done.empty:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        top = float(done["満点"].max())
        ax.hist(done["得点"], bins=min(20, max(5, int(top) + 1)), range=(0, top), color=plotting.HOUSE_PALETTE[0])
        ax.set_title(f"{assignment}: 得点の分布（{len(done)} 人）")
        ax.set_xlabel("得点（点）")
        ax.set_ylabel("人数（人）")
        images.append(("得点の分布", _figure_png(fig)))
    auto = cells[(cells["課題"] == assignment) & (cells["種類"] == "自動採点")] if not cells.empty else cells
    if not auto.empty:
        labels = auto["ノートブック"].str.split("_").str[0] + ": " + auto["設問ID"]  # "00: ex-count-test"
        rate = (auto.assign(正答=auto["得点"].fillna(0) >= auto["満点"], 設問=labels)
                .groupby("設問", sort=False)["正答"].mean() * 100)
        fig, ax = plt.subplots(figsize=(7, 0.45 * len(rate) + 1.2))
        rate.iloc[::-1].plot(kind="barh", ax=ax, color=plotting.HOUSE_PALETTE[1])
        ax.set_xlim(0, 100)
        ax.set_title(f"{assignment}: 設問ごとの正答率（満点だった人の割合）")
        ax.set_xlabel("正答率（%）")
        ax.set_ylabel("設問")
        images.append(("設問ごとの正答率", _figure_png(fig)))
    return images


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p>該当なし</p>"
    return frame.to_html(index=False, escape=True, na_rep="", classes="table")


def write_html(layout: CourseLayout, assignments: list[str], cells: pd.DataFrame, subs: pd.DataFrame,
               entries: dict[str, journal.Entry], batch: dict | None = None) -> Path:
    """report.html: distribution, success rate per exercise, missing/late, what needs a human look."""
    layout.exports.mkdir(parents=True, exist_ok=True)
    parts = ["<!DOCTYPE html><html lang='ja'><head><meta charset='utf-8'><title>採点レポート</title>",
             "<style>body{font-family:'Hiragino Sans','Noto Sans JP','Yu Gothic',Meiryo,sans-serif;margin:2em;}"
             "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;}"
             "th{background:#eef3f7}.tamper{color:#b03a2e;font-weight:bold}</style></head><body>",
             "<h1>採点レポート</h1>"]
    if batch:
        parts.append("<p>" + html.escape(
            f"採点 {batch.get('graded', 0)} 件、採点できず {batch.get('failed', 0)} 件、前回の結果を再利用 "
            f"{batch.get('skipped', 0)} 件、所要 {batch.get('seconds', 0):.0f} 秒（並列 {batch.get('jobs', 1)}）。"
            f"成績簿の整合性検査: {'OK' if batch.get('integrity') else '異常あり'}。"
            f"data/ の検査: {batch.get('data', '')}") + "</p>")
        parts.append("<p class='tamper'>" + html.escape(batch["isolation"]) + "</p>" if batch.get("isolation") else
                     "<p>受講者のコードは bubblewrap で隔離して実行しました（書き込めるのは各提出の採点用コピーだけです）。</p>")
    for assignment in assignments:
        part = subs[subs["課題"] == assignment] if not subs.empty else subs
        parts.append(f"<h2>{html.escape(assignment)}</h2>")
        if part.empty:
            parts.append("<p>受講者がいません。</p>")
            continue
        submitted = part[part["提出"]]
        parts.append("<p>" + html.escape(
            f"受講者 {len(part)} 人、提出 {len(submitted)} 人、平均 {submitted['得点'].mean():.1f} 点"
            f"（満点 {part['満点'].max():.0f} 点）") + "</p>" if len(submitted) else "<p>提出がありません。</p>")
        for title, image in _plots(cells, subs, assignment):
            parts.append(f"<h3>{title}</h3><img alt='{title}' src='data:image/png;base64,{image}'>")
        auto = cells[(cells["課題"] == assignment) & (cells["種類"] == "自動採点")] if not cells.empty else cells
        if not auto.empty:
            rate = (auto.assign(正答=auto["得点"].fillna(0) >= auto["満点"])
                    .groupby(["ノートブック", "設問ID"], sort=False)
                    .agg(正答率=("正答", "mean"), 平均点=("得点", "mean"), 満点=("満点", "first")).reset_index())
            rate["正答率"] = (rate["正答率"] * 100).round(0).astype(int).astype(str) + "%"
            rate["平均点"] = rate["平均点"].round(2)
            parts.append("<h3>設問ごとの結果（正答率の低い設問が難しかった設問です）</h3>" + _table(rate))
        if is_evaluation(assignment):   # taken at each learner's own time (form A or B first): never "missing work"
            parts.append(f"<p>{html.escape(EVALUATION_NOTE)}</p>")
        else:
            missing = part[~part["提出"]][["受講者ID", "氏名"]]
            parts.append("<h3>未提出</h3>" + _table(missing))
        late = submitted[submitted["遅延秒"] > 0][["受講者ID", "氏名", "提出日時", "期限", "遅延減点"]]
        deadline = part["期限"].iloc[0] if len(part) else ""
        parts.append(f"<h3>期限後の提出（期限: {html.escape(deadline) or '設定なし'}、日本時間）</h3>" + _table(late))
        look = []
        for entry in sorted((e for e in entries.values() if e.assignment == assignment), key=lambda e: e.student):
            for finding in entry.findings:
                if finding.get("blocking"):
                    continue  # the reason of the "採点できず" row below
                if finding.get("tamper") or finding["kind"] in NOTABLE:
                    look.append({"受講者ID": entry.student, "氏名": entry.display_name,
                                 "種類": "不正の疑い" if finding.get("tamper") else "確認",
                                 "理由": finding["message"]})
            if entry.status != "graded":
                look.append({"受講者ID": entry.student, "氏名": entry.display_name, "種類": "採点できず",
                             "理由": entry.reason})
        parts.append("<h3>人の目で確かめてほしい提出</h3>" + _table(pd.DataFrame(look)))
        manual = submitted[submitted["手動採点待ち"]][["受講者ID", "氏名", "記述の採点残り"]]
        parts.append(f"<h3>記述式の手動採点が残っている提出（{len(manual)} 人、回答 {int(manual['記述の採点残り'].sum())} 件、"
                     "formgrader で採点）</h3>" + _table(manual))
    parts.append("</body></html>")
    path = layout.exports / "report.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
