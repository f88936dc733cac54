"""The `ebpm` command: build learner notebooks, check the course, manage its data."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ebpm.errors import EbpmError


def _cmd_build(args: argparse.Namespace) -> int:
    from ebpm import build

    if args.check:
        stale = build.stale(args.assignments or None)
        if stale:
            print("notebooks/ が solutions/ と一致しません。`ebpm build` で作り直してください:")
            for line in stale:
                print(f"  {line}")
            return 1
        print("notebooks/ は solutions/ から作った内容と一致しています。")
        return 0
    written = build.build(args.assignments or None)
    print(f"学習者用ノートブックを {len(written)} 本作りました（notebooks/）。")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from ebpm import check

    start = time.perf_counter()
    results = check.check(args.assignments or None, jobs=args.jobs)
    print(check.summary_table(results))
    failed = sorted({r.notebook for r in results if not r.ok})
    print(f"\n{len({r.notebook for r in results})} 本を {time.perf_counter() - start:.1f} 秒で確認しました"
          f"（並列 {args.jobs or 'すべてのコア'}）。")
    if failed:
        print(f"失敗: {', '.join(failed)}")
        return 1
    return 0


def _data_root() -> Path:
    from ebpm.course import repo_root

    return repo_root() / "data"


def _cmd_data(args: argparse.Namespace) -> int:
    from ebpm import datapackage

    root = _data_root()
    if args.action == "verify":
        problems = datapackage.verify(root)
        for problem in problems:
            print(f"  {problem}")
        count = len(datapackage.read_descriptor(root).get("resources", []))
        if problems:
            print(f"data/ に {len(problems)} 件の問題があります。")
            return 1
        print(f"data/ の {count} 件のファイルはすべて datapackage.json と一致しています。")
        return 0
    if args.action == "list":
        for entry in datapackage.read_descriptor(root).get("resources", []):
            origin = "架空データ" if "synthetic" in entry else ", ".join(
                s.get("package", s.get("title", "")) for s in entry.get("sources", []))
            print(f"{entry['name']:<34} {entry['path']:<52} {entry['bytes']:>9,} B  {entry['title']}（{origin}）")
        return 0
    if args.action == "build":
        from ebpm import synth

        if args.check:
            problems = synth.check(root)
            for problem in problems:
                print(f"  {problem}")
            if problems:
                print("架空データが生成コードの出力と一致しません。`ebpm data build` で作り直してください。")
                return 1
            print("架空データは生成コードの出力とバイト単位で一致しています。")
            return 0
        specs = synth.build(root)
        print(f"架空データ {len(specs)} 件を作り直しました。")
        return 0
    if args.action == "vendor":
        from ebpm import vendor

        return vendor.main([])
    raise AssertionError(args.action)


def _cmd_docs(args: argparse.Namespace) -> int:
    from ebpm import docs

    if args.check:
        stale = docs.stale()
        if stale:
            print(f"生成文書が古くなっています（`ebpm docs` で作り直してください）: {', '.join(stale)}")
            return 1
        print("生成文書は最新です。")
        return 0
    for path in docs.write():
        print(f"書き出しました: {path}")
    return 0


def _cmd_grade(args: argparse.Namespace) -> int:
    from ebpm.grading import cli as grading_cli

    return grading_cli.run(args)


def _cmd_imports(args: argparse.Namespace) -> int:
    from ebpm.grading import layout as layouts, versions

    layout = layouts.load(args.root)
    if args.undo is not None:
        record = versions.undo(layout, args.undo)
        print(f"取り込み {record.number}（{versions.shown(record.date)}、{record.source}）を取り消しました。"
              f"{len(record.changed_learners)} 人分の提出物、点数、手動採点とコメント、フィードバックを取り込み前に戻しました。"
              "取り込んだファイルは版として残っています。成績の CSV・レポートと受講者ごとのフィードバックの zip は、"
              "`.venv/bin/ebpm grade` で作り直してください。")
        return 0
    lines = versions.details(layout, args.show) if args.show is not None else versions.listing(layout)
    for line in lines:
        print(line)
    return 0


def _cmd_release(args: argparse.Namespace) -> int:
    from ebpm.grading import release

    done = release.release(args.assignment, args.root, exchange=args.exchange)
    print(f"課題 {done.assignment} を成績簿に登録し、学習者版 {len(done.notebooks)} 本を {done.folder} に用意しました"
          f"（変わったファイル {len(done.changed)} 件）。")
    if done.exchange:
        print("JupyterHub の交換フォルダに配布しました。受講者は Assignments の画面で Fetch します。")
    else:
        print("JupyterHub を使わない場合は `.venv/bin/ebpm dist` で学習者用の配布物を作って渡します"
              "（JupyterHub で配るときは `--exchange` を付けます）。")
    return 0


def _cmd_roster(args: argparse.Namespace) -> int:
    from ebpm.grading import layout as layouts, learners, merge

    layout = layouts.load(args.root)
    if not merge.gradebook_exists(layout.db_url):
        raise EbpmError("成績簿がありません。先に `.venv/bin/ebpm release <課題>` で課題を登録してください。")
    roster = learners.import_roster(layout, args.path)
    print(f"名簿から {len(roster)} 人を登録しました（対応表: {layout.learner_table}）。")
    for learner in sorted(roster.values(), key=lambda item: item.name):
        print(f"  {learner.name}（{learner.affiliation or '所属なし'}）→ ID {learner.id}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from ebpm.grading import completion, layout as layouts, merge

    layout = layouts.load(args.root)
    if not merge.gradebook_exists(layout.db_url):
        raise EbpmError("成績簿がありません。先に `.venv/bin/ebpm release <課題>` と `.venv/bin/ebpm grade` を実行してください。")
    pass_mark = completion.DEFAULT_PASS_MARK if args.pass_mark is None else args.pass_mark
    result = completion.completion(layout, args.assignments or None, pass_mark)
    paths = completion.write(layout, result)
    passed = int((result.table["修了"] == "有").sum()) if not result.table.empty else 0
    print(f"修了判定（得点率 {result.pass_mark:g}% 以上で修了）: {len(result.table)} 人中 {passed} 人が修了です。")
    for item, text in result.conditions()[1:4]:
        print(f"  {item}: {text}")
    waiting = int(result.table["記述の採点残り"].sum()) if not result.table.empty else 0
    if waiting:
        print(f"注意: 記述式の手動採点が {waiting} 件残っています。採点を終えてから作り直すと点数が変わることがあります。")
    if args.certificates:
        paths += completion.write_certificates(layout, result)
    for path in paths:
        print(f"書き出しました: {path}")
    return 0


def _cmd_formgrader(args: argparse.Namespace) -> int:
    from ebpm.grading import formgrader

    if args.hub:
        folder = formgrader.enable_for_hub_user(args.root)
        print(f"この利用者の Jupyter 設定（{folder}）で formgrader と Create Assignment を有効にしました。"
              "講師のサーバーの環境変数に JUPYTER_PREFER_ENV_PATH=0 があることを確かめ（jupyterhub.md の 4.）、"
              "JupyterHub のコントロールパネル（File → Hub Control Panel）でサーバーを止めて起動し直し、"
              "ブラウザの別タブで https://<ハブ>/user/<講師名>/formgrader を開いてください。")
        return 0
    return formgrader.run(args.root, args.port)


def _cmd_dist(args: argparse.Namespace) -> int:
    from ebpm import dist

    result = dist.dist(args.out, branch=args.git_branch)
    print(f"学習者用の配布物を {result.folder} に書き出しました（ノートブック {len(result.notebooks)} 本、"
          f"データ {result.data_files} 件、ライブラリ {len(result.modules)} モジュール）。")
    if result.branch:
        print(f"ブランチ {result.branch} に記録しました（コミット {result.commit[:12]}）。")
        if args.hub_url and args.repo_url:
            print("nbgitpuller のリンク: " + dist.nbgitpuller_link(args.hub_url, args.repo_url, result.branch))
    return 0


def _cmd_cases(args: argparse.Namespace) -> int:
    from ebpm.judging import analysis

    return analysis.cli_cases(args.targets, args.jobs)


def _cmd_mutants(args: argparse.Namespace) -> int:
    from ebpm.judging import analysis

    return analysis.cli_mutants(args.targets, args.jobs, use_cache=not args.no_cache)


def _cmd_diagnose(args: argparse.Namespace) -> int:
    from ebpm.judging import diagnose

    return diagnose.cli_diagnose(args.targets, args.jobs, use_cache=not args.no_cache)


def _cmd_selfcheck(args: argparse.Namespace) -> int:
    from ebpm import selfcheck

    selfcheck.show(args.folder, args.assignment)
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ebpm", description="自治体職員のデータ活用研修（EBPM）の教材ツール")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="solutions/ から学習者用ノートブック（notebooks/）を作る")
    build.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    build.add_argument("--check", action="store_true", help="作り直さずに、notebooks/ が古くないかだけ調べる")
    build.set_defaults(func=_cmd_build)

    check = commands.add_parser("check", help="すべてのノートブックを実行して検証する")
    check.add_argument("assignments", nargs="*", metavar="ASSIGNMENT[/NOTEBOOK]",
                       help="課題（prestudy）または 1 本のノートブック（prestudy/00_jupyter_and_pandas_first_steps）")
    check.add_argument("--jobs", "-j", type=int, default=None, help="同時に実行する数（既定: コア数）")
    check.set_defaults(func=_cmd_check)

    cases = commands.add_parser("cases", help="誤答・別解のケースを、ノートブックを再生してすばやく確かめる")
    cases.add_argument("targets", nargs="*", metavar="ASSIGNMENT[/NOTEBOOK]")
    cases.add_argument("--jobs", "-j", type=int, default=None, help="同時に実行する数（既定: コア数）")
    cases.set_defaults(func=_cmd_cases)

    mutants = commands.add_parser("mutants", help="模範解答の変異で、テストが誤答を見分けられるか確かめる")
    mutants.add_argument("targets", nargs="*", metavar="ASSIGNMENT[/NOTEBOOK]")
    mutants.add_argument("--jobs", "-j", type=int, default=None, help="同時に実行する数（既定: コア数）")
    mutants.add_argument("--no-cache", action="store_true", help="キャッシュを使わず、すべて作り直す")
    mutants.set_defaults(func=_cmd_mutants)

    diagnose = commands.add_parser("diagnose", help="初心者のエラーを模範解答に入れて、説明が原因を言い当てるか確かめる")
    diagnose.add_argument("targets", nargs="*", metavar="ASSIGNMENT[/NOTEBOOK]")
    diagnose.add_argument("--jobs", "-j", type=int, default=None, help="同時に実行する数（既定: コア数）")
    diagnose.add_argument("--no-cache", action="store_true", help="キャッシュを使わず、すべて注入し直す")
    diagnose.set_defaults(func=_cmd_diagnose)

    data = commands.add_parser("data", help="教材データの確認・一覧・再生成")
    data.add_argument("action", choices=["verify", "list", "build", "vendor"])
    data.add_argument("--check", action="store_true", help="build: 書き換えずに一致だけ調べる")
    data.set_defaults(func=_cmd_data)

    selfcheck = commands.add_parser("selfcheck", help="学習者用: 自分のノートブックの演習の進み具合を確かめる")
    selfcheck.add_argument("folder", nargs="?", default=None, help="課題のフォルダ（既定: ./prestudy）")
    selfcheck.add_argument("--assignment", default="prestudy")
    selfcheck.set_defaults(func=_cmd_selfcheck)

    docs = commands.add_parser("docs", help="docs/curriculum.md と docs/data_sources.md を生成する")
    docs.add_argument("--check", action="store_true", help="書き換えずに、最新かどうかだけ調べる")
    docs.set_defaults(func=_cmd_docs)

    dist = commands.add_parser("dist", help="学習者用の配布物（解答と隠しテストを含まない）を作る")
    dist.add_argument("--out", type=Path, default=Path("dist/learner"), help="出力先のフォルダ（既定: dist/learner）")
    dist.add_argument("--git-branch", metavar="NAME", help="配布物をこのブランチにもコミットする（nbgitpuller 用）")
    dist.add_argument("--hub-url", metavar="URL", help="nbgitpuller のリンクを表示する JupyterHub の URL")
    dist.add_argument("--repo-url", metavar="URL", help="学習者のサーバーが pull するリポジトリの URL")
    dist.set_defaults(func=_cmd_dist)

    karte = commands.add_parser("karte", help="自分のまちのデータカルテ（HTML・CSV）を公的なファイルから作る")
    from ebpm.karte.cli import add_arguments as karte_arguments, run as karte_run

    karte_arguments(karte)
    karte.set_defaults(func=karte_run)

    evaluate = commands.add_parser("evaluate", help="研修の効果測定: 形式の割り当て（forms）と主催者向けの報告（講師用）")
    from ebpm.evaluation.cli import add_arguments as evaluate_arguments, run as evaluate_run

    evaluate_arguments(evaluate)
    evaluate.set_defaults(func=evaluate_run)

    grade = commands.add_parser("grade", help="集めた提出物をまとめて自動採点する（講師用）")
    from ebpm.grading.cli import add_arguments

    add_arguments(grade)
    grade.set_defaults(func=_cmd_grade)

    imports = commands.add_parser("imports", help="提出物の取り込みの一覧と取り消し（講師用）")
    imports.add_argument("--show", type=int, metavar="番号", help="その取り込みで受講者ごと・ファイルごとに何が起きたかを表示する")
    imports.add_argument("--undo", type=int, metavar="番号", help="その取り込みを取り消し、取り込む前の状態に戻す")
    imports.add_argument("--root", type=Path, default=None, help="研修のフォルダ（既定: いまのフォルダか、このリポジトリ）")
    imports.set_defaults(func=_cmd_imports)

    release = commands.add_parser("release", help="課題を成績簿に登録し、学習者版を用意する（講師用）")
    release.add_argument("assignment", metavar="ASSIGNMENT")
    release.add_argument("--exchange", action="store_true",
                         help="JupyterHub の交換フォルダにも配布する（nbgrader release_assignment）")
    release.add_argument("--root", type=Path, default=None, help="研修のフォルダ（既定: いまのフォルダか、このリポジトリ）")
    release.set_defaults(func=_cmd_release)

    roster = commands.add_parser("roster", help="受講者の名簿（CSV: 氏名, 所属, メール）を登録する（講師用）")
    roster.add_argument("path", type=Path, metavar="名簿.csv")
    roster.add_argument("--root", type=Path, default=None, help="研修のフォルダ（既定: いまのフォルダか、このリポジトリ）")
    roster.set_defaults(func=_cmd_roster)

    report = commands.add_parser("report", help="人事向けの成績一覧と修了判定（CSV と Excel）を作る（講師用）")
    report.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="数える課題（既定: 成績簿のすべての課題）")
    report.add_argument("--pass-mark", type=float, default=None, metavar="%",
                        help="修了とする得点率（百分率、既定: 60）")
    report.add_argument("--certificates", action="store_true", help="修了した人の修了証（印刷用 HTML）も作る")
    report.add_argument("--root", type=Path, default=None, help="研修のフォルダ（既定: いまのフォルダか、このリポジトリ）")
    report.set_defaults(func=_cmd_report)

    formgrader = commands.add_parser("formgrader", help="講師用の JupyterLab（formgrader 付き）を 127.0.0.1 で起動する")
    formgrader.add_argument("--port", type=int, default=None, help="ポート番号（既定: 8899、使用中なら空いている番号）")
    formgrader.add_argument("--hub", action="store_true",
                            help="起動せず、JupyterHub 上の講師のサーバーで使えるよう、講師自身の Jupyter 設定で有効にする")
    formgrader.add_argument("--root", type=Path, default=None, help="研修のフォルダ（既定: いまのフォルダか、このリポジトリ）")
    formgrader.set_defaults(func=_cmd_formgrader)
    return parser


def use_own_programs() -> None:
    """Put this environment's bin/ first on PATH, so the programs nbgrader starts by name
    (alembic, jupyter) are this environment's even when it was not activated."""
    own = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[:1] != [own]:
        os.environ["PATH"] = own + os.pathsep + path


def main(argv: list[str] | None = None) -> int:
    use_own_programs()
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except EbpmError as error:
        print(f"エラー: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
