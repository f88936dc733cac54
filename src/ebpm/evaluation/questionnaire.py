"""The self-assessment questionnaires (before the course, after workshop 4, three months later).

The learner answers with ipywidgets in ``questionnaire_*`` notebooks. The answers live in the notebook
itself, as one displayed output of mimetype :data:`MIMETYPE` (with a Japanese summary in the same bundle)
that every widget change replaces through its display handle, so saving the notebook saves the answers
and nbgrader collects them with the submission. :func:`read_answers` reads them back.

nbgrader's autograde clears outputs and runs the notebook again, where no learner clicks: that run shows
the form without a record, so the autograded copy holds no answers (``read_answers`` gives None there)
rather than a record of empty answers that would look like a learner who skipped everything. Read the
answers from the collected copy (``submitted/<learner>/<assignment>/``).
"""
from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ebpm.errors import EbpmError

MIMETYPE = "application/vnd.ebpm.questionnaire+json"
SCHEMA = 1
OCCASIONS = {"before": "研修の前", "after": "研修の後（ワークショップ 4 の後）", "followup": "研修の 3 か月後"}

# Likert 1-5: how well the statement describes the learner today.
SCALE: tuple[tuple[int, str], ...] = (
    (1, "当てはまらない"),
    (2, "あまり当てはまらない"),
    (3, "どちらともいえない"),
    (4, "やや当てはまる"),
    (5, "当てはまる"),
)

# The first six ids are the skills check's skill ids (ebpm.evaluation.skills), so that self-assessment and
# measured skill can be set side by side.
ITEMS: tuple[tuple[str, str], ...] = (
    ("markers", "記号（「-」「…」「x」など）の入った統計表を、記号を 0 と取り違えずに読み込める"),
    ("rate", "人口の違う地区や団体を、1,000 人あたりなどの率にして公平に比べられる"),
    ("join", "団体コードを使って、2 つの表を正しく結合できる"),
    ("chart", "誤解を招かないグラフ（軸・単位・題名のそろったもの）を作れる"),
    ("comparison", "前後比較だけでは効果を見誤る理由を説明し、比較する相手（比較群）を選べる"),
    ("kpi", "基準値と目標値のある KPI を決められる"),
    ("logic_model", "施策をロジックモデルに整理し、アウトプットとアウトカムを区別できる"),
    ("data_quality", "表の誤り（表記ゆれ、集計行の混入、全角の数字など）を見つけて直せる"),
    ("machine_readable", "データを機械判読に適した形に整えて公開できる"),
    ("open_data_benefits", "オープンデータの効果やメリットを説明できる"),
    ("find_data", "担当業務で使えるデータを自分で探せる"),
    ("evidence", "データを根拠にして、施策の説明や提案ができる"),
)

# After the course: what the learner intends to do with data in their own work.
INTENTIONS: tuple[tuple[str, str], ...] = (
    ("table_chart", "会議や資料のために、データから表やグラフを作る"),
    ("karte", "まちのデータカルテ（ebpm karte）で自分のまちの状況を確かめる"),
    ("kpi", "担当する事業で、基準値のある KPI を提案する"),
    ("comparison", "事業の効果を、比較群を使って確かめる"),
    ("data_quality", "担当業務のデータの様式や表記を見直す"),
    ("open_data", "担当業務のデータをオープンデータとして公開する（公開の準備をする）"),
    ("share", "研修で学んだことを職場の人に伝える"),
    ("none", "特になし"),
)

# Three months later: what the learner did with data since the course.
ACTIONS: tuple[tuple[str, str], ...] = (
    ("table_chart", "会議や資料のために、データから表やグラフを作った"),
    ("karte", "まちのデータカルテ（ebpm karte）を使った"),
    ("published", "データセットをオープンデータとして公開した"),
    ("kpi", "基準値のある KPI を提案した"),
    ("comparison", "事業の効果を、比較群を使って確かめた"),
    ("data_quality", "担当業務のデータの様式や表記を直した"),
    ("jupyter", "研修の後も Python や Jupyter でデータを扱った"),
    ("share", "研修で学んだことを職場の人に伝えた"),
    ("none", "特になし"),
)
NONE_CHOICE = "none"  # 特になし: exclusive with every other choice

# Which multiple-choice list each occasion asks (besides ITEMS, which every occasion asks).
CHOICES_ASKED: dict[str, tuple[str, ...]] = {"before": (), "after": ("intentions",), "followup": ("actions",)}
CHOICE_LISTS = {"intentions": INTENTIONS, "actions": ACTIONS}
CHOICE_TITLES = {"intentions": "研修の後、自分の仕事でしようと思うこと（いくつでも）",
                 "actions": "研修の後、これまでにデータを使ってしたこと（いくつでも）"}


@dataclass(frozen=True)
class QuestionnaireAnswers:
    """One learner's answers on one occasion. An item not answered is None (never a middle value)."""

    occasion: str
    answers: dict[str, int | None]
    intentions: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()

    def record(self) -> dict:
        """The JSON stored in the notebook (the interface shared with ebpm.evaluation's report)."""
        return {"schema": SCHEMA, "occasion": self.occasion,
                "answers": {item: self.answers.get(item) for item, _ in ITEMS},
                "intentions": list(self.intentions), "actions": list(self.actions)}

    @property
    def answered(self) -> int:
        return sum(value is not None for value in self.answers.values())


def empty(occasion: str) -> QuestionnaireAnswers:
    _check_occasion(occasion, "questionnaire.show")
    return QuestionnaireAnswers(occasion, {item: None for item, _ in ITEMS})


def _check_occasion(occasion: object, where: str) -> None:
    if occasion not in OCCASIONS:
        raise EbpmError(f"{where}: 回答の時期「{occasion}」は使えません。"
                        f"{'、'.join(f'「{o}」' for o in OCCASIONS)} のどれかにしてください。")


def from_record(data: object, where: str, occasion: str | None = None) -> QuestionnaireAnswers:
    """Check a record (or papermill's preset answers) and turn it into answers.

    ``where`` names the place for the Japanese error message; ``occasion`` given: the record may omit
    ``schema`` and ``occasion`` (preset answers), and a different occasion is an error.
    """
    if not isinstance(data, Mapping):
        raise EbpmError(f"{where}: 回答の記録は辞書（{{\"answers\": {{...}}, ...}}）のはずですが、"
                        f"{type(data).__name__} でした。")
    known_keys = {"schema", "occasion", "answers", "intentions", "actions"}
    unknown = sorted(set(data) - known_keys)
    if unknown:
        raise EbpmError(f"{where}: 回答の記録に知らない項目 {'、'.join(map(str, unknown))} があります。"
                        f"使えるのは {'、'.join(sorted(known_keys))} です。")
    if occasion is None or "schema" in data:
        if data.get("schema") != SCHEMA:
            raise EbpmError(f"{where}: 回答の記録の版（schema）が {data.get('schema')!r} です。{SCHEMA} のはずです。")
    found = data.get("occasion", occasion)
    _check_occasion(found, where)
    if occasion is not None and found != occasion:
        raise EbpmError(f"{where}: 「{found}」の回答を「{occasion}」のアンケートに入れようとしています。")
    answers_data = data.get("answers", {} if occasion is not None else None)
    if not isinstance(answers_data, Mapping):
        raise EbpmError(f"{where}: answers は項目の ID から 1〜5 の数（未回答は null）への辞書のはずです。")
    item_ids = [item for item, _ in ITEMS]
    answers: dict[str, int | None] = {}
    for item, value in answers_data.items():
        if item not in item_ids:
            raise EbpmError(f"{where}: 項目「{item}」はこのアンケートにありません。使える項目: {'、'.join(item_ids)}")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5):
            raise EbpmError(f"{where}: 項目「{item}」の回答が {value!r} です。1〜5 の整数か、未回答なら null のはずです。")
        answers[item] = value
    answers = {item: answers.get(item) for item in item_ids}  # in the questionnaire's order
    chosen: dict[str, tuple[str, ...]] = {}
    for key, choices in CHOICE_LISTS.items():
        values = data.get(key, [])
        if not isinstance(values, (list, tuple)):
            raise EbpmError(f"{where}: {key} は選んだ選択肢の ID のリストのはずですが、{type(values).__name__} でした。")
        ids = [choice for choice, _ in choices]
        wrong = [v for v in values if v not in ids]
        if wrong:
            raise EbpmError(f"{where}: {key} に知らない選択肢 {'、'.join(map(str, wrong))} があります。"
                            f"使える選択肢: {'、'.join(ids)}")
        if values and key not in CHOICES_ASKED[found]:
            raise EbpmError(f"{where}: 「{found}」のアンケートは {key} を尋ねません。")
        if NONE_CHOICE in values and len(values) > 1:
            raise EbpmError(f"{where}: {key} で「特になし」とほかの選択肢が両方選ばれています。")
        chosen[key] = tuple(sorted(set(values), key=ids.index))
    return QuestionnaireAnswers(found, answers, chosen["intentions"], chosen["actions"])


# --- the record in the notebook ------------------------------------------------------------------

def summary_html(answers: QuestionnaireAnswers) -> str:
    """A Japanese table of the current answers, for the learner (and anyone who opens the file)."""
    labels = dict(SCALE)
    rows = "".join(
        f"<tr><td style='text-align:left'>{html.escape(text)}</td><td style='text-align:left'>{'未回答' if answers.answers.get(item) is None else f'{answers.answers[item]}（{labels[answers.answers[item]]}）'}</td></tr>"
        for item, text in ITEMS)
    parts = [f"<p><b>記録された回答（{OCCASIONS[answers.occasion]}）</b>: {len(ITEMS)} 問中 {answers.answered} 問に回答済み。"
             "ノートブックを保存すると、この回答が保存されます。</p>",
             f"<table><tr><th style='text-align:left'>項目</th><th style='text-align:left'>回答</th></tr>{rows}</table>"]
    for key in CHOICES_ASKED[answers.occasion]:
        labels_of = dict(CHOICE_LISTS[key])
        picked = getattr(answers, key)
        shown = "、".join(labels_of[c] for c in picked) if picked else "未回答"
        parts.append(f"<p>{html.escape(CHOICE_TITLES[key])}: {html.escape(shown)}</p>")
    return "\n".join(parts)


def summary_text(answers: QuestionnaireAnswers) -> str:
    lines = [f"記録された回答（{OCCASIONS[answers.occasion]}）: {len(ITEMS)} 問中 {answers.answered} 問に回答済み"]
    lines += [f"- {text}: {'未回答' if answers.answers.get(item) is None else answers.answers[item]}" for item, text in ITEMS]
    for key in CHOICES_ASKED[answers.occasion]:
        labels_of = dict(CHOICE_LISTS[key])
        picked = getattr(answers, key)
        lines.append(f"{CHOICE_TITLES[key]}: {'、'.join(labels_of[c] for c in picked) if picked else '未回答'}")
    return "\n".join(lines)


def bundle(answers: QuestionnaireAnswers) -> dict:
    """The displayed output: the record and its Japanese summary in one bundle."""
    return {MIMETYPE: answers.record(), "text/html": summary_html(answers), "text/plain": summary_text(answers)}


def read_answers(notebook: Path) -> QuestionnaireAnswers | None:
    """The answers saved in a questionnaire notebook; None when it holds no record.

    Raises EbpmError (Japanese, naming the file and the cell) when the file or the record is damaged,
    or when two cells hold different records.
    """
    path = Path(notebook)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        cells = content["cells"]
        if not isinstance(cells, list):
            raise TypeError
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise EbpmError(f"ノートブック「{path}」を読めません（ノートブックの形式ではないか、壊れています: "
                        f"{type(error).__name__}）。") from error
    found: list[QuestionnaireAnswers] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {}) if isinstance(output, dict) else {}
            if isinstance(data, dict) and MIMETYPE in data:
                record = data[MIMETYPE]
                if isinstance(record, str):  # some tools store JSON mimetypes as text
                    try:
                        record = json.loads(record)
                    except ValueError:
                        pass
                found.append(from_record(record, f"ノートブック「{path.name}」のセル {number}"))
    if not found:
        return None
    if any(answers != found[0] for answers in found[1:]):
        raise EbpmError(f"ノートブック「{path.name}」に、内容の違う回答の記録が {len(found)} つあります。"
                        "回答のセルを 1 つだけ残して、もう一度回答してください。")
    return found[0]


# --- the form ----------------------------------------------------------------------------------

def _under_autograde() -> bool:
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


@dataclass
class Form:
    """The widgets of one questionnaire and the display handle of its record."""

    answers: QuestionnaireAnswers
    handle: object = None
    item_buttons: dict = field(default_factory=dict)
    choice_boxes: dict = field(default_factory=dict)

    def current(self) -> QuestionnaireAnswers:
        values = {item: button.value for item, button in self.item_buttons.items()}
        chosen = {key: tuple(c for c, box in boxes.items() if box.value) for key, boxes in self.choice_boxes.items()}
        return QuestionnaireAnswers(self.answers.occasion, values, chosen.get("intentions", ()), chosen.get("actions", ()))

    def refresh(self, _change=None) -> None:
        self.answers = self.current()
        if self.handle is not None:
            self.handle.update(bundle(self.answers), raw=True)

    def _exclusive(self, key: str, choice: str):
        def on_change(change) -> None:
            if change["new"]:
                boxes = self.choice_boxes[key]
                for other, box in boxes.items():
                    if (choice == NONE_CHOICE) != (other == NONE_CHOICE) and box.value:
                        box.value = False  # its own observer refreshes the record
            self.refresh()
        return on_change

    def widget(self):
        import ipywidgets as widgets

        legend = "　".join(f"{value}: {label}" for value, label in SCALE)
        rows = [widgets.HTML(f"<b>今の自分に、どのくらい当てはまりますか。</b><br>{html.escape(legend)}")]
        for number, (item, text) in enumerate(ITEMS, start=1):
            button = widgets.ToggleButtons(
                options=[(str(value), value) for value, _ in SCALE], value=self.answers.answers.get(item),
                tooltips=[label for _, label in SCALE], style={"button_width": "3em"},
                description="", layout=widgets.Layout(margin="0 0 0.8em 1.5em"))
            button.observe(self.refresh, names="value")
            self.item_buttons[item] = button
            rows += [widgets.HTML(f"{number}. {html.escape(text)}"), button]
        for key in CHOICES_ASKED[self.answers.occasion]:
            rows.append(widgets.HTML(f"<b>{html.escape(CHOICE_TITLES[key])}</b>"))
            boxes = {}
            for choice, label in CHOICE_LISTS[key]:
                box = widgets.Checkbox(value=choice in getattr(self.answers, key), description=label, indent=False,
                                       layout=widgets.Layout(width="auto"))
                boxes[choice] = box
                rows.append(box)
            self.choice_boxes[key] = boxes
            for choice, box in boxes.items():
                box.observe(self._exclusive(key, choice), names="value")
        return widgets.VBox(rows)


def show(occasion: str, preset: Mapping | None = None) -> Form:
    """Show the questionnaire of ``occasion`` ("before", "after" or "followup") and its live record.

    ``preset``: answers injected by papermill (the notebook's ``preset_answers``), in the record's shape
    without ``schema``/``occasion`` if wished; the form starts with them and the record shows them.
    """
    from IPython.display import display

    answers = empty(occasion) if preset is None else from_record(preset, "preset_answers", occasion)
    form = Form(answers)
    display(form.widget())
    if _under_autograde() and preset is None:
        display({"text/plain": "（採点のための再実行です。回答は提出されたノートブックに保存されています。）"}, raw=True)
        return form
    form.handle = display(bundle(form.answers), raw=True, display_id=True)
    return form
