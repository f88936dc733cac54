"""Fast checks of imports as versions and of names that arrive as bytes (no grading: see tests/test_term.py).

Every hand-in here is made the way the learners' and instructor's tools make it (tests/handins.py):
Windows-Explorer zips with cp932 names and no UTF-8 flag, the same expanded by Linux `unzip` and zipped
again, Python's zipfile extraction (cp437 mojibake on disk), a browser's 「(1)」 downloads.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from ebpm import course
from ebpm.errors import EbpmError
from ebpm.grading import learners, layout as layouts, submissions, versions
from tests.handins import has_raw_bytes, unzip_into, windows_zip, zip_folder
from tests.test_instructor_tools import ASSIGNMENT, COURSES, _course

NB0, NB2 = COURSES["two"]
RELEASE = course.release_dir() / ASSIGNMENT
SOLUTION = course.solutions_dir() / ASSIGNMENT


def _notebook(kind: str, notebook: str) -> bytes:
    return ((SOLUTION if kind == "solution" else RELEASE) / f"{notebook}.ipynb").read_bytes()


@pytest.fixture
def layout(tmp_path):
    return layouts.load(_course(tmp_path, COURSES["two"]))


def _import(layout, path, replace=False):
    return submissions.import_learners(layout, path, ASSIGNMENT, replace=replace)


def _kinds(result) -> dict[tuple[str, str], str]:
    return {(c.name, c.relative): c.kind for c in result.record.changes}


def test_partial_resubmission_identical_and_older_reimports(layout, tmp_path):
    yamada = learners.learner_id("山田 太郎")
    first = windows_zip(tmp_path / "山田 太郎.zip", {f"山田 太郎/{NB0}.ipynb": _notebook("release", NB0),
                                                     f"山田 太郎/{NB2}.ipynb": _notebook("release", NB2)})
    second = windows_zip(tmp_path / "山田 太郎 (1).zip", {f"山田 太郎/{NB0}.ipynb": _notebook("solution", NB0)},
                         when=(2026, 6, 2, 9, 0, 0))
    assert _kinds(_import(layout, first)) == {("山田 太郎", f"{NB0}.ipynb"): "added", ("山田 太郎", f"{NB2}.ipynb"): "added"}
    result = _import(layout, second)
    assert _kinds(result) == {("山田 太郎", f"{NB0}.ipynb"): "replaced"}
    folder = layout.submitted / yamada / ASSIGNMENT
    assert (folder / f"{NB0}.ipynb").read_bytes() == _notebook("solution", NB0)
    assert (folder / f"{NB2}.ipynb").read_bytes() == _notebook("release", NB2)  # not resent: kept
    assert (folder / "timestamp.txt").read_text(encoding="utf-8").startswith("2026-06-02T09:00:00")
    before = submissions.content_hash(folder)
    again = _import(layout, second)
    assert set(_kinds(again).values()) == {"unchanged"} and submissions.content_hash(folder) == before
    older = _import(layout, first)
    assert older.refused and older.refused[0].relative == f"{NB0}.ipynb"
    assert versions.shown(older.refused[0].kept) == "2026-06-02 09:00:00"
    assert versions.shown(older.refused[0].handed_in) == "2026-06-01 10:00:00"
    assert submissions.content_hash(folder) == before
    replaced = _import(layout, first, replace=True)
    assert _kinds(replaced)[("山田 太郎", f"{NB0}.ipynb")] == "replaced"
    assert (folder / f"{NB0}.ipynb").read_bytes() == _notebook("release", NB0)
    stored = sorted(p.name for p in (layout.grading / "versions" / ASSIGNMENT / yamada / f"{NB0}.ipynb").iterdir())
    assert len(stored) == 3  # release, solution, release again: nothing deleted


def test_undo_restores_the_files_and_refuses_when_a_later_import_depends_on_it(layout, tmp_path):
    yamada = learners.learner_id("山田 太郎")
    first = windows_zip(tmp_path / "a.zip", {f"山田 太郎/{NB0}.ipynb": _notebook("release", NB0)})
    second = windows_zip(tmp_path / "b.zip", {f"山田 太郎/{NB0}.ipynb": _notebook("solution", NB0)},
                         when=(2026, 6, 3, 9, 0, 0))
    one, two = _import(layout, first).record.number, _import(layout, second).record.number
    with pytest.raises(EbpmError, match=f"先に.*--undo {two}"):
        versions.undo(layout, one)
    versions.undo(layout, two)
    assert (layout.submitted / yamada / ASSIGNMENT / f"{NB0}.ipynb").read_bytes() == _notebook("release", NB0)
    versions.undo(layout, one)
    assert not (layout.submitted / yamada).exists()
    assert yamada not in learners.read_table(layout)  # came with the import, gone with it
    assert all("取り消し済み" in line for line in versions.listing(layout)[1:])
    with pytest.raises(EbpmError, match="取り消し済み"):
        versions.undo(layout, one)


def test_a_hand_fix_in_submitted_is_kept_as_an_import_of_its_own(layout, tmp_path):
    _import(layout, windows_zip(tmp_path / "a.zip", {f"佐藤 花子/{NB0} のコピー.ipynb": _notebook("release", NB0)}))
    sato = learners.learner_id("佐藤 花子")
    folder = layout.submitted / sato / ASSIGNMENT
    (folder / f"{NB0} のコピー.ipynb").rename(folder / f"{NB0}.ipynb")  # the instructor fixes the name
    found = submissions.discover(layout, [ASSIGNMENT])
    assert [s.files for s in found] == [[f"{NB0}.ipynb", "timestamp.txt"]]
    record = versions.Store(layout).imports[-1]
    assert record.source == versions.ADOPTED_SOURCE
    assert {c.relative: c.kind for c in record.changes} == {f"{NB0}.ipynb": "added", f"{NB0} のコピー.ipynb": "removed"}
    # importing the learner's zip again keeps the fix: the same notebook is there under its right name
    again = _import(layout, tmp_path / "a.zip")
    assert set(_kinds(again).values()) == {"unchanged"}
    assert sorted(p.name for p in folder.iterdir()) == [f"{NB0}.ipynb", "timestamp.txt"]


# --- names that arrive as bytes ---------------------------------------------------------------

def _names(result) -> set[str]:
    return {s.display_name for s in result.submissions}


def test_windows_zip_with_cp932_names(layout, tmp_path):
    archive = windows_zip(tmp_path / "提出物.zip", {f"提出物/山田 太郎/{NB0}.ipynb": _notebook("release", NB0),
                                                   f"提出物/鈴木\u3000一郎/{NB0}.ipynb": _notebook("release", NB0)})
    assert _names(_import(layout, archive)) == {"山田 太郎", "鈴木 一郎"}


def test_unzip_expanded_folder_and_its_zip(layout, tmp_path):
    zips = [windows_zip(tmp_path / f"{n}.zip", {f"{n}/{NB0}.ipynb": _notebook("release", NB0)}) for n in ("高橋 優", "渡辺 未来")]
    folder = tmp_path / "提出物"  # made on Linux (a UTF-8 name) and filled by unzip (cp932 bytes)
    for archive in zips:
        unzip_into(archive, folder)
    assert has_raw_bytes(folder)
    assert _names(_import(layout, folder)) == {"高橋 優", "渡辺 未来"}
    again = zip_folder(folder, tmp_path / "again.zip")
    assert set(_kinds(_import(layout, again)).values()) == {"unchanged"}


def test_mojibake_on_disk_is_recovered(layout, tmp_path):
    archive = windows_zip(tmp_path / "a.zip", {f"加藤 花子/{NB0}.ipynb": _notebook("release", NB0)})
    folder = tmp_path / "展開"
    with zipfile.ZipFile(archive) as bundle:  # `python -m zipfile -e`: cp437 names written as UTF-8
        bundle.extractall(folder)
    assert not any(learners.learner_id("加藤 花子") in p.name for p in folder.iterdir())
    assert _names(_import(layout, folder)) == {"加藤 花子"}


def test_names_that_are_not_japanese_are_refused_by_name(layout, tmp_path):
    folder = tmp_path / "提出物"
    bad = Path(os.fsdecode(os.fsencode(folder) + b"/\xff\xfe\x80"))  # no encoding reads these bytes
    bad.mkdir(parents=True)
    (bad / f"{NB0}.ipynb").write_bytes(_notebook("release", NB0))
    (folder / "tanaka").mkdir()
    (folder / "tanaka" / f"{NB0}.ipynb").write_bytes(_notebook("release", NB0))
    result = _import(layout, folder)
    assert _names(result) == {"tanaka"}
    assert [s.source for s in result.problems] == ["\\xff\\xfe\\x80/"]
    assert "Shift_JIS" in result.problems[0].reason


@pytest.mark.parametrize("entry", ["/etc/evil.ipynb", "C:/evil.ipynb", "../evil.ipynb", "山田/../../evil.ipynb",
                                   "山田\\evil.ipynb"])
def test_hostile_zip_paths_are_refused_by_name(layout, tmp_path, entry):
    archive = tmp_path / "h.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(entry, _notebook("release", NB0))
        bundle.writestr(f"tanaka/{NB0}.ipynb", _notebook("release", NB0))
    result = _import(layout, archive)
    assert _names(result) == {"tanaka"}
    assert [s.source for s in result.problems] == [entry]
    assert not (tmp_path / "evil.ipynb").exists() and not Path("/etc/evil.ipynb").exists()


def test_browser_copy_numbers_are_not_part_of_the_name(layout, tmp_path):
    folder = tmp_path / "dl"
    (folder / "伊藤 花子 (1)").mkdir(parents=True)
    (folder / "伊藤 花子 (1)" / f"{NB0} (1).ipynb").write_bytes(_notebook("release", NB0))
    result = _import(layout, folder)
    assert _names(result) == {"伊藤 花子"}
    assert (layout.submitted / learners.learner_id("伊藤 花子") / ASSIGNMENT / f"{NB0}.ipynb").is_file()


@pytest.mark.parametrize("bom", [True, False])
def test_excel_rosters(layout, tmp_path, bom):
    """Excel's 「CSV UTF-8」 (BOM, CRLF) and its plain 「CSV」 (cp932, CRLF)."""
    text = "氏名,所属,メール\r\n山田 太郎,企画課,\r\n髙橋 一郎,福祉課,\r\n"
    path = tmp_path / "名簿.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8") if bom else text.encode("cp932"))
    roster = learners.read_roster(path)
    assert sorted(entry.name for entry in roster.values()) == ["山田 太郎", "髙橋 一郎"]


def test_a_folder_whose_own_name_unzip_garbled(layout, tmp_path):
    """Chapter 9's folder of learners, zipped on Windows and expanded by Linux `unzip`: its own name is cp932 bytes."""
    archive = windows_zip(tmp_path / "a.zip", {f"提出物/小林 太郎/{NB0}.ipynb": _notebook("release", NB0)})
    expanded = unzip_into(archive, tmp_path / "x")
    (garbled,) = list(expanded.iterdir())
    assert has_raw_bytes(expanded)
    result = _import(layout, garbled)
    assert _names(result) == {"小林 太郎"}
    assert result.record.source.endswith("/x/提出物")
    for line in versions.listing(layout) + versions.details(layout, result.record.number):
        line.encode("utf-8")  # printable and storable: no surrogate left
