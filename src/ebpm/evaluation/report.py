"""`ebpm evaluate`: the organiser's report, rendered like the town karte.

The tables (:class:`EvaluationData`) are saved once; the parameterised notebook
``evaluation_report.ipynb`` reads them. By default the notebook's outputs are filled in this process
(:func:`ebpm.karte.batch.fill_cells`, no kernel: the same outputs the kernel would show); with
``renderer="papermill"`` the notebook runs in a kernel. Either way the executed notebook and the
self-contained HTML (:func:`ebpm.karte.report.export_html`) are written, with ``csv/`` (the aggregate
table behind each chart) and the anonymised CSV.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ebpm.evaluation import anonymise, sections
from ebpm.evaluation.data import EvaluationData
from ebpm.karte.report import absolute, export_html

TEMPLATE = Path(__file__).with_name("evaluation_report.ipynb")
HTML_NAME = "evaluation_report.html"
NOTEBOOK_NAME = "evaluation_report.ipynb"
ANONYMISED_NAME = "効果測定_匿名化データ.csv"
TITLE = "研修の効果測定の報告"
RENDERERS = ("batch", "papermill")


@dataclass
class Built:
    html: Path
    notebook: Path
    anonymised: Path
    seconds: float


def build(data: EvaluationData, out: str | Path, data_folder: str | Path | None = None,
          renderer: str = "batch") -> Built:
    """Save the tables (into ``data_folder``, default ``<out>/data``), then the report into ``out``."""
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {RENDERERS}, not {renderer!r}")
    started = time.perf_counter()
    out = absolute(out)
    data_folder = absolute(data_folder) if data_folder is not None else out / "data"
    data.save(data_folder)
    out.mkdir(parents=True, exist_ok=True)
    html, notebook = out / HTML_NAME, out / NOTEBOOK_NAME
    html.unlink(missing_ok=True)   # never leave an older page that looks like this run's report
    values = {"data_folder": str(data_folder), "output_folder": str(out)}
    if renderer == "batch":
        executed = _fill(values)
    else:
        executed = _papermill(values, out)
    import nbformat

    nbformat.write(executed, notebook)
    export_html(executed, html, TITLE)
    anonymised = anonymise.write(data, out / ANONYMISED_NAME)
    return Built(html, notebook, anonymised, time.perf_counter() - started)


def _fill(values: dict):
    import matplotlib
    from papermill.iorw import load_notebook_node

    from ebpm import plotting
    from ebpm.karte.batch import fill_cells

    with matplotlib.rc_context():   # the caller's style (a notebook's) is left as it was
        plotting.setup()
        report = sections.start(values["data_folder"], values["output_folder"])
        template = load_notebook_node(str(TEMPLATE))
        return fill_cells(template, values,
                          lambda source: [b for key in sections.keys_in(source) for b in sections.blocks(report, key)])


def _papermill(values: dict, out: Path):
    import logging

    import nbformat
    import papermill

    from ebpm.errors import EbpmError

    logging.getLogger("papermill").setLevel(logging.ERROR)
    target = out / NOTEBOOK_NAME
    try:
        papermill.execute_notebook(str(TEMPLATE), str(target), parameters=values, cwd=str(out), kernel_name="python3",
                                   progress_bar=False, log_output=False,
                                   extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    except papermill.PapermillExecutionError as error:
        raise EbpmError(f"報告のノートブックの実行が止まりました（{error.ename}: {error.evalue}）。{target} で止まった場所を確かめてください。") from None
    return nbformat.read(target, as_version=4)
