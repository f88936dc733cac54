"""Reports for many towns without a kernel per town: the same notebook, HTML and CSVs as papermill's.

The series are read once (:class:`ebpm.karte.sources.Sources`); the towns are shared among worker
processes, each of which imports matplotlib and nbconvert once (the pool's initializer) and keeps
the series and the template. For each town a worker computes every section of
:mod:`ebpm.karte.sections` (its CSVs written as the notebook writes them), draws the charts, puts the
outputs into the template's cells as the kernel would, injects the parameters as papermill does,
and exports the HTML with :func:`ebpm.karte.report.export_html`. So ``karte.ipynb`` is the notebook a
learner can run again, holding the outputs the kernel would have shown.
"""
from __future__ import annotations

import resource
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from ebpm.karte import sections
from ebpm.karte.sources import Sources


@dataclass
class Job:
    """What every town of a batch shares (picklable: sent once to each worker)."""

    out: str
    data_folder: str | None
    boundaries: str | None
    peer_rule: dict
    synthetic: bool
    sources_cache: str | None = None


_state: dict = {}


def start_worker(job: Job, sources: Sources | None = None, own_process: bool = True) -> None:
    """The pool's initializer: matplotlib, nbconvert, the template and the series, once per process."""
    import matplotlib

    if own_process:
        matplotlib.use("Agg")
    from papermill.iorw import load_notebook_node

    from ebpm import plotting
    from ebpm.karte import report

    plotting.setup()
    _state.clear()
    _state.update(job=job, sources=sources if sources is not None else Sources.load(job.sources_cache),
                  template=load_notebook_node(str(report.TEMPLATE)))   # as papermill reads it


def parameters(job: Job, code: str, folder: Path) -> dict:
    """The values papermill would inject; no cache (it is gone after the batch), so the saved
    notebook runs again as it is."""
    return {"code": code, "data_folder": job.data_folder, "boundaries": job.boundaries,
            "peer_rule": job.peer_rule or {}, "output_folder": str(folder), "sources_cache": None}


def _warning_output(caught: list[warnings.WarningMessage]) -> list[dict]:
    text = "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in caught)
    return [{"output_type": "stream", "name": "stderr", "text": text}] if text else []


def fill(template, karte, values: dict):
    """The template with the parameters injected (papermill's own function) and every section's outputs."""
    return fill_cells(template, values,
                      lambda source: [b for key in sections.keys_in(source) for b in sections.blocks(karte, key)])


def fill_cells(template, values: dict, blocks_of: Callable[[str], list]):
    """Any report template filled as a kernel would: papermill's parameters injected, and each code cell's
    outputs made from the blocks (:mod:`ebpm.karte.sections`) that ``blocks_of(cell source)`` returns;
    a warning raised meanwhile becomes the cell's stderr, as in the kernel."""
    import nbformat
    from papermill.parameterize import parameterize_notebook

    notebook = parameterize_notebook(template, values, kernel_name="python3", language="python")
    count = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count = count
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            made = sections.outputs(blocks_of(cell.source))
        cell.outputs = [nbformat.from_dict(o) for o in made + _warning_output(caught)]
    return notebook


def render_town(code: str, name: str):
    """One town's report from the worker's series: ``karte.ipynb``, ``karte.html`` and ``csv/``."""
    import nbformat

    from ebpm.karte import report, tables
    from ebpm.karte.notebook import Karte

    job: Job = _state["job"]
    started = time.perf_counter()
    folder = report.town_folder(Path(job.out), code, name)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("karte.html", "karte.ipynb"):   # a failed town must not keep an older report
        (folder / stale).unlink(missing_ok=True)
    error = ""
    try:
        karte = Karte(sources=_state["sources"], code=code, rule=tables.PeerRule.from_dict(job.peer_rule),
                      output=folder, synthetic=job.synthetic)
        notebook = fill(_state["template"], karte, parameters(job, code, folder))
        nbformat.write(notebook, folder / "karte.ipynb")
        report.export_html(notebook, folder / "karte.html", f"{name}のまちのデータカルテ")
    except Exception as err:  # one town's failure is reported with the others built
        error = f"{type(err).__name__}: {err}"
        (folder / "karte.html").unlink(missing_ok=True)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report.KarteResult(code, name, folder, time.perf_counter() - started, error, own, 0.0)


def render(sources: Sources, names: dict[str, str], job: Job, *, jobs: int = 1,
           on_done: Callable[[object], None] = lambda result: None) -> list:
    """Every town of ``names`` ({code: name}); ``jobs`` worker processes (1: in this process)."""
    results = []
    if jobs <= 1 or len(names) == 1:
        import matplotlib

        with matplotlib.rc_context():   # the caller's style (a notebook's) is left as it was
            start_worker(job, sources, own_process=False)
            try:
                for code, name in names.items():
                    results.append(render_town(code, name))
                    on_done(results[-1])
            finally:
                _state.clear()
        return results
    if job.sources_cache is None:
        raise ValueError("a batch with workers needs the series saved (Job.sources_cache)")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=start_worker,
                             initargs=(job,)) as pool:
        futures = [pool.submit(render_town, code, name) for code, name in names.items()]
        for future in as_completed(futures):
            results.append(future.result())
            on_done(results[-1])
    return results
