"""The course catalogue: every assignment and notebook with its minutes, objectives and data.

This is the one place that says what the course contains. The CLI, docs/curriculum.md (generated
by ``ebpm docs``) and the tests read it; a test keeps it in step with solutions/. Exercises and
points are not written here: they are counted from the notebooks themselves, so they cannot drift.
"""
from __future__ import annotations

from dataclasses import dataclass


IN_SESSION = "当日"
HOMEWORK = "宿題"
# A workshop day holds about 3.5 hours, of which the notebooks may take this much (the rest is the
# instructor's introduction, discussion and breaks; see docs/instructor_guide.md).
SESSION_NOTEBOOK_MINUTES = 210


@dataclass(frozen=True)
class NotebookEntry:
    file: str  # file name without .ipynb, inside the assignment folder
    title: str
    minutes: int  # for a beginner who has never programmed
    objectives: tuple[str, ...]
    datasets: tuple[str, ...]  # resource names in data/datapackage.json (empty: the learner's own data)
    when: str = IN_SESSION  # IN_SESSION (the workshop day) or HOMEWORK (after it, at the learner's pace)


@dataclass(frozen=True)
class Assignment:
    id: str  # the folder under solutions/ and notebooks/ (nbgrader assignment id)
    title: str
    kind: str  # 事前学習, ワークショップ or 効果測定
    summary: str
    notebooks: tuple[NotebookEntry, ...]

    @property
    def minutes(self) -> int:
        return sum(n.minutes for n in self.notebooks)

    @property
    def session_minutes(self) -> int:
        """Notebook minutes on the workshop day (0 for the self-paced pre-study)."""
        return sum(n.minutes for n in self.notebooks if n.when == IN_SESSION) if self.kind == "ワークショップ" else 0


SKILLS_CHECK_OBJECTIVES = (
    "記号入りのファイル・1,000 人あたりの率・団体コードでの結合が、今どれだけできるかを確かめる",
    "誤解を招かないグラフ・比較群を使った前後比較・基準値のある KPI が、今どれだけできるかを確かめる",
    "研修の前と後の結果を比べて、研修の効果を測る材料にする",
)


def _skills_check(form: str) -> Assignment:
    """One form of the skills check (効果測定; see ebpm.evaluation.skills): same items, its own data."""
    lower = form.lower()
    return Assignment(
        id=f"skills_check_{lower}",
        title=f"効果測定: スキルチェック {form} 票",
        kind="効果測定",
        summary="研修の効果を測るためのスキルチェックです（修了の判定には使いません）。研修の始めと、ワークショップ 4 の後に、"
                "A 票と B 票のどちらかに 1 回ずつ、自分の力だけで答えます。",
        notebooks=(
            NotebookEntry(
                file=f"skills_check_{lower}",
                title=f"効果測定: スキルチェック {form} 票",
                minutes=20,
                objectives=SKILLS_CHECK_OBJECTIVES,
                datasets=tuple(f"skills_check_{lower}_{part}" for part in ("estat", "rate", "join6", "join5", "trend", "did")),
            ),
        ),
    )


COURSE: tuple[Assignment, ...] = (
    _skills_check("A"),
    _skills_check("B"),
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
                minutes=60,
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
                minutes=70,
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
                minutes=75,
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
                minutes=70,
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
                minutes=70,
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
        id="ws1_problem_and_data",
        title="ワークショップ 1: 課題設定・仮説・データの棚卸しと読み込み",
        kind="ワークショップ",
        summary="星川町の子育て世帯の転出超過を題材に、問いと仮説を立て、データを棚卸しし、"
                "e-Stat のファイルと住基の Excel を自分の手で読み込み、団体コードで表をつなぎます。",
        notebooks=(
            NotebookEntry(file="01_question_and_hypotheses", title="ワークショップ 1-1: 課題から問いと仮説へ", minutes=75,
                objectives=("テーマ・問い・仮説を見分けられる", "人口動態から課題の大きさを数字で確かめられる",
                            "問い→仮説→必要なデータをロジックツリーとして書ける", "仮説を確かめるデータの棚卸し表を作れる"),
                datasets=("town_vital_monthly",)),
            NotebookEntry(file="02_reading_estat_files", title="ワークショップ 1-2: e-Stat のファイルを自分の手で読み込む", minutes=90,
                objectives=("read_csv の encoding・skiprows・thousands・na_values・dtype を使い分けられる",
                            "e-Stat のダウンロードファイルを数値として正しく読める",
                            "API の CSV をコードの先頭の 0 を残して読める",
                            "手で読んだ結果と ebpm.estat の関数の結果を比べて説明できる"),
                datasets=("estat_population_download", "estat_population_api")),
            NotebookEntry(file="03_juki_excel_and_codes", title="ワークショップ 1-3: 住基の Excel と団体コード", minutes=90, when=HOMEWORK,
                objectives=("結合した見出しの Excel を skiprows・usecols・names・dtype で読める",
                            "合計・都道府県・郡・政令市の区の行を除き、市町村の行だけを残せる",
                            "団体コードの検査数字を確かめ、先頭の 0 を直せる",
                            "6 桁と 5 桁のコードで表をつなぎ、つながらなかった行を見つけられる"),
                datasets=("juki_2025", "estat_population_download", "municipality_codes")),
            NotebookEntry(file="04_homework_data_inventory", title="ワークショップ 1（宿題）: 自分の課のデータの棚卸し", minutes=60, when=HOMEWORK,
                objectives=("自分の課の業務と課題（問い）を書き出せる", "自分の課のデータを決められた列と値で棚卸し表にできる",
                            "棚卸し表を集計し、すぐ使えるデータの割合を示せる", "最初に使うデータを選び、使うまでの課題を説明できる"),
                datasets=()),
        ),
    ),
    Assignment(
        id="ws2_cleaning_and_visualisation",
        title="ワークショップ 2: データの整理・加工と可視化",
        kind="ワークショップ",
        summary="読み込んだデータを、再現できる手順で 1 つの信頼できる表に整え、正しい分母で率を計算し、"
                "日本語で読みやすく誤解を招かないグラフで示します。",
        notebooks=(
            NotebookEntry(file="01_cleaning_pipeline", title="ワークショップ 2-1: 再現できるデータ整理の手順を作る", minutes=90,
                objectives=("文字コード（cp932）を指定して読み込み、コードの列を文字列のまま保てる",
                            "NFKC で直るもの・直らないもの（−、〜、△、全角スペース）を区別し、normalize_text と比べて説明できる",
                            "「△」付きの数と和暦の日付を、関数を書いて数と西暦に直せる",
                            "小さな関数を DataFrame.pipe でつなぎ、整理の手順を再実行できる形にできる"),
                datasets=("jumin_export_district_age", "town_population")),
            NotebookEntry(file="02_joining_and_rates", title="ワークショップ 2-2: 表をつなぎ、正しい分母で率を計算する", minutes=90,
                objectives=("merge の validate と行数の確認で、結合の前後の行の増減を確かめられる",
                            "indicator=True と duplicated で、突き合わせられないキーと重複を見つけられる",
                            "出生率や転入超過率を、数える対象に合った分母で計算できる",
                            "本町と類似団体を同じ物差し（率）で比べられる"),
                datasets=("town_population", "town_households", "town_vital_monthly", "facilities",
                          "region_population", "fictional_municipalities")),
            NotebookEntry(file="03_honest_charts", title="ワークショップ 2-3: 誤解を招かないグラフと、指標を探る道具", minutes=105, when=HOMEWORK,
                objectives=("人口ピラミッド・時系列・スモールマルチプル・地図を、日本語のタイトルと単位付きの軸で描ける",
                            "途中から始まる軸・2 つの縦軸・面積の誇張を見分け、直せる",
                            "絞り込む関数と描く関数を作り、ipywidgets でつないで指標を探る道具を作れる"),
                datasets=("town_population", "town_households", "region_population", "fictional_municipalities",
                          "prefectures", "prefecture_shapes")),
            NotebookEntry(file="04_homework_clean_your_table", title="ワークショップ 2（宿題）: 自分の表を整理する", minutes=90, when=HOMEWORK,
                objectives=("説明の行が上にあるファイルを、読み飛ばす行数を指定して読み込める",
                            "横に広い表を melt で縦長の表（整然データ）にできる",
                            "「x」「***」などの記号を 0 にせず、欠損値と「記号」の列に分けられる",
                            "問題・対応・残る不確かさをデータ品質メモとして書ける"),
                datasets=("estat_population_download", "region_population")),
        ),
    ),
    Assignment(
        id="ws3_analysis_and_evaluation",
        title="ワークショップ 3: 分析と効果検証",
        kind="ワークショップ",
        summary="前後比較や相関がなぜ効果を見誤らせるのかを確かめ、無作為化比較試験・差の差分法・回帰不連続デザイン・"
                "回帰分析で施策の効果を推定し、結果を事実・解釈・限界に分けて平易に書きます。",
        notebooks=(
            NotebookEntry(file="01_before_after_trap", title="ワークショップ 3-1: 前後比較のわな", minutes=75,
                objectives=("前後比較にトレンドや同じ時期の別の出来事が混ざることを実データで確かめられる",
                            "平均への回帰を説明できる", "比較群を置くと見え方が変わることを数字で示せる"),
                datasets=("kielmc", "organ_donations")),
            NotebookEntry(file="02_experiments_and_did", title="ワークショップ 3-2: 実験と差の差分法", minutes=90,
                objectives=("無作為化比較試験の効果を平均の差と信頼区間で示せる",
                            "観察データの比較が選択バイアスでずれることを説明できる（LaLonde）",
                            "差の差分法で効果を推定し、平行トレンドを確かめられる"),
                datasets=("health_checkup_rct", "nsw_mixtape", "cps_mixtape", "organ_donations", "tourism_did")),
            NotebookEntry(file="03_rd_and_simulation_lab", title="ワークショップ 3-3: 回帰不連続デザインとシミュレーション", minutes=90, when=HOMEWORK,
                objectives=("基準線での段差として効果を推定し、密度を確かめられる",
                            "シミュレーションで素朴な推定が真の効果を外し、よい設計が捉えることを確かめられる",
                            "回帰の結果表を読み、事実・解釈・限界に分けて書ける"),
                datasets=("gov_transfers", "gov_transfers_density", "subsidy_rd")),
            NotebookEntry(file="04_homework_evaluation_design", title="ワークショップ 3（宿題）: 評価デザインを選ぶ", minutes=90, when=HOMEWORK,
                objectives=("施策の決まり方から評価の方法を選べる", "プラセボ検定で差の差分法の前提を確かめられる",
                            "実験に必要な人数を見積もれる", "自分の課の施策の評価計画を書ける"),
                datasets=("tourism_did",)),
        ),
    ),
    Assignment(
        id="ws4_policy_and_data_quality",
        title="ワークショップ 4: 政策立案・ロジックモデル・KPI・データ品質とオープンデータ",
        kind="ワークショップ",
        summary="WS1〜3 の結果から子育て世帯の転出超過への施策を組み立て、ロジックモデル・KPI・評価計画・"
                "ダッシュボードを作り、データを機械判読できる形に整えてオープンデータとして公開し、政策提案書にまとめます。",
        notebooks=(
            NotebookEntry(file="01_logic_model_and_kpi", title="ワークショップ 4-1: 施策のロジックモデルと KPI シート", minutes=75,
                objectives=("施策の要素をインプットからアウトカムまでのロジックモデルに並べられる",
                            "ぶれの大きい指標の基準値を複数年の平均で決められる",
                            "KPI シートを完成させ、アウトプットとアウトカムの取り違えを見つけられる",
                            "ロジックモデルと KPI を表と図にまとめられる"),
                datasets=("town_vital_monthly",)),
            NotebookEntry(file="02_evaluation_plan_and_dashboard", title="ワークショップ 4-2: 評価計画と KPI のモニタリング", minutes=90,
                objectives=("評価の問い・デザイン・比較群・データ・測定時期を評価計画として書ける",
                            "statsmodels で試行に必要なサンプルサイズを計算できる",
                            "KPI の実績と目標のグラフを ipywidgets のダッシュボードにできる",
                            "会議資料用にグラフを PNG で書き出せる"),
                datasets=("health_checkup_rct", "resident_survey", "town_vital_monthly", "town_population")),
            NotebookEntry(file="03_machine_readable_and_open_data", title="ワークショップ 4-3: 機械判読できる表とオープンデータの公開", minutes=90, when=HOMEWORK,
                objectives=("機械判読の統一ルールに照らして表の問題点を言える",
                            "全角数字・和暦・集計行の混じった表を pandas で整えられる",
                            "標準オープンデータの誤りを validate で見つけ、すべて直せる",
                            "正しいファイル名・文字コード・ライセンス表示で書き出せる"),
                datasets=("jumin_export_district_age", "juki_2025", "opendata_public_facility_errors",
                          "opendata_evacuation_space_errors", "opendata_public_facility", "opendata_evacuation_space",
                          "town_population")),
            NotebookEntry(file="04_homework_policy_brief", title="ワークショップ 4（宿題）: データ管理計画と政策提案書", minutes=90, when=HOMEWORK,
                objectives=("提案書の数字をデータから計算し直して確かめられる",
                            "データ管理計画（担当・更新頻度・公開・ライセンス・棚卸し年度）を表にできる",
                            "構造化した文章と表から HTML の政策提案書を書き出せる"),
                datasets=("town_population", "town_vital_monthly")),
            NotebookEntry(file="05_advanced_town_karte", title="ワークショップ 4（発展）: 自分のまちのデータカルテ", minutes=40, when=HOMEWORK,
                objectives=("公的なファイルの年ごとの系列を、基準日の変更と欠けている年に気をつけて読める",
                            "人口の変化を自然増減と社会増減に分けて、どちらが大きいかを数字で示せる",
                            "カルテから目立つこと・見守る指標・足りないデータを説明できる"),
                datasets=("soumu_juki_2013", "soumu_juki_2014", "soumu_juki_2025", "soumu_zaisei_2014",
                          "soumu_zaisei_2023", "town_boundaries")),
        ),
    ),
    Assignment(
        id="questionnaire_before",
        title="効果測定: 研修の前の自己評価アンケート",
        kind="効果測定",
        summary="事前学習を始める前に、データを扱う自信を 1〜5 で答えます。成績には入りません。",
        notebooks=(
            NotebookEntry(file="questionnaire_before", title="効果測定: 研修の前の自己評価アンケート", minutes=10,
                objectives=("研修の前に、研修の目標ごとの自信を記録する",
                            "研修の効果を確かめるための、比べる前の値（基準値）を残す"),
                datasets=()),
        ),
    ),
    Assignment(
        id="questionnaire_after",
        title="効果測定: 研修の後の自己評価アンケート",
        kind="効果測定",
        summary="ワークショップ 4 の後に、同じ質問と、これから自分の仕事でしようと思うことに答えます。成績には入りません。",
        notebooks=(
            NotebookEntry(file="questionnaire_after", title="効果測定: 研修の後の自己評価アンケート", minutes=10,
                objectives=("研修の後に、研修の目標ごとの自信を記録する",
                            "これから自分の仕事でデータを使ってしようと思うことを選ぶ"),
                datasets=()),
        ),
    ),
    Assignment(
        id="questionnaire_followup",
        title="効果測定: 研修の 3 か月後の自己評価アンケート",
        kind="効果測定",
        summary="研修の 3 か月後に、同じ質問と、研修の後にデータを使ってしたことに答えます。成績には入りません。",
        notebooks=(
            NotebookEntry(file="questionnaire_followup", title="効果測定: 研修の 3 か月後の自己評価アンケート", minutes=10,
                objectives=("研修の 3 か月後に、研修の目標ごとの自信を記録する",
                            "研修の後にデータを使ってしたことを選ぶ"),
                datasets=()),
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
