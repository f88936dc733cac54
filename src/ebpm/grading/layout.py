"""Where a course keeps its grading files, read from the course's nbgrader_config.py."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ebpm.course import CONFIG_FILE
from ebpm.errors import EbpmError


@dataclass(frozen=True)
class CourseLayout:
    """Absolute paths of one course folder (the repository, or a copy of it in a test)."""

    root: Path
    course_id: str
    source: Path
    release: Path
    submitted: Path
    autograded: Path
    feedback: Path
    db_url: str
    db_path: Path | None = None  # the SQLite file, or None for a server gradebook (PostgreSQL)

    @property
    def grading(self) -> Path:
        """The folder of everything grading writes (``_grading/``): the SQLite gradebook's folder,
        else the folder that holds the autograded copies."""
        return (self.db_path or self.autograded).parent

    @property
    def journal(self) -> Path:
        return self.grading / "grade_journal.jsonl"

    @property
    def logs(self) -> Path:
        return self.grading / "logs"

    @property
    def exports(self) -> Path:
        return self.grading / "exports"

    @property
    def learner_table(self) -> Path:
        return self.grading / "learners.csv"

    @property
    def data(self) -> Path:
        """The course data/ folder that learner code must never change."""
        from ebpm import datasets

        own = self.root / "data"
        return own if (own / "datapackage.json").is_file() else datasets.data_dir()


def load(root: Path | None = None) -> CourseLayout:
    """The layout of the course at ``root`` (default: the working directory if it is a course, else the repository)."""
    from traitlets.config.loader import PyFileConfigLoader

    from ebpm import course

    root = (root or course.course_root()).resolve()
    if not (root / CONFIG_FILE).is_file():
        raise EbpmError(f"{root} に {CONFIG_FILE} がありません。研修のフォルダを指定してください。")
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    cd = config.CourseDirectory

    def folder(name: str, default: str) -> Path:
        value = cd.get(name, default)
        path = Path(value)
        return path if path.is_absolute() else root / path

    db_url = cd.get("db_url", f"sqlite:///{root / 'gradebook.db'}")
    db_path = None
    if db_url.startswith("sqlite:///"):
        db_path = Path(db_url[len("sqlite:///"):])
        if not db_path.is_absolute():
            db_path = root / db_path
        db_url = f"sqlite:///{db_path}"
    elif db_url.startswith("sqlite:"):
        raise EbpmError(f"成績簿の db_url は sqlite:///<ファイル> の形にしてください（いまは {db_url}）。")
    return CourseLayout(
        root=root,
        course_id=cd.get("course_id", "default_course"),
        source=folder("source_directory", "source"),
        release=folder("release_directory", "release"),
        submitted=folder("submitted_directory", "submitted"),
        autograded=folder("autograded_directory", "autograded"),
        feedback=folder("feedback_directory", "feedback"),
        db_url=db_url,
        db_path=db_path,
    )
