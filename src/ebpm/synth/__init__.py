"""Seeded generators of the course's synthetic datasets about fictional municipalities.

``build(data_root)`` writes every file under ``data/synthetic/`` and registers it in
``data/datapackage.json``; ``check(data_root)`` regenerates into a temporary folder and lists
every file whose bytes differ. The same code gives the same bytes on every run and machine.
"""
from __future__ import annotations

import filecmp
import importlib
import tempfile
from pathlib import Path

from ebpm.datapackage import ResourceSpec, update_resources

SYNTHETIC_DIR = "synthetic"

# One module per dataset family; each has ``build(data_root) -> list[ResourceSpec]``.
MODULES: tuple[str, ...] = (
    "ebpm.synth.municipalities",
    "ebpm.synth.facilities",
    "ebpm.synth.population_files",
    "ebpm.synth.opendata_files",
    "ebpm.synth.studies",
    "ebpm.synth.boundaries",
    "ebpm.synth.soumu_files",
    "ebpm.synth.skills_check",
)


def generate(data_root: Path) -> list[ResourceSpec]:
    """Write every synthetic file under ``data_root`` without touching datapackage.json."""
    specs: list[ResourceSpec] = []
    for name in MODULES:
        specs.extend(importlib.import_module(name).build(Path(data_root)))
    return specs


def build(data_root: Path) -> list[ResourceSpec]:
    """Regenerate all synthetic files and their entries in datapackage.json."""
    data_root = Path(data_root)
    folder = data_root / SYNTHETIC_DIR
    if folder.is_dir():
        # Files a generator no longer writes must not linger.
        for file in sorted(folder.rglob("*"), reverse=True):
            if file.is_file():
                file.unlink()
    specs = generate(data_root)
    update_resources(data_root, specs, replace_group="synthetic")
    return specs


def check(data_root: Path) -> list[str]:
    """Paths (relative to data/) whose bytes differ from a fresh generation, or are missing/extra."""
    data_root = Path(data_root)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        expected = _files(fresh / SYNTHETIC_DIR, fresh)
        actual = _files(data_root / SYNTHETIC_DIR, data_root)
        problems: list[str] = []
        for rel in sorted(set(expected) | set(actual)):
            if rel not in actual:
                problems.append(f"{rel}（ファイルがありません）")
            elif rel not in expected:
                problems.append(f"{rel}（生成されないファイルです）")
            elif not filecmp.cmp(expected[rel], actual[rel], shallow=False):
                problems.append(f"{rel}（内容が再生成したものと違います）")
        return problems


def _files(folder: Path, root: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {f.relative_to(root).as_posix(): f for f in folder.rglob("*") if f.is_file()}
