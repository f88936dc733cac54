"""研修の効果を測る (issue 27): the skills check, the questionnaires and the organiser's report.

The room is split by job:

- :mod:`ebpm.evaluation.skills` and :mod:`ebpm.evaluation.questionnaire` (their own helpers): the
  skills check's cells and the questionnaire's items and stored record;
- :mod:`ebpm.evaluation.interface`: those two as the collector, the report and the cohorts read them;
- :mod:`ebpm.evaluation.forms`: which form (A/B) each learner takes first, allocated at random;
- :mod:`ebpm.evaluation.data`: the tables every analysis reads (:class:`EvaluationData`), saved as CSV;
- :mod:`ebpm.evaluation.collect`: those tables from a course's gradebook and handed-in notebooks;
- :mod:`ebpm.evaluation.stats`: paired gains with 95 % t intervals, d_z, form difficulty, small groups;
- :mod:`ebpm.evaluation.anonymise`: the CSV other municipalities may receive;
- :mod:`ebpm.evaluation.sections` and :mod:`ebpm.evaluation.report`: the organiser's report (a
  papermill-parameterised notebook, rendered like the town karte);
- :mod:`ebpm.synth.cohorts`: synthetic cohorts with a known true gain.
"""
from __future__ import annotations

# the assignments of issue 27 (catalogue kind 効果測定); they never count toward 修了
EVALUATION_KIND = "効果測定"
QUESTIONNAIRES = {"before": "questionnaire_before", "after": "questionnaire_after",
                  "followup": "questionnaire_followup"}
SKILL_FORMS = {"A": "skills_check_a", "B": "skills_check_b"}
EVALUATION_ASSIGNMENTS = (*SKILL_FORMS.values(), *QUESTIONNAIRES.values())


def is_evaluation(assignment_id: str) -> bool:
    """Is this an assignment of the evaluation (never counted toward 修了, never 'missing work')?"""
    from ebpm import catalog

    if assignment_id in EVALUATION_ASSIGNMENTS:
        return True
    try:
        return catalog.assignment(assignment_id).kind == EVALUATION_KIND
    except KeyError:
        return False
