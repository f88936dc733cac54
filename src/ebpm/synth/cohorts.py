"""Synthetic cohorts of the course with a known true gain, for the evaluation report and its tests.

A cohort is seeded. Each learner has an ability, a 所属 (groups of various sizes, some under five),
a form allocated as ``ebpm evaluate forms`` does, and may stop at any step of the course (at random,
independently of ability: the report's estimates are then unbiased for the cohort's population, which
is what the coverage test checks). Scores and answers come from simple models:

- a skill's score is the number of its :func:`points` items solved, each with probability
  ``base + ability + form_shift·[form A] + gain·[after]`` (clipped to 0.02–0.98);
- a questionnaire item is ``base + ability + gain·[after]`` (70 % of the gain three months later)
  plus noise, rounded and clipped to 1–5.

The **true gain** of a skill or item (:func:`true_gains`) is the mean paired difference in the
population, forms balanced, computed once from a very large cohort of the same generator; the
**true form difference** is its A − B in points. :func:`cohort` gives the tables the collector gives
(:class:`ebpm.evaluation.data.EvaluationData`); :func:`write_course` turns a cohort into a real course
folder (gradebook, learner table, allocation, handed-in notebooks, release times) for end-to-end tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ebpm.evaluation import QUESTIONNAIRES, SKILL_FORMS, interface, questionnaire
from ebpm.evaluation.data import (FIRST_CHECK, QUESTIONNAIRE_STEPS, SECOND_CHECK, EvaluationData, course_steps,
                                  empty)

TOKYO = ZoneInfo("Asia/Tokyo")
START = datetime(2027, 1, 12, 9, 0, tzinfo=TOKYO)
GROUPS = {"企画課": 9, "福祉課": 7, "税務課": 5, "総務課": 3, "防災課": 2}


@dataclass(frozen=True)
class CohortSpec:
    """Everything a cohort is drawn from (sizes, true gains, form difference, dropout)."""

    groups: dict[str, int] = field(default_factory=lambda: dict(GROUPS))
    skill_base: float = 0.35
    skill_gain: dict[str, float] = field(default_factory=dict)   # per skill, on the probability scale
    default_skill_gain: float = 0.15
    form_shift: float = 0.05     # form A easier by this on the probability scale (0: parallel forms)
    ability_sd: float = 0.12
    item_base: float = 2.4
    item_gain: dict[str, float] = field(default_factory=dict)
    default_item_gain: float = 0.6
    item_noise: float = 0.7
    dropout: float = 0.04        # chance to stop before each step
    nonresponse: float = 0.05    # chance to skip one questionnaire while still in the course
    followup: bool = True

    @property
    def size(self) -> int:
        return sum(self.groups.values())


def skill_ids() -> list[str]:
    return list(interface.skills())


def item_labels() -> dict[str, str]:
    return dict(interface.items())


def choice_labels() -> dict[str, dict[str, str]]:
    return {"intentions": dict(interface.choices("intentions")),
            "actions": dict(interface.choices("actions"))}


def points() -> int:
    return int(interface.points_per_skill())


def _skill_gain(spec: CohortSpec, skill: str) -> float:
    return spec.skill_gain.get(skill, spec.default_skill_gain)


def _item_gain(spec: CohortSpec, item: str) -> float:
    return spec.item_gain.get(item, spec.default_item_gain)


def _forms(size: int, rng: np.random.Generator) -> np.ndarray:
    """Balanced forms in random order (as the allocation gives them: at most one apart)."""
    forms = np.array(["A", "B"] * (size // 2) + ([str(rng.choice(["A", "B"]))] if size % 2 else []))
    rng.shuffle(forms)
    return forms


def _scores(spec: CohortSpec, ability: np.ndarray, forms: np.ndarray, after: bool,
            rng: np.random.Generator) -> dict[str, np.ndarray]:
    out = {}
    for skill in skill_ids():
        p = spec.skill_base + ability + spec.form_shift * (forms == "A") + _skill_gain(spec, skill) * after
        out[skill] = rng.binomial(points(), np.clip(p, 0.02, 0.98)).astype(float)
    return out


def _likert(spec: CohortSpec, trait: np.ndarray, gain: float, rng: np.random.Generator) -> np.ndarray:
    values = spec.item_base + trait + gain + rng.normal(0, spec.item_noise, len(trait))
    return np.clip(np.rint(values), 1, 5).astype(int)


_TRUTHS: dict[str, dict[str, dict[str, float]]] = {}


def _truth(spec: CohortSpec) -> dict[str, dict[str, float]]:
    key = repr(spec)
    if key not in _TRUTHS:
        _TRUTHS[key] = _simulate_truth(spec)
    return _TRUTHS[key]


def _simulate_truth(spec: CohortSpec) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(20270112)
    size = 200_000
    ability = rng.normal(0, spec.ability_sd, size)
    first = _forms(size, rng)
    second = np.where(first == "A", "B", "A")
    before, after = _scores(spec, ability, first, False, rng), _scores(spec, ability, second, True, rng)
    skills = {s: float((after[s] - before[s]).mean()) for s in skill_ids()}
    skills["合計"] = sum(skills.values())
    on_a = _scores(spec, ability, np.full(size, "A"), False, rng)
    on_b = _scores(spec, ability, np.full(size, "B"), False, rng)
    forms = {s: float(on_a[s].mean() - on_b[s].mean()) for s in skill_ids()}
    forms["合計"] = sum(forms.values())
    items, later = {}, {}
    trait = rng.normal(0, 0.6, size)
    for item in item_labels():
        start = _likert(spec, trait, 0.0, rng)
        items[item] = float((_likert(spec, trait, _item_gain(spec, item), rng) - start).mean())
        later[item] = float((_likert(spec, trait, 0.7 * _item_gain(spec, item), rng) - start).mean())
    return {"skills": skills, "forms": forms, "items": items, "items_followup": later}


def true_gains(spec: CohortSpec | None = None) -> dict[str, dict[str, float]]:
    """{"skills": skill → points, "forms": skill → A − B points, "items": item → scale points,
    "items_followup": item → scale points} for the population of ``spec``."""
    return _truth(spec or CohortSpec())


def cohort(seed: int, spec: CohortSpec | None = None) -> EvaluationData:
    """One synthetic cohort as the collector would give it."""
    spec = spec or CohortSpec()
    rng = np.random.default_rng(seed)
    size = spec.size
    ids = [f"s{seed % 10000:04d}-{i:03d}" for i in range(size)]
    affiliation = np.array([g for g, n in spec.groups.items() for _ in range(n)])
    rng.shuffle(affiliation)
    ability = rng.normal(0, spec.ability_sd, size)
    trait = rng.normal(0, 0.6, size)
    first = _forms(size, rng)
    second = np.where(first == "A", "B", "A")
    steps = [label for label, _ in course_steps()]
    if not spec.followup:
        steps = steps[:-1]
    # the step at which each learner stops (len(steps): finishes)
    stops = np.full(size, len(steps))
    for i in range(size):
        for k in range(len(steps)):
            if k < len(steps) - 1 and rng.random() < spec.dropout:
                stops[i] = k
                break
    releases = {label: START + timedelta(weeks=2 * k) for k, label in enumerate(steps)}
    releases[QUESTIONNAIRE_STEPS["followup"]] = releases[QUESTIONNAIRE_STEPS["after"]] + timedelta(days=90)
    before, after = _scores(spec, ability, first, False, rng), _scores(spec, ability, second, True, rng)
    learners = pd.DataFrame({"受講者ID": ids, "所属": affiliation, "最初の形式": first})
    skills, answers, choices, handins, flags = [], [], [], [], []
    labels = item_labels()
    choice = choice_labels()
    full = float(points())
    assignment_of = dict(course_steps())
    for i, learner in enumerate(ids):
        for k, step in enumerate(steps):
            took = k < stops[i]
            if took and step in QUESTIONNAIRE_STEPS.values() and rng.random() < spec.nonresponse:
                took = False
            assignment = assignment_of.get(step) or SKILL_FORMS[first[i] if step == FIRST_CHECK else second[i]]
            when = releases[step] + timedelta(days=float(rng.exponential(3.0)))
            handins.append({"受講者ID": learner, "段階": step, "課題": assignment, "ノートブック": assignment,
                            "提出日時": when.isoformat(timespec="seconds") if took else ""})
            if not took:
                continue
            if step in (FIRST_CHECK, SECOND_CHECK):
                occasion = "before" if step == FIRST_CHECK else "after"
                form = first[i] if step == FIRST_CHECK else second[i]
                scores = before if occasion == "before" else after
                skills += [{"受講者ID": learner, "時期": occasion, "形式": form, "スキル": s, "得点": scores[s][i],
                            "満点": full} for s in skill_ids()]
            occasion = next((o for o, label in QUESTIONNAIRE_STEPS.items() if label == step), None)
            if occasion is not None:
                gain = {"before": 0.0, "after": 1.0, "followup": 0.7}[occasion]
                for item in labels:
                    value = _likert(spec, trait[i:i + 1], gain * _item_gain(spec, item), rng)[0]
                    answers.append({"受講者ID": learner, "時期": occasion, "項目": item, "回答": int(value)})
                kind = {"after": "intentions", "followup": "actions"}.get(occasion)
                options = [o for o in choice.get(kind, {}) if o != questionnaire.NONE_CHOICE] if kind else []
                picked = [o for o in options if rng.random() < 0.3 + 0.1 * (trait[i] > 0)]
                if kind and not picked and questionnaire.NONE_CHOICE in choice.get(kind, {}):
                    picked = [questionnaire.NONE_CHOICE]   # 特になし: only ever on its own, as the form allows
                choices += [{"受講者ID": learner, "時期": occasion, "種類": kind, "選択肢": o} for o in picked]
    release_rows = [{"課題": assignment_of.get(step) or SKILL_FORMS["A"], "配布日時": when.isoformat(timespec="seconds")}
                    for step, when in releases.items() if step not in (SECOND_CHECK,)]
    release_frame = pd.DataFrame(release_rows).drop_duplicates("課題")
    if (release_frame["課題"] == SKILL_FORMS["A"]).any():   # both forms are released on the first day
        release_frame = pd.concat([release_frame, pd.DataFrame([{"課題": SKILL_FORMS["B"],
                                   "配布日時": releases[FIRST_CHECK].isoformat(timespec="seconds")}])])
    frame = lambda rows, name: pd.DataFrame(rows) if rows else empty(name)   # noqa: E731
    return EvaluationData(
        learners=learners, skills=frame(skills, "skills"), answers=frame(answers, "answers"),
        choices=frame(choices, "choices"), handins=frame(handins, "handins"),
        releases=release_frame.reset_index(drop=True), flags=frame(flags, "flags"),
        skill_labels=interface.skills(), item_labels=labels, choice_labels=choice, steps=steps, synthetic=True,
        note=f"架空の受講者 {size} 人（ebpm.synth.cohorts、乱数の種 {seed}）")


def parallel(spec: CohortSpec | None = None) -> CohortSpec:
    """The same cohort with the two forms equally hard."""
    return replace(spec or CohortSpec(), form_shift=0.0)


# --- a real course folder from a cohort ------------------------------------------------------------------

def write_course(data: EvaluationData, root: Path) -> Path:
    """A course folder holding ``data`` as the course would: nbgrader_config.py, the gradebook (the skills
    checks' cells graded), ``learners.csv`` with 所属, ``forms.csv``, handed-in notebooks (questionnaire
    records written in the interface's format) and ``releases.json``. Returns the folder."""
    import shutil

    import nbformat
    from nbgrader.api import Gradebook

    from ebpm import catalog, course
    from ebpm.evaluation import forms
    from ebpm.grading import layout as layouts, learners as learner_table
    from ebpm.grading.release import record_release

    root = Path(root)
    (root / "solutions").mkdir(parents=True, exist_ok=True)
    shutil.copy(course.repo_root() / course.CONFIG_FILE, root / course.CONFIG_FILE)
    layout = layouts.load(root)
    layout.grading.mkdir(parents=True, exist_ok=True)
    names = {learner: f"受講者 {number:03d}" for number, learner in enumerate(data.learners["受講者ID"], start=1)}
    table = {row.受講者ID: learner_table.Learner(row.受講者ID, names[row.受講者ID], row.所属, "", [names[row.受講者ID]])
             for row in data.learners.itertuples()}
    learner_table.write_table(layout, table)
    forms.write(layout, {row.受講者ID: forms.Allocation(row.受講者ID, names[row.受講者ID], row.所属, row.最初の形式,
                                                       "synthetic") for row in data.learners.itertuples()})
    notebooks = {a.id: [n.file for n in a.notebooks] for a in catalog.assignments()}
    for assignment in (*SKILL_FORMS.values(), *QUESTIONNAIRES.values()):
        notebooks[assignment] = [assignment]
    scores = data.skills.set_index(["受講者ID", "形式", "スキル"])["得点"].to_dict()
    answers = {key: dict(zip(part["項目"], part["回答"])) for key, part in data.answers.groupby(["受講者ID", "時期"])}
    chosen = {key: list(part["選択肢"]) for key, part in data.choices.groupby(["受講者ID", "時期", "種類"])}
    for row in data.releases.itertuples():
        record_release(layout, row.課題, datetime.fromisoformat(row.配布日時))
    import warnings

    with Gradebook(layout.db_url, layout.course_id) as gradebook, warnings.catch_warnings():
        # stock nbgrader's add_submission triggers SQLAlchemy autoflush warnings; the rows are written all the same
        warnings.simplefilter("ignore")
        for assignment, files in notebooks.items():
            gradebook.update_or_create_assignment(assignment)
            for file in files:
                gradebook.add_notebook(file, assignment)
                if assignment in SKILL_FORMS.values():
                    for skill in skill_ids():
                        gradebook.add_grade_cell(interface.test_cell_id(skill), file, assignment,
                                                 max_score=float(points()), cell_type="code")
                elif assignment not in QUESTIONNAIRES.values():
                    gradebook.add_grade_cell("ex-1-test", file, assignment, max_score=1.0, cell_type="code")
        for learner, name in names.items():
            gradebook.update_or_create_student(learner, last_name=name)
        done = data.handins[data.handins["提出日時"] != ""].drop_duplicates(["受講者ID", "課題"])
        for row in done.itertuples():
            when = datetime.fromisoformat(row.提出日時)
            gradebook.add_submission(row.課題, row.受講者ID,
                                     timestamp=when.astimezone(ZoneInfo("UTC")).replace(tzinfo=None))
            form = next((f for f, a in SKILL_FORMS.items() if a == row.課題), None)
            for file in notebooks[row.課題]:
                if form is not None:
                    for skill in skill_ids():
                        grade = gradebook.find_grade(interface.test_cell_id(skill), file, row.課題, row.受講者ID)
                        grade.auto_score = scores.get((row.受講者ID, form, skill))
                folder = layout.submitted / row.受講者ID / row.課題
                folder.mkdir(parents=True, exist_ok=True)
                notebook = nbformat.v4.new_notebook()
                occasion = next((o for o, a in QUESTIONNAIRES.items() if a == row.課題), None)
                if occasion is not None:
                    cell = nbformat.v4.new_code_cell("questionnaire.show()")
                    cell.outputs = [nbformat.from_dict(interface.record_output(
                        occasion, answers.get((row.受講者ID, occasion), {}),
                        chosen.get((row.受講者ID, occasion, "intentions"), []),
                        chosen.get((row.受講者ID, occasion, "actions"), [])))]
                    notebook.cells.append(cell)
                nbformat.write(notebook, folder / f"{file}.ipynb")
                (folder / "timestamp.txt").write_text(when.isoformat(), encoding="utf-8")
        gradebook.db.commit()
    return root
