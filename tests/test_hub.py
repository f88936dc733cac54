"""The course on a real JupyterHub: release, fetch, submit, grade and feedback, end to end.

A JupyterHub on 127.0.0.1 with the npm configurable-http-proxy (installed into .node/ by
scripts/install_system_deps.sh), a password test authenticator, and JupyterHub's
SimpleLocalProcessSpawner (no operating-system users: each hub user gets a home under a temporary
folder). Two cohorts, each its own nbgrader course (deploy/jupyterhub_cohorts.py): course ``ebpm``
with one instructor and two learners, course ``ebpm-b`` with one instructor and one learner. Learners act through their own servers' HTTP API (the
nbgrader Assignments endpoints the JupyterLab panel calls, and the contents API for typing answers);
the instructor's nbgrader and `ebpm grade` run in the course folder in the instructor's home with
exactly the environment of the instructor's server (read from the server process).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import requests

from ebpm import course
from tests.servers import free_port, wait_for, write_hub_config

# one pytest-xdist worker runs this whole module, so its expensive shared fixture is built once
pytestmark = pytest.mark.xdist_group("hub")

ROOT = course.repo_root()
BIN = Path(sys.executable).parent
CHP = ROOT / ".node" / "node_modules" / ".bin" / "configurable-http-proxy"
ARTIFACTS = ROOT / "test-artifacts"
COURSE_ID = "ebpm"
INSTRUCTOR = "instructor"
LEARNERS = ("learner-a", "learner-b")
# the second cohort on the same hub
COURSE_B, INSTRUCTOR_B, LEARNER_C = "ebpm-b", "instructor-b", "learner-c"
COHORTS = {
    COURSE_ID: {"instructors": [INSTRUCTOR], "learners": list(LEARNERS)},
    COURSE_B: {"instructors": [INSTRUCTOR_B], "learners": [LEARNER_C]},
}
USERS = (INSTRUCTOR, *LEARNERS, INSTRUCTOR_B, LEARNER_C)
TIMINGS: dict[str, float] = {}


def _require_tools() -> None:
    missing = [str(p) for p in (CHP, BIN / "jupyterhub", BIN / "jupyterhub-singleuser") if not Path(p).exists()]
    if missing:
        message = ("JupyterHub のテストに必要なものがありません: " + ", ".join(missing)
                   + "。`make setup`（scripts/install_system_deps.sh と pip install）で入れてください。")
        if os.environ.get("EBPM_ALLOW_SKIP"):
            pytest.skip(message)
        pytest.fail(message)


def _record(name: str, seconds: float) -> None:
    """Keep a timing for the report: printed (pytest -s) and in test-artifacts/hub_timings.json."""
    TIMINGS[name] = round(seconds, 1)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "hub_timings.json").write_text(json.dumps(TIMINGS, indent=2) + "\n", encoding="utf-8")
    print(f"[timing] {name}: {seconds:.1f} s")


class Hub:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.port, self.hub_port, self.api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.service_token = secrets.token_hex(16)
        self.exchange = tmp / "exchange"
        self.etc = tmp / "etc" / "jupyter"
        self.tokens: dict[str, str] = {}
        self.process: subprocess.Popen | None = None

    # --- hub API ---------------------------------------------------------------------------------
    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.service_token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers, timeout=30, **kwargs)

    def user_api(self, user: str, method: str, path: str, as_user: str | None = None, **kwargs):
        headers = {"Authorization": f"token {self.tokens[as_user or user]}"}
        return requests.request(method, f"{self.url}/user/{user}{path}", headers=headers, timeout=300,
                                allow_redirects=False, **kwargs)

    def server_env(self, user: str) -> dict[str, str]:
        model = self.api("GET", f"/users/{user}").json()
        pid = model["servers"][""]["state"]["pid"]
        raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        return dict(item.decode().split("=", 1) for item in raw if b"=" in item)

    def home(self, user: str) -> Path:
        return self.tmp / "home" / user

    # --- life cycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self.exchange.mkdir(parents=True)
        os.chmod(self.exchange, 0o777)
        self.etc.mkdir(parents=True)
        shutil.copy2(ROOT / "deploy" / "nbgrader_config.py", self.etc / "nbgrader_config.py")
        cohorts_file = self.tmp / "cohorts.json"
        cohorts_file.write_text(json.dumps({"exchange_root": str(self.exchange), "cohorts": COHORTS}), encoding="utf-8")
        environment = {  # each cohort's course id, instructors and exchange come from deploy/jupyterhub_cohorts.py
            "TZ": "Asia/Tokyo",
            "JUPYTER_CONFIG_PATH": str(self.etc),
            "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        }
        config = write_hub_config(
            self.tmp, port=self.port, hub_port=self.hub_port, api_port=self.api_port, proxy=CHP,
            password=secrets.token_hex(8), users=USERS, admin_users=[INSTRUCTOR], environment=environment,
            service="e2e", service_token=self.service_token, subconfig=ROOT / "deploy" / "jupyterhub_cohorts.py",
        )
        log = open(self.tmp / "jupyterhub.log", "w")
        env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "EBPM_COHORTS_FILE": str(cohorts_file)}
        env.pop("JUPYTERHUB_API_TOKEN", None)
        self.process = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(config)],
            cwd=self.tmp, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
        self._wait(lambda: self.api("GET", "/").ok, "the hub API", 120)

    def _wait(self, ready, what: str, seconds: float) -> None:
        wait_for(ready, self.process, what, timeout=seconds, describe_failure=self.log_tail)

    def spawn_all(self) -> None:
        for user in USERS:
            assert self.api("POST", "/users", json={"usernames": [user]}).status_code in (201, 409)
            created = self.api("POST", f"/users/{user}/tokens", json={"note": "e2e", "expires_in": 3600})
            assert created.status_code == 201, created.text
            self.tokens[user] = created.json()["token"]
            started = self.api("POST", f"/users/{user}/server")
            assert started.status_code in (201, 202), started.text

        def all_ready() -> bool:
            return all(self.api("GET", f"/users/{u}").json()["servers"].get("", {}).get("ready") for u in USERS)

        self._wait(all_ready, f"{len(USERS)} single-user servers", 240)

    def log_tail(self) -> str:
        path = self.tmp / "jupyterhub.log"
        return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            # JupyterHub stops the single-user servers it spawned on SIGTERM (cleanup_servers).
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy2(self.tmp / "jupyterhub.log", ARTIFACTS / "jupyterhub.log")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    _require_tools()
    hub = Hub(tmp_path_factory.mktemp("hub"))
    start = time.perf_counter()
    try:
        hub.start()
        _record("hub start -> hub API up", time.perf_counter() - start)
        hub.spawn_all()
        _record(f"hub start -> {len(USERS)} servers ready", time.perf_counter() - start)
        yield hub
    finally:
        hub.stop()


# --- the tests ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_each_learner_reaches_only_their_own_server(hub):
    a, b = LEARNERS
    assert hub.user_api(a, "GET", "/api/contents").status_code == 200
    assert hub.user_api(b, "GET", "/api/contents").status_code == 200
    for owner, intruder in ((b, a), (a, b), (INSTRUCTOR, a)):
        refused = hub.user_api(owner, "GET", "/api/contents", as_user=intruder)
        assert refused.status_code in (403, 404), (owner, intruder, refused.status_code, refused.text[:200])
        assert '"content"' not in refused.text
    # no token at all: sent to the hub's login, never served
    anonymous = requests.get(f"{hub.url}/user/{a}/api/contents", timeout=30, allow_redirects=False)
    assert anonymous.status_code in (302, 403), anonymous.status_code


@pytest.mark.slow
def test_learner_server_environment(hub):
    learner = LEARNERS[0]
    env = hub.server_env(learner)
    assert env["TZ"] == "Asia/Tokyo"
    assert env["JUPYTERHUB_USER"] == learner
    assert env["HOME"] == str(hub.home(learner))
    # the learner view: Assignments and Validate, no formgrader or create-assignment
    assert hub.user_api(learner, "GET", "/formgrader").status_code == 404
    page = hub.user_api(learner, "GET", "/lab").text
    disabled = page.split('"disabledExtensions"', 1)[1].split("]", 1)[0]
    assert "@jupyter/nbgrader:formgrader" in disabled and "@jupyter/nbgrader:create-assignment" in disabled
    courses = hub.user_api(learner, "GET", "/assignments", params={"course_id": COURSE_ID})
    assert courses.status_code == 200 and courses.json()["success"], courses.text[:300]
    # the learner's nbgrader student id is the hub user name
    probe = subprocess.run(
        [str(BIN / "python"), "-c",
         "from nbgrader.apps import NbGrader; a = NbGrader(); a.initialize([]); "
         "print(a.coursedir.student_id, a.coursedir.course_id)"],
        cwd=hub.home(learner), env=env, capture_output=True, text=True, timeout=120,
    )
    assert probe.stdout.split() == [learner, COURSE_ID], probe.stderr[-2000:]


def _first_notebook() -> tuple[str, Path]:
    assignment = "prestudy" if "prestudy" in course.assignment_ids() else course.assignment_ids()[0]
    return assignment, sorted((course.solutions_dir() / assignment).glob("*.ipynb"))[0]


def _instructor(hub: Hub, course_dir: Path, *args: str, timeout: int = 600,
                instructor: str = INSTRUCTOR) -> subprocess.CompletedProcess:
    result = subprocess.run(list(args), cwd=course_dir, env=hub.server_env(instructor),
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _assignments_action(hub: Hub, user: str, action: str, assignment: str, course_id: str = COURSE_ID) -> None:
    response = hub.user_api(user, "POST", f"/assignments/{action}",
                            data={"course_id": course_id, "assignment_id": assignment})
    assert response.status_code == 200, (user, action, response.status_code, response.text[:500])
    body = response.json()
    assert body.get("success") is True, (user, action, body)


def _type_the_answers(hub: Hub, user: str, path: str, solution: Path) -> None:
    """What a learner does in JupyterLab: write code into the answer cells, then save."""
    model = hub.user_api(user, "GET", f"/api/contents/{path}", params={"content": 1}).json()
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nbformat.read(solution, as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    notebook = model["content"]
    filled = 0
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            cell["source"] = answers[meta["grade_id"]].replace("### BEGIN SOLUTION\n", "").replace(
                "### END SOLUTION", "")
            filled += 1
    assert filled, "the notebook has no answer cell"
    saved = hub.user_api(user, "PUT", f"/api/contents/{path}",
                         json={"type": "notebook", "format": "json", "content": notebook})
    assert saved.status_code in (200, 201), saved.text[:300]


@pytest.mark.slow
def test_release_fetch_submit_grade_and_feedback_round_trip(hub):
    start = time.perf_counter()
    assignment, solution = _first_notebook()
    solved, blank = LEARNERS

    # the instructor's course folder in their home: the course's nbgrader config and one notebook
    course_dir = hub.home(INSTRUCTOR) / "ebpm-course"
    (course_dir / "solutions" / assignment).mkdir(parents=True)
    shutil.copy2(ROOT / "nbgrader_config.py", course_dir / "nbgrader_config.py")
    shutil.copy2(solution, course_dir / "solutions" / assignment / solution.name)
    nbgrader = str(BIN / "nbgrader")
    for learner in LEARNERS:
        _instructor(hub, course_dir, nbgrader, "db", "student", "add", learner)
    _instructor(hub, course_dir, nbgrader, "generate_assignment", assignment, "--force")
    _instructor(hub, course_dir, nbgrader, "release_assignment", assignment, "--force")

    path = f"{assignment}/{solution.name}"
    for learner in LEARNERS:
        _assignments_action(hub, learner, "fetch", assignment)
        fetched = hub.user_api(learner, "GET", f"/api/contents/{path}", params={"content": 0})
        assert fetched.status_code == 200, f"{learner} did not get {path}"
    _type_the_answers(hub, solved, path, solution)
    for learner in LEARNERS:
        _assignments_action(hub, learner, "submit", assignment)
    listing = hub.user_api(solved, "GET", "/assignments", params={"course_id": COURSE_ID}).json()["value"]
    assert any(a["status"] == "submitted" and a["assignment_id"] == assignment for a in listing), listing

    _instructor(hub, course_dir, nbgrader, "collect", assignment)
    for learner in LEARNERS:
        assert (course_dir / "_grading" / "submitted" / learner / assignment / solution.name).is_file()
    grader = "ebpm grade"
    try:
        _instructor(hub, course_dir, str(BIN / "ebpm"), "grade", assignment, "--root", str(course_dir),
                    "--jobs", "2", timeout=900)
    except (AssertionError, subprocess.TimeoutExpired) as error:  # reported, then graded the plain way
        grader = f"nbgrader autograde (ebpm grade failed: {str(error)[:300]})"
        _instructor(hub, course_dir, nbgrader, "autograde", assignment, "--force", timeout=900)
        _instructor(hub, course_dir, nbgrader, "generate_feedback", assignment, "--force")
    print(f"[grader] {grader}")
    (ARTIFACTS / "hub_grader.txt").write_text(grader + "\n", encoding="utf-8")
    _instructor(hub, course_dir, nbgrader, "release_feedback", assignment)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / '_grading' / 'gradebook.db'}", COURSE_ID) as gradebook:
        def auto_grades(student: str) -> list[tuple[str, float, float]]:
            submission = gradebook.find_submission(assignment, student)
            return [(g.name, g.score, g.max_score) for nb in submission.notebooks for g in nb.grades
                    if g.cell_type == "code"]  # Markdown answers wait for the instructor's manual grade

        full, empty = auto_grades(solved), auto_grades(blank)
        assert full and sum(m for _, _, m in full) > 0
        assert all(score == max_score for _, score, max_score in full), full
        assert all(score == 0 for _, score, _ in empty), empty
        scores = {solved: sum(s for _, s, _ in full), blank: sum(s for _, s, _ in empty)}
        print(f"[scores] auto-graded points: {scores} of {sum(m for _, _, m in full)}")

    for learner in LEARNERS:
        _assignments_action(hub, learner, "fetch_feedback", assignment)
        listing = hub.user_api(learner, "GET", f"/api/contents/{assignment}/feedback").json()
        assert listing["content"], f"{learner} received no feedback"
        stamp = listing["content"][0]["path"]
        html_name = solution.with_suffix(".html").name
        html = hub.user_api(learner, "GET", f"/api/contents/{stamp}/{html_name}",
                            params={"content": 1, "format": "text", "type": "file"}).json()["content"]
        assert "BEGIN HIDDEN TESTS" not in html
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"feedback_{learner}.html").write_text(html, encoding="utf-8")
    _record("release -> fetch -> submit -> grade -> feedback (end to end)", time.perf_counter() - start)


@pytest.mark.slow
def test_two_cohorts_each_see_only_their_own_course(hub):
    """Each cohort's instructor releases an assignment of the same name in their own course; each
    learner lists, fetches and submits only their own cohort's; each instructor collects only theirs."""
    start = time.perf_counter()
    probe = "cohort_probe"
    learner_notebook = sorted((ROOT / "notebooks" / "prestudy").glob("*.ipynb"))[0]
    nbgrader = str(BIN / "nbgrader")
    folders = {}
    for instructor, course_id in ((INSTRUCTOR, COURSE_ID), (INSTRUCTOR_B, COURSE_B)):
        env = hub.server_env(instructor)
        assert (env["EBPM_COURSE_ID"], env["EBPM_INSTRUCTORS"]) == (course_id, instructor)
        assert env["EBPM_EXCHANGE"] == str(hub.exchange / course_id)
        folders[course_id] = hub.home(instructor) / f"cohort-{course_id}"
        (folders[course_id] / "notebooks" / probe).mkdir(parents=True)
        shutil.copy2(ROOT / "nbgrader_config.py", folders[course_id] / "nbgrader_config.py")
        # the notebook's name says whose course it is
        shutil.copy2(learner_notebook, folders[course_id] / "notebooks" / probe / f"{course_id}.ipynb")
        _instructor(hub, folders[course_id], nbgrader, "release_assignment", probe, "--force", instructor=instructor)

    members = {LEARNERS[0]: COURSE_ID, LEARNER_C: COURSE_B}
    for learner, own in members.items():
        other = COURSE_B if own == COURSE_ID else COURSE_ID
        courses = hub.user_api(learner, "GET", "/courses").json()
        assert courses["success"] and courses["value"] == [own], (learner, courses)
        listed = hub.user_api(learner, "GET", "/assignments", params={"course_id": own}).json()["value"]
        released = [a for a in listed if a["assignment_id"] == probe]
        assert released and {n["notebook_id"] for n in released[0]["notebooks"]} == {own}, (learner, listed)
        assert hub.user_api(learner, "GET", "/assignments", params={"course_id": other}).json()["value"] == []
        # the panel's fetch answers with the course's list whatever happened: look at what arrived
        hub.user_api(learner, "POST", "/assignments/fetch", data={"course_id": other, "assignment_id": probe})
        assert hub.user_api(learner, "GET", f"/api/contents/{probe}/{other}.ipynb").status_code == 404
        _assignments_action(hub, learner, "fetch", probe, own)
        assert hub.user_api(learner, "GET", f"/api/contents/{probe}/{own}.ipynb", params={"content": 0}).ok
        _assignments_action(hub, learner, "submit", probe, own)

    for course_id, instructor in ((COURSE_B, INSTRUCTOR_B), (COURSE_ID, INSTRUCTOR)):
        _instructor(hub, folders[course_id], nbgrader, "collect", probe, instructor=instructor)
        collected = {p.name for p in (folders[course_id] / "_grading" / "submitted").iterdir()}
        assert collected == {learner for learner, own in members.items() if own == course_id}, (course_id, collected)

    # on the hub itself: an instructor may open their own cohort's servers, not the other cohort's
    assert hub.user_api(LEARNER_C, "GET", "/api/contents", as_user=INSTRUCTOR_B).status_code == 200
    refused = hub.user_api(LEARNERS[0], "GET", "/api/contents", as_user=INSTRUCTOR_B)
    assert refused.status_code in (403, 404), refused.status_code
    _record("two cohorts: release, list, fetch, submit, collect", time.perf_counter() - start)
