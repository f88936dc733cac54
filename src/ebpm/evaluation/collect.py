"""The evaluation's tables from a course: the gradebook, the handed-in notebooks, the allocation.

- Skill scores: the grade of cell ``test_cell_id(skill)`` in the form's assignment (manual changes
  included, as the gradebook holds them).
- Which occasion a form was: the hand-in times when both forms are in (the earlier is 研修前), else
  the allocation (``forms.csv``), checked against the release of workshop 4 when it is recorded.
  Disagreements (the order reversed, a form handed in at the wrong time, the same form handed in twice
  weeks apart) are listed in ``flags`` for the instructor.
- Questionnaire answers: :func:`ebpm.evaluation.interface.read_answers` on the graded version of each
  hand-in (``submitted/<learner>/<assignment>/``, which ``ebpm grade`` materialises from the active
  versions).
- Hand-ins per step and notebook: the active versions' hand-in times (``_grading/versions/``), else the
  gradebook's submission time. Release times: ``_grading/releases.json`` (written by ``ebpm release``).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd

from ebpm.errors import EbpmError
from ebpm.evaluation import QUESTIONNAIRES, SKILL_FORMS, forms, interface
from ebpm.evaluation.data import FIRST_CHECK, QUESTIONNAIRE_STEPS, EvaluationData, course_steps, empty
from ebpm.grading.layout import CourseLayout

TOKYO = ZoneInfo("Asia/Tokyo")
SAME_FORM_GAP = timedelta(days=14)
LAST_WORKSHOP = "ws4_policy_and_data_quality"


def _tokyo(moment) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)   # nbgrader stores naive UTC
    return moment.astimezone(TOKYO)


def _versions(layout: CourseLayout) -> tuple[dict, dict]:
    """(active versions, every stored hand-in time per assignment/learner) of the versions store."""
    from ebpm.grading.versions import Store

    store = Store(layout)
    times: dict[tuple[str, str], list[datetime]] = {}
    for record in store.imports:
        if record.undone:
            continue
        for change in record.changes:
            if change.kind in ("added", "replaced"):
                times.setdefault((record.assignment, change.learner), []).append(
                    datetime.fromisoformat(change.handed_in))
    return store.active, times


def _gradebook(layout: CourseLayout) -> tuple[dict, dict, dict]:
    """(students, {form: {learner: (time, {skill: score})}}, {assignment: ({learner: time}, [notebooks])})."""
    from nbgrader.api import Gradebook, MissingEntry

    skills = list(interface.skills())
    cells = {interface.test_cell_id(s): s for s in skills}
    scores: dict[str, dict[str, tuple[datetime | None, dict[str, float]]]] = {}
    submitted: dict[str, tuple[dict[str, datetime | None], list[str]]] = {}
    with Gradebook(layout.db_url, layout.course_id) as gradebook:
        students = {s.id: s for s in gradebook.students}
        for assignment in gradebook.assignments:
            name = assignment.name
            notebooks = [n.name for n in assignment.notebooks]
            try:
                subs = gradebook.assignment_submissions(name)
            except MissingEntry:
                subs = []
            submitted[name] = ({s.student.id: _tokyo(s.timestamp) for s in subs}, notebooks)
            if name not in SKILL_FORMS.values():
                continue
            form = next(f for f, a in SKILL_FORMS.items() if a == name)
            for sub in subs:
                found = {}
                for notebook in sub.notebooks:
                    for grade in notebook.grades:
                        if grade.cell.name in cells and grade.score is not None:
                            found[cells[grade.cell.name]] = float(grade.score)
                scores.setdefault(form, {})[sub.student.id] = (_tokyo(sub.timestamp), found)
        students = {k: (" ".join(n for n in (v.last_name, v.first_name) if n) or k) for k, v in students.items()}
    return students, scores, submitted


def collect(layout: CourseLayout) -> EvaluationData:
    """Every table of the evaluation from the course at ``layout``."""
    from ebpm.grading import learners as learner_table, merge
    from ebpm.grading.release import release_times

    if not merge.gradebook_exists(layout.db_url):
        raise EbpmError("成績簿がありません。先に `.venv/bin/ebpm release <課題>` で課題を登録し、提出物を採点してください。")
    table = learner_table.read_table(layout)
    allocation = forms.read(layout)
    students, scores, submitted = _gradebook(layout)
    active, stored_times = _versions(layout)
    released = {a: t["first"] for a, t in release_times(layout).items()}
    ids = sorted(set(table) | set(students))
    learners = pd.DataFrame({"受講者ID": ids,
                             "所属": [table[i].affiliation if i in table else "" for i in ids],
                             "最初の形式": [allocation[i].first if i in allocation else "" for i in ids]})
    labels = interface.skills()
    points = interface.points_per_skill()
    last_workshop = datetime.fromisoformat(released[LAST_WORKSHOP]) if LAST_WORKSHOP in released else None
    skill_rows, flags, check_form = [], [], {}
    for learner in ids:
        taken = {form: scores.get(form, {}).get(learner) for form in SKILL_FORMS}
        taken = {form: value for form, value in taken.items() if value is not None}
        planned = allocation[learner].first if learner in allocation else None
        occasions: dict[str, str] = {}
        if len(taken) == 2:
            (f1, (t1, _)), (f2, (t2, _)) = sorted(taken.items(), key=lambda kv: kv[1][0] or datetime.max.replace(tzinfo=TOKYO))
            occasions = {f1: "before", f2: "after"}
            if planned and f1 != planned:
                flags.append((learner, f"割り当ては形式 {planned} が先ですが、提出は形式 {f1} が先でした（提出日時の順で前後を決めました）。"))
        elif len(taken) == 1:
            [(form, (when, _))] = taken.items()
            if last_workshop is not None and when is not None:
                occasions = {form: "before" if when < last_workshop else "after"}
            elif planned:
                occasions = {form: "before" if form == planned else "after"}
            if planned and occasions and (occasions[form] == "before") != (form == planned):
                flags.append((learner, f"形式 {form} だけが提出されていますが、その時期（{'研修前' if occasions[form] == 'before' else '研修後'}）"
                                       f"は割り当て（形式 {planned} が先）と合いません。"))
            if not occasions:
                flags.append((learner, f"形式 {form} だけが提出され、割り当ても WS4 の配布日時もないため、前後が分かりません（集計から除きました）。"))
        for form in SKILL_FORMS:
            times = sorted(stored_times.get((SKILL_FORMS[form], learner), []))
            if len(times) >= 2 and times[-1] - times[0] >= SAME_FORM_GAP:
                flags.append((learner, f"形式 {form} が {times[0]:%Y-%m-%d} と {times[-1]:%Y-%m-%d} の 2 回提出されています"
                                       "（同じ形式を 2 回受けた可能性があります。採点には新しい方を使っています）。"))
        for form, occasion in occasions.items():
            check_form[(learner, occasion)] = form
            found = taken[form][1]
            for skill in labels:
                if skill in found:
                    skill_rows.append({"受講者ID": learner, "時期": occasion, "形式": form, "スキル": skill,
                                       "得点": found[skill], "満点": points})
        if not taken and planned:
            check_form[(learner, "before")] = planned
            check_form[(learner, "after")] = "B" if planned == "A" else "A"
    answer_rows, choice_rows = [], []
    for occasion, assignment in QUESTIONNAIRES.items():
        for learner in ids:
            folder = layout.submitted / learner / assignment
            for notebook in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
                try:
                    record = interface.read_answers(notebook)
                except EbpmError as error:   # one damaged record does not stop the report: it is named for the instructor
                    flags.append((learner, f"{assignment} のアンケートの記録を読めませんでした（集計から除きました）: {error}"))
                    continue
                if record is None:
                    continue
                if record.occasion != occasion:
                    flags.append((learner, f"{assignment} の回答の記録は「{record.occasion}」のものです（{occasion} として集計しました）。"))
                answer_rows += [{"受講者ID": learner, "時期": occasion, "項目": item, "回答": value}
                                for item, value in record.answers.items() if value is not None]
                choice_rows += [{"受講者ID": learner, "時期": occasion, "種類": kind, "選択肢": choice}
                                for kind, chosen in (("intentions", record.intentions), ("actions", record.actions))
                                for choice in chosen]
    handins = []
    steps = course_steps()
    for learner in ids:
        for step, assignment in steps:
            if assignment is None:
                occasion = "before" if step == FIRST_CHECK else "after"
                form = check_form.get((learner, occasion))
                if form is None:
                    handins.append({"受講者ID": learner, "段階": step, "課題": "", "ノートブック": "", "提出日時": ""})
                    continue
                assignment = SKILL_FORMS[form]
            times, notebooks = submitted.get(assignment, ({}, []))
            files = active.get(assignment, {}).get(learner, {})
            for notebook in notebooks or [assignment]:
                when = ""
                if f"{notebook}.ipynb" in files:
                    when = files[f"{notebook}.ipynb"]["handed_in"]
                elif learner in times and (not files) and (
                        not (layout.submitted / learner / assignment).is_dir()
                        or (layout.submitted / learner / assignment / f"{notebook}.ipynb").is_file()):
                    when = times[learner].isoformat(timespec="seconds") if times[learner] else ""
                handins.append({"受講者ID": learner, "段階": step, "課題": assignment, "ノートブック": notebook,
                                "提出日時": when})
    frame = lambda rows, name: pd.DataFrame(rows) if rows else empty(name)   # noqa: E731
    present = [label for label, _ in steps]
    if not any(r["提出日時"] for r in handins if r["段階"] == QUESTIONNAIRE_STEPS["followup"]) \
            and QUESTIONNAIRES["followup"] not in submitted:
        present.remove(QUESTIONNAIRE_STEPS["followup"])
        handins = [r for r in handins if r["段階"] != QUESTIONNAIRE_STEPS["followup"]]
    return EvaluationData(
        learners=learners, skills=frame(skill_rows, "skills"), answers=frame(answer_rows, "answers"),
        choices=frame(choice_rows, "choices"), handins=frame(handins, "handins"),
        releases=pd.DataFrame([{"課題": a, "配布日時": t} for a, t in released.items()], columns=["課題", "配布日時"]),
        flags=pd.DataFrame(flags, columns=["受講者ID", "内容"]),
        skill_labels=labels, item_labels=dict(interface.items() or []),
        choice_labels={kind: dict(interface.choices(kind) or []) for kind in ("intentions", "actions")},
        steps=present, synthetic=False, note=f"研修「{layout.course_id}」の成績簿と提出物（{datetime.now(TOKYO):%Y-%m-%d %H:%M} に集計）")


def learner_names(layout: CourseLayout) -> dict[str, str]:
    from ebpm.grading import learners as learner_table

    return {k: v.name for k, v in learner_table.read_table(layout).items()}
