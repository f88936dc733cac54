"""Small synthetic e-Stat files, one per form, reproducing the quirks of the real downloads.

Every number and place here is made up (架空県 and its towns do not exist).
"""
from __future__ import annotations

from pathlib import Path


def _write(path: Path, lines: list[str], encoding: str, newline: str = "\r\n") -> Path:
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def write_single_header(folder: Path, encoding: str = "cp932") -> Path:
    """Like FEI_CITY_*: one header row, "/項目", codes inside labels, "***", quoted commas."""
    lines = [
        '"調査年","地域","/項目","A1101_総人口【人】","A4101_出生数【人】"',
        '"2020年度","架空県 みなと市 東区","","12,345","***"',
        '"2020年度","架空県 みなと市 西区","","1,234,567","98"',
        '"2020年度","架空県 やまのうえ町","","15,020","-"',
        '"2019年度","架空県 みなと市 東区","","12,400","101"',
    ]
    return _write(folder / "single_header.csv", lines, encoding)


def write_multi_header(folder: Path, encoding: str = "utf-8", bom: bool = False) -> Path:
    """Like FEH_00200521: metadata rows, a legend, a 6-row header, 5-digit area codes."""
    pad = '"","","","","","",'
    lines = [
        '"統計名：","架空調査 人口等基本集計　（主な内容：男女・年齢）"',
        '"表番号：","1-1"',
        '"表題：","男女，年齢（5歳階級）別人口－全国，都道府県"',
        '"実施年月：","2020年","10月"',
        "",
        '"***","当該数値がないもの"',
        '"-","当該数値がないもの"',
        '"X","秘匿"',
        "",
        pad + '"/表章事項 コード","2020_01","2020_01","2020_01"',
        pad + '"/表章事項 補助コード","-","-","-"',
        pad + '"/表章事項","人口【人】","人口【人】","人口【人】"',
        pad + '"/年齢 コード","001","002","003"',
        pad + '"/年齢 補助コード","-","-","-"',
        '"時間軸（年次） コード","時間軸（年次） 補助コード","時間軸（年次）",'
        '"地域 コード","地域 補助コード","地域","/年齢","0～4歳","5～9歳","10～14歳"',
        '"2020000000","","2020年","00000","","全国","","4,541,497","5,114,336","5,376,574"',
        '"2020000000","","2020年","01000","","架空県","","29,612","-","X"',
        '"2020000000","","2020年","01100","","架空県 みなと市","","１，２３４","***","…"',
    ]
    data = ("\n".join(lines) + "\n").encode(encoding)
    path = folder / "multi_header.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_row_item_header(folder: Path) -> Path:
    """Like FEH_00450011: cp932, CRLF, four-marker legend, item and time as row dimensions."""
    lines = [
        '"統計名：","架空動態調査 確定数"',
        '"表番号：","1"',
        '"表題：","年次・性別人口"',
        '"実施年月：","2019年","-"',
        "",
        '"***","調査又は集計していないもの"',
        '"-","計数のない場合"',
        '"・","統計項目のありえない場合"',
        '"…","計数不明の場合"',
        "",
        '"","","","","/性別 コード","00100","00110","00120"',
        '"表章項目 コード","表章項目","時間軸(年次) コード","時間軸(年次)","/性別","総数","男","女"',
        '"10010","人口【人】","2019000000","2019年","","15,210","7,301","7,909"',
        '"10010","人口【人】","2018000000","2018年","","15,402","-","…"',
        '"10010","人口【人】","1945000000","1945年","","***","・","・"',
        '"注：1945年は調査していない。"',
    ]
    return _write(folder / "row_item_header.csv", lines, "cp932")


API_LINES = [
    '"RESULT"',
    '"STATUS","0"',
    '"ERROR_MSG","正常に終了しました。"',
    '"DATE","2024-01-21T09:58:51.856+09:00"',
    '"RESULT_INF"',
    '"TOTAL_NUMBER","4"',
    '"FROM_NUMBER","1"',
    '"TO_NUMBER","4"',
    '"TABLE_INF","0000000001"',
    '"STAT_NAME","00000001","架空統計"',
    '"TITLE","","男女別人口\n（架空県）"',
    '"CYCLE","年次"',
    '"NOTE"',
    '"***","該当数値なし"',
    '"x","秘匿"',
    '"VALUE"',
    '"tab_code","表章項目","cat01_code","男女別","area_code","地域","time_code","時間軸（年次）",'
    '"unit","value","annotation"',
    '"020","人口","000","総数","01000","架空県","2020000000","2020年","人","5224614",""',
    '"020","人口","001","男","01000","架空県","2020000000","2020年","人","***","***"',
    '"020","人口","000","総数","01100","みなと市","2020100000","2020年度","人","x",""',
    '"020","人口","000","総数","01100","みなと市","2019000000","2019年","人","-12.5",""',
]


def write_api(folder: Path, *, header: bool = True, encoding: str = "utf-8") -> Path:
    """Like getSimpleStatsData CSV (sectionHeaderFlg=1, or 2 without the header section)."""
    lines = API_LINES if header else API_LINES[API_LINES.index('"VALUE"') + 1:]
    return _write(folder / ("api.csv" if header else "api_noheader.csv"), lines, encoding, "\n")


API_LINES_KEY_ROWS = [
    '"RESULT"',
    '"STATUS","ERROR_MSG","DATE"',
    '"0","正常に終了しました。","2024-01-21T09:58:51.856+09:00"',
    "",
    '"STATISTICAL_DATA"',
    '"TOTAL_NUMBER","FROM_NUMBER","TO_NUMBER","NEXT_KEY"',
    '"2","1","2",""',
    "",
    '"VALUE"',
    '"tab_code","表章項目","area_code","地域","time_code","時間軸（年次）","unit","value","annotation"',
    '"020","人口","01100","みなと市","2020000000","2020年","人","15,020",""',
    '"020","人口","01200","はま町","2020000000","2020年","人","-",""',
]


def write_api_key_rows(folder: Path) -> Path:
    """API CSV whose header sections put keys on one row and values on the next."""
    return _write(folder / "api_key_rows.csv", API_LINES_KEY_ROWS, "utf-8", "\n")


def write_regional_annotations(folder: Path, *, slash: bool = False, notes: bool = True) -> Path:
    """Like the 地域統計 (市区町村のすがた) downloads of 2022: a 注釈 column beside each value column.

    ``notes=False`` leaves every 注釈 blank (a reader that takes 注釈 for an item doubles the rows).
    """
    mark = ',"/項目"' if slash else ""
    empty = ',""' if slash else ""
    lines = [
        f'"調査年 コード","調査年","地域 コード","地域"{mark},'
        '"A1101_総人口【人】","注釈","A4101_出生数【人】","注釈"',
        f'"2020100000","2020年度","43901","架空県 みなと市"{empty},"12,345","","98","p"',
        f'"2020100000","2020年度","43902","架空県 はま町"{empty},"15,020","※1","***",""',
        f'"2015100000","2015年度","43901","架空県 みなと市"{empty},"13,001","","105",""',
    ]
    if not notes:
        lines = [line.replace('"p"', '""').replace('"※1"', '""') for line in lines]
    name = f"regional_annotations{'_slash' if slash else ''}{'' if notes else '_blank'}.csv"
    return _write(folder / name, lines, "cp932")


def write_years_across_columns(folder: Path) -> Path:
    """Years as column headers in 和暦 with 西暦 in brackets, one survey year (調査年) as the only
    row time; prefecture names padded with a full-width space, codes without their leading zero;
    no metadata rows and no line break after the last row. The prefectures are real (their
    padded names are the quirk); every number is made up."""
    lines = [
        '"調査年","都道府県コード","都道府県名","平成11年(1999年)","平成12年(2000年)",'
        '"平成30年(2018年)","令和元年(2019年)","令和2年(2020年)"',
        '"2019年","1","北海道","111","112","113","114","115"',
        '"2019年","43","熊　本","431","432","433","434","435"',
        '"2019年","47","沖　縄","471","472","-","474","475"',
    ]
    path = folder / "years_across_columns.csv"
    path.write_bytes("\r\n".join(lines).encode("cp932"))  # no final line break, as published
    return path


def write_blank_legend_meaning(folder: Path) -> Path:
    """A legend whose first entry has a full-width space for its meaning ("***","　")."""
    lines = write_multi_header(folder).read_text(encoding="utf-8").splitlines()
    legend_start = lines.index('"***","当該数値がないもの"')
    lines[legend_start] = '"***","　"'
    lines.insert(legend_start + 1, '"…",""')
    path = folder / "blank_legend.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
