"""The rotating samples (tests/sampling.py) and the order in which xdist hands out groups (tests/conftest.py)."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import conftest, sampling


def test_the_seed_comes_from_the_environment_or_the_date(monkeypatch):
    monkeypatch.setenv(sampling.SEED_VARIABLE, "20260401")
    assert sampling.seed() == 20260401
    assert "EBPM_SAMPLE_SEED=20260401" in sampling.header()
    monkeypatch.delenv(sampling.SEED_VARIABLE)
    assert re.fullmatch(r"20\d{6}", str(sampling.seed()))


def test_full_means_every_value_but_empty_and_zero(monkeypatch):
    for value, full in (("1", True), ("yes", True), ("0", False), ("", False)):
        monkeypatch.setenv(sampling.FULL_VARIABLE, value)
        assert sampling.full() is full, value
    monkeypatch.delenv(sampling.FULL_VARIABLE)
    assert not sampling.full()


def test_a_sample_is_replayed_by_its_seed_and_rotates_with_it(monkeypatch):
    keys = [f"k{i:02}" for i in range(22)]
    monkeypatch.setenv(sampling.SEED_VARIABLE, "7")
    first = sampling.pick(keys, 3, "cases")
    assert len(first) == 3 and first <= set(keys)
    assert sampling.pick(reversed(keys), 3, "cases") == first  # the order the keys come in does not matter
    samples = set()
    for seed in range(30):
        monkeypatch.setenv(sampling.SEED_VARIABLE, str(seed))
        samples.add(frozenset(sampling.pick(keys, 3, "cases")))
    assert len(samples) > 20  # a different sample on (nearly) every day
    assert sampling.pick(keys[:2], 3, "cases") == set(keys[:2])


def test_a_sample_within_a_budget(monkeypatch):
    costs = {"cheap": 5.0, "middle": 40.0, "dear": 200.0, "small": 10.0}
    for seed in range(20):
        monkeypatch.setenv(sampling.SEED_VARIABLE, str(seed))
        chosen = sampling.pick_within(costs, 60.0, "mutants")
        spent = sum(costs[k] for k in chosen)
        assert chosen and (spent <= 60.0 or len(chosen) == 1), (seed, chosen)
    assert sampling.pick_within({}, 60.0, "mutants") == set()


def _item(group: str | None, name: str):
    marker = SimpleNamespace(args=(group,), kwargs={}) if group else None
    return SimpleNamespace(name=name, get_closest_marker=lambda _: marker)


def test_the_heaviest_groups_are_handed_out_first():
    items = [_item(None, "unit-a"), _item("vendor", "vendor"), _item("judging", "judging-1"), _item(None, "unit-b"),
             _item("grading", "grading"), _item("judging", "judging-2")]
    config = SimpleNamespace(option=SimpleNamespace(dist="loadgroup"))
    conftest.pytest_collection_modifyitems(config, items)
    heavy, light = sorted(["judging", "grading"], key=lambda g: -conftest.GROUP_SECONDS[g])
    grouped = {"judging": ["judging-1", "judging-2"], "grading": ["grading"]}
    assert [i.name for i in items] == [*grouped[heavy], *grouped[light], "vendor", "unit-a", "unit-b"]
    plain = SimpleNamespace(option=SimpleNamespace(dist="no"))
    items.reverse()
    conftest.pytest_collection_modifyitems(plain, items)
    assert items[0].name == "unit-b"  # without loadgroup nothing is reordered


def test_every_xdist_group_has_a_weight():
    """A new group without a weight would be handed out after all the others, however long it takes."""
    used = set()
    for module in Path(__file__).parent.glob("test_*.py"):
        used |= set(re.findall(r"xdist_group\(\"(\w+)\"\)", module.read_text(encoding="utf-8")))
    assert used and not used - set(conftest.GROUP_SECONDS), sorted(used - set(conftest.GROUP_SECONDS))


@pytest.mark.parametrize("purpose", ["cases", "mutants", "diagnosis", "roundtrip"])
def test_each_check_draws_its_own_sample(monkeypatch, purpose):
    monkeypatch.setenv(sampling.SEED_VARIABLE, "20261208")
    keys = [f"k{i:02}" for i in range(22)]
    others = {p: sampling.pick(keys, 3, p) for p in ["cases", "mutants", "diagnosis", "roundtrip"] if p != purpose}
    assert any(sample != sampling.pick(keys, 3, purpose) for sample in others.values())
