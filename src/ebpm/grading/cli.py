"""Command-line glue of `ebpm grade` (wired into ``ebpm.cli``)."""
from __future__ import annotations

import argparse
from pathlib import Path

from ebpm.grading.runner import Limits


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help="採点する課題（既定: _grading/submitted/ にあるすべての課題）")
    parser.add_argument("--student", action="append", default=[], metavar="ID", help="この受講者だけ採点する（複数可）")
    parser.add_argument("--import", dest="import_path", type=Path, metavar="PATH",
                        help="受講者のノートブックのフォルダまたは zip を取り込んでから採点する")
    parser.add_argument("--assignment", dest="import_assignment", metavar="A", help="--import で取り込む課題")
    parser.add_argument("--replace", action="store_true",
                        help="--import で、採点に使っている版より古い提出物も取り込んで差し替える")
    parser.add_argument("--jobs", "-j", type=int, default=None, help="同時に採点する数（既定: CPU のコア数）")
    parser.add_argument("--force", action="store_true", help="前回の結果を使わず、すべて採点し直す")
    parser.add_argument("--cell-timeout", type=int, default=None, metavar="秒",
                        help="1 セルの制限時間（既定: nbgrader_config.py の Execute.timeout）")
    parser.add_argument("--wall-timeout", type=float, default=900, metavar="秒", help="1 提出の制限時間（既定: 900）")
    parser.add_argument("--memory-mb", type=int, default=4096, metavar="MB",
                        help="1 プロセスあたりのメモリ上限（既定: 4096、0 で無制限）")
    parser.add_argument("--no-feedback", action="store_true", help="フィードバック HTML を作らない")
    parser.add_argument("--no-report", action="store_true", help="CSV とレポートを作らない")
    parser.add_argument("--root", type=Path, default=None, help="研修のフォルダ（既定: このリポジトリ）")
    parser.add_argument("--shard", default=None, metavar="K/N",
                        help="受講者を N 組に分けたうちの K 組目だけ採点する（複数のマシンや Kubernetes の Job で"
                             "手分けするとき。成績簿は PostgreSQL に置きます）")


def run(args: argparse.Namespace) -> int:
    from ebpm.grading import pipeline, shards

    options = pipeline.Options(
        assignments=args.assignments, students=args.student, import_path=args.import_path,
        import_assignment=args.import_assignment, replace=args.replace, jobs=args.jobs, force=args.force,
        limits=Limits(cell_timeout=args.cell_timeout, wall_timeout=args.wall_timeout,
                      memory_mb=args.memory_mb or None),
        feedback=not args.no_feedback, report=not args.no_report,
        shard=shards.parse(args.shard) if args.shard else None,
    )
    try:
        result = pipeline.grade(options, args.root)
    except KeyboardInterrupt:
        print("中断しました。採点を終えた提出物は記録済みです。同じコマンドをもう一度実行すると続きから採点します。")
        return 130
    for line in summary_lines(result):
        print(line)
    problems = (result.imported.problems + result.imported.refused) if result.imported else []
    ok = result.integrity and not result.feedback_problems and not result.data_problems and not problems
    return 0 if ok else 1


def import_lines(imported) -> list[str]:
    """What an import did, learner by learner: versions added or replaced, unchanged, refused (with both dates)."""
    from ebpm.grading.versions import shown

    lines = []
    for record in imported.adopted:
        lines.append(f"submitted/ で変わっていた {len(record.changed_learners)} 人分を、取り込み {record.number} として"
                     "版に残しました（nbgrader collect や手での修正）。")
    record = imported.record
    lines.append(f"取り込み: {len(imported.submissions)} 人" + (
        f"（取り込み番号 {record.number}。`.venv/bin/ebpm imports --undo {record.number}` で取り消せます）" if record else ""))
    changes = {}
    for change in record.changes if record else []:
        changes.setdefault(change.learner, []).append(change)
    for submission in sorted(imported.submissions, key=lambda s: s.display_name):
        mine = changes.get(submission.student, [])
        new = [c.relative for c in mine if c.kind in ("added", "replaced")]
        same = [c.relative for c in mine if c.kind == "unchanged"]
        if new:
            what = f"新しい版 {', '.join(new)}"
        else:
            what = "前回と同じ内容なので変更なし"
        if new and same:
            what += f"（{', '.join(same)} は同じ内容なので変更なし）"
        lines.append(f"  取り込み {submission.display_name}（ID {submission.student}）: {what}")
    for change in imported.refused:
        lines.append(f"  取り込まず {change.name}（ID {change.learner}） {change.relative}: 提出日時 {shown(change.handed_in)} の版は、"
                     f"採点に使っている {shown(change.kept)} の版より古いので取り込みませんでした。"
                     "古い版で採点し直すときは --replace を付けて取り込み直してください。")
    return lines


def summary_lines(result) -> list[str]:
    """What `ebpm grade` says at the end: imported, skipped and why, every 要確認 item, manual grading left."""
    from ebpm.grading import manual, pipeline
    from ebpm.grading.report import NOTABLE

    lines = []
    if result.imported is not None:
        imported = result.imported
        lines += import_lines(imported)
        for skipped in imported.skipped:
            label = "無視" if skipped.ignored else "取り込まず"
            lines.append(f"  {label} {skipped.source}: {skipped.reason}")
        if imported.problems:
            lines.append(f"取り込まなかったものが {len(imported.problems)} 件あります（上の「取り込まず」）。"
                         "受講者の提出物なら、名前を直して取り込み直してください。")
    lines.append(f"採点 {result.graded} 件、採点できず {result.failed} 件、前回の結果を再利用 {result.skipped} 件"
                 f"（{result.seconds:.0f} 秒、並列 {result.jobs}）。")
    if result.isolation:
        lines.append(f"注意: {result.isolation}")
    review = []
    for entry in sorted(result.entries.values(), key=lambda e: e.key):
        if entry.status != "graded":
            review.append(f"  採点できず {entry.key}（{entry.display_name}）: {entry.reason}")
        for finding in entry.findings:
            if finding.get("blocking"):
                continue
            if finding.get("tamper") or finding["kind"] in NOTABLE:
                kind = "不正の疑い" if finding.get("tamper") else "確認"
                review.append(f"  要確認（{kind}） {entry.key}（{entry.display_name}）: {finding['message']}")
    lines.append(f"要確認: {len(review)} 件" + ("（詳しくは _grading/exports/report.html）" if review else ""))
    lines += review
    assignments = sorted({e.assignment for e in result.entries.values()})
    waiting = manual.remaining(result.layout, assignments)
    names = {e.key: e.display_name for e in result.entries.values()}
    if result.manual_restored:
        lines.append(f"手で付けた点を戻しました: {len(result.manual_restored)} 件（回答の文章が採点したときのままなのに、"
                     "nbgrader autograde などで「手動採点が必要」に戻っていた記述問題）")
        for key in result.manual_restored:
            assignment, student, notebook, cell = key.split("/")
            lines.append(f"  {assignment} {names.get(f'{assignment}/{student}', student)}（ID {student}） {notebook} {cell}")
    lines.append(f"記述式の手動採点の残り: {sum(waiting.values())} 件（{len(waiting)} 人）")
    for (assignment, student), count in sorted(waiting.items()):
        lines.append(f"  {assignment} {names.get(f'{assignment}/{student}', student)}（ID {student}）: {count} 件")
    lines.append(f"成績簿の整合性: {'OK' if result.integrity else '異常あり'}。data/: {pipeline.data_summary(result)}")
    for problem in result.feedback_problems:
        lines.append(f"  フィードバック: {problem}")
    if result.bundles:
        lines.append(f"受講者ごとのフィードバック（メールで渡す zip）: {len(result.bundles)} 人分を "
                     f"{result.bundles[0].parent} に作りました。")
    for path in result.exports:
        lines.append(f"書き出しました: {path}")
    return lines
