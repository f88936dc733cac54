"""まちのデータカルテ: a report on one's own town from the official files anyone can download.

The machinery is split by job, as the course's other rooms are:

- :mod:`ebpm.karte.sources`: find and read the user's files once (住基 and 主要財政指標 series,
  N03 boundaries), keeping what was refused and why;
- :mod:`ebpm.karte.tables`: the numbers of each part of the report (population, natural and
  social change, peers with rank and percentile, fiscal indicators, KPI baselines, data notes);
- :mod:`ebpm.karte.figures`: one chart per part, markers and missing years shown, never smoothed;
- :mod:`ebpm.karte.sections`: the report's sections in order (tables, charts and text of each),
  read by both the notebook and the batch renderer; how to add a section is written there;
- :mod:`ebpm.karte.summary`: the numbers a 課長 asks for first, with the town's peer ranks;
- :mod:`ebpm.karte.batch`: many towns without a kernel per town (workers that draw), the same
  notebook, HTML and CSVs as papermill's;
- :mod:`ebpm.karte.report`: run the parameterized notebook ``town_karte.ipynb`` with papermill,
  export the self-contained HTML, the executed notebook and the CSVs; batches with an index page.
"""
from __future__ import annotations

from ebpm.karte.sources import Sources, load_sources
from ebpm.karte.tables import PeerRule

__all__ = ["Sources", "load_sources", "PeerRule"]
