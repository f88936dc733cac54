"""Data is found the same way from any working directory: env override, repo data/, wheel copy."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pandas as pd
import pytest

from ebpm import datasets
from ebpm.course import repo_root
from ebpm.errors import DatasetNotFoundError


@pytest.fixture(autouse=True)
def fresh_cache():
    datasets.clear_cache()
    yield
    datasets.clear_cache()


def test_repo_data_is_found_from_another_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv(datasets.DATA_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert datasets.data_dir() == repo_root() / "data"
    assert datasets.path("facilities") == repo_root() / "data" / "synthetic" / "facilities.csv"


def test_environment_variable_overrides(tmp_path, monkeypatch):
    (tmp_path / "datapackage.json").write_text(json.dumps(
        {"resources": [{"name": "facilities", "path": "own.csv", "format": "csv"}]}), encoding="utf-8")
    (tmp_path / "own.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path))
    assert datasets.path("facilities") == tmp_path / "own.csv"
    assert list(datasets.load("facilities").columns) == ["a", "b"]


def test_missing_override_folder_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path / "nothing"))
    with pytest.raises(DatasetNotFoundError, match="EBPM_DATA_DIR"):
        datasets.data_dir()


def test_unknown_dataset_names_the_command_to_list_them():
    with pytest.raises(DatasetNotFoundError, match="ebpm data list") as error:
        datasets.path("facility")
    assert "facilities" in str(error.value)  # a suggestion


def test_load_keeps_codes_as_text():
    frame = datasets.load("fictional_municipalities")
    assert pd.api.types.is_string_dtype(frame["団体コード"])
    assert frame["団体コード"].str.len().eq(6).all()


def test_load_refuses_raw_files_with_a_hint():
    with pytest.raises(DatasetNotFoundError, match="estat"):
        datasets.load("estat_population_download")


def test_every_resource_path_exists():
    for name in datasets.resources():
        assert datasets.path(name).is_file(), name


@pytest.mark.slow
def test_wheel_carries_the_data_and_finds_it(tmp_path):
    """A wheel install (no repository around it) finds its packaged copy of data/."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(repo_root())],
        capture_output=True, text=True, timeout=600,
    )
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("ebpm_course-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "ebpm/_data/datapackage.json" in names
        assert "ebpm/_data/synthetic/facilities.csv" in names
        archive.extractall(site)
    env = {k: v for k, v in os.environ.items() if k != datasets.DATA_DIR_ENV}
    env["PYTHONPATH"] = str(site)
    probe = subprocess.run(
        [sys.executable, "-c", "import ebpm.datasets as d; print(d.data_dir()); print(len(d.load('facilities')))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    folder, rows = probe.stdout.split()
    assert folder == str(site / "ebpm" / "_data")
    assert int(rows) == len(pd.read_csv(repo_root() / "data" / "synthetic" / "facilities.csv"))
