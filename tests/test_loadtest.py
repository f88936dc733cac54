"""The load test (benchmarks/loadtest.py) in small: five learners at once on a real JupyterHub.

Each logs in, starts a server, opens prestudy 00, types the reference answers, runs every cell through
the kernel websocket and validates. No failure of any kind is allowed; the figures (per-cell latency,
memory per learner) are written to test-artifacts/loadtest-small/ for the record. The full run for
N = 10, 20, 40 is `python benchmarks/loadtest.py` (docs/jupyterhub.md has its table).
"""
from __future__ import annotations

import os

import nbformat
import pytest

from benchmarks import loadtest

pytestmark = pytest.mark.xdist_group("loadtest")
USERS = 5


@pytest.mark.slow
def test_five_learners_at_once_on_a_real_hub():
    missing = [str(p) for p in (loadtest.CHP, loadtest.BIN / "jupyterhub") if not p.exists()]
    if missing:
        message = f"負荷試験に必要なものがありません: {', '.join(missing)}。`make system-deps setup` で入れてください。"
        if os.environ.get("EBPM_ALLOW_SKIP"):
            pytest.skip(message)
        pytest.fail(message)
    material = loadtest.learner_material()
    result = loadtest.run_once(USERS, material=material, ramp=2, deadline=240)
    loadtest.write_report([result], loadtest.ROOT / "test-artifacts" / "loadtest-small")
    assert not result.failures, (result.failures, getattr(result, "hub_log_tail", ""))
    assert not result.stopped_by_deadline
    code_cells = sum(1 for c in nbformat.read(material[0], as_version=4).cells
                     if c.cell_type == "code" and c.source.strip())
    for learner in result.learners:
        assert len(learner.cell_seconds) == code_cells, learner.name  # every cell ran, through the websocket
        assert learner.login_to_ready and learner.validate_seconds
        assert learner.peak_rss_mb > 50, learner  # a server and a kernel were measured
    summary = result.summary()
    print(f"[loadtest N={USERS}] " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                                               for k, v in summary.items()))


def test_percentiles_interpolate_like_numpy():
    import numpy

    values = [0.3, 1.2, 0.05, 7.0, 2.5, 0.9, 0.4]
    for q in (0, 50, 95, 100):
        assert loadtest.percentile(values, q) == pytest.approx(numpy.percentile(values, q))


def test_paced_learners_think_before_every_code_cell_and_runall_learners_never():
    """The paced model's schedule (its hub run is benchmarks/loadtest.py --model paced; not in make test)."""
    import random

    answered = loadtest._answered(*loadtest.learner_material())
    code_cells = sum(1 for c in answered["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip())
    paced = loadtest.think_times(answered, (20, 60), random.Random(1))
    assert len(paced) == code_cells and all(20 <= t <= 60 for t in paced) and len(set(paced)) > 1
    assert loadtest.think_times(answered, (20, 60), random.Random(1)) == paced  # seeded: the same run again
    assert loadtest.think_times(answered, None, random.Random(1)) == [0.0] * code_cells
    rows = [{**dict.fromkeys(key for key, _, _ in loadtest.COLUMNS), "users": 2, "model": model, "failures": 0,
             "meets_goal": True} for model in loadtest.MODELS]
    for row in rows:
        row.update({key: 1.0 for key in row if row[key] is None})
    assert all(label in loadtest.table(rows) for label in loadtest.MODELS.values())
