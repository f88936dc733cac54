"""nbgrader settings of the EBPM course (checked with nbgrader 0.9.6).

Run nbgrader from the repository root. Everything grading produces (submissions, autograded
copies, feedback, the gradebook, the exchange used in local tests) lives under the git-ignored
folder ``_grading/`` so that the repository root keeps only the course itself.
"""
import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it reads this file)

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
GRADING_ROOT = os.path.join(COURSE_ROOT, "_grading")
os.makedirs(GRADING_ROOT, exist_ok=True)  # SQLite cannot create the folder of its database

# nbgrader runs `alembic` by name: put this environment's bin/ first on PATH, so that
# `.venv/bin/nbgrader ...` works without activating the environment.
_OWN_BIN = os.path.dirname(sys.executable)
if os.environ.get("PATH", "").split(os.pathsep)[:1] != [_OWN_BIN]:
    os.environ["PATH"] = _OWN_BIN + os.pathsep + os.environ.get("PATH", "")

# one course id per cohort on a shared hub: the hub gives each member's server EBPM_COURSE_ID
# (deploy/jupyterhub_cohorts.py); a course folder may also set its own id here.
c.CourseDirectory.course_id = os.environ.get("EBPM_COURSE_ID", "ebpm")
c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = "_grading/submitted"
c.CourseDirectory.autograded_directory = "_grading/autograded"
c.CourseDirectory.feedback_directory = "_grading/feedback"
c.CourseDirectory.solution_directory = "_grading/solution"
# The gradebook: a SQLite file under _grading/ unless EBPM_GRADEBOOK_URL names another database,
# for example the hub's PostgreSQL (postgresql+psycopg://user:password@host/ebpm_gradebook; see
# docs/jupyterhub.md). `ebpm grade` works with both.
c.CourseDirectory.db_url = (os.environ.get("EBPM_GRADEBOOK_URL")
                            or "sqlite:///" + os.path.join(GRADING_ROOT, "gradebook.db"))

# Learners hand in notebooks only. `include` filters what the exchange submits and collects;
# `ignore` keeps any other file a learner left in the folder (a `pandas.py` that would shadow
# the real library, a `.pth`, a compiled module) out of the autograded copy. nbgrader offers no
# single "notebooks only" switch for autograde, so both are needed.
# timestamp.txt and submission_secret.txt are written by `nbgrader submit`; without them in
# `include`, collect drops them and release_feedback fails (found by tests/test_hub.py).
c.CourseDirectory.include = ["*.ipynb", "timestamp.txt", "submission_secret.txt"]
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
    "*.py", "*.pth", "*.so", "*.pyd", "*.egg-link",
]

# Validate's summary in Japanese (the same settings reach learners through scripts/configure_jupyter.py).
from ebpm.nbgrader_ja import configure_validator  # noqa: E402

configure_validator(c)

# Japanese stubs (code_stub must be a dict keyed by language).
c.ClearSolutions.code_stub = {
    "python": "# ここにコードを書いてください\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "ここに回答を書いてください。"

# A cell that runs longer than this scores 0; later cells still run.
c.Execute.timeout = 60

# A deleted test cell comes back (and scores 0) instead of vanishing from the grade.
c.OverwriteCells.add_missing_cells = True

c.Exchange.timezone = "Asia/Tokyo"
c.NbGraderAPI.timezone = "Asia/Tokyo"
c.Exchange.root = os.environ.get("EBPM_EXCHANGE", "/srv/nbgrader/exchange")

# nbgrader waits 4 s by default for a cell's output messages; on a busy grading machine that fails
# whole submissions, so allow more.
c.Execute.iopub_timeout = 30

# Learners' feedback must not reveal hidden tests: ClearHiddenTests cleans the test cells' source,
# ClearHiddenTracebacks the lines of hidden tests that a failing test's traceback quotes, and
# ClearLibraryFrames the frames of library files (internals, with server paths).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "ebpm.grading.hidden.ClearHiddenTracebacks",
    "nbgrader.preprocessors.ClearHiddenTests",
    "ebpm.grading.hidden.ClearLibraryFrames",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
