"""``python -m ebpm.grading.feedback_app A [nbgrader options]``: stock generate_feedback, made safe.

It is nbgrader's own ``GenerateFeedbackApp`` after the course's configuration has been read,
with ``ClearHiddenTracebacks``, ``ClearHiddenTests`` and ``ClearLibraryFrames`` made sure of in
the feedback preprocessors (hidden tests out of sources *and* tracebacks, no library frames with
server paths), whatever nbgrader_config.py says, and ``feedback_pages``' steps (answer cells' errors
explained in Japanese, exercise titles in place of grade ids).
"""
from __future__ import annotations

import sys

from nbgrader.apps.generatefeedbackapp import GenerateFeedbackApp

HIDDEN_TRACEBACKS = "ebpm.grading.hidden.ClearHiddenTracebacks"
HIDDEN_TESTS = "nbgrader.preprocessors.ClearHiddenTests"
LIBRARY_FRAMES = "ebpm.grading.hidden.ClearLibraryFrames"
EXPLAIN_ERRORS = "ebpm.grading.feedback_pages.ExplainErrors"
EXERCISE_TITLES = "ebpm.grading.feedback_pages.ExerciseTitles"
OURS = (HIDDEN_TRACEBACKS, HIDDEN_TESTS, LIBRARY_FRAMES, EXPLAIN_ERRORS, EXERCISE_TITLES)


def _name(item) -> str:
    return item if isinstance(item, str) else f"{item.__module__}.{item.__name__}"


def safe_preprocessors(configured: list) -> list:
    """GetGrades first, then hidden tracebacks, hidden tests and library frames cleared, answer cells' errors
    explained in Japanese and exercise titles given to graded cells, then the rest."""
    names = [_name(p) for p in configured]
    rest = [p for p, n in zip(configured, names) if n not in OURS and not n.endswith("ClearHiddenTests")]
    first = [p for p in rest if _name(p).endswith("GetGrades")]
    others = [p for p in rest if not _name(p).endswith("GetGrades")]
    return [*first, *OURS, *others]


class EbpmGenerateFeedbackApp(GenerateFeedbackApp):
    def start(self) -> None:
        from nbgrader.converters import GenerateFeedback

        configured = self.config.GenerateFeedback.get("preprocessors", GenerateFeedback.preprocessors.default_value)
        self.config.GenerateFeedback.preprocessors = safe_preprocessors(list(configured))
        super().start()


def main() -> None:
    EbpmGenerateFeedbackApp.launch_instance(argv=sys.argv[1:])


if __name__ == "__main__":
    main()
