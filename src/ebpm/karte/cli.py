"""`ebpm karte`: town reports from the command line."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("codes", nargs="*", metavar="団体コード", help="6 桁（または 5 桁）の団体コード。いくつでも")
    parser.add_argument("--data", type=Path, default=None,
                        help="ダウンロードした住基・主要財政指標（・境界）のファイルのフォルダ（省略すると本研修の架空データ）")
    parser.add_argument("--boundaries", type=Path, default=None,
                        help="国土数値情報 N03 の境界ファイル（GeoJSON/TopoJSON）かそのフォルダ（省略すると --data の中を探す）")
    parser.add_argument("--prefecture", default=None, metavar="43",
                        help="この都道府県（コード 2 桁か名前）のすべての市町村のカルテと一覧ページを作る")
    parser.add_argument("--all", action="store_true", dest="every",
                        help="ファイルにあるすべての市町村のカルテと全国の一覧ページを作る")
    parser.add_argument("--out", type=Path, default=Path("karte"), help="出力先のフォルダ（既定: ./karte）")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="同時に作る数（既定: 1）")
    parser.add_argument("--peer-rule", default=None, metavar="JSON",
                        help='比較の決め方（例: \'{"size_ratio": 1.5, "change_years": 10}\'）')
    parser.add_argument("--no-progress", action="store_true", help="進み具合のバーを出さない")


def run(args: argparse.Namespace) -> int:
    from ebpm.errors import DataFormatError
    from ebpm.karte import report

    if not args.codes and args.prefecture is None and not args.every:
        raise DataFormatError("団体コードか --prefecture か --all を指定してください。",
                              expected="ebpm karte 434825 --data フォルダ、ebpm karte --prefecture 43 --data フォルダ、"
                                       "または ebpm karte --all --data フォルダ")
    try:
        rule = json.loads(args.peer_rule) if args.peer_rule else None
    except json.JSONDecodeError as error:
        raise DataFormatError(f"--peer-rule を JSON として読めません（{error.msg}）。",
                              expected='{"size_ratio": 2.0} のような JSON') from None
    # paths are the user's, relative to the folder they typed the command in: resolved here, once
    out = report.absolute(args.out)
    data = None if args.data is None else report.absolute(args.data)
    bounds = None if args.boundaries is None else report.absolute(args.boundaries)
    if data is None:
        print("注意: --data を指定しなかったため、研修の架空データ（星川町など）でカルテを作ります。"
              "自分のまちのカルテは --data にダウンロードしたファイルのフォルダを指定してください。", file=sys.stderr)
    results = report.build(args.codes, data, out, prefecture=args.prefecture, every=args.every, boundaries=bounds,
                           peer_rule=rule, jobs=max(1, args.jobs), progress=not args.no_progress)
    built = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    for r in built:
        print(f"{r.code} {r.name}: {r.html}（{r.seconds:.1f} 秒）")
    for r in failed:
        print(f"{r.code} {r.name}: 作成できませんでした: {r.error or 'HTML ができませんでした'}", file=sys.stderr)
    timed = [r for r in results if r.seconds]
    if timed:
        slowest = max(r.seconds for r in timed)
        kernel = max(r.kernel_max_rss_mb for r in timed)
        print(f"1 団体あたり {sum(r.seconds for r in timed) / len(timed):.1f} 秒（最長 {slowest:.1f} 秒）、"
              f"最大メモリ: 作業プロセス {max(r.worker_max_rss_mb for r in timed):.0f} MB"
              + (f"、カーネル {kernel:.0f} MB" if kernel else ""))
    if (out / "index.html").exists() and len(results) > 1:
        print(f"一覧: {out / 'index.html'}")
    print(f"作成: {len(built)} 団体" + (f"、作成できなかった団体: {len(failed)}（"
                                      + "、".join(f"{r.code} {r.name}".strip() for r in failed) + "）" if failed else ""))
    return 1 if failed else 0
