"""pyproject.toml and environment.yml declare the same runtime dependencies."""
from __future__ import annotations

import tomllib

import yaml

from ebpm.course import repo_root


def _normalise(requirement: str) -> str:
    return requirement.replace(" ", "").lower()


def test_environment_yml_matches_pyproject():
    root = repo_root()
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    environment = yaml.safe_load((root / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    declared = {_normalise(r) for r in pip_section if not r.startswith("-e")}
    assert declared == {_normalise(r) for r in project["dependencies"]}
    assert "-e ." in pip_section


def test_required_packages_are_declared():
    root = repo_root()
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {r.split(">")[0].split("<")[0].split("=")[0].lower() for r in project["dependencies"]}
    for required in ("jupyterlab", "pandas", "matplotlib", "seaborn", "nbgrader", "ipywidgets", "papermill"):
        assert required in names
