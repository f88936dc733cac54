"""The karte's data folder as a town keeps it, and the codes as people type them.

Every file of the folder is accounted for (read as what, or not read and why); files are taken by
their content (a 住基 table saved as CSV by Excel, an .xls renamed .xlsx, the 年齢階級別 file beside
the 人口・世帯数 ones); codes arrive with full-width digits, as 5 digits, or as a folder whose
``--data`` was forgotten. Fixtures are made the way users' tools make them (tests/fixtures_soumu.py).
"""
from __future__ import annotations

import shutil
import zipfile

import pytest

from ebpm import datasets
from ebpm.errors import DataFormatError
from ebpm.karte import load_sources
from ebpm.karte.notebook import check_codes, default_data
from ebpm.karte.sources import NOT_READ, READ
from tests import fixtures_soumu as fx

MAIN = "438014"   # 星川町 (fictional)


def _copy(name: str, folder, as_name: str | None = None):
    source = datasets.path(name)
    return shutil.copy(source, folder / (as_name or source.name))


@pytest.fixture(scope="module")
def synthetic_sources():
    folder, bounds = default_data()
    return load_sources(folder, bounds)


def test_every_file_of_a_users_folder_is_accounted_for(tmp_path):
    _copy("soumu_juki_2023", tmp_path)
    _copy("soumu_juki_2024", tmp_path)
    # the latest year arrives as Excel's CSV (cp932, CRLF, sorted by code): it must stay the latest year
    fx.save_as_csv(datasets.path("soumu_juki_2025"), tmp_path / "2503ssjin.csv", sort_by_code=True)
    _copy("soumu_age_2019", tmp_path, "年齢別_2019.xlsx")          # an .xls under another name and extension
    _copy("soumu_age_2024", tmp_path)
    _copy("soumu_zaisei_2023", tmp_path)
    (tmp_path / "~$2403ssjin.xlsx").write_bytes(b"\x00" * 165)      # Excel's lock file while the book is open
    (tmp_path / "メモ.txt").write_bytes("人口の推移を見る\r\n".encode("cp932"))
    with zipfile.ZipFile(tmp_path / "N03-20240101_43_GML.zip", "w") as archive:
        archive.writestr("N03-20240101_43.geojson", "{}")
    sources = load_sources(tmp_path)
    assert sorted(sources.juki.attrs["ファイル"]) == [2023, 2024, 2025]
    assert sources.age is not None and sorted(sources.age.attrs["ファイル"]) == [2019, 2024]
    accounts = {row["ファイル"]: row for row in sources.files}
    assert set(accounts) == {p.name for p in tmp_path.iterdir()}
    assert accounts["2503ssjin.csv"]["状態"] == READ and "2025 年" in accounts["2503ssjin.csv"]["内容・理由"]
    assert "CSV から" in accounts["2503ssjin.csv"]["内容・理由"]
    assert accounts["年齢別_2019.xlsx"]["状態"] == READ and "年齢階級別" in accounts["年齢別_2019.xlsx"]["内容・理由"]
    assert "令和5年度" in accounts["zaisei_shihyo_R5.xlsx"]["内容・理由"]
    for name, reason in (("~$2403ssjin.xlsx", "一時ファイル"), ("メモ.txt", "2203ssjin.xlsx"),
                         ("N03-20240101_43_GML.zip", "展開")):
        assert accounts[name]["状態"] == NOT_READ and reason in accounts[name]["内容・理由"], accounts[name]


def test_a_second_file_for_a_year_is_named_not_dropped_silently(tmp_path):
    _copy("soumu_juki_2024", tmp_path)
    fx.save_as_csv(datasets.path("soumu_juki_2024"), tmp_path / "2403ssjin_コピー.csv")
    sources = load_sources(tmp_path)
    accounts = {row["ファイル"]: row for row in sources.files}
    assert [row["状態"] for row in accounts.values()].count(NOT_READ) == 1
    refused = next(row for row in accounts.values() if row["状態"] == NOT_READ)
    assert "2024 年のファイルが 2 つあります" in refused["内容・理由"]


def test_codes_as_people_type_them(synthetic_sources, tmp_path):
    checked, refused = check_codes(synthetic_sources, ["４３８０１４", "43801", "438014"], synthetic=True)
    assert checked == [MAIN] and refused == []
    folder = tmp_path / "まちのデータ"
    folder.mkdir()
    checked, refused = check_codes(synthetic_sources, [MAIN, str(folder), "434825", "123456"], synthetic=True)
    assert checked == [MAIN]
    reasons = dict(refused)
    assert "--data" in reasons[str(folder)] and "フォルダです" in reasons[str(folder)]
    assert "--data" in reasons["434825"] and "架空データ" in reasons["434825"]   # a real town, the folder forgotten
    assert "正しい団体コードではありません" in reasons["123456"]


def test_forgotten_data_is_said_and_exits_1_without_a_report(tmp_path, monkeypatch, capsys):
    from ebpm import cli

    monkeypatch.chdir(tmp_path)
    assert cli.main(["karte", "434825", "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert "--data を指定しなかったため" in captured.err and "434825" in captured.err
    assert "作成できなかった団体: 1（434825）" in captured.out
    assert not list(tmp_path.rglob("karte.html"))


def test_an_unknown_code_among_several_is_reported_and_the_others_built(tmp_path, monkeypatch, capsys):
    """Slow (one kernel): guards that one bad code neither stops the batch nor leaves a page."""
    from ebpm import cli

    monkeypatch.chdir(tmp_path)
    assert cli.main(["karte", MAIN, "438019", "--out", "出力", "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert (tmp_path / "出力" / f"{MAIN}_星川町" / "karte.html").is_file()
    assert "438019" in captured.err and "作成: 1 団体、作成できなかった団体: 1（438019）" in captured.out
    assert len(list(tmp_path.rglob("karte.html"))) == 1


def test_a_missing_data_folder_is_refused_in_japanese(tmp_path):
    with pytest.raises(DataFormatError, match="データのフォルダがありません"):
        load_sources(tmp_path / "まちのデータ")


def test_a_town_whose_notebook_fails_leaves_no_page_that_looks_like_a_report(tmp_path):
    """Slow (one kernel): an older karte.html is removed and the stopped notebook is kept under a name that says so."""
    from ebpm.karte import report

    folder = report.town_folder(tmp_path, MAIN, "星川町")
    folder.mkdir(parents=True)
    (folder / "karte.html").write_text("<html>前回のカルテ</html>", encoding="utf-8")
    result = report.run_one(MAIN, "星川町", tmp_path, sources_cache=tmp_path / "ない.pkl")
    assert result.error and not result.ok
    assert not (folder / "karte.html").exists() and (folder / report.FAILED_NOTEBOOK).is_file()
