"""data/datapackage.json: the catalogue of every file in data/ (Frictionless Data Package).

Each file has one resource entry with its path, bytes, sha256, format, encoding, a Japanese
title and description, a licence, and either its sources (package, version, publisher,
citation) or ``synthetic`` with the command that regenerates it. Entries are written from
:class:`ResourceSpec` objects by the code that makes the files (``ebpm.synth`` for synthetic
data, ``ebpm.vendor`` for open data copied out of registry packages), so the checksums can
never be typed by hand.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

DESCRIPTOR = "datapackage.json"
SYNTHETIC_LICENSE = {
    "name": "CC0-1.0",
    "title": "CC0 1.0（本研修が生成した架空のデータ）",
    "path": "https://creativecommons.org/publicdomain/zero/1.0/",
}


@dataclass(frozen=True)
class ResourceSpec:
    """What the maker of a data file knows about it; bytes and sha256 are added on writing."""

    name: str
    path: str
    title: str
    description: str
    format: str
    encoding: str | None = "utf-8"
    licenses: tuple[dict, ...] = (SYNTHETIC_LICENSE,)
    sources: tuple[dict, ...] = ()
    synthetic: dict | None = None
    tidy: bool = True
    schema: dict | None = None
    extra: dict = field(default_factory=dict)

    def to_entry(self, data_root: Path) -> dict:
        file = data_root / self.path
        payload = file.read_bytes()
        entry: dict = {
            "name": self.name,
            "path": self.path,
            "title": self.title,
            "description": self.description,
            "format": self.format,
            "mediatype": _MEDIA_TYPES.get(self.format, "application/octet-stream"),
        }
        if self.encoding:
            entry["encoding"] = self.encoding
        entry["bytes"] = len(payload)
        entry["hash"] = "sha256:" + hashlib.sha256(payload).hexdigest()
        entry["licenses"] = list(self.licenses)
        if self.sources:
            entry["sources"] = list(self.sources)
        if self.synthetic is not None:
            entry["synthetic"] = self.synthetic
        entry["tidy"] = self.tidy
        if self.schema:
            entry["schema"] = self.schema
        entry.update(self.extra)
        return entry


_MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "geojson": "application/geo+json",
    "topojson": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
    "txt": "text/plain",
}


def read_descriptor(data_root: Path) -> dict:
    file = data_root / DESCRIPTOR
    if not file.is_file():
        return {"name": "ebpm-course-data", "resources": []}
    return json.loads(file.read_text(encoding="utf-8"))


def descriptor_text(descriptor: dict) -> str:
    """The canonical JSON text (sorted resources, fixed indentation) so rebuilds are byte-identical."""
    descriptor = dict(descriptor)
    descriptor["resources"] = sorted(descriptor.get("resources", []), key=lambda r: r["path"])
    return json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"


def update_resources(data_root: Path, specs: list[ResourceSpec], *, replace_group: str | None = None) -> dict:
    """Merge entries for ``specs`` into data/datapackage.json (by name) and write it.

    ``replace_group`` (``"synthetic"`` or ``"vendored"``) first drops every existing entry of that
    group, so that a file its maker no longer produces also leaves the catalogue.
    """
    descriptor = read_descriptor(data_root)
    descriptor.setdefault("name", "ebpm-course-data")
    descriptor.setdefault("title", "自治体職員のデータ活用研修 教材データ")
    descriptor.setdefault("profile", "data-package")
    kept = [
        r for r in descriptor.get("resources", [])
        if replace_group is None or resource_group(r) != replace_group
    ]
    by_name = {r["name"]: r for r in kept}
    for spec in specs:
        by_name[spec.name] = spec.to_entry(data_root)
    descriptor["resources"] = list(by_name.values())
    (data_root / DESCRIPTOR).write_text(descriptor_text(descriptor), encoding="utf-8")
    return descriptor


def resource_group(entry: dict) -> str:
    return "synthetic" if "synthetic" in entry else "vendored"


def verify(data_root: Path) -> list[str]:
    """Every problem with data/ against its descriptor, as Japanese sentences (empty = all good)."""
    problems: list[str] = []
    descriptor = read_descriptor(data_root)
    listed: set[str] = set()
    names: set[str] = set()
    for entry in descriptor.get("resources", []):
        rel = entry.get("path", "")
        label = entry.get("name", rel)
        if label in names:
            problems.append(f"{label}: 同じ名前の項目が 2 つあります")
        names.add(label)
        listed.add(rel)
        file = data_root / rel
        if not file.is_file():
            problems.append(f"{label}: ファイル {rel} がありません")
            continue
        payload = file.read_bytes()
        if entry.get("bytes") != len(payload):
            problems.append(f"{label}: バイト数が違います（記録 {entry.get('bytes')}、実際 {len(payload)}）")
        digest = "sha256:" + hashlib.sha256(payload).hexdigest()
        if entry.get("hash") != digest:
            problems.append(f"{label}: sha256 が記録と一致しません（ファイルが変更されています）")
        if not entry.get("licenses"):
            problems.append(f"{label}: ライセンスの記載がありません")
        if not entry.get("sources") and not entry.get("synthetic"):
            problems.append(f"{label}: 出典（sources）も synthetic の記載もありません")
        for source in entry.get("sources", []):
            if not source.get("title") and not source.get("publisher"):
                problems.append(f"{label}: 出典に発行者（title / publisher）がありません")
        if not entry.get("title") or not entry.get("description"):
            problems.append(f"{label}: 日本語のタイトルと説明が必要です")
    for file in sorted(data_root.rglob("*")):
        if file.is_file() and file.name != DESCRIPTOR:
            rel = file.relative_to(data_root).as_posix()
            if rel not in listed:
                problems.append(f"{rel}: datapackage.json に項目がないファイルです")
    return problems
