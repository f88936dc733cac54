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
    parser.add_argument("--jobs", "-j", type=int, default=None, help="同時に採点する数（既定: コア数 + 1）")
    parser.add_argument("--force", action="store_true", help="前回の結果を使わず、すべて採点し直す")
    parser.add_argument("--cell-timeout", type=int, default=None, metavar="秒",
                        help="1 セルの制限時間（既定: nbgrader_config.py の Execute.timeout）")
    parser.add_argument("--wall-timeout", type=float, default=900, metavar="秒", help="1 提出の制限時間（既定: 900）")
    parser.add_argument("--memory-mb", type=int, default=4096, metavar="MB",
                        help="1 プロセスあたりのメモリ上限（既定: 4096、0 で無制限）")
    parser.add_argument("--no-feedback", action="store_true", help="フィードバック HTML を作らない")
    parser.add_argument("--no-report", action="store_true", help="CSV とレポートを作らない")
    parser.add_argument("--root", type=Path, default=None, help="研修のフォルダ（既定: このリポジトリ）")


def run(args: argparse.Namespace) -> int:
    from ebpm.grading import pipeline

    options = pipeline.Options(
        assignments=args.assignments, students=args.student, import_path=args.import_path,
        import_assignment=args.import_assignment, jobs=args.jobs, force=args.force,
        limits=Limits(cell_timeout=args.cell_timeout, wall_timeout=args.wall_timeout,
                      memory_mb=args.memory_mb or None),
        feedback=not args.no_feedback, report=not args.no_report,
    )
    try:
        result = pipeline.grade(options, args.root)
    except KeyboardInterrupt:
        print("中断しました。採点を終えた提出物は記録済みです。同じコマンドをもう一度実行すると続きから採点します。")
        return 130
    print(f"採点 {result.graded} 件、採点できず {result.failed} 件、前回の結果を再利用 {result.skipped} 件"
          f"（{result.seconds:.0f} 秒、並列 {result.jobs}）。")
    for entry in sorted(result.entries.values(), key=lambda e: e.key):
        if entry.status != "graded":
            print(f"  採点できず {entry.key}（{entry.display_name}）: {entry.reason}")
        for finding in entry.findings:
            if finding.get("tamper"):
                print(f"  要確認 {entry.key}（{entry.display_name}）: {finding['message']}")
    print(f"成績簿の整合性: {'OK' if result.integrity else '異常あり'}。data/: {pipeline.data_summary(result)}")
    for problem in result.feedback_problems:
        print(f"  フィードバック: {problem}")
    for path in result.exports:
        print(f"書き出しました: {path}")
    return 0 if result.integrity and not result.feedback_problems and not result.data_problems else 1
