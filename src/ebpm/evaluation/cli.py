"""`ebpm evaluate` (the organiser's report) and `ebpm evaluate forms` (the allocation of forms)."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", default="report", choices=["report", "forms"],
                        help="report: 効果測定の報告を作る（既定）。forms: スキルチェックの形式（A/B）を受講者ごとに抽選で割り当てる")
    parser.add_argument("--seed", default=None, help="forms: 抽選の種（既定: 研修の ID から。一度決めた割り当ては変わりません）")
    parser.add_argument("--out", type=Path, default=None,
                        help="報告の出力先のフォルダ（既定: _grading/evaluation/report、--synthetic では evaluation_example）")
    parser.add_argument("--synthetic", type=int, default=None, metavar="SEED",
                        help="成績簿の代わりに架空の受講者（ebpm.synth.cohorts、この乱数の種）で例の報告を作る")
    parser.add_argument("--renderer", choices=["batch", "papermill"], default="batch",
                        help="batch: カーネルを起動せずに作る（既定、速い）。papermill: ノートブックをカーネルで実行する")
    parser.add_argument("--root", type=Path, default=None, help="研修のフォルダ（既定: いまのフォルダか、このリポジトリ）")


def run(args: argparse.Namespace) -> int:
    if args.action == "forms":
        return _forms(args)
    return _report(args)


def _forms(args: argparse.Namespace) -> int:
    from ebpm.evaluation import SKILL_FORMS, forms
    from ebpm.grading import layout as layouts

    layout = layouts.load(args.root)
    allocations, new = forms.run(layout, args.seed)
    counts = {form: sum(1 for a in allocations.values() if a.first == form) for form in forms.FORMS}
    print(f"スキルチェックの形式を割り当てました: {len(allocations)} 人（今回新しく {len(new)} 人）。"
          f"形式 A が先 {counts['A']} 人、形式 B が先 {counts['B']} 人。")
    print("受講者ごとに、研修の始めに「最初の課題」、ワークショップ 4 のあとに「2 回目の課題」を受けてもらいます。")
    print("氏名\t所属\t最初の課題\t2 回目の課題")
    for allocation in sorted(allocations.values(), key=lambda a: (a.affiliation, a.name, a.learner)):
        mark = "（新）" if allocation.learner in new else ""
        print(f"{allocation.name}{mark}\t{allocation.affiliation or '所属なし'}\t{SKILL_FORMS[allocation.first]}\t"
              f"{SKILL_FORMS[allocation.second]}")
    print(f"書き出しました: {forms.path(layout)}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from ebpm.evaluation import report
    from ebpm.karte.report import absolute

    if args.synthetic is not None:
        from ebpm.synth import cohorts

        data = cohorts.cohort(args.synthetic)
        out = absolute(args.out or Path("evaluation_example"))
        built = report.build(data, out, renderer=args.renderer)
    else:
        from ebpm.evaluation import collect
        from ebpm.grading import layout as layouts

        layout = layouts.load(args.root)
        data = collect.collect(layout)
        folder = layout.grading / "evaluation"
        out = absolute(args.out) if args.out else folder / "report"
        built = report.build(data, out, data_folder=folder / "data", renderer=args.renderer)
        if not data.flags.empty:
            names = collect.learner_names(layout)
            flags = data.flags.assign(氏名=data.flags["受講者ID"].map(names).fillna(""))
            flags[["受講者ID", "氏名", "内容"]].to_csv(folder / "要確認.csv", index=False, encoding="utf-8-sig")
            print(f"注意: 割り当てと合わない提出などが {len(flags)} 件あります: {folder / '要確認.csv'}")
        else:
            (folder / "要確認.csv").unlink(missing_ok=True)
    print(f"報告: {built.html}（{built.seconds:.1f} 秒）")
    print(f"他の自治体と共有できる匿名化データ: {built.anonymised}")
    return 0
