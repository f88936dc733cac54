"""Hand-ins made the way learners' and instructors' tools make them (DESIGN.md, "Testing as users run it").

- ``windows_zip``: a zip as Windows' Explorer makes it (「送る → 圧縮 (zip 形式) フォルダー」): names stored
  as cp932 bytes with the UTF-8 flag (0x800) clear. Python's zipfile always sets the flag for non-ASCII
  names, so the archive is written by Info-ZIP ``zip`` from files whose names on disk are cp932 bytes;
  ``zip`` stores a name's bytes as they are, without the flag, as Explorer does.
- ``unzip_into``: the same expanded by Linux ``/usr/bin/unzip``, which writes those bytes unchanged.
- ``zip_folder``: a folder zipped again by Info-ZIP ``zip`` (chapter 9.5 on Linux).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

UNZIP = "/usr/bin/unzip"
ZIP = "/usr/bin/zip"


def windows_zip(path: Path, files: dict[str, bytes], when: tuple = (2026, 6, 1, 10, 0, 0)) -> Path:
    """``files``: path inside the zip (``山田 太郎/00_x.ipynb``) → bytes; every entry dated ``when`` (local time)."""
    stage = path.parent / (path.name + ".stage")
    stamp = datetime(*when).timestamp()
    for relative, data in files.items():
        target = Path(os.fsdecode(os.fsencode(stage) + b"/" + relative.encode("cp932")))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.utime(target, (stamp, stamp))
    tops = sorted({relative.split("/")[0] for relative in files})
    subprocess.run([ZIP, "-q", "-r", "-X", os.fsencode(path.resolve()), *[t.encode("cp932") for t in tops]],
                   cwd=stage, check=True)
    shutil.rmtree(stage)
    with zipfile.ZipFile(path) as archive:  # the artefact is what it claims to be
        assert all(not info.flag_bits & 0x800 for info in archive.infolist()), "zip set the UTF-8 flag"
    return path


def unzip_into(archive: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([UNZIP, "-q", "-o", str(archive), "-d", str(folder)], check=True)
    return folder


def has_raw_bytes(folder: Path) -> bool:
    """True when some name under ``folder`` is not UTF-8 (what ``unzip`` leaves from a Windows zip)."""
    return any(any("\udc80" <= ch <= "\udcff" for ch in p.name) for p in folder.rglob("*"))


def zip_folder(folder: Path, out: Path) -> Path:
    subprocess.run([ZIP, "-q", "-r", str(out.resolve()), folder.name], cwd=folder.parent, check=True)
    return out
