"""The course catalogue: every assignment and notebook with its minutes, objectives and data.

This is the one place that says what the course contains. The CLI, docs/curriculum.md (generated
by ``ebpm docs``) and the tests read it; a test keeps it in step with solutions/. Exercises and
points are not written here: they are counted from the notebooks themselves, so they cannot drift.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NotebookEntry:
    file: str  # file name without .ipynb, inside the assignment folder
    title: str
    minutes: int
    objectives: tuple[str, ...]
    datasets: tuple[str, ...]  # resource names in data/datapackage.json


@dataclass(frozen=True)
class Assignment:
    id: str  # the folder under solutions/ and notebooks/ (nbgrader assignment id)
    title: str
    kind: str  # 事前学習 or ワークショップ
    summary: str
    notebooks: tuple[NotebookEntry, ...]

    @property
    def minutes(self) -> int:
        return sum(n.minutes for n in self.notebooks)


COURSE: tuple[Assignment, ...] = (
    Assignment(
        id="prestudy",
        title="事前学習",
        kind="事前学習",
        summary="ワークショップの前に、自分のペースで Jupyter と pandas の使い方、データの見方、"
                "公的統計とオープンデータ、EBPM の考え方を学びます。",
        notebooks=(
            NotebookEntry(
                file="00_jupyter_and_pandas_first_steps",
                title="事前学習 0: Jupyter と pandas の第一歩",
                minutes=40,
                objectives=(
                    "Jupyter のセルを実行し、結果を読める",
                    "CSV ファイルを pandas で読み込み、表の中身を確かめられる",
                    "列の選択・絞り込み・並べ替え・合計ができる",
                    "日本語のラベルが付いた棒グラフを描ける",
                ),
                datasets=("facilities",),
            ),
            NotebookEntry(
                file="01_reading_data",
                title="事前学習 1: データの見方",
                minutes=45,
                objectives=(
                    "平均値と中央値の違いを説明でき、偏ったデータではどちらを見るべきか判断できる",
                    "ヒストグラムでデータの分布（ばらつき方）を確かめられる",
                    "人口 1,000 人あたりの率を計算し、大きさの違う地区を公平に比べられる",
                    "相関があっても因果とは限らないことを、実例で説明できる",
                ),
                datasets=("facilities", "town_population", "town_vital_monthly", "yule"),
            ),
            NotebookEntry(
                file="02_official_statistics",
                title="事前学習 2: 公的統計を読む",
                minutes=50,
                objectives=(
                    "公的統計の主な入手先（e-Stat、住民基本台帳に基づく人口、自治体のオープンデータ）を説明できる",
                    "e-Stat のダウンロードファイルの説明の行・凡例・記号を読み、記号を 0 と取り違えずに集計できる",
                    "10 桁の時間軸コードと和暦を西暦に直せる",
                    "団体コードの検査数字を計算し、コードから団体名を調べられる",
                ),
                datasets=("estat_population_download", "municipality_codes", "fictional_municipalities"),
            ),
            NotebookEntry(
                file="03_open_data",
                title="事前学習 3: オープンデータとは",
                minutes=45,
                objectives=(
                    "国が定めるオープンデータの 3 つの条件を説明できる",
                    "主なライセンスの違いが分かり、正しい出典表記を書ける",
                    "機械判読に適した形式と自治体標準オープンデータセットの役割が分かる",
                    "標準様式の CSV の誤りを pandas と ebpm.opendata.validate で見つけられる",
                ),
                datasets=("opendata_public_facility_errors", "opendata_evacuation_space_errors",
                          "opendata_errors", "juki_2025"),
            ),
            NotebookEntry(
                file="04_ebpm_and_logic_models",
                title="事前学習 4: EBPM とロジックモデル",
                minutes=45,
                objectives=(
                    "EBPM とは何か、何ではないかを説明できる",
                    "施策をロジックモデルに整理し、アウトプット指標とアウトカム指標を区別できる",
                    "KPI シートに必要な項目（定義、単位、基準値、目標値、データソースなど）をそろえられる",
                    "前後比較だけでは効果を見誤る理由を挙げ、比較対象を使った簡単な補正ができる",
                ),
                datasets=("tourism_did",),
            ),
        ),
    ),
    Assignment(
        id="ws2_cleaning_and_visualisation",
        title="ワークショップ 2: データの整理・加工と可視化",
        kind="ワークショップ",
        summary="読み込んだデータを、再現できる手順で 1 つの信頼できる表に整え、正しい分母で率を計算し、"
                "日本語で読みやすく誤解を招かないグラフで示します。",
        notebooks=(
            NotebookEntry(file="01_cleaning_pipeline", title="ワークショップ 2-1: 再現できるデータ整理の手順を作る", minutes=60,
                objectives=("文字コード（cp932）を指定して読み込み、コードの列を文字列のまま保てる",
                            "NFKC で直るもの・直らないもの（−、〜、△、全角スペース）を区別し、normalize_text と比べて説明できる",
                            "「△」付きの数と和暦の日付を、関数を書いて数と西暦に直せる",
                            "小さな関数を DataFrame.pipe でつなぎ、整理の手順を再実行できる形にできる"),
                datasets=("jumin_export_district_age", "town_population")),
            NotebookEntry(file="02_joining_and_rates", title="ワークショップ 2-2: 表をつなぎ、正しい分母で率を計算する", minutes=60,
                objectives=("merge の validate と行数の確認で、結合の前後の行の増減を確かめられる",
                            "indicator=True と duplicated で、突き合わせられないキーと重複を見つけられる",
                            "出生率や転入超過率を、数える対象に合った分母で計算できる",
                            "本町と類似団体を同じ物差し（率）で比べられる"),
                datasets=("town_population", "town_households", "town_vital_monthly", "facilities",
                          "region_population", "fictional_municipalities")),
            NotebookEntry(file="03_honest_charts", title="ワークショップ 2-3: 誤解を招かないグラフと、指標を探る道具", minutes=70,
                objectives=("人口ピラミッド・時系列・スモールマルチプル・地図を、日本語のタイトルと単位付きの軸で描ける",
                            "途中から始まる軸・2 つの縦軸・面積の誇張を見分け、直せる",
                            "絞り込む関数と描く関数を作り、ipywidgets でつないで指標を探る道具を作れる"),
                datasets=("town_population", "town_households", "region_population", "fictional_municipalities",
                          "prefectures", "prefecture_shapes")),
            NotebookEntry(file="04_homework_clean_your_table", title="ワークショップ 2（宿題）: 自分の表を整理する", minutes=60,
                objectives=("説明の行が上にあるファイルを、読み飛ばす行数を指定して読み込める",
                            "横に広い表を melt で縦長の表（整然データ）にできる",
                            "「x」「***」などの記号を 0 にせず、欠損値と「記号」の列に分けられる",
                            "問題・対応・残る不確かさをデータ品質メモとして書ける"),
                datasets=("estat_population_download", "region_population")),
        ),
    ),
)


def assignments() -> tuple[Assignment, ...]:
    return COURSE


def assignment(assignment_id: str) -> Assignment:
    for entry in COURSE:
        if entry.id == assignment_id:
            return entry
    raise KeyError(assignment_id)


def notebook_entries() -> list[tuple[Assignment, NotebookEntry]]:
    return [(a, n) for a in COURSE for n in a.notebooks]
