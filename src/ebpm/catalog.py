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
