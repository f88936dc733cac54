"""Run the report notebook for one town or many, and export what a staff member opens.

For each town, ``<out>/<団体コード>_<団体名>/`` gets ``karte.html`` (self-contained: code hidden,
images embedded, no script from the internet), ``karte.ipynb`` (the executed notebook) and
``csv/`` (the table behind every chart, UTF-8 with BOM). A batch reads the yearly series once,
renders the towns (by default with :mod:`ebpm.karte.batch`, no kernel per town; or through the
notebook with papermill, a kernel per town, the series kept in ``<out>/_cache/`` for them) and
writes ``<out>/index.html`` linking every report.
"""
from __future__ import annotations

import html
import re
import resource
import shutil
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

from ebpm.errors import DataFormatError, lost_kernel_port_race
from ebpm.karte import tables
from ebpm.karte.sources import Sources, load_sources

TEMPLATE = Path(__file__).with_name("town_karte.ipynb")
FAILED_NOTEBOOK = "karte_作成できませんでした.ipynb"
CELL_TIMEOUT = 300
_REMOTE_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*', re.IGNORECASE)


@dataclass
class KarteResult:
    code: str
    name: str
    folder: Path
    seconds: float
    error: str = ""
    worker_max_rss_mb: float = 0.0
    kernel_max_rss_mb: float = 0.0

    @property
    def html(self) -> Path:
        return self.folder / "karte.html"

    @property
    def ok(self) -> bool:
        return not self.error and self.html.is_file()


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    return exporter


def export_html(notebook, target: Path, title: str) -> Path:
    """The executed notebook as one HTML page: inputs and prompts hidden, no remote script."""
    notebook.metadata["title"] = title
    body, _ = _exporter().from_notebook_node(notebook)
    body = _REMOTE_SCRIPT.sub("", body)   # require.js and MathJax from a CDN: not needed, and offline they only fail
    body = re.sub(r"<html(?: lang=\"[^\"]*\")?>", '<html lang="ja">', body, count=1)
    target.write_text(body, encoding="utf-8")
    return target


def absolute(path: str | Path) -> Path:
    """A user's path made absolute against the folder they are in (``~`` expanded), once, where it enters."""
    return Path(path).expanduser().resolve()


def town_folder(out: Path, code: str, name: str) -> Path:
    return Path(out) / f"{code}_{name}"


def run_one(code: str, name: str, out: str | Path, *, data_folder: str | Path | None = None,
            boundaries: str | Path | None = None, peer_rule: dict | None = None,
            sources_cache: str | Path | None = None) -> KarteResult:
    """Execute the template for one town with papermill and export HTML, notebook and CSVs."""
    import logging

    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.ERROR)
    started = time.perf_counter()
    # the notebook runs inside the town's folder: every path it is given must not depend on ours
    out, data_folder, boundaries, sources_cache = (
        None if p is None else absolute(p) for p in (out, data_folder, boundaries, sources_cache))
    folder = town_folder(out, code, name)
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / "karte.ipynb"
    parameters = {"code": code, "data_folder": None if data_folder is None else str(data_folder),
                  "boundaries": None if boundaries is None else str(boundaries),
                  "peer_rule": peer_rule or {}, "output_folder": str(folder),
                  "sources_cache": None if sources_cache is None else str(sources_cache)}
    error = ""
    for attempt in range(2):
        try:
            papermill.execute_notebook(
                str(TEMPLATE), str(output), parameters=parameters, cwd=str(folder), kernel_name="python3",
                progress_bar=False, log_output=False, execution_timeout=CELL_TIMEOUT,
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
            error = ""
            break
        except PapermillExecutionError as err:
            error = f"{err.ename}: {err.evalue}"
            break
        except Exception as err:  # a kernel that lost a port race at start-up is started again once
            error = f"{type(err).__name__}: {err}"
            if attempt or not lost_kernel_port_race(str(err)):
                break
    (folder / "karte.html").unlink(missing_ok=True)   # never leave an older page that looks like this run's report
    if output.exists() and not error:
        executed = nbformat.read(output, as_version=4)
        export_html(executed, folder / "karte.html", f"{name}のまちのデータカルテ")
    elif output.exists():
        output.replace(folder / FAILED_NOTEBOOK)   # kept to see where it stopped, under a name that says so
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return KarteResult(code, name, folder, time.perf_counter() - started, error, own, children)


def _towns(sources: Sources, codes: list[str]) -> dict[str, dict]:
    return {code: tables.town_info(sources, code) for code in codes}


def all_codes(sources: Sources) -> list[str]:
    """Every municipality (市町村; 政令指定都市 as one city) in the latest 住基 file."""
    wide = tables.basic_municipalities(sources)
    return sorted(wide.loc[wide["年"] == wide["年"].max(), "団体コード"].unique())


def prefecture_codes(sources: Sources, prefecture: str | int) -> list[str]:
    """Every municipality (市町村; 政令指定都市 as one city) of the prefecture in the latest 住基 file."""
    text = f"{int(prefecture):02d}" if str(prefecture).strip().isdigit() else str(prefecture).strip()
    wide = tables.basic_municipalities(sources)
    last = wide[wide["年"] == wide["年"].max()]
    if not text.isdigit():
        found = last.loc[last["都道府県名"] == text, "団体コード"]
    else:
        found = last.loc[last["団体コード"].str[:2] == text, "団体コード"]
    if found.empty:
        names = "、".join(sorted(set(last["都道府県名"].dropna().astype(str)))[:8])
        raise DataFormatError(
            f"都道府県「{prefecture}」の市町村が住基のファイルにありません。",
            expected=f"都道府県コード 2 桁（例: 43）か都道府県名（ファイルにあるもの: {names} …）",
        )
    return sorted(found)


RENDERERS = ("batch", "papermill")


def build(codes: list[str] | None, data_folder: str | Path | None, out: str | Path, *,
          prefecture: str | None = None, every: bool = False, boundaries: str | Path | None = None,
          peer_rule: dict | None = None, jobs: int = 1, progress: bool = True, echo=print,
          sources: Sources | None = None, renderer: str = "batch") -> list[KarteResult]:
    """Reports for ``codes`` (and every town of ``prefecture``, or ``every`` town in the files); the
    series are read once for all (or given as ``sources``, already read by
    :func:`ebpm.karte.load_sources`). ``renderer="batch"`` fills the notebook's outputs in worker
    processes (:mod:`ebpm.karte.batch`); ``"papermill"`` runs the notebook in a kernel per town."""
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {RENDERERS}, not {renderer!r}")
    from ebpm.karte.notebook import check_codes, default_data

    out = absolute(out)
    data_folder = None if data_folder is None else absolute(data_folder)
    boundaries = None if boundaries is None else absolute(boundaries)
    started = time.perf_counter()
    read_folder, read_bounds = (data_folder, boundaries) if data_folder is not None else default_data()
    if data_folder is None and boundaries is not None:
        read_bounds = boundaries
    if sources is None:
        sources = load_sources(read_folder, read_bounds)
    wanted = list(codes or [])
    if prefecture is not None:
        wanted += prefecture_codes(sources, prefecture)
    if every:
        wanted += all_codes(sources)
    if not wanted:
        raise DataFormatError("団体コードがありません。", expected="団体コード（例: 434825）か --prefecture 43 か --all")
    checked, refused_codes = check_codes(sources, wanted, synthetic=data_folder is None)
    tables.PeerRule.from_dict(peer_rule)
    for line in tables.missing_messages(sources):
        echo(f"注意: {line}")
    for row in sources.files:   # every file of the folder, read or not (and why)
        echo(f"{row['状態']}: {row['ファイル']} … {row['内容・理由']}")
    towns = _towns(sources, checked)
    names = {code: str(info["団体名"]) for code, info in towns.items()}
    parallel = jobs > 1 and len(checked) > 1
    cache = sources.save(out / "_cache" / "sources.pkl") if parallel or renderer == "papermill" else None
    read_seconds = time.perf_counter() - started
    echo(f"ファイルを読みました（{read_seconds:.1f} 秒）。{len(checked)} 団体のカルテを作ります。")
    kwargs = {"data_folder": data_folder, "boundaries": boundaries, "peer_rule": peer_rule, "sources_cache": cache}
    results: list[KarteResult] = []
    bar = _progress(len(checked), progress)
    if renderer == "batch":
        from ebpm.karte import batch

        job = batch.Job(out=str(out), data_folder=None if data_folder is None else str(data_folder),
                        boundaries=None if boundaries is None else str(boundaries), peer_rule=peer_rule or {},
                        synthetic=data_folder is None, sources_cache=None if cache is None else str(cache))
        results = batch.render(sources, names, job, jobs=jobs if parallel else 1, on_done=lambda _: bar.update(1))
    elif not parallel:
        for code in checked:
            results.append(run_one(code, names[code], out, **kwargs))
            bar.update(1)
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_one, code, names[code], out, **kwargs) for code in checked]
            for future in as_completed(futures):
                results.append(future.result())
                bar.update(1)
    bar.close()
    shutil.rmtree(out / "_cache", ignore_errors=True)
    results += [KarteResult(code, "", out, 0.0, reason) for code, reason in refused_codes]
    results.sort(key=lambda r: r.code)
    if len(results) > 1 or prefecture is not None or every:
        prefectures = {code: str(info["都道府県名"]) for code, info in towns.items()}
        write_index(out, results, title=_index_title(sources, prefecture, every),
                    prefectures=prefectures if len(set(prefectures.values())) > 1 else None)
    return results


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="カルテ", unit="団体", disable=not enabled)


def _index_title(sources: Sources, prefecture: str | None, every: bool = False) -> str:
    if every:
        return "全国の市町村のデータカルテ 一覧"
    if prefecture is None:
        return "まちのデータカルテ 一覧"
    codes = prefecture_codes(sources, prefecture)
    info = tables.town_info(sources, codes[0])
    return f"{info['都道府県名']}の市町村のデータカルテ 一覧"


def write_index(out: Path, results: list[KarteResult], title: str, prefectures: dict[str, str] | None = None) -> Path:
    """index.html linking every report (and naming the ones that failed, with the reason); with
    ``prefectures`` ({code: 都道府県名}), a column for the prefecture."""
    rows = []
    for r in results:
        link = f'<a href="{html.escape(r.folder.name)}/karte.html">{html.escape(r.name)}</a>'
        if r.error:
            link = html.escape(r.name)
        status = "作成しました" if not r.error else f"作成できませんでした: {html.escape(r.error)}"
        where = f"<td>{html.escape(prefectures.get(r.code, ''))}</td>" if prefectures else ""
        rows.append(f"<tr><td>{r.code}</td>{where}<td>{link}</td><td>{status}</td></tr>")
    page = (
        '<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;border-bottom:1px solid #ddd}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>"
        f"<p>{len(results)} 団体。団体名を押すと、その市町村のカルテが開きます。</p>"
        "<table><tr><th>団体コード</th>" + ("<th>都道府県</th>" if prefectures else "")
        + "<th>団体名</th><th>状態</th></tr>" + "".join(rows) + "</table></body></html>\n"
    )
    target = Path(out) / "index.html"
    target.write_text(page, encoding="utf-8")
    return target
