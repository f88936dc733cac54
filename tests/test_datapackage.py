"""data/ matches data/datapackage.json; tampering and strays are caught."""
from __future__ import annotations

import json
import shutil

from ebpm import datapackage
from ebpm.cli import main
from ebpm.course import repo_root

DATA = repo_root() / "data"


def test_repository_data_verifies():
    assert datapackage.verify(DATA) == []


def test_every_entry_has_licence_source_and_japanese_text():
    for entry in datapackage.read_descriptor(DATA)["resources"]:
        assert entry["licenses"], entry["name"]
        assert entry.get("sources") or entry.get("synthetic"), entry["name"]
        assert entry["hash"].startswith("sha256:")
        assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in entry["title"]), entry["name"]


def test_data_folder_is_small():
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 20 * 1024 * 1024


def test_tampered_missing_and_stray_files_are_reported(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    descriptor = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    first, second = descriptor["resources"][0], descriptor["resources"][1]
    (copy / first["path"]).write_bytes((copy / first["path"]).read_bytes() + b"x")
    (copy / second["path"]).unlink()
    (copy / "stray.csv").write_text("a\n", encoding="utf-8")
    problems = "\n".join(datapackage.verify(copy))
    assert f"{first['name']}: sha256" in problems
    assert f"{second['name']}: ファイル" in problems
    assert "stray.csv" in problems


def test_entry_without_licence_is_reported(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    descriptor = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0]["licenses"] = []
    (copy / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    assert any("ライセンス" in p for p in datapackage.verify(copy))


def test_cli_data_verify_and_build_check(capsys):
    assert main(["data", "verify"]) == 0
    assert main(["data", "build", "--check"]) == 0
    assert main(["data", "list"]) == 0
    listing = capsys.readouterr().out
    assert "facilities" in listing and "municipality_codes" in listing


def test_descriptor_text_is_canonical():
    text = (DATA / "datapackage.json").read_text(encoding="utf-8")
    assert text == datapackage.descriptor_text(json.loads(text))
